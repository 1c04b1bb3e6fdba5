"""Central credible intervals: their probability, quantiles and column labels.

A table's interval columns are named by their quantiles, as arviz and brms's
``posterior_summary`` name them: ``2.5%`` and ``97.5%`` for ``ci_prob=0.95``.

Examples
--------
>>> interval_columns(0.9), interval_quantiles(0.9)
(['5%', '95%'], (0.05, 0.95))
>>> import numpy as np
>>> bounds = interval_bounds(np.arange(101.0), 0.5)
>>> [float(value) for value in bounds]
[25.0, 75.0]
"""

from __future__ import annotations

import numpy as np

from bayesglmm.options import checked_ci_prob, current


def resolve_ci_prob(ci_prob: float | None) -> float:
    """``ci_prob``, or the setting of ``bg.options()`` when it is None."""
    return current().ci_prob if ci_prob is None else checked_ci_prob(ci_prob)


def interval_quantiles(ci_prob: float) -> tuple[float, float]:
    """The lower and upper quantile levels of the central ``ci_prob`` interval."""
    tail = (1.0 - ci_prob) / 2.0
    return round(tail, 10), round(1.0 - tail, 10)


def _percent(level: float) -> str:
    return f"{100 * level:.10g}%"


def interval_columns(ci_prob: float) -> list[str]:
    """Column labels of the lower and upper bound: ``["2.5%", "97.5%"]`` at 0.95."""
    return [_percent(level) for level in interval_quantiles(ci_prob)]


def interval_header(columns: list[str]) -> list[str]:
    """brms's printout headers for interval columns: ``l-95% CI``, ``u-95% CI``."""
    low, high = (float(column.rstrip("%")) for column in columns)
    width = f"{high - low:.10g}%"
    return [f"l-{width} CI", f"u-{width} CI"]


def interval_bounds(draws: np.ndarray, ci_prob: float, axis: int = 0) -> np.ndarray:
    """The lower and upper bounds of ``draws`` along ``axis``, stacked first."""
    return np.quantile(draws, interval_quantiles(ci_prob), axis=axis)


def interval_of(table) -> tuple[str, str]:
    """The names of the lower and upper interval columns of a summary table."""
    low, high = [column for column in table.columns if str(column).endswith("%")][:2]
    return low, high
