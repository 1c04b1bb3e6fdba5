"""Convergence checks in plain language, each with its usual remedy.

A fit is flagged when any parameter has R-hat above :data:`RHAT_MAX`, bulk ESS
below :data:`ESS_MIN`, or any post-warm-up transition diverged (Vehtari et al.
2021; Betancourt 2017).

Examples
--------
>>> import pandas as pd, xarray as xr, numpy as np
>>> table = pd.DataFrame({"rhat": [1.05], "ess_bulk": [150.0]}, index=["sd_herd[Intercept]"])
>>> stats = xr.Dataset({"diverging": (("chain", "draw"), np.zeros((2, 5), bool))})
>>> [m.split(":")[0] for m in convergence_messages(table, stats)]
['R-hat is above 1.01 for 1 parameter (worst', 'bulk ESS is below 400 for 1 parameter (lowest']
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
import xarray as xr
from scipy import stats

from bayesglmm import naming
from bayesglmm.naming import smooth_naming
from bayesglmm.results.intervals import interval_bounds, interval_columns, resolve_ci_prob

RHAT_MAX = 1.01
ESS_MIN = 400
FEW_LEVELS = 5
"""Grouping factors with fewer levels get the prior remedy when transitions diverge."""


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _low_ess(ess: pd.Series, kind: str, consequence: str) -> str | None:
    """The message for parameters whose ``kind`` ESS is below :data:`ESS_MIN`, or None."""
    low = ess.dropna()
    low = low[low < ESS_MIN]
    if not len(low):
        return None
    return (
        f"{kind} ESS is below {ESS_MIN} for {_count(len(low), 'parameter')} (lowest: "
        f"{low.idxmin()} at {low.min():.0f}): {consequence}"
    )


def _few_levels_remedy(levels: Mapping[str, int]) -> str:
    """The prior remedy for groups with fewer than :data:`FEW_LEVELS` levels, or ''."""
    few = {group: n for group, n in levels.items() if n < FEW_LEVELS}
    if not few:
        return ""
    named = ", ".join(f"'{group}' ({n} levels)" for group, n in few.items())
    group = next(iter(few))
    return (
        f" The sds of {named} rest on fewer than {FEW_LEVELS} levels, so the default prior "
        "leaves them free to approach 0, where the sampler cannot follow (a funnel that no "
        "centring removes); say how large those effects can plausibly be, on the link scale, "
        f"e.g. priors={{'{naming.group_sd_key(group)}': bg.priors.HalfNormal(0.5)}}."
    )


def convergence_messages(
    table: pd.DataFrame, sample_stats: xr.Dataset, levels: Mapping[str, int] | None = None
) -> list[str]:
    """Messages for every convergence problem in ``table`` and ``sample_stats``.

    Parameters
    ----------
    table
        One row per parameter element, with columns ``rhat`` and ``ess_bulk``.
    sample_stats
        The sampler's statistics; ``diverging`` is used when present.
    levels
        Number of levels of each grouping factor, to name the prior remedy for groups
        with few levels when transitions diverge.
    """
    messages = []
    if "diverging" in sample_stats:
        diverging = int(sample_stats["diverging"].sum())
        if diverging:
            total = int(sample_stats["diverging"].size)
            messages.append(
                f"{diverging} of {total} post-warm-up transitions diverged: the sampler could "
                "not follow the posterior everywhere, so the draws may be biased. Raise "
                "target_accept (for example fit(target_accept=0.95)); if divergences remain, "
                "try centered=[...] for grouping factors with many observations per level, or a "
                "tighter prior on the group sds."
                + (
                    " A smooth whose curve is nearly straight (its sds near 0) causes them "
                    "too: a smaller k or a tighter prior on its sds (priors={'sds': ...}) helps."
                    if any(
                        str(label).startswith(smooth_naming.smooth_sd("")) for label in table.index
                    )
                    else ""
                )
                + _few_levels_remedy(levels or {})
            )
    rhat = table["rhat"].dropna()
    high = rhat[rhat > RHAT_MAX]
    if len(high):
        messages.append(
            f"R-hat is above {RHAT_MAX} for {_count(len(high), 'parameter')} (worst: "
            f"{high.idxmax()} at {high.max():.3f}): the chains have not mixed. Run longer "
            "warm-up and more draws (for example fit(tune=2000, draws=2000)), and look for "
            "weakly identified parameters."
        )
    bulk = _low_ess(
        table["ess_bulk"],
        "bulk",
        "means and intervals are imprecise. Draw more (for example fit(draws=2000)), raise "
        "tune, or reparameterise with centered=[...] when the low-ESS parameters are group sds.",
    )
    messages.extend([bulk] if bulk else [])
    return messages


TREE_DEPTH_SHARE_MAX = 0.01
"""Share of draws at the maximum tree depth above which NUTS is flagged as inefficient."""
BFMI_MIN = 0.3
"""E-BFMI below this in a chain means momentum resampling explores energy poorly
(Betancourt 2016, arXiv:1604.00695)."""


@dataclass
class Diagnosis:
    """The result of :meth:`bayesglmm.Fit.diagnose`.

    Attributes
    ----------
    table
        R-hat, bulk and tail ESS, Monte Carlo standard errors of the mean and sd, and
        the posterior sd of every reported parameter.
    verdicts
        One plain-language sentence per check, problems first.
    problems
        How many checks failed.
    """

    table: pd.DataFrame
    verdicts: list[str]
    problems: int

    def _shown(self) -> pd.DataFrame:
        """The table as printed: R-hat to 3 decimals, whole ESS, 4 significant digits."""
        shown = self.table.astype(object)
        for column in self.table.columns:
            values = self.table[column]
            if column == "rhat":
                shown[column] = values.map(lambda v: "NA" if not np.isfinite(v) else f"{v:.3f}")
            elif column.startswith("ess"):
                shown[column] = values.map(lambda v: "NA" if not np.isfinite(v) else f"{v:.0f}")
            else:
                shown[column] = values.map(lambda v: f"{v:.4g}")
        return shown

    def _head(self) -> str:
        return "No problems found." if not self.problems else f"{self.problems} problem(s) found."

    def __repr__(self) -> str:
        lines = [self._head(), *(f"  * {verdict}" for verdict in self.verdicts), ""]
        return "\n".join(lines) + self._shown().to_string()

    def _repr_html_(self) -> str:
        items = "".join(f"<li>{html.escape(verdict)}</li>" for verdict in self.verdicts)
        table = self._shown().to_html(classes="bayesglmm")
        return f"<p><b>{self._head()}</b></p><ul>{items}</ul>{table}"


def divergence_location(
    diverging: np.ndarray, scales: dict[str, np.ndarray]
) -> tuple[str, float, float] | None:
    """The positive parameter whose log differs most between divergent and other draws.

    Returns ``(label, mean in divergent draws, mean in the others)``, or None.
    """
    if not scales or diverging.all() or not diverging.any():
        return None
    best, best_score = None, 0.0
    for label, values in scales.items():
        logs = np.log(values)
        spread = logs.std()
        if spread == 0:
            continue
        score = abs(logs[diverging].mean() - logs[~diverging].mean()) / spread
        if score > best_score:
            best, best_score = label, score
    if best is None:
        return None
    values = scales[best]
    return best, float(values[diverging].mean()), float(values[~diverging].mean())


def diagnosis(
    reported: pd.DataFrame,
    everything: pd.DataFrame,
    sample_stats: xr.Dataset,
    bfmi: np.ndarray | None,
    scales: dict[str, np.ndarray],
    levels: Mapping[str, int] | None = None,
) -> Diagnosis:
    """Run every check.

    Parameters
    ----------
    reported
        :data:`~bayesglmm.results.tables.DIAGNOSTIC_COLUMNS` of the reported parameters.
    everything
        ``rhat`` and ``ess_bulk`` of all parameters, group-level effects included.
    sample_stats
        The sampler's statistics (ArviZ names).
    bfmi
        E-BFMI per chain, or None when the sampler records no energy.
    scales
        Draws ``(chain, draw)`` of the sds and dispersion parameters, by label, to
        locate divergences.
    levels
        Number of levels of each grouping factor (see :func:`convergence_messages`).
    """
    problems = convergence_messages(everything, sample_stats, levels)
    fine = []
    tail = _low_ess(
        reported["ess_tail"],
        "tail",
        "the 95% intervals are imprecise. Draw more (for example fit(draws=2000)).",
    )
    problems.extend([tail] if tail else [])
    if "diverging" in sample_stats and int(sample_stats["diverging"].sum()):
        diverging = sample_stats["diverging"].transpose("chain", "draw").to_numpy()
        per_chain = ", ".join(str(int(n)) for n in diverging.sum(axis=1))
        where = divergence_location(diverging, scales)
        text = f"Divergences by chain: {per_chain}."
        if where is not None:
            label, inside, outside = where
            side = "small" if inside < outside else "large"
            text += (
                f" They gather at {side} values of {label} (mean {inside:.3g} in divergent "
                f"draws, {outside:.3g} in the others)"
            )
            text += (
                ": a funnel between a group sd and its effects. Switch that factor's "
                "parametrisation with centered=, or give the sd a tighter prior."
                if label.startswith("sd_")
                else "."
            )
        problems[0] = f"{problems[0]} {text}"
    elif "diverging" in sample_stats:
        fine.append("No transition diverged.")
    if "reached_max_treedepth" in sample_stats:
        share = float(sample_stats["reached_max_treedepth"].mean())
        if share > TREE_DEPTH_SHARE_MAX:
            problems.append(
                f"{share:.1%} of draws hit the maximum tree depth: NUTS needed very long "
                "trajectories, which is slow and often means strong correlations or very "
                "different scales. Try centered= for factors with many rows per level, or "
                "tighter priors."
            )
        else:
            fine.append(f"Tree depth saturated in {share:.1%} of draws.")
    if bfmi is not None:
        low = [f"chain {c} ({value:.2f})" for c, value in enumerate(bfmi) if value < BFMI_MIN]
        if low:
            problems.append(
                f"E-BFMI is below {BFMI_MIN} in {', '.join(low)}: the sampler explores the "
                "energy distribution poorly, typically because of heavy tails or a funnel. "
                "Reparameterise with centered=, or use tighter priors on the group sds."
            )
        else:
            fine.append(f"E-BFMI is at least {min(bfmi):.2f} in every chain.")
    share = (reported["mcse_mean"] / reported["sd"]).replace([np.inf], np.nan).dropna()
    if len(share):
        worst = share.idxmax()
        fine.append(
            f"Monte Carlo error of the posterior means is at most {share.max():.1%} of the "
            f"posterior sd (worst: {worst}, MCSE {reported.loc[worst, 'mcse_mean']:.3g})."
        )
    if not problems:
        fine.insert(0, f"R-hat is at most {RHAT_MAX} and bulk ESS at least {ESS_MIN} everywhere.")
    return Diagnosis(reported, problems + fine, len(problems))


OVERDISPERSION_REMEDIES = {
    "count": "family='negbinomial'",
    "binomial": "family='beta_binomial'",
}
"""Per response support: the family that models extra-Poisson or extra-binomial variation."""


def pearson_dispersion(
    chi_square: np.ndarray, residual_df: int, support: str, ci_prob: float | None = None
) -> tuple[pd.DataFrame, str | None]:
    """The Pearson dispersion ratio ``sum(r_i^2) / (n - p)`` and a verdict.

    ``r_i = (y_i - E[y_i]) / sqrt(Var(y_i))`` are conditional Pearson residuals at each
    draw; ``p`` counts fixed effects and variance parameters, as in Bolker et al.
    (2009, *Trends Ecol. Evol.* 24:127). A ratio well above 1 (a chi-square test
    ``p < 0.05`` at the posterior mean) means more variation than the family allows.

    Parameters
    ----------
    chi_square
        Draws of the sum of squared Pearson residuals.
    residual_df
        ``n - p``.
    support
        The response support, to name the remedy.

    Returns
    -------
    The one-row table (``ratio``, its ``ci_prob`` interval, ``df``, ``p_value``) and a warning
    message, or None when the data show no overdispersion.

    Examples
    --------
    >>> table, message = pearson_dispersion(np.full(100, 200.0), 50, "count")
    >>> float(table.loc["pearson", "ratio"]), message is not None
    (4.0, True)
    """
    ratios = chi_square / residual_df
    ratio = float(np.mean(ratios))
    p_value = float(stats.chi2.sf(ratio * residual_df, residual_df))
    ci_prob = resolve_ci_prob(ci_prob)
    bounds = dict(zip(interval_columns(ci_prob), interval_bounds(ratios, ci_prob), strict=True))
    table = pd.DataFrame(
        {"ratio": ratio, **bounds, "df": residual_df, "p_value": p_value}, index=["pearson"]
    )
    if p_value >= 0.05 or ratio <= 1:
        return table, None
    remedy = OVERDISPERSION_REMEDIES.get(support, "a family with a dispersion parameter")
    message = (
        f"overdispersion: the Pearson dispersion ratio is {ratio:.2f} (chi-square p = "
        f"{p_value:.2g} on {residual_df} df), more variation than the family allows, so "
        f"intervals are too narrow. Use {remedy}, or add an observation-level effect "
        "with Model(..., overdispersion=True)."
    )
    return table, message
