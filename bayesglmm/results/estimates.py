"""The estimate tables of a fit: ``fixef``, ``varcorr``, ``ranef``, ``coef`` and ``summary``,
as lme4 and brms name them, and the labelled draws the diagnostics and hypotheses use.

Examples
--------
>>> import bayesglmm as bg
>>> model = bg.Model("Reaction ~ Days + (Days | Subject)", bg.datasets.load("sleepstudy"))
>>> fit = model.fit(draws=200, tune=300, chains=2, seed=1, progress=False)
>>> varcorr(fit)[["group", "term", "term2"]].values.tolist()[-2:]
[['Subject', 'Intercept', 'Days'], ['Residual', 'sigma', '']]
>>> summary(fit, ci_prob=0.5).columns.tolist()[:4]
['mean', 'sd', '25%', '75%']
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd
import xarray as xr

from bayesglmm import naming
from bayesglmm.families.mixture import Mixture
from bayesglmm.formula.smooth_spec import GPDesign
from bayesglmm.formula.spec import GroupDesign
from bayesglmm.naming import smooth_naming
from bayesglmm.results.tables import correlation_pairs, pair_draws, stat_columns, summarize

if TYPE_CHECKING:
    from bayesglmm.results.fit import Fit

LabelledDraws = list[tuple[list[str], xr.DataArray]]
"""Pairs of (labels, draws), one label per element of the draws besides chain and draw."""


def constant_parameters(fit: Fit) -> list[str]:
    """The family parameters without a formula of their own, each one variable."""
    modelled = fit.spec.parameter_names
    return [name for name in fit.family.dispersion_names if name not in modelled]


def fixef(fit: Fit, ci_prob: float | None = None) -> pd.DataFrame:
    """Population-level effects, indexed by coefficient; those of a modelled parameter are
    prefixed with its name, as in brms (``zi_Intercept``), and a mixture's first component
    mean's with ``mu1``. A monotonic term's coefficient ``bsp`` follows the mean's, labelled
    ``mo(x)``."""
    tables = []
    if fit.spec.fixed.names:
        table = summarize(fit.posterior[naming.coefficients()], ci_prob)
        if isinstance(fit.family, Mixture):
            mean = naming.component("mu", 1)
            table = table.set_axis([naming.parameter_coefficient(mean, n) for n in table.index])
        tables.append(table)
    if fit.spec.monotonic:
        tables.append(summarize(fit.posterior[naming.MONOTONIC_COEFFICIENTS], ci_prob))
    for part in fit.spec.parameters:
        table = summarize(fit.posterior[naming.coefficients(part.suffix)], ci_prob)
        labels = [naming.parameter_coefficient(part.name, name) for name in table.index]
        tables.append(table.set_axis(labels))
    table = pd.concat(tables)
    table.index.name = naming.coefficient_dim()
    return table


def _correlation_rows(fit: Fit, group: GroupDesign, ci_prob: float | None) -> pd.DataFrame | None:
    if group.structure is not None:
        table = summarize(fit.posterior[naming.group_rho(group.name)], ci_prob)
        return table.assign(
            group=group.name, term=naming.structure_term(group.structure.kind), term2=""
        )
    pairs = correlation_pairs(list(group.terms), list(group.correlated_blocks))
    if not pairs:
        return None
    draws = pair_draws(fit.posterior[naming.group_correlation(group.name)], pairs)
    return summarize(draws, ci_prob).assign(
        group=group.name, term=[a for a, _ in pairs], term2=[b for _, b in pairs]
    )


def varcorr(fit: Fit, ci_prob: float | None = None) -> pd.DataFrame:
    """Group-level standard deviations and correlations, one row each; columns ``group``,
    ``term`` and ``term2`` (empty for an sd) first, the residual sd as group ``Residual``."""
    parts = []
    for group in fit.spec.all_groups:
        sd = summarize(fit.posterior[naming.group_sd(group.name)], ci_prob)
        parts.append(sd.assign(group=group.name, term=list(group.terms), term2=""))
        correlations = _correlation_rows(fit, group, ci_prob)
        if correlations is not None:
            parts.append(correlations)
    for link in fit.spec.linked:
        pairs = link.cross_pairs
        draws = pair_draws(fit.posterior[naming.group_correlation(link.name)], pairs)
        parts.append(
            summarize(draws, ci_prob).assign(
                group=link.name, term=[a for a, _ in pairs], term2=[b for _, b in pairs]
            )
        )
    if fit.family.residual_sd and "sigma" in constant_parameters(fit):
        sigma = summarize(fit.posterior["sigma"], ci_prob)
        parts.append(sigma.assign(group="Residual", term="sigma", term2=""))
    if fit.spec.residual is not None:
        rho = summarize(fit.posterior[naming.RESIDUAL_RHO], ci_prob)
        term = naming.structure_term(fit.spec.residual.kind)
        parts.append(rho.assign(group="Residual", term=term, term2=""))
    columns = ["group", "term", "term2", *stat_columns(ci_prob)]
    if not parts:
        return pd.DataFrame(columns=columns)
    return pd.concat(parts, ignore_index=True)[columns]


def _by_group_level_term(
    fit: Fit, draws_of, ci_prob: float | None, statistics=None
) -> pd.DataFrame:
    """One table of ``draws_of(group)`` over every grouping factor, indexed by group, level
    and term (``statistics`` as in :func:`summarize`)."""
    parts = []
    for group in fit.spec.all_groups:
        table = summarize(draws_of(group), ci_prob, statistics)
        table.index = pd.MultiIndex.from_tuples(
            [(group.name, level, term) for level, term in table.index],
            names=["group", "level", "term"],
        )
        parts.append(table)
    return pd.concat(parts) if parts else pd.DataFrame(columns=stat_columns(ci_prob))


def ranef(fit: Fit, ci_prob: float | None = None, statistics=None) -> pd.DataFrame:
    """Group-level effects (deviations from the fixed effects) by group, level and term
    (``statistics`` as in :func:`summarize`)."""
    return _by_group_level_term(
        fit, lambda group: fit.posterior[naming.group_effects(group.name)], ci_prob, statistics
    )


def _fixed_counterpart(posterior: xr.Dataset, group: GroupDesign) -> xr.DataArray:
    """Per term of ``group``, the draws of its fixed effect (zero for a term without one)."""
    suffix = naming.parameter_suffix(group.parameter)
    b, dim = posterior[naming.coefficients(suffix)], naming.coefficient_dim(suffix)
    names = b[dim]
    return xr.concat(
        [
            b.sel({dim: term}, drop=True)
            if term in names
            else xr.zeros_like(b.isel({dim: 0}, drop=True))
            for term in group.terms
        ],
        dim=pd.Index(list(group.terms), name=naming.term_dim(group.name)),
    )


def coef(fit: Fit, ci_prob: float | None = None) -> pd.DataFrame:
    """Group-level coefficients, fixed plus group effect drawwise (the group effect alone for
    a term without a fixed counterpart), by group, level and term."""
    posterior = fit.posterior
    return _by_group_level_term(
        fit,
        lambda group: (
            posterior[naming.group_effects(group.name)] + _fixed_counterpart(posterior, group)
        ),
        ci_prob,
    )


def dispersion_draws(fit: Fit) -> LabelledDraws:
    """Labels and draws of the family's parameters; thresholds get one label each."""
    parts = []
    for name in constant_parameters(fit):
        draws = fit.posterior[name]
        if naming.CUTPOINT in draws.dims:
            cutpoints = draws[naming.CUTPOINT].to_numpy()
            labels = [naming.element_label(name, c) for c in cutpoints]
        elif naming.MIXTURE_DIM in draws.dims:
            labels = [naming.component(name, int(k)) for k in draws[naming.MIXTURE_DIM].values]
        else:
            labels = [name]
        parts.append((labels, draws))
    if fit.spec.residual is not None:
        parts.append(([naming.RESIDUAL_RHO], fit.posterior[naming.RESIDUAL_RHO]))
    return parts


def simplex_draws(fit: Fit) -> LabelledDraws:
    """Labels ``simo_x[<low>-><high>]`` and draws of each monotonic term's simplex."""
    return [
        (
            [naming.element_label(naming.simplex(term.column), t) for t in term.transitions],
            fit.posterior[naming.simplex(term.column)],
        )
        for term in fit.spec.monotonic
    ]


def simplex_table(fit: Fit, ci_prob: float | None = None) -> pd.DataFrame | None:
    """The increments of the monotonic terms, one row each; None without such terms."""
    parts = simplex_draws(fit)
    if not parts:
        return None
    return pd.concat([summarize(draws, ci_prob).set_axis(labels) for labels, draws in parts])


def dispersion_table(fit: Fit, ci_prob: float | None = None) -> pd.DataFrame | None:
    """The family's parameters, one row per element; None for a family without any."""
    parts = dispersion_draws(fit)
    if not parts:
        return None
    return pd.concat([summarize(draws, ci_prob).set_axis(labels) for labels, draws in parts])


def smooth_draws(fit: Fit) -> LabelledDraws:
    """Labels (``sds_<block>``) and draws of the sds of the smooths' penalised blocks."""
    return [
        ([smooth_naming.smooth_sd(block)], fit.posterior[smooth_naming.smooth_sd(block)])
        for block in _smooth_blocks(fit)
    ]


def _smooth_blocks(fit: Fit) -> list[str]:
    return [
        block
        for smooth in fit.spec.all_smooths
        if not isinstance(smooth, GPDesign)
        for block in smooth.blocks
    ]


def _gp_variables(fit: Fit) -> list[tuple[str, str]]:
    """``(variable, printout label)`` of every GP's sd and length scale, in order."""
    return [
        pair
        for term in fit.spec.all_gps
        for pair in (
            (smooth_naming.gp_sd(term.label), smooth_naming.gp_sd_label(term.label)),
            (smooth_naming.gp_lscale(term.label), smooth_naming.gp_lscale_label(term.label)),
        )
    ]


def gp_draws(fit: Fit) -> LabelledDraws:
    """Labels (``sdgp_<label>``, ``lscale_<label>``) and draws of the Gaussian processes'
    sds and length scales."""
    return [([name], fit.posterior[name]) for name, _ in _gp_variables(fit)]


def gp_table(fit: Fit, ci_prob: float | None = None) -> pd.DataFrame | None:
    """The sds and length scales of the Gaussian processes labelled as brms prints them,
    ``sdgp(gpx)`` and ``lscale(gpx)``; None for a model without any."""
    variables = _gp_variables(fit)
    if not variables:
        return None
    return pd.concat(
        [summarize(fit.posterior[name], ci_prob).set_axis([label]) for name, label in variables]
    )


def smooth_table(fit: Fit, ci_prob: float | None = None) -> pd.DataFrame | None:
    """The sds of the smooths, one row per penalised block labelled as brms prints them,
    ``sds(sx_1)``; None for a model without smooths."""
    blocks = _smooth_blocks(fit)
    if not blocks:
        return None
    return pd.concat(
        [
            summarize(fit.posterior[smooth_naming.smooth_sd(block)], ci_prob).set_axis(
                [smooth_naming.smooth_sd_label(block)]
            )
            for block in blocks
        ]
    )


def reported_draws(fit: Fit) -> LabelledDraws:
    """Labels and draws of every parameter but the group-level effects."""
    posterior = fit.posterior
    parts = [
        (
            [naming.coefficient_key(name, part.suffix) for name in part.fixed.names],
            posterior[naming.coefficients(part.suffix)],
        )
        for part in fit.spec.linear_parts
        if part.fixed.names
    ]
    if fit.spec.monotonic:
        labels = [naming.coefficient_key(term.name) for term in fit.spec.monotonic]
        parts.append((labels, posterior[naming.MONOTONIC_COEFFICIENTS]))
        parts.extend(simplex_draws(fit))
    for group in fit.spec.all_groups:
        g = group.name
        parts.append(([naming.sd_label(g, t) for t in group.terms], posterior[naming.group_sd(g)]))
        pairs = correlation_pairs(list(group.terms), list(group.correlated_blocks))
        if pairs:
            labels = [naming.correlation_label(g, a, b) for a, b in pairs]
            parts.append((labels, pair_draws(posterior[naming.group_correlation(g)], pairs)))
        if group.structure is not None:
            parts.append(([naming.group_rho(g)], posterior[naming.group_rho(g)]))
    for link in fit.spec.linked:
        pairs = link.cross_pairs
        labels = [naming.correlation_label(link.name, a, b) for a, b in pairs]
        draws = pair_draws(posterior[naming.group_correlation(link.name)], pairs)
        parts.append((labels, draws))
    parts.extend(smooth_draws(fit))
    parts.extend(gp_draws(fit))
    parts.extend(dispersion_draws(fit))
    return parts


def summary(fit: Fit, ci_prob: float | None = None, statistics=None) -> pd.DataFrame:
    """Every parameter but the group-level effects, one row per element, labelled
    ``b[<coef>]`` (``b[mo(x)]`` for a monotonic term), ``simo_x[<low>-><high>]``,
    ``sd_<group>[<term>]``, ``cor_<group>[<t1>,<t2>]`` (``cor_<group>__id_<id>[...]``
    between formulas that a correlation ID joins), ``sds_<block>`` (a smooth's sd),
    ``sdgp_<label>`` and ``lscale_<label>`` (a Gaussian process's) and the family's
    parameter names (``statistics`` as in :func:`summarize`)."""
    return pd.concat(
        [
            summarize(draws, ci_prob, statistics).set_axis(labels)
            for labels, draws in reported_draws(fit)
        ]
    )


def all_parameters(fit: Fit, statistics=None) -> pd.DataFrame:
    """:func:`summary` and the group-level effects, labelled ``r_<group>[<level>,<term>]``
    (``statistics`` as in :func:`summarize`)."""
    effects = ranef(fit, statistics=statistics)
    effects.index = [naming.effect_label(g, level, term) for g, level, term in effects.index]
    return pd.concat([summary(fit, statistics=statistics), effects])


def reported_names(fit: Fit) -> list[str]:
    """The posterior variables of :func:`summary`, for the trace and rank plots."""
    names = [naming.coefficients(part.suffix) for part in fit.spec.linear_parts if part.fixed.names]
    if fit.spec.monotonic:
        names.append(naming.MONOTONIC_COEFFICIENTS)
        names.extend(naming.simplex(term.column) for term in fit.spec.monotonic)
    names.extend(naming.group_sd(group.name) for group in fit.spec.all_groups)
    names.extend(smooth_naming.smooth_sd(block) for block in _smooth_blocks(fit))
    names.extend(name for name, _ in _gp_variables(fit))
    residual = [naming.RESIDUAL_RHO] if fit.spec.residual is not None else []
    return names + constant_parameters(fit) + residual
