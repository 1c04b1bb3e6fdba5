"""Figures of estimated marginal means: intervals per cell, interaction lines for two
factors, and conditional and population-averaged means side by side.

Examples
--------
>>> import bayesglmm as bg
>>> model = bg.Model("favorable | trials(n) ~ treatment + (1 | clinic)",
...                  bg.datasets.load("infection"), family="binomial")
>>> fit = model.fit(draws=300, tune=300, chains=2, seed=1, progress=False)
>>> figure = fit.plot_emmeans("treatment", re="both")
>>> [axes.get_title() for axes in figure.axes]
["conditional (re='none')", "population-averaged (re='marginal')"]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from matplotlib.figure import Figure

from bayesglmm.results.emmeans import RANDOM_EFFECTS, EMMeans, estimated_means
from bayesglmm.results.intervals import interval_of
from bayesglmm.results.predict import check_choice

TITLES = {"none": "conditional (re='none')", "marginal": "population-averaged (re='marginal')"}
DODGE = 0.25
"""Total horizontal spread of the series of the second factor around each level."""


def _panel(axes, table, factors: list[str]) -> None:
    """Posterior medians and credible intervals of one panel: along the first factor, one line per
    level of the second (an interaction plot), or one point per cell otherwise. The median,
    unlike the mean, always lies inside the interval of a skewed response-scale posterior."""
    low, high = interval_of(table)
    if len(factors) == 2:
        first, second = factors
        positions = {level: i for i, level in enumerate(dict.fromkeys(table[first].astype(str)))}
        series = list(dict.fromkeys(table[second].astype(str)))
        offsets = np.linspace(-DODGE / 2, DODGE / 2, len(series)) if len(series) > 1 else [0.0]
        for offset, level in zip(offsets, series, strict=True):
            rows = table[table[second].astype(str) == level]
            x = np.array([positions[value] for value in rows[first].astype(str)]) + offset
            axes.errorbar(
                x,
                rows["median"],
                yerr=[rows["median"] - rows[low], rows[high] - rows["median"]],
                marker="o",
                capsize=3,
                label=f"{second} = {level}",
            )
        axes.set_xticks(range(len(positions)), list(positions))
        axes.set_xlim(-0.5, len(positions) - 0.5)
        axes.set_xlabel(first)
        axes.legend(fontsize="small")
        return
    labels = table[factors].astype(str).agg(" ".join, axis=1).tolist()
    x = np.arange(len(labels))
    axes.errorbar(
        x,
        table["median"],
        yerr=[table["median"] - table[low], table[high] - table["median"]],
        fmt="o",
        capsize=3,
    )
    axes.set_xticks(x, labels, rotation=30 if len(labels) > 6 else 0)
    axes.set_xlim(-0.5, len(labels) - 0.5)
    axes.set_xlabel(" ".join(factors))


def emmeans_figure(results: list[EMMeans], label: str) -> Figure:
    """One column per result (conditional, marginal), one row per ``by`` group."""
    by = results[0].grid.by
    groups = results[0].by_groups()
    figure = Figure(figsize=(4.5 * len(results) + 1, 3.5 * len(groups)), layout="constrained")
    grid = figure.subplots(len(groups), len(results), squeeze=False, sharey=True)
    for column, result in enumerate(results):
        for row, (levels, positions) in enumerate(groups):
            axes = grid[row, column]
            _panel(axes, result.table.iloc[positions], result.grid.factors)
            title = TITLES[result.re]
            if by:
                title += "\n" + ", ".join(f"{name} = {value}" for name, value in levels.items())
            axes.set_title(title)
            axes.set_ylabel(label if column == 0 else "")
    return figure


def plot_emmeans(
    fit,
    specs: str | Sequence[str],
    by: str | Sequence[str] | None = None,
    at: Mapping[str, object] | None = None,
    weights: str = "equal",
    scale: str = "response",
    re: str = "none",
) -> Figure:
    """The figure of :meth:`bayesglmm.Fit.plot_emmeans`; ``re="both"`` draws the
    conditional and the population-averaged means side by side."""
    check_choice("re", re, (*RANDOM_EFFECTS, "both"))
    kinds = list(RANDOM_EFFECTS) if re == "both" else [re]
    results = [estimated_means(fit, specs, by, at, weights, scale, kind) for kind in kinds]
    name = fit.observed_name
    label = f"{name} (response scale)" if scale == "response" else f"{name} ({fit.link.name} scale)"
    return emmeans_figure(results, label)
