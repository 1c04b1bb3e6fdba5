"""Centred or non-centred group effects, chosen per grouping factor from the data.

For a normal hierarchy with ``n`` observations of precision ``w`` per level and group sd
``tau``, the centred parameterisation mixes at rate ``1 / (1 + kappa)`` and the
non-centred one at ``kappa / (1 + kappa)``, with ``kappa = n w tau^2`` the information
the data carry about a level relative to its prior (Papaspiliopoulos, Roberts & Sköld
2007). So a factor is centred when its levels are well informed (``kappa > 1``) and
non-centred otherwise; Gorinova, Moore & Hoffman (2020) show the same trade-off for HMC.

``kappa`` is estimated before sampling, from a quick pooled fit:

1. iteratively reweighted least squares of the fixed effects gives each row's working
   weight ``w_i = (dmu/deta)^2 / Var(y_i)`` (the Fisher information about its linear
   predictor) and working residual;
2. per level and term, the information is ``sum_i w_i z_i^2`` (``z`` the term's column),
   and a moment estimate of ``tau^2`` is the spread of the per-level working estimates
   less their average sampling variance (floored at 0);
3. ``kappa`` of a term is the median over levels of information times ``tau^2``; a factor
   is centred when every one of its terms has ``kappa > 1``. A factor with others nested in
   it (herds holding observation-level effects) is informed only through their effects, so
   each row's information about it shrinks by ``1 / (1 + tau_k^2 I_k)`` first, ``I_k`` and
   ``tau_k^2`` the information and variance of the row's inner level.

A factor nested in another (whole plots within blocks) is chosen by its own ``kappa`` like
any other, with its working residuals taken within the levels of the outer factor, so the
spread of its levels does not include the outer one's. On both split-plot designs of
``benchmarks/centring.py`` this centres both levels, which over three seeds gave 50
divergences against 130 and 1.5 to 6 times the minimum ESS of keeping the inner level
non-centred, as the first rule did. Groups of modelled family parameters, structured
terms (``ar1``, ``cs``), known covariances (``gr(g, cov = A)``) and ordinal responses stay
non-centred.

Examples
--------
>>> import bayesglmm as bg
>>> model = bg.Model("Reaction ~ Days + (Days | Subject)", bg.datasets.load("sleepstudy"))
>>> choice = choose_centring(model.spec, model.family, model.link)["Subject"]
>>> choice.centered, choice.reason  # doctest: +ELLIPSIS
(True, 'centred: the data inform each level well (kappa ... > 1)')
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from scipy import optimize

from bayesglmm.backend.likelihoods import Additions, Mu, likelihood_of
from bayesglmm.errors import DataError, did_you_mean
from bayesglmm.families.family import Family
from bayesglmm.families.links import Link
from bayesglmm.families.mixture import Mixture
from bayesglmm.formula.smooth_spec import GPDesign
from bayesglmm.formula.spec import GroupDesign, ModelSpec
from bayesglmm.priors.defaults import response_location_and_spread, typical_value

KAPPA_THRESHOLD = 1.0
"""Centre a factor when the data's information about each level, relative to the group
variance, exceeds this (the crossover of the two parameterisations' mixing rates)."""

IRLS_ITERATIONS = 25


@dataclass(frozen=True)
class Centring:
    """The parameterisation chosen for one grouping factor, and why.

    Attributes
    ----------
    centered
        True for centred effects ``r ~ N(0, G)``; False for ``r = L z``.
    kappa
        The smallest over the factor's terms of the median information per level times
        the estimated group variance; None when it was not estimated.
    reason
        One line for the model's printout.
    """

    centered: bool
    kappa: float | None
    reason: str


def choose_centring(spec: ModelSpec, family: Family, link: Link) -> dict[str, Centring]:
    """The parameterisation of every grouping factor of ``spec``, by name."""
    choices: dict[str, Centring] = {}
    fixed_groups = [group for group in spec.all_groups if _fixed_reason(group, family, spec)]
    for group in fixed_groups:
        choices[group.name] = Centring(False, None, _fixed_reason(group, family, spec))
    free = [group for group in spec.groups if group.name not in choices]
    if not free:
        return {group.name: choices[group.name] for group in spec.all_groups}
    weights, residuals = _pooled_fit(spec, family, link)
    free_dispersion = "sigma" in family.dispersion_names
    for group in free:
        dispersion = _within_dispersion(group, weights, residuals) if free_dispersion else 1.0
        scaled = _through_nested(group, spec.groups, weights / dispersion, residuals)
        own = _within_outer(group, spec.groups, weights, residuals)
        kappa = min(_term_kappa(group, t, scaled, own) for t in range(len(group.terms)))
        if kappa > KAPPA_THRESHOLD:
            reason = f"centred: the data inform each level well (kappa {kappa:.3g} > 1)"
        else:
            reason = f"non-centred: the prior dominates each level (kappa {kappa:.3g} <= 1)"
        choices[group.name] = Centring(bool(kappa > KAPPA_THRESHOLD), kappa, reason)
    return {group.name: choices[group.name] for group in spec.all_groups}


def _fixed_reason(group: GroupDesign, family: Family, spec: ModelSpec) -> str:
    """Why a group is always non-centred, or the empty string."""
    if _all_joined(group, spec):
        return (
            "non-centred: its terms share a correlation ID with another formula's, and "
            "joined effects are always non-centred"
        )
    if group.parameter is not None:
        return f"non-centred: effects on {group.parameter} are always non-centred"
    if group.structure is not None:
        return f"non-centred: {group.structure.kind} effects are always non-centred"
    if group.covariance is not None:
        return "non-centred: effects with a known covariance are always non-centred"
    if group.member_index is not None:
        return "non-centred: multi-membership effects are always non-centred"
    if family.thresholds is not None:
        return "non-centred: ordinal models keep group effects non-centred"
    if isinstance(family, Mixture):
        return "non-centred: mixture models keep group effects non-centred"
    return ""


def _nested_in(group: GroupDesign, groups: tuple[GroupDesign, ...]) -> str | None:
    """The coarser grouping factor whose levels each hold whole levels of ``group``."""
    for other in groups:
        if other is group or other.n_levels >= group.n_levels or other.member_index is not None:
            continue
        pairs = np.unique(np.column_stack([group.index, other.index]), axis=0)
        if len(pairs) == group.n_levels:
            return other.name
    return None


def _pooled_fit(spec: ModelSpec, family: Family, link: Link) -> tuple[np.ndarray, np.ndarray]:
    """Working weights and working residuals of the fixed effects' maximum-likelihood fit,
    by iteratively reweighted least squares (McCullagh & Nelder 1989, sec. 2.5), started
    from the link of the mean response."""
    response, trials = spec.response, spec.response.trials
    y = response.values if trials is None else response.values / trials
    offset = np.zeros(spec.n_obs) if spec.offset is None else spec.offset
    on_mean_scale = family.mean_scale(response.values, trials)
    params = {p.name: np.asarray(typical_value(p, on_mean_scale)) for p in family.dispersion}
    additions = Additions.of(response)
    x = spec.fixed.matrix
    eta = offset + response_location_and_spread(spec, family, link)[0]
    for _ in range(IRLS_ITERATIONS):
        if "sigma" in params:
            spread = float(np.std(y - likelihood_of(family).mean(Mu.of(eta, link), params)))
            params["sigma"] = np.asarray(max(spread, 1e-8))
        weights, residuals = _working(y, eta, family, link, params, trials, additions)
        gram = x.T @ (weights[:, None] * x) + 1e-8 * np.eye(x.shape[1])
        beta = np.linalg.solve(gram, x.T @ (weights * (eta - offset + residuals)))
        updated = offset + x @ beta
        converged = np.max(np.abs(updated - eta)) < 1e-8
        eta = updated
        if converged:
            break
    return _working(y, eta, family, link, params, trials, additions)


def _working(
    y: np.ndarray,
    eta: np.ndarray,
    family: Family,
    link: Link,
    params: dict,
    trials,
    additions: Additions,
) -> tuple[np.ndarray, np.ndarray]:
    """Working weights ``(dmu/deta)^2 / Var(y)`` and residuals ``(y - mu) / (dmu/deta)``,
    with the response's known standard errors in ``Var(y)``."""
    step = 1e-5
    likelihood = likelihood_of(family)

    def mean_at(at: np.ndarray) -> np.ndarray:
        return likelihood.mean(Mu.of(at, link), params)

    mean = mean_at(eta)
    slope = mean_at(eta + step) - mean_at(eta - step)
    slope = slope / (2 * step)
    variance = likelihood.variance(Mu.of(eta, link), additions.parameters(params), trials)
    weights = np.where(variance > 0, slope**2 / np.maximum(variance, 1e-300), 0.0)
    return weights, (y - mean) / np.where(slope != 0, slope, 1.0)


def _term_kappa(group: GroupDesign, term: int, weights: np.ndarray, residuals: np.ndarray) -> float:
    """Median over levels of information about the term's effect times its estimated
    variance."""
    information, tau_squared = _level_information(group, term, weights, residuals)
    informed = information[information > 0]
    return float(np.median(informed) * tau_squared) if informed.size >= 2 else 0.0


def _level_information(
    group: GroupDesign, term: int, weights: np.ndarray, residuals: np.ndarray
) -> tuple[np.ndarray, float]:
    """Information about the term's effect in each level and a moment estimate of the
    term's variance; slopes are centred within level, so their information is given the
    level's intercept."""
    column, levels = group.values[:, term], group.n_levels
    if not group.constant_terms[term] and group.constant_terms.any():
        totals = np.bincount(group.index, weights, minlength=levels)
        within = np.bincount(group.index, weights * column, minlength=levels)
        column = column - (within / np.where(totals > 0, totals, 1.0))[group.index]
    information = np.bincount(group.index, weights * column**2, minlength=levels)
    score = np.bincount(group.index, weights * column * residuals, minlength=levels)
    informed = information > 0
    if informed.sum() < 2:
        return information, 0.0
    estimates = score[informed] / information[informed]
    sampling = 1.0 / information[informed]
    return information, max(float(np.var(estimates, ddof=1) - np.mean(sampling)), 0.0)


def _through_nested(
    group: GroupDesign, groups: tuple[GroupDesign, ...], weights: np.ndarray, residuals
) -> np.ndarray:
    """Row weights for ``group`` seen through the intercepts of factors nested in it: a
    row's information about the outer level shrinks by ``1 / (1 + tau^2 I_k)``, ``I_k``
    and ``tau^2`` the information and variance of its inner level's intercept (the data
    inform an outer level only through the inner effects)."""
    for inner in groups:
        if inner is group or _nested_in(inner, (group,)) is None:
            continue
        if not inner.constant_terms.any():
            continue
        intercept = int(np.flatnonzero(inner.constant_terms)[0])
        information, tau_squared = _level_information(inner, intercept, weights, residuals)
        weights = weights / (1.0 + tau_squared * information[inner.index])
    return weights


def _within_outer(
    group: GroupDesign, groups: tuple[GroupDesign, ...], weights: np.ndarray, residuals
) -> np.ndarray:
    """Working residuals less the weighted mean of the level of the factor ``group`` is
    nested in, if any, so that the spread of a whole plot's estimates measures its own
    variance and not its block's too."""
    outer_name = _nested_in(group, groups)
    if outer_name is None:
        return residuals
    outer = next(other for other in groups if other.name == outer_name)
    totals = np.bincount(outer.index, weights, minlength=outer.n_levels)
    sums = np.bincount(outer.index, weights * residuals, minlength=outer.n_levels)
    return residuals - (sums / np.where(totals > 0, totals, 1.0))[outer.index]


def _within_dispersion(group: GroupDesign, weights: np.ndarray, residuals: np.ndarray) -> float:
    """Pearson dispersion of the working residuals left after a separate weighted fit of
    the group's terms within each level. The pooled fit's sigma also holds the spread
    between levels; this ratio takes it out, so a gaussian level's information uses the
    residual variance within levels."""
    left = residuals.copy()
    order = np.argsort(group.index, kind="stable")
    bounds = np.flatnonzero(np.diff(group.index[order])) + 1
    for rows in np.split(order, bounds):
        root = np.sqrt(weights[rows])[:, None]
        design = group.values[rows] * root
        solution = np.linalg.lstsq(design, residuals[rows] * root[:, 0], rcond=None)[0]
        left[rows] = residuals[rows] - group.values[rows] @ solution
    freedom = len(residuals) - group.n_levels * len(group.terms)
    if freedom <= 0:
        return 1.0
    return max(float(np.sum(weights * left**2) / freedom), 1e-12)


def smooth_centring(spec: ModelSpec, family: Family, link: Link) -> dict[str, np.ndarray]:
    """Per penalised block of the smooths, which of its coefficients to sample centred
    (``b_j ~ N(0, sds^2)``) rather than non-centred (``b_j = sds * z_j``).

    The criterion of the grouping factors, column by column: coefficient ``j`` is centred
    when ``kappa_j = I_j sds^2 > 1``. A weighted least-squares fit of the working residuals
    of the fixed effects' fit on every penalised column of the mean's smooths at once gives
    estimates ``b`` with covariance ``phi V``, ``V = (Zs' W Zs)^-1`` (``W`` the working
    weights, ``phi`` the Pearson dispersion left by this fit for families with ``sigma``,
    else 1), the information ``I_j = (Zs' W Zs)_jj / phi``, and per block ``sds^2``
    maximising the likelihood of ``b_j ~ N(0, sds^2 + phi V_jj)``. A block whose
    ``sum_j b_j^2 / (phi V_jj)`` does not exceed its chi-square mean by two sds (a nearly
    straight curve, ``sds`` near 0) gets ``sds^2 = 0``: non-centred. So a well-informed
    curve gets its smooth directions centred and its wiggly ones non-centred. Only the
    sampler's geometry changes, not the model. Smooths of modelled parameters and of
    ordinal models stay non-centred; Gaussian processes are not penalised blocks and have
    no entry.

    Examples
    --------
    >>> import bayesglmm as bg
    >>> import pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> data = pd.DataFrame({"x": rng.uniform(size=200)})
    >>> data["y"] = np.sin(6 * data["x"]) + rng.normal(0, 0.2, 200)
    >>> model = bg.Model("y ~ s(x)", data)
    >>> smooth_centring(model.spec, model.family, model.link)["sx_1"].tolist()
    [False, True, True, True, True, True, True, True]
    """
    choices = {
        block: np.zeros(values.shape[1], dtype=bool)
        for smooth in spec.all_smooths
        if not isinstance(smooth, GPDesign)
        for block, values in zip(smooth.blocks, smooth.values, strict=True)
    }
    pairs = [
        (block, values)
        for smooth in spec.smooths
        if not isinstance(smooth, GPDesign)
        for block, values in zip(smooth.blocks, smooth.values, strict=True)
    ]
    if not pairs or family.thresholds is not None:
        return choices
    weights, residuals = _pooled_fit(spec, family, link)
    columns = np.column_stack([values for _, values in pairs])
    gram = columns.T @ (weights[:, None] * columns)
    covariance = np.linalg.pinv(gram)
    estimate = covariance @ (columns.T @ (weights * residuals))
    dispersion = 1.0
    if "sigma" in family.dispersion_names:
        left = residuals - columns @ estimate
        freedom = max(len(residuals) - columns.shape[1], 1)
        dispersion = max(float(np.sum(weights * left**2) / freedom), 1e-12)
    sampling = dispersion * np.maximum(np.diag(covariance), 1e-300)
    start = 0
    for block, values in pairs:
        part = slice(start, start + values.shape[1])
        start += values.shape[1]
        count = values.shape[1]
        statistic = float(np.sum(estimate[part] ** 2 / sampling[part]))
        if statistic <= count + 2 * np.sqrt(2 * count):
            continue
        variance = _block_variance(estimate[part], sampling[part])
        choices[block] = np.diag(gram)[part] / dispersion * variance > KAPPA_THRESHOLD
    return choices


def _block_variance(estimate: np.ndarray, sampling: np.ndarray) -> float:
    """The ``tau^2`` maximising the likelihood of ``estimate_j ~ N(0, tau^2 + sampling_j)``
    (a one-dimensional search on ``log tau^2``)."""

    def negative_log_likelihood(log_variance: float) -> float:
        total = np.exp(log_variance) + sampling
        return float(np.sum(np.log(total) + estimate**2 / total))

    scale = float(np.max(estimate**2)) + 1e-12
    found = optimize.minimize_scalar(
        negative_log_likelihood,
        bounds=(np.log(scale) - 30.0, np.log(scale) + 5.0),
        method="bounded",
    )
    return float(np.exp(found.x))


def _all_joined(group: GroupDesign, spec: ModelSpec) -> bool:
    """Whether a correlation ID joins every block of ``group`` to another group's."""
    joined = spec.linked_members
    return all((group.name, block) in joined for block in range(len(group.blocks)))


def centered_groups(centered: bool | Iterable[str], spec: ModelSpec) -> frozenset[str]:
    """The grouping factors that ``centered=True``, ``False`` or a list of names centres
    (``centered="auto"`` is :func:`choose_centring`'s), checked against the spec."""
    names = [group.name for group in spec.all_groups]
    if isinstance(centered, bool):
        plain = [
            g.name for g in spec.all_groups if g.covariance is None and not _all_joined(g, spec)
        ]
        return frozenset(plain if centered else ())
    chosen = [centered] if isinstance(centered, str) else centered
    if not isinstance(chosen, Iterable) or not all(isinstance(name, str) for name in chosen):
        raise DataError(
            f"centered= takes 'auto', True, False or a list of grouping factors, not "
            f"{centered!r}; the grouping factors are: {', '.join(names) or 'none'}."
        )
    unknown = [name for name in chosen if name not in names]
    if unknown:
        raise DataError(
            f"centered= names {unknown}, which are not grouping factors of this model."
            f"{did_you_mean(unknown[0], names)} The grouping factors are: "
            f"{', '.join(names) or 'none'} (centered=True centres them all, 'auto' chooses)."
        )
    known = [g.name for g in spec.all_groups if g.covariance is not None and g.name in chosen]
    if known:
        raise DataError(
            f"grouping factor '{known[0]}' has a known covariance (gr(..., cov = )), whose "
            "effects are always non-centred; leave it out of centered=."
        )
    joined = [g.name for g in spec.all_groups if _all_joined(g, spec) and g.name in chosen]
    if joined:
        raise DataError(
            f"grouping factor '{joined[0]}' has only terms that a correlation ID joins to "
            "another formula's, and joined effects are always non-centred; leave it out of "
            "centered=."
        )
    return frozenset(chosen)
