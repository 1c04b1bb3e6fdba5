"""Posterior summary tables: functions over labelled draws, returning DataFrames.

Every table has the columns :func:`stat_columns`: posterior mean and sd, the central
credible interval (``ci_prob``, 95% unless ``bg.options`` or the call says otherwise),
bulk and tail effective sample sizes and rank-normalised R-hat (Vehtari et al. 2021),
computed with arviz-stats, except the R-hat and bulk ESS of the convergence check, which
:mod:`~bayesglmm.results.convergence` computes for all elements at once.

Examples
--------
>>> import numpy as np, xarray as xr
>>> draws = xr.DataArray(np.random.default_rng(0).normal(size=(4, 500, 2)),
...                      dims=("chain", "draw", "coef"), coords={"coef": ["a", "b"]})
>>> summarize(draws).columns.tolist()
['mean', 'sd', '2.5%', '97.5%', 'ess_bulk', 'ess_tail', 'rhat']
>>> summarize(draws, ci_prob=0.9).columns.tolist()[2:4]
['5%', '95%']
"""

from __future__ import annotations

import arviz_stats as azs
import numpy as np
import pandas as pd
import xarray as xr

from bayesglmm.results.convergence import rhat_and_bulk_ess
from bayesglmm.results.intervals import interval_columns, interval_quantiles, resolve_ci_prob

DIAGNOSTIC_COLUMNS = ["rhat", "ess_bulk", "ess_tail", "mcse_mean", "mcse_sd", "sd"]
SAMPLE_DIMS = ("chain", "draw")


def stat_columns(ci_prob: float | None = None) -> list[str]:
    """The columns of a summary table: ``mean``, ``sd``, the interval, ESS and R-hat."""
    columns = interval_columns(resolve_ci_prob(ci_prob))
    return ["mean", "sd", *columns, "ess_bulk", "ess_tail", "rhat"]


STAT_COLUMNS = stat_columns(0.95)
"""The columns of a summary table at the default ``ci_prob``."""


def summary_stats(draws: xr.DataArray, ci_prob: float | None = None) -> xr.DataArray:
    """Summary statistics of ``draws`` along a new ``stat`` dimension.

    Parameters
    ----------
    draws
        Draws with dims ``chain`` and ``draw`` plus any others.
    ci_prob
        Probability of the central interval; ``bg.options().ci_prob`` when None.
    """
    ci_prob = resolve_ci_prob(ci_prob)
    values = draws.astype(float)
    levels = list(interval_quantiles(ci_prob))
    quantiles = values.quantile(levels, dim=SAMPLE_DIMS)
    stats = [
        values.mean(SAMPLE_DIMS),
        values.std(SAMPLE_DIMS, ddof=1),
        *(quantiles.sel(quantile=level, drop=True) for level in levels),
        azs.ess(values, method="bulk"),
        azs.ess(values, method="tail"),
        azs.rhat(values),
    ]
    return xr.concat(stats, dim=pd.Index(stat_columns(ci_prob), name="stat"))


def diagnostic_stats(draws: xr.DataArray) -> xr.DataArray:
    """R-hat, ESS, Monte Carlo standard errors of mean and sd, and the posterior sd."""
    values = draws.astype(float)
    stats = [
        azs.rhat(values),
        azs.ess(values, method="bulk"),
        azs.ess(values, method="tail"),
        azs.mcse(values, method="mean"),
        azs.mcse(values, method="sd"),
        values.std(SAMPLE_DIMS, ddof=1),
    ]
    return xr.concat(stats, dim=pd.Index(DIAGNOSTIC_COLUMNS, name="stat"))


CONVERGENCE_COLUMNS = ["rhat", "ess_bulk"]


def convergence_stats(draws: xr.DataArray) -> xr.DataArray:
    """Rank-normalised R-hat and bulk ESS, all the convergence check reads.

    They are computed for all elements at once (:mod:`~bayesglmm.results.convergence`),
    equal to arviz-stats's to rounding at a sixth to a tenth of its cost over thousands of
    group-level effects; elements that rule leaves out (draws not finite or not varying),
    and draws of one chain or fewer than 4 per chain, go to arviz-stats.

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> draws = xr.DataArray(np.random.default_rng(0).normal(size=(4, 500, 3)),
    ...                      dims=("chain", "draw", "level"))
    >>> bool((convergence_stats(draws).sel(stat="ess_bulk") > 1500).all())
    True
    """
    values = draws.astype(float).transpose(*SAMPLE_DIMS, ...)
    elements = values.isel(chain=0, draw=0, drop=True)
    if values.sizes["chain"] < 2 or values.sizes["draw"] < 4:
        return _arviz_convergence_stats(values)
    array = values.to_numpy().reshape(values.sizes["chain"], values.sizes["draw"], -1)
    rhat, ess = rhat_and_bulk_ess(np.moveaxis(array, -1, 0))
    stats = xr.concat(
        [
            elements.copy(data=rhat.reshape(elements.shape)),
            elements.copy(data=ess.reshape(elements.shape)),
        ],
        dim=pd.Index(CONVERGENCE_COLUMNS, name="stat"),
    )
    left_out = np.isnan(rhat)
    if left_out.any():
        stacked = (
            values.stack(element=elements.dims)
            if elements.dims
            else values.expand_dims("element", -1)
        )
        by_arviz = _arviz_convergence_stats(stacked.isel(element=np.flatnonzero(left_out)))
        flat = stats.to_numpy().reshape(len(CONVERGENCE_COLUMNS), -1)
        flat[:, left_out] = by_arviz.transpose("stat", "element").to_numpy()
        stats = stats.copy(data=flat.reshape(stats.shape))
    return stats


def _arviz_convergence_stats(values: xr.DataArray) -> xr.DataArray:
    stats = [azs.rhat(values), azs.ess(values, method="bulk")]
    return xr.concat(stats, dim=pd.Index(CONVERGENCE_COLUMNS, name="stat"))


def summarize(draws: xr.DataArray, ci_prob: float | None = None, statistics=None) -> pd.DataFrame:
    """One row per element of ``draws`` (indexed by its coordinates), one column per statistic.

    ``statistics`` is :func:`summary_stats` at ``ci_prob`` (the default),
    :func:`diagnostic_stats` or :func:`convergence_stats`.

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> draws = xr.DataArray(np.zeros((2, 10)) + 1.5, dims=("chain", "draw"))
    >>> float(summarize(draws).loc[0, "mean"])
    1.5
    """
    stats = summary_stats(draws, ci_prob) if statistics is None else statistics(draws)
    columns = stats.indexes["stat"].tolist()
    element_dims = [dim for dim in stats.dims if dim != "stat"]
    if not element_dims:
        return pd.DataFrame([stats.to_numpy()], columns=columns)
    stacked = stats.stack(element=element_dims).transpose("element", "stat")
    index = stacked.indexes["element"]
    if len(element_dims) == 1:
        index = pd.Index(index.get_level_values(0), name=element_dims[0])
    return pd.DataFrame(stacked.to_numpy(), index=index, columns=columns)


def correlation_pairs(terms: list[str], blocks: list[tuple[int, ...]]) -> list[tuple[str, str]]:
    """Pairs of terms ``(t1, t2)``, t1 before t2, that share a correlated block."""
    return [
        (terms[block[i]], terms[block[j]])
        for block in blocks
        for i in range(len(block))
        for j in range(i + 1, len(block))
    ]


def pair_draws(correlation: xr.DataArray, pairs: list[tuple[str, str]]) -> xr.DataArray:
    """Draws of the listed correlations, stacked along a ``pair`` dimension."""
    term, term2 = correlation.dims[-2:]
    first = [a for a, _ in pairs]
    second = [b for _, b in pairs]
    picked = correlation.isel(
        {
            term: xr.DataArray([correlation.indexes[term].get_loc(a) for a in first], dims="pair"),
            term2: xr.DataArray(
                [correlation.indexes[term2].get_loc(b) for b in second], dims="pair"
            ),
        }
    )
    return picked.drop_vars([term, term2], errors="ignore").assign_coords(
        pair=[f"{a},{b}" for a, b in pairs]
    )
