"""Hypotheses about parameters, as brms's ``hypothesis()``: ``"b[x] > 0"``,
``"sd_g[Intercept] > sigma"``.

A statement compares two arithmetic expressions of parameter labels (those of
``fit.summary()``). The expressions are parsed against a whitelist
(:func:`bayesglmm.formula.expressions.evaluate_arithmetic`), never evaluated as Python.

Examples
--------
>>> import numpy as np
>>> draws = {"b[x]": np.array([0.5, 1.0, 2.0]), "sigma": np.ones(3)}
>>> evaluate_expression("2 * b[x] - sigma", draws).tolist()
[0.0, 1.0, 3.0]
>>> hypothesis_parts("b[x] >= sigma")
('b[x]', '>=', 'sigma')
"""

from __future__ import annotations

import ast
import re
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from bayesglmm.errors import DataError, FormulaError, did_you_mean
from bayesglmm.formula.expressions import MAX_POWER, evaluate_arithmetic
from bayesglmm.results.estimates import reported_draws
from bayesglmm.results.intervals import interval_bounds, interval_columns, resolve_ci_prob

if TYPE_CHECKING:
    from bayesglmm.results.fit import Fit

_FUNCTIONS = {
    "exp": np.exp,
    "log": np.log,
    "sqrt": np.sqrt,
    "abs": np.abs,
    "expit": lambda x: 1 / (1 + np.exp(-x)),
}

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


_PROBABILITY = {
    ">": lambda difference: np.mean(difference > 0),
    ">=": lambda difference: np.mean(difference >= 0),
    "<": lambda difference: np.mean(difference < 0),
    "<=": lambda difference: np.mean(difference <= 0),
    "=": lambda difference: np.nan,
}
"""Per comparison, the posterior probability of the statement from draws of left - right."""


def _label_draws(fit: Fit) -> dict[str, np.ndarray]:
    """Stacked draws of every label of ``fit.summary()``."""
    draws = {}
    for labels, array in reported_draws(fit):
        values = array.transpose("chain", "draw", ...).to_numpy()
        flat = values.reshape(values.shape[0] * values.shape[1], len(labels))
        draws.update(zip(labels, flat.T, strict=True))
    return draws


def hypothesis(fit: Fit, hypotheses: str | list[str], ci_prob: float | None = None) -> pd.DataFrame:
    """Test statements about the parameters of ``fit`` (see :meth:`Fit.hypothesis`)."""
    statements = [hypotheses] if isinstance(hypotheses, str) else hypotheses
    if not isinstance(statements, list | tuple) or not statements:
        raise FormulaError(
            "hypothesis() takes a statement such as 'b[x] > 0' or a list of them, not "
            f"{hypotheses!r}."
        )
    ci_prob = resolve_ci_prob(ci_prob)
    draws = _label_draws(fit)
    rows = []
    for statement in statements:
        left, op, right = hypothesis_parts(statement)
        difference = evaluate_expression(left, draws, statement) - evaluate_expression(
            right, draws, statement
        )
        infinite = int(np.sum(~np.isfinite(difference)))
        if infinite:
            raise DataError(
                f"hypothesis '{statement}' is not finite in {infinite} of {difference.size} "
                "draws (a division by zero, or the log or sqrt of a negative value); "
                "rewrite it, for example as a difference instead of a ratio."
            )
        prob = _PROBABILITY[op](difference)
        low, high = interval_bounds(difference, ci_prob)
        ratio = np.nan if op == "=" else prob / (1 - prob) if prob < 1 else np.inf
        rows.append([difference.mean(), difference.std(ddof=1), low, high, prob, ratio])
    columns = ["estimate", "sd", *interval_columns(ci_prob), "prob", "evidence_ratio"]
    return pd.DataFrame(rows, index=statements, columns=columns)
