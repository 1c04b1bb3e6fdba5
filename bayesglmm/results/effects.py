"""Conditional effects and contrasts between levels of a categorical predictor.

Effects and contrasts are predictions on a reference grid: the variables of interest
vary, every other numeric predictor (and offset column) sits at its mean and every
other categorical predictor at its first level. They are population-level predictions
(``re="none"``, a typical group), as in brms's ``conditional_effects``. The numbers of a
monotonic term ``mo(x)`` are categories: they vary over ``0..D`` and otherwise sit at
their rounded mean.

Examples
--------
>>> data = pd.DataFrame({"dose": [1.0, 3.0], "arm": ["a", "b"], "site": ["x", "y"]})
>>> reference_grid(data, {"arm": ["a", "b"]}).to_dict("list")
{'dose': [2.0, 2.0], 'arm': ['a', 'b'], 'site': ['x', 'x']}
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from bayesglmm.errors import DataError, FormulaError, did_you_mean
from bayesglmm.formula.columns import predictor_columns
from bayesglmm.results.intervals import interval_bounds, interval_columns, resolve_ci_prob
from bayesglmm.results.predict import check_choice, grid_predictions

if TYPE_CHECKING:
    from bayesglmm.results.fit import Fit

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


def whole_numbers(spec) -> dict[str, list[int]]:
    """The numeric columns of ``spec``'s monotonic terms with their categories ``0..D``.

    Examples
    --------
    >>> import bayesglmm as bg
    >>> data = pd.DataFrame({"y": [1.0, 2.0, 4.0, 3.0], "x": [0, 1, 2, 1]})
    >>> whole_numbers(bg.Model("y ~ mo(x)", data).spec)
    {'x': [0, 1, 2]}
    """
    return {
        term.column: list(range(len(term.categories)))
        for term in spec.monotonic
        if not is_categorical(spec.data[term.column])
    }


def reference_grid(
    data: pd.DataFrame, varying: dict[str, list], whole: Mapping[str, list[int]] | None = None
) -> pd.DataFrame:
    """All combinations of ``varying``; other columns at their mean (rounded for the
    ``whole``-number columns of :func:`whole_numbers`) or first level."""
    whole = whole or {}
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
        elif name in whole:
            grid[name] = [round(float(column.mean()))] * len(combos)
        else:
            grid[name] = [float(column.mean())] * len(combos)
    return pd.DataFrame(grid)


def variable_values(
    data: pd.DataFrame, name: str, role: str, whole: Mapping[str, list[int]] | None = None
) -> list:
    """Grid values of ``name``: its levels (the categories of a ``whole``-number column of
    :func:`whole_numbers`), or evenly spaced values over its range.

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
    if name in (whole or {}):
        return list(whole[name])
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


def effects(fit: Fit, variable: str, by: str | None = None, ci_prob: float | None = None):
    """The mean response of ``fit`` as ``variable`` (and ``by``) vary, other predictors held
    as :func:`reference_grid` holds them and group effects at zero."""
    used = predictor_columns(part.formula for part in fit.spec.linear_parts)
    predictors = fit.spec.data[[name for name in fit.spec.data.columns if name in used]]
    whole = whole_numbers(fit.spec)
    varying = {variable: variable_values(predictors, variable, "variable", whole)}
    if by == variable:
        raise DataError(
            f"by='{by}' is the variable itself; give another predictor as by=, or leave it out."
        )
    if by is not None:
        varying[by] = variable_values(predictors, by, "by", whole)
    grid = reference_grid(fit.spec.data, varying, whole)
    draws = grid_predictions(fit, grid, "mean")
    ci_prob = resolve_ci_prob(ci_prob)
    bounds = dict(zip(interval_columns(ci_prob), interval_bounds(draws, ci_prob), strict=True))
    table = grid[list(varying)].copy()
    return table.assign(mean=draws.mean(0), sd=draws.std(0, ddof=1), **bounds)


def contrast(
    fit: Fit, variable: str, text: str, scale: str = "link", ci_prob: float | None = None
) -> pd.DataFrame:
    """One comparison of two levels of a categorical predictor (see :meth:`Fit.contrast`)."""
    check_choice("scale", scale, tuple(CONTRAST_SCALES))
    kind, combine, needs_link = CONTRAST_SCALES[scale]
    if needs_link is not None and fit.link.name != needs_link:
        raise DataError(
            f"scale='{scale}' needs the {needs_link} link, but this model uses "
            f"{fit.link.name}; use scale='link' or 'response'."
        )
    data = fit.spec.data
    if variable not in data or not is_categorical(data[variable]):
        raise DataError(
            f"'{variable}' is not a categorical predictor of this model; contrasts compare "
            "levels of one. For a numeric predictor use fit.hypothesis('b[...] > 0')."
        )
    first, second = parse_contrast(text, levels_of(data[variable]))
    grid = reference_grid(data, {variable: [first, second]}, whole_numbers(fit.spec))
    values = grid_predictions(fit, grid, kind)
    linear = grid_predictions(fit, grid, "linpred")
    draws = combine(values[:, 0], values[:, 1])
    share = float(np.mean(linear[:, 0] - linear[:, 1] > 0))
    ci_prob = resolve_ci_prob(ci_prob)
    low, high = interval_bounds(draws, ci_prob)
    columns = interval_columns(ci_prob)
    return pd.DataFrame(
        {
            "mean": [draws.mean()],
            "sd": [draws.std(ddof=1)],
            columns[0]: [low],
            columns[1]: [high],
            "pd": [max(share, 1 - share)],
        },
        index=[text],
    )
