"""Predictive checks: replicated data against the observed, with test statistics.

A test statistic ``T`` is computed on the observed data and on every replicated dataset;
its Bayesian p-value is ``P(T(y_rep) >= T(y))`` (Gelman, Meng & Stern 1996, Statistica
Sinica 6:733-807). Values near 0 or 1 mean the model rarely reproduces that feature of
the data. Binomial responses are compared as proportions of their trials.

The same check serves posterior predictive draws (:meth:`bayesglmm.Fit.ppc`) and prior
predictive draws (:meth:`bayesglmm.Model.prior_predictive`).

Examples
--------
>>> rng = np.random.default_rng(1)
>>> check = PredictiveCheck(rng.poisson(3, 40), rng.poisson(3, (200, 40)), "y", "count")
>>> check.statistics.index.tolist()
['mean', 'sd', 'zeros', 'max']
"""

from __future__ import annotations

import base64
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from bayesglmm.errors import ArgumentError, DataError
from bayesglmm.results.plots import (
    calibration,
    density_overlay,
    grouped_intervals,
    rootogram,
    statistic_histogram,
)
from bayesglmm.results.predict import check_choice, predict

if TYPE_CHECKING:
    from bayesglmm.results.fit import Fit

STATISTICS: dict[str, Callable[[np.ndarray], float]] = {
    "mean": np.mean,
    "sd": lambda values: np.std(values, ddof=1),
    "zeros": lambda values: np.mean(values == 0),
    "max": np.max,
}
"""Default test statistics, by name; ``zeros`` only for :data:`WITH_ZEROS` responses."""

WITH_ZEROS = frozenset({"count", "binary", "binomial"})
"""The supports whose responses have a meaningful share of zeros."""


def default_statistics(support: str) -> dict[str, Callable[[np.ndarray], float]]:
    """The test statistics every check of a response with ``support`` reports."""
    return {
        name: function
        for name, function in STATISTICS.items()
        if name != "zeros" or support in WITH_ZEROS
    }


DEFAULT_KIND = {
    "real": "density",
    "positive": "density",
    "open_unit": "density",
    "count": "rootogram",
    "binary": "calibration",
    "binomial": "calibration",
    "ordinal": "rootogram",
}
"""The plot each response support gets by default."""

ROOTOGRAM_SUPPORTS = ("count", "ordinal")
"""Supports whose values are whole numbers a rootogram can count: counts, and the
positions ``1..K`` of ordered categories."""

KINDS = ("density", "rootogram", "calibration", "zeros", "stat")


def response_scale(values: np.ndarray, trials: np.ndarray | None) -> np.ndarray:
    """Binomial successes as proportions of their trials; other responses unchanged."""
    return values if trials is None else values / trials


def _statistic_over_draws(function: Callable, replicated: np.ndarray) -> np.ndarray:
    return np.array([function(values) for values in replicated], dtype=float)


def figure_png(figure: Figure) -> str:
    """The figure as a base64-encoded PNG, for HTML."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=90)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


@dataclass
class PredictiveCheck:
    """Observed data against replicated datasets.

    Parameters
    ----------
    observed
        ``(rows,)`` observed response (proportions for binomial).
    replicated
        ``(datasets, rows)`` replicated responses on the same scale.
    label
        Name of the response.
    support
        The family's support name (``"real"``, ``"count"``, ``"binary"`` ...), which picks
        the default plot.
    predicted
        ``(rows,)`` posterior mean predictions, used by the calibration plot.
    functions
        Extra test statistics by name, added to :func:`default_statistics`.

    Attributes
    ----------
    statistics
        One row per test statistic: observed value, mean and 90% interval over the
        replicated datasets, and the Bayesian p-value.
    figure
        The plot of the check's kind (set by :meth:`bayesglmm.Fit.ppc`).
    groups, group_figure
        With ``fit.ppc(group=...)``: :meth:`by_group`'s table and :meth:`plot_groups`'s
        figure for that grouping factor; None otherwise.
    """

    observed: np.ndarray
    replicated: np.ndarray
    label: str
    support: str
    predicted: np.ndarray | None = None
    functions: dict[str, Callable[[np.ndarray], float]] = field(default_factory=dict)
    figure: Figure | None = field(default=None, init=False)
    groups: pd.DataFrame | None = field(default=None, init=False)
    group_figure: Figure | None = field(default=None, init=False)

    def __post_init__(self):
        self.functions = {**default_statistics(self.support), **self.functions}
        rows = []
        for function in self.functions.values():
            observed = float(function(self.observed))
            replicated = _statistic_over_draws(function, self.replicated)
            low, high = np.quantile(replicated, [0.05, 0.95])
            rows.append(
                [observed, replicated.mean(), low, high, float(np.mean(replicated >= observed))]
            )
        self.statistics = pd.DataFrame(
            rows,
            index=list(self.functions),
            columns=["observed", "replicated", "5%", "95%", "p_value"],
        )

    @property
    def default_kind(self) -> str:
        """The plot this response gets when none is asked for."""
        return DEFAULT_KIND[self.support]

    def by_group(self, index: np.ndarray, levels: list, statistic: str = "mean") -> pd.DataFrame:
        """A test statistic per group level: observed, replicated mean and 90%, p-value."""
        function = self.functions[statistic]
        rows = []
        for position in range(len(levels)):
            rows_of_level = index == position
            observed = float(function(self.observed[rows_of_level]))
            replicated = _statistic_over_draws(function, self.replicated[:, rows_of_level])
            low, high = np.quantile(replicated, [0.05, 0.95])
            rows.append(
                [observed, replicated.mean(), low, high, float(np.mean(replicated >= observed))]
            )
        return pd.DataFrame(
            rows, index=pd.Index(levels), columns=["observed", "replicated", "5%", "95%", "p_value"]
        )

    def plot(self, kind: str | None = None, statistic: str = "mean") -> Figure:
        """The check as a figure.

        Parameters
        ----------
        kind
            ``"density"`` (overlay), ``"rootogram"`` (counts), ``"calibration"`` (binned,
            binary or binomial), ``"zeros"`` (proportion of zeros) or ``"stat"`` (the
            histogram of ``statistic``); the family's default when None.
        """
        kind = kind or self.default_kind
        check_choice("kind", kind, KINDS)
        if kind == "density":
            return density_overlay(self.observed, self.replicated, self.label)
        if kind == "rootogram":
            if self.support not in ROOTOGRAM_SUPPORTS:
                raise ArgumentError(
                    "a rootogram needs counts or ordered categories; use kind='density' or 'stat'."
                )
            return rootogram(self.observed, self.replicated, self.label)
        if kind == "calibration":
            if self.predicted is None or self.support not in ("binary", "binomial"):
                raise ArgumentError(
                    "a calibration plot needs a bernoulli or binomial posterior fit; "
                    "use kind='stat' or 'density'."
                )
            return calibration(self.predicted, self.observed, self.replicated)
        name = "zeros" if kind == "zeros" else statistic
        if name not in self.functions:
            raise ArgumentError(
                f"this check has no statistic '{name}'; "
                + (
                    "the share of zeros is checked for counts and 0/1 responses only."
                    if name == "zeros"
                    else f"it has {', '.join(self.functions)}."
                )
            )
        function = self.functions[name]
        return statistic_histogram(
            float(function(self.observed)), _statistic_over_draws(function, self.replicated), name
        )

    def plot_groups(self, index: np.ndarray, levels: list, group: str, statistic: str = "mean"):
        """Observed group statistics against their replicated intervals."""
        return grouped_intervals(self.by_group(index, levels, statistic), group, statistic)

    def __repr__(self) -> str:
        return (
            f"Predictive check of {self.label}: {self.replicated.shape[0]} replicated datasets\n"
            f"{self.statistics.round(4).to_string()}"
        )

    def _repr_html_(self) -> str:
        image = figure_png(self.plot())
        return (
            f"<p>Predictive check of <b>{self.label}</b>: {self.replicated.shape[0]} "
            f"replicated datasets</p>{self.statistics.round(4).to_html()}"
            f'<img src="data:image/png;base64,{image}"/>'
        )


def group_index(fit: Fit, group: str) -> tuple[np.ndarray, list]:
    """Per fitted row, the position of its level of ``group`` (a grouping factor or a
    column), and the levels."""
    if any(g.name == group for g in fit.spec.groups):
        chosen = fit.spec.group(group)
        if chosen.member_index is not None:
            raise DataError(
                f"the rows of '{group}' belong to several levels each, so they cannot be "
                "checked level by level; group by one of its columns "
                f"({', '.join(chosen.factors)})."
            )
        return chosen.index, list(chosen.levels)
    if group in fit.spec.data:
        codes, levels = pd.factorize(fit.spec.data[group], sort=True)
        return codes, list(levels)
    groups = [g.name for g in fit.spec.groups]
    names = list(dict.fromkeys([*groups, *fit.spec.data.columns]))
    raise DataError(
        f"'{group}' is not a grouping factor or column; choose from {', '.join(names)}."
    )


def posterior_check(
    fit: Fit,
    kind: str | None = None,
    group: str | None = None,
    statistics: dict | None = None,
    ndraws: int = 500,
    seed=None,
) -> PredictiveCheck:
    """The posterior predictive check of ``fit`` (see :meth:`bayesglmm.Fit.ppc`)."""
    trials = fit.spec.response.trials
    tree = predict(fit, kind="response", ndraws=ndraws, summary=False, seed=seed)
    replicated = tree["predictions"][fit.observed_name].to_numpy()
    replicated = replicated.reshape(-1, replicated.shape[-1])
    predicted = predict(fit, kind="mean", ndraws=ndraws)["mean"].to_numpy()
    check = PredictiveCheck(
        response_scale(fit.spec.response.values, trials),
        response_scale(replicated, trials),
        fit.observed_name,
        fit.family.support.name,
        predicted=predicted,
        functions=dict(statistics or {}),
    )
    check.figure = check.plot(kind)
    if group is not None:
        index, levels = group_index(fit, group)
        check.groups = check.by_group(index, levels)
        check.group_figure = check.plot_groups(index, levels, group)
    return check
