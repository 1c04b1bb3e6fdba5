"""The convergence and dispersion checks of a fit: ``fit.diagnose()`` and
``fit.dispersion()`` (the verdicts themselves are in :mod:`bayesglmm.results.diagnostics`).

Examples
--------
>>> import bayesglmm as bg
>>> model = bg.Model("y ~ lbase * trt + lage + V4 + (1 | subject)",
...                  bg.datasets.load("epil"), family="poisson")
>>> fit = model.fit(draws=300, tune=300, chains=2, seed=1, progress=False)
>>> dispersion_checkable(fit)
True
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING

import arviz_stats as azs
import numpy as np
import pandas as pd

from bayesglmm import naming
from bayesglmm.errors import DataError, DataWarning
from bayesglmm.results.diagnostics import (
    OVERDISPERSION_REMEDIES,
    Diagnosis,
    diagnosis,
    pearson_dispersion,
)
from bayesglmm.results.estimates import constant_parameters, reported_draws
from bayesglmm.results.ppc import response_scale
from bayesglmm.results.predict import conditional_moments
from bayesglmm.results.tables import correlation_pairs, diagnostic_stats, summarize

if TYPE_CHECKING:
    from bayesglmm.results.fit import Fit


def sd_draws(fit: Fit) -> dict[str, np.ndarray]:
    """``(chain, draw)`` draws of every scalar scale: group sds and dispersion parameters,
    where divergences are located."""
    posterior = fit.posterior
    scales = {
        naming.sd_label(group.name, term): posterior[naming.group_sd(group.name)]
        .sel({naming.term_dim(group.name): term})
        .transpose("chain", "draw")
        .to_numpy()
        for group in fit.spec.all_groups
        for term in group.terms
    }
    for name in constant_parameters(fit):
        if posterior[name].ndim == 2:
            scales[name] = posterior[name].transpose("chain", "draw").to_numpy()
    return scales


def reported_diagnostics(fit: Fit) -> pd.DataFrame:
    """The diagnostic columns (R-hat, ESS, MCSE) of every reported parameter of ``fit``."""
    return pd.concat(
        [
            summarize(draws, statistics=diagnostic_stats).set_axis(labels)
            for labels, draws in reported_draws(fit)
        ]
    )


def sampler_diagnosis(
    reported: pd.DataFrame,
    everything: pd.DataFrame,
    idata,
    scales: dict[str, np.ndarray],
    levels: dict[str, int],
) -> Diagnosis:
    """:func:`~bayesglmm.results.diagnostics.diagnosis` of draws ``idata`` with its
    sampler statistics and E-BFMI."""
    stats = idata.sample_stats.to_dataset()
    bfmi = azs.bfmi(idata)["energy"].to_numpy() if "energy" in stats else None
    return diagnosis(reported, everything, stats, bfmi, scales, levels)


def diagnose(fit: Fit) -> Diagnosis:
    """R-hat, bulk and tail ESS, divergences (by chain, and where they gather among the
    group sds), tree depth, E-BFMI, Monte Carlo errors and, for Poisson and binomial fits,
    the Pearson dispersion."""
    result = sampler_diagnosis(
        reported_diagnostics(fit),
        fit.convergence_table,
        fit.idata,
        sd_draws(fit),
        fit.spec.levels_per_group,
    )
    if not dispersion_checkable(fit):
        return result
    table, message = pearson(fit)
    if message is None:
        ratio = table.loc["pearson", "ratio"]
        result.verdicts.append(f"Pearson dispersion ratio {ratio:.2f}: no overdispersion.")
        return result
    return Diagnosis(result.table, [message, *result.verdicts], result.problems + 1)


def dispersion_checkable(fit: Fit) -> bool:
    """Whether the family fixes its variance, so that overdispersion can be checked."""
    return fit.family.support.name in OVERDISPERSION_REMEDIES and not fit.family.dispersion


def pearson(fit: Fit) -> tuple[pd.DataFrame, str | None]:
    """The Pearson dispersion table and its warning (None when the data fit the family)."""
    response = fit.spec.response
    observed = response_scale(response.values, response.trials)
    chi_square = 0.0
    for rows, mean, variance in conditional_moments(fit):
        chi_square = chi_square + np.nansum((observed[rows] - mean) ** 2 / variance, axis=1)
    parameters = len(fit.spec.fixed.names) + sum(
        len(group.terms) + len(correlation_pairs(list(group.terms), list(group.blocks)))
        for group in fit.spec.groups
    )
    residual_df = max(1, fit.spec.n_obs - parameters)
    return pearson_dispersion(chi_square, residual_df, fit.family.support.name)


def dispersion(fit: Fit) -> pd.DataFrame:
    """The Pearson dispersion ratio of a Poisson or binomial fit, warning when the data vary
    more than the family allows (see :func:`~bayesglmm.results.diagnostics.pearson_dispersion`).
    """
    if not dispersion_checkable(fit):
        reason = (
            "estimates its own dispersion."
            if fit.family.dispersion
            else "has no overdispersion to check (0/1 data)."
        )
        raise DataError(
            "the Pearson dispersion check is for poisson and binomial fits; family "
            f"'{fit.family.name}' {reason}"
        )
    table, message = pearson(fit)
    if message is not None:
        warnings.warn(message, DataWarning, stacklevel=3)
    return table
