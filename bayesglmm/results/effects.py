"""Conditional effects, contrasts between levels, and hypotheses about parameters.

Effects and contrasts are predictions on a reference grid: the variables of interest
vary, every other numeric predictor (and offset column) sits at its mean and every
other categorical predictor at its first level. They are population-level predictions
(``re="none"``, a typical group), as in brms's ``conditional_effects``.

Examples
--------
>>> data = pd.DataFrame({"dose": [1.0, 3.0], "arm": ["a", "b"], "site": ["x", "y"]})
>>> reference_grid(data, {"arm": ["a", "b"]}).to_dict("list")
{'dose': [2.0, 2.0], 'arm': ['a', 'b'], 'site': ['x', 'x']}
"""

from __future__ import annotations

import ast
import itertools
import re

import numpy as np
import pandas as pd

from bayesglmm.errors import DataError, FormulaError, did_you_mean
from bayesglmm.formula.expressions import MAX_POWER, evaluate_arithmetic

GRID_POINTS = 25
"""Values of a numeric variable in an effects grid, evenly spaced over its range."""

CONTRAST_SCALES = {
    "link": ("linpred", lambda first, second: first - second, None),
    "response": ("mean", lambda first, second: first - second, None),
    "odds_ratio": ("linpred", lambda first, second: np.exp(first - second), "logit"),
    "ratio": ("mean", lambda first, second: first / second, None),
}
"""Per scale: the prediction it starts from, how two predictions combine, and the link
it requires (an odds ratio needs the logit link)."""

_FUNCTIONS = {
    "exp": np.exp,
    "log": np.log,
    "sqrt": np.sqrt,
    "abs": np.abs,
    "expit": lambda x: 1 / (1 + np.exp(-x)),
}


def is_categorical(column: pd.Series) -> bool:
    """True for columns whose values are labels rather than numbers."""
    return not pd.api.types.is_numeric_dtype(column.dtype) or isinstance(
        column.dtype, pd.CategoricalDtype
    )


def levels_of(column: pd.Series) -> list:
    """Levels of a categorical column: its categories, or its sorted unique values."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        return column.cat.categories.tolist()
    return sorted(column.unique().tolist())


def reference_grid(data: pd.DataFrame, varying: dict[str, list]) -> pd.DataFrame:
    """All combinations of ``varying``; other columns at their mean or first level."""
    combos = list(itertools.product(*varying.values()))
    grid = {}
    for name, column in data.items():
        if name in varying:
            position = list(varying).index(name)
            values = [combo[position] for combo in combos]
            grid[name] = (
                pd.Categorical(values, categories=column.cat.categories)
                if isinstance(column.dtype, pd.CategoricalDtype)
                else values
            )
        elif isinstance(column.dtype, pd.CategoricalDtype):
            first = column.cat.categories[0]
            grid[name] = pd.Categorical([first] * len(combos), categories=column.cat.categories)
        elif is_categorical(column):
            grid[name] = [levels_of(column)[0]] * len(combos)
        else:
            grid[name] = [float(column.mean())] * len(combos)
    return pd.DataFrame(grid)


def variable_values(data: pd.DataFrame, name: str, role: str) -> list:
    """Grid values of ``name``: its levels, or evenly spaced values over its range.

    For ``role="by"`` a numeric variable takes its mean and the mean plus and minus one sd.
    """
    if name not in data.columns:
        raise DataError(
            f"'{name}' is not a predictor of this model.{did_you_mean(name, data.columns)} "
            f"Choose from {', '.join(map(str, data.columns))}."
        )
    column = data[name]
    if is_categorical(column):
        return levels_of(column)
    if role == "by":
        mean, sd = float(column.mean()), float(column.std())
        return [mean - sd, mean, mean + sd]
    return np.linspace(column.min(), column.max(), GRID_POINTS).tolist()


def parse_contrast(text: str, levels: list) -> tuple[object, object]:
    """``"drug - control"`` to the two levels, checked against ``levels``."""
    labels = {str(level): level for level in levels}
    example = f"'{levels[-1]} - {levels[0]}'"
    if not isinstance(text, str):
        raise FormulaError(
            f"a contrast is text that reads 'level - other level', e.g. {example}; got "
            f"{type(text).__name__} {text!r}"
        )
    parts = [part.strip() for part in text.split(" - ")]
    if len(parts) != 2 or not all(parts):
        raise FormulaError(
            f"a contrast reads 'level - other level' (with spaces around ' - '), e.g. "
            f"{example}; got '{text}'"
        )
    for part in parts:
        if part not in labels:
            raise DataError(
                f"'{part}' in contrast '{text}' is not a level.{did_you_mean(part, labels)} "
                f"Levels are {', '.join(labels)}."
            )
    if parts[0] == parts[1]:
        raise DataError(
            f"contrast '{text}' compares level '{parts[0]}' with itself; name two different "
            f"levels, e.g. {example}."
        )
    return labels[parts[0]], labels[parts[1]]


_LABEL = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\[[^\[\]]*(\[[^\[\]]*\][^\[\]]*)*\]")
_COMPARISON = re.compile(r"^(?P<left>.+?)\s*(?P<op><=|>=|<|>|=)\s*(?P<right>.+)$")


def hypothesis_parts(text: str) -> tuple[str, str, str]:
    """Split ``"lhs op rhs"`` with op one of ``<``, ``>``, ``<=``, ``>=``, ``=`` (or ``==``)."""
    if not isinstance(text, str):
        raise FormulaError(
            f"a hypothesis is text such as 'b[x] > 0', not {type(text).__name__} {text!r}"
        )
    found = _COMPARISON.match(text.strip())
    right = found["right"] if found else ""
    if found and found["op"] == "=" and right.startswith("="):
        right = right[1:].strip()
    if not found or not right or right[0] in "<>=!" or found["left"].endswith("!"):
        raise FormulaError(
            "a hypothesis compares two expressions with one of <, >, <=, >= or =, e.g. "
            f"'b[x] > 0'; got '{text}'"
        )
    return found["left"], found["op"], right


def _names_in(text: str) -> list[str]:
    """The plain names in ``text``, or none when it is not an expression."""
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError:
        return []
    return [node.id for node in ast.walk(tree) if isinstance(node, ast.Name)]


def evaluate_expression(
    text: str, draws: dict[str, np.ndarray], statement: str | None = None
) -> np.ndarray:
    """Evaluate arithmetic over parameter labels (``b[x]``, ``sd_g[Intercept]``, ``sigma``).

    Allowed: numbers, labels, ``+ - * / **``, and ``exp``, ``log``, ``sqrt``, ``abs``,
    ``expit``. Errors name ``statement`` (the whole hypothesis) when given.
    """
    where = text if statement is None else statement
    names, labels = {}, {}
    substituted = text
    for label in sorted(draws, key=len, reverse=True):
        if label in substituted:
            token = f"_p{len(names)}_"
            names[token], labels[token] = draws[label], label
            substituted = substituted.replace(label, token)
    leftover = _LABEL.search(substituted)
    unknown = [name for name in _names_in(substituted) if name not in {*names, *_FUNCTIONS}]
    if leftover or unknown:
        shown = leftover.group(0) if leftover else unknown[0]
        raise DataError(
            f"'{shown}' in '{where}' is not a parameter.{did_you_mean(shown, draws)} "
            f"Parameters are {', '.join(list(draws)[:12])}{' ...' if len(draws) > 12 else ''}."
        )

    def refuse(construct: str) -> FormulaError:
        for token, label in labels.items():
            construct = construct.replace(token, label)
        return FormulaError(
            f"'{construct}' in '{where}' is not allowed: a hypothesis may use parameters, "
            f"numbers, + - * /, ** with a number of at most {MAX_POWER} as the power, and "
            "exp, log, sqrt, abs, expit"
        )

    return evaluate_arithmetic(substituted, names, _FUNCTIONS, refuse)
