"""Matplotlib figures: predictive checks, group-level effects and shrinkage.

Every function returns a :class:`matplotlib.figure.Figure` that callers can restyle or
save (``figure.savefig("plot.png")``); figures are built without pyplot, so nothing is
shown or written here and no display backend is needed. Jupyter displays them inline.

Examples
--------
>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> figure = density_overlay(rng.normal(size=50), rng.normal(size=(20, 50)), "y")
>>> len(figure.axes)
1
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import arviz_plots as azp
import numpy as np
import pandas as pd
import xarray as xr
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from bayesglmm import naming
from bayesglmm.errors import DataError
from bayesglmm.results.effects import effects
from bayesglmm.results.estimates import coef, ranef, reported_names
from bayesglmm.results.intervals import interval_of
from bayesglmm.results.pooling import no_pooling_estimates
from bayesglmm.results.smooths import find_smooth, partial_residuals, smooth_effect
from bayesglmm.results.tables import correlation_pairs, pair_draws

if TYPE_CHECKING:
    from bayesglmm.results.fit import Fit

OVERLAY_DRAWS = 50
"""Replicated datasets drawn in a density overlay."""
DENSITY_BINS = 30
OBSERVED_COLOR = "black"
REPLICATED_COLOR = "tab:blue"


def _figure(width: float = 6.0, height: float = 4.0) -> tuple[Figure, Axes]:
    figure = Figure(figsize=(width, height), layout="constrained")
    return figure, figure.add_subplot()


def density_overlay(observed: np.ndarray, replicated: np.ndarray, label: str) -> Figure:
    """Densities (histograms on shared bins) of replicated datasets over the observed one.

    Histograms rather than kernel estimates, so that degenerate replicated datasets
    (all one value, as prior predictive draws can be) still draw.
    """
    figure, axes = _figure()
    low = min(observed.min(), np.quantile(replicated, 0.005))
    high = max(observed.max(), np.quantile(replicated, 0.995))
    edges = np.linspace(low, high, DENSITY_BINS + 1) if high > low else DENSITY_BINS
    for values in replicated[:OVERLAY_DRAWS]:
        axes.hist(
            values, bins=edges, density=True, histtype="step", color=REPLICATED_COLOR, alpha=0.2
        )
    axes.hist(observed, bins=edges, density=True, histtype="step", color=OBSERVED_COLOR, lw=2)
    axes.set(xlabel=label, ylabel="density", title="Predictive density overlay")
    axes.legend(
        handles=[
            Line2D([], [], color=OBSERVED_COLOR, lw=2, label="observed"),
            Line2D([], [], color=REPLICATED_COLOR, label="replicated"),
        ]
    )
    return figure


def rootogram(observed: np.ndarray, replicated: np.ndarray, label: str) -> Figure:
    """Hanging rootogram (Kleiber & Zeileis 2016, Am. Stat. 70:296-303) for counts.

    Bars of sqrt(observed frequency) hang from the curve of sqrt(expected frequency);
    bars ending above or below zero show under- or over-prediction of that count.
    """
    figure, axes = _figure()
    top = int(max(observed.max(), np.quantile(replicated, 0.99)))
    counts = np.arange(top + 1)
    observed_freq = np.bincount(observed.astype(int), minlength=top + 1)[: top + 1]
    expected = np.array([np.mean(np.sum(replicated == k, axis=1)) for k in counts])
    curve = np.sqrt(expected)
    axes.bar(counts, np.sqrt(observed_freq), bottom=curve - np.sqrt(observed_freq), color="0.75")
    axes.plot(counts, curve, color=REPLICATED_COLOR, marker=".", label="expected")
    axes.axhline(0, color=OBSERVED_COLOR, lw=0.8)
    axes.set(xlabel=label, ylabel="sqrt(frequency)", title="Hanging rootogram")
    axes.legend()
    return figure


def calibration(
    predicted: np.ndarray, observed: np.ndarray, replicated: np.ndarray, bins: int = 10
) -> Figure:
    """Observed proportion against predicted probability in bins, with a replicated band."""
    figure, axes = _figure()
    edges = np.unique(np.quantile(predicted, np.linspace(0, 1, bins + 1)))
    which = np.clip(np.searchsorted(edges, predicted, side="right") - 1, 0, len(edges) - 2)
    centers, seen, low, high = [], [], [], []
    for b in range(len(edges) - 1):
        rows = which == b
        if not rows.any():
            continue
        centers.append(predicted[rows].mean())
        seen.append(observed[rows].mean())
        band = replicated[:, rows].mean(axis=1)
        low.append(np.quantile(band, 0.05))
        high.append(np.quantile(band, 0.95))
    axes.fill_between(centers, low, high, color=REPLICATED_COLOR, alpha=0.3, label="90% replicated")
    axes.plot(centers, seen, "o-", color=OBSERVED_COLOR, label="observed")
    axes.plot([0, 1], [0, 1], ls=":", color="0.5")
    axes.set(
        xlabel="predicted probability",
        ylabel="observed proportion",
        title="Binned calibration",
        xlim=(0, 1),
        ylim=(0, 1),
    )
    axes.legend()
    return figure


def statistic_histogram(observed: float, replicated: np.ndarray, name: str) -> Figure:
    """Histogram of a test statistic over replicated datasets, with the observed value."""
    figure, axes = _figure()
    axes.hist(replicated, bins=30, color=REPLICATED_COLOR, alpha=0.6)
    axes.axvline(observed, color=OBSERVED_COLOR, lw=2, label=f"observed {observed:.3g}")
    p_value = np.mean(replicated >= observed)
    axes.set(xlabel=name, ylabel="replicated datasets", title=f"{name}: p = {p_value:.2f}")
    axes.legend()
    return figure


def grouped_intervals(table: pd.DataFrame, group: str, name: str) -> Figure:
    """Observed group statistic against its replicated 90% interval, one row per level."""
    figure, axes = _figure(6.0, max(3.0, 0.25 * len(table) + 1))
    positions = np.arange(len(table))
    axes.hlines(positions, table["5%"], table["95%"], color=REPLICATED_COLOR, lw=3, alpha=0.6)
    axes.plot(table["observed"], positions, "o", color=OBSERVED_COLOR, label="observed")
    axes.set_yticks(positions, [str(level) for level in table.index])
    axes.set(xlabel=name, ylabel=group, title=f"{name} by {group}: observed vs replicated 90%")
    axes.legend()
    return figure


def caterpillar(table: pd.DataFrame, title: str) -> Figure:
    """Group-level effects sorted by their mean, with their credible intervals."""
    ordered = table.sort_values("mean")
    figure, axes = _figure(6.0, max(3.0, 0.22 * len(ordered) + 1))
    positions = np.arange(len(ordered))
    low, high = interval_of(ordered)
    axes.hlines(positions, ordered[low], ordered[high], color=REPLICATED_COLOR)
    axes.plot(ordered["mean"], positions, "o", color=OBSERVED_COLOR, ms=4)
    axes.axvline(0, color="0.5", ls=":")
    axes.set_yticks(positions, [str(level) for level in ordered.index])
    axes.set(xlabel="effect (link scale)", title=title)
    return figure


def shrinkage(separate: pd.DataFrame, pooled: pd.DataFrame, title: str) -> Figure:
    """Arrows from separate per-group estimates to partially pooled ones.

    With two columns (e.g. intercept and slope) the plot is two-dimensional, as in the
    classic sleepstudy figure; with one, levels are spread along the vertical axis.
    """
    figure, axes = _figure()
    if separate.shape[1] >= 2:
        x, y = separate.columns[:2]
        start = separate[[x, y]].to_numpy()
        end = pooled.loc[separate.index, [x, y]].to_numpy()
        axes.set(xlabel=x, ylabel=y)
    else:
        (x,) = separate.columns
        rows = np.arange(len(separate))
        start = np.column_stack([separate[x].to_numpy(), rows])
        end = np.column_stack([pooled.loc[separate.index, x].to_numpy(), rows])
        axes.set_yticks(rows, [str(level) for level in separate.index])
        axes.set(xlabel=x)
    for (x0, y0), (x1, y1) in zip(start, end, strict=True):
        axes.annotate(
            "", xy=(x1, y1), xytext=(x0, y0), arrowprops={"arrowstyle": "->", "color": "0.5"}
        )
    axes.plot(*start.T, "o", mfc="white", color=OBSERVED_COLOR, label="separate fits")
    axes.plot(*end.T, "o", color=REPLICATED_COLOR, label="partial pooling")
    axes.set(title=title)
    axes.legend()
    return figure


def effects_plot(table: pd.DataFrame, variable: str, by: str | None, label: str) -> Figure:
    """Conditional effects: the mean response with its credible interval along ``variable``.

    A numeric variable gets a line and band, a categorical one points with error bars;
    with ``by``, one line or series per level of ``by``.
    """
    figure, axes = _figure()
    low, high = interval_of(table)
    groups = table.groupby(by, observed=True, sort=False) if by else [(None, table)]
    numeric = pd.api.types.is_numeric_dtype(table[variable]) and not isinstance(
        table[variable].dtype, pd.CategoricalDtype
    )
    for position, (level, rows) in enumerate(groups):
        name = (
            None
            if by is None
            else f"{by} = {level:.3g}"
            if isinstance(level, float)
            else f"{by} = {level}"
        )
        if numeric:
            axes.plot(rows[variable], rows["mean"], label=name)
            axes.fill_between(rows[variable], rows[low], rows[high], alpha=0.2)
        else:
            x = np.arange(len(rows)) + 0.1 * position
            errors = [rows["mean"] - rows[low], rows[high] - rows["mean"]]
            axes.errorbar(x, rows["mean"], yerr=errors, fmt="o", capsize=3, label=name)
            axes.set_xticks(np.arange(len(rows)), [str(v) for v in rows[variable]])
    axes.set(
        xlabel=variable, ylabel=f"mean of {label}", title="Conditional effects (typical group)"
    )
    if by is not None:
        axes.legend()
    return figure


def plot_effects(fit: Fit, variable: str, by: str | None = None) -> Figure:
    """:func:`~bayesglmm.results.effects.effects` of ``fit`` with their intervals."""
    return effects_plot(effects(fit, variable, by), variable, by, fit.observed_name)


def smooth_plot(
    table: pd.DataFrame, residuals: pd.DataFrame | None, variable: str, by: str | None, term: str
) -> Figure:
    """A smooth's partial effect with its credible band along ``variable`` (one line per
    level of ``by``), over the partial residuals when given."""
    figure, axes = _figure()
    low, high = interval_of(table)
    groups = table.groupby(by, sort=False) if by else [(None, table)]
    for level, rows in groups:
        label = None if by is None else f"{by} = {level}"
        (line,) = axes.plot(rows[variable], rows["mean"], label=label)
        axes.fill_between(rows[variable], rows[low], rows[high], alpha=0.2, color=line.get_color())
        if residuals is not None:
            points = residuals if by is None else residuals[residuals[by] == level]
            axes.scatter(
                points[variable], points["residual"], s=8, alpha=0.4, color=line.get_color()
            )
    axes.axhline(0.0, color="grey", linewidth=0.5)
    axes.set(xlabel=variable, ylabel=f"{term} (link scale)", title=f"Smooth {term}")
    if by is not None:
        axes.legend()
    return figure


def plot_smooth(
    fit: Fit, term: str, parameter: str | None = None, residuals: bool = True
) -> Figure:
    """:func:`~bayesglmm.results.smooths.smooth_effect` of ``fit`` with its band and, for the
    mean's smooths when ``residuals`` (not those varying with a numeric ``by``), the
    partial residuals."""
    table = smooth_effect(fit, term, parameter)
    variable = table.columns[0]
    by = table.columns[1] if table.columns[1] != "mean" else None
    varying = find_smooth(fit, term, parameter)[1][0].varying
    shown = residuals and parameter is None and fit.family.thresholds is None and not varying
    points = partial_residuals(fit, term) if shown else None
    if by is not None:
        table[by] = table[by].astype(str)
    return smooth_plot(table, points, variable, by, term)


def reported_tree(fit: Fit, var_names: list[str] | None = None) -> xr.DataTree:
    """The reported parameters as a DataTree for arviz-plots: fixed effects, group sds, the
    correlations between distinct terms (dim ``<group>_pair``; between formulas joined by a
    correlation ID, ``<group>__id_<id>_pair``), ``ar1``/``cs`` correlations
    and the family's parameters, with the sample stats for divergences."""
    posterior = fit.posterior
    variables = {name: posterior[name] for name in reported_names(fit)}
    for group in fit.spec.all_groups:
        name = naming.group_correlation(group.name)
        pairs = correlation_pairs(list(group.terms), list(group.correlated_blocks))
        if pairs:
            draws = pair_draws(posterior[name], pairs)
            variables[name] = draws.rename(pair=f"{group.name}_pair")
        if group.structure is not None:
            variables[naming.group_rho(group.name)] = posterior[naming.group_rho(group.name)]
    for link in fit.spec.linked:
        name = naming.group_correlation(link.name)
        draws = pair_draws(posterior[name], link.cross_pairs)
        variables[name] = draws.rename(pair=f"{link.name}_pair")
    if var_names is not None:
        unknown = [name for name in var_names if name not in variables]
        if unknown:
            raise DataError(
                f"'{unknown[0]}' is not a reported parameter; choose from {', '.join(variables)}."
            )
        variables = {name: variables[name] for name in var_names}
    stats = fit.idata.sample_stats.to_dataset()
    return xr.DataTree.from_dict({"posterior": xr.Dataset(variables), "sample_stats": stats})


def plot_trace(fit: Fit, var_names: list[str] | None = None) -> Figure:
    """Trace and density of every reported parameter, one row per element, chains coloured
    and named in a legend (arviz-plots)."""
    collection = azp.plot_trace_dist(reported_tree(fit, var_names), compact=False)
    collection.add_legend("chain")
    return collection.get_viz("figure")


def plot_rank(fit: Fit, var_names: list[str] | None = None) -> Figure:
    """Rank plots of every reported parameter, for mixing across chains (arviz-plots)."""
    collection = azp.plot_rank(reported_tree(fit, var_names))
    collection.add_legend("chain")
    return collection.get_viz("figure")


def plot_ranef(fit: Fit, group: str, term: str | None = None) -> Figure:
    """Caterpillar plot of the group-level effects of ``group`` (its first term by default)."""
    known = [g.name for g in fit.spec.all_groups]
    if group not in known:
        raise DataError(
            f"'{group}' is not a grouping factor of this model; choose from {', '.join(known)}."
        )
    term = term or fit.spec.group(group).terms[0]
    table = ranef(fit).xs((group, term), level=("group", "term"))
    return caterpillar(table, f"{group}: {term}")


def plot_shrinkage(fit: Fit, group: str) -> Figure:
    """Separate per-level least-squares estimates against the partially pooled ``coef()``."""
    separate = no_pooling_estimates(fit.spec, fit.family, fit.link, group)
    pooled = coef(fit).loc[group]["mean"].unstack("term")
    return shrinkage(separate, pooled, f"Shrinkage in {group}")
