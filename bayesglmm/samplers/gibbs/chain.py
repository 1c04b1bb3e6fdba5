"""One Gibbs chain: augmentation, location block, variance components, dispersion.

Per iteration:

1. Working response and weights: the data themselves for a gaussian model, which enter
   through cross-products computed once (:class:`~.location.GaussianLocation`); for a
   logit binomial ``omega_i ~ PG(n_i, eta_i)``, weights ``omega`` and working response
   ``(y - n/2) / omega`` (Polson, Scott & Windle 2013); for a negative binomial with
   shape ``r`` the same with ``PG(y_i + r, eta_i - log r)`` and ``(y - r)/2``
   (Zhou, Li, Dunson & Carin 2012).
2. Fixed and group effects from the location block.
3. Standard deviations and correlations of each grouping factor.
4. The residual sd (gaussian) or the shape (negative binomial, slice sampling).
5. Scale-mixture variances of Student-t priors on fixed effects.

Examples
--------
>>> import bayesglmm as bg
>>> from bayesglmm.samplers import ModelParts
>>> from bayesglmm.samplers.gibbs.design import gibbs_design
>>> model = bg.Model("favorable | trials(n) ~ treatment + (1 | clinic)",
...                  bg.datasets.load("infection"), family="binomial")
>>> design = gibbs_design(ModelParts(model.graph, model.spec, model.family, model.link,
...                                  model.priors))
>>> draws = run_chain(design, ((0,),), draws=50, tune=50, seed=1)
>>> draws["b"].shape, draws["r_clinic"].shape
((50, 2), (50, 8, 1))
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from polyagamma import random_polyagamma
from scipy import special

from bayesglmm import naming
from bayesglmm.samplers.gibbs.design import GibbsDesign
from bayesglmm.samplers.gibbs.location import BlockedLocation, GaussianLocation
from bayesglmm.samplers.gibbs.variances import (
    CorrelatedBlockUpdate,
    ScaleUpdate,
    slice_sample,
    student_t_precision_scales,
)

MIN_SHAPE = 1e-3
"""Smallest negative-binomial shape the Gibbs sampler visits: the Polya-Gamma generator
needs ``PG(h, z)`` with ``h = y + shape`` above about 1e-4. Shapes this small mean a
variance of about ``1000 mu^2``; NUTS has no such floor."""


@dataclass
class ChainState:
    """Current values of everything the chain updates.

    ``contributions`` holds each grouping factor's part of the linear predictor, kept in
    step with ``effects`` by the location block; it is empty for a gaussian model, whose
    location block works from cross-products.
    """

    beta: np.ndarray
    effects: list[np.ndarray]
    contributions: list[np.ndarray]
    covariances: list[np.ndarray]
    fixed_prior_variance: np.ndarray
    dispersion: float


def _initial_state(design: GibbsDesign, rng: np.random.Generator) -> ChainState:
    fixed = design.fixed
    jitter = rng.uniform(-0.5, 0.5, size=fixed.prior_mean.size) * 0.1 * fixed.prior_scale
    covariances = [
        np.diag([(0.5 * prior.median()) ** 2 for prior in group.sd_priors])
        * np.exp(rng.uniform(-0.5, 0.5))
        for group in design.groups
    ]
    dispersion = design.dispersion[1].median() if design.dispersion is not None else 1.0
    if design.kind == "negbinomial":
        dispersion = max(dispersion, 1.0)
    return ChainState(
        beta=fixed.prior_mean + jitter,
        effects=[np.zeros((group.n_levels, group.q)) for group in design.groups],
        contributions=[]
        if design.kind == "gaussian"
        else [np.zeros(design.n_obs) for _ in design.groups],
        covariances=covariances,
        fixed_prior_variance=fixed.prior_scale**2,
        dispersion=dispersion,
    )


def _linear_predictor(design: GibbsDesign, state: ChainState) -> np.ndarray:
    eta = design.fixed.matrix @ state.beta + design.offset
    for contribution in state.contributions:
        eta += contribution
    return eta


def _working(
    design: GibbsDesign, state: ChainState, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray | float]:
    """Polya-Gamma weights and working response (without the offset) of a binomial or
    negative binomial model."""
    eta = _linear_predictor(design, state)
    if design.kind == "binomial":
        counts, shift, kappa = design.trials, 0.0, design.y - design.trials / 2
    else:
        counts = design.y + state.dispersion
        shift = np.log(state.dispersion)
        kappa = (design.y - state.dispersion) / 2
    active = counts > 0
    omega = np.zeros(design.n_obs)
    omega[active] = random_polyagamma(counts[active], eta[active] - shift, random_state=rng)
    working = np.zeros(design.n_obs)
    working[active] = kappa[active] / omega[active] + shift - design.offset[active]
    return working, omega


def _negbinomial_shape(design: GibbsDesign, state: ChainState, rng: np.random.Generator) -> float:
    mean = np.exp(_linear_predictor(design, state))
    y = design.y
    prior = design.dispersion[1]

    def log_density(log_shape: float) -> float:
        r = np.exp(log_shape)
        if r < MIN_SHAPE:
            return -np.inf
        loglik = np.sum(
            special.gammaln(y + r)
            - special.gammaln(r)
            + r * np.log(r / (r + mean))
            + y * np.log(mean / (r + mean))
        )
        value = float(loglik + prior.logpdf(r) + log_shape)
        return value if np.isfinite(value) else -np.inf

    return float(np.exp(slice_sample(log_density, np.log(state.dispersion), 1.0, rng)))


class _VarianceUpdates:
    """The variance-component updates of every grouping factor, and their acceptance records."""

    def __init__(self, design: GibbsDesign):
        self.design = design
        self.updates = []
        for group in design.groups:
            blocks = []
            for block in group.blocks:
                priors = tuple(group.sd_priors[t] for t in block)
                if len(block) == 1:
                    blocks.append((block, ScaleUpdate(priors[0])))
                else:
                    blocks.append((block, CorrelatedBlockUpdate(priors, group.cor_eta)))
            self.updates.append(blocks)

    def draw(self, state: ChainState, rng: np.random.Generator) -> list[bool]:
        accepted = []
        for g, blocks in enumerate(self.updates):
            effects = state.effects[g]
            covariance = state.covariances[g].copy()
            for block, update in blocks:
                index = np.array(block)
                if isinstance(update, ScaleUpdate):
                    sd = update.draw(
                        float(np.sum(effects[:, index] ** 2)),
                        effects.shape[0],
                        float(np.sqrt(covariance[index[0], index[0]])),
                        rng,
                    )
                    covariance[index[0], index[0]] = sd**2
                else:
                    current = covariance[np.ix_(index, index)]
                    new, ok = update.draw(effects[:, index], current, rng)
                    covariance[np.ix_(index, index)] = new
                    accepted.append(ok)
            state.covariances[g] = covariance
        return accepted


def _record_names(design: GibbsDesign) -> dict[str, tuple[int, ...]]:
    shapes = {naming.coefficients(): (design.fixed.prior_mean.size,)}
    for group in design.groups:
        shapes[naming.group_sd(group.name)] = (group.q,)
        if any(len(block) > 1 for block in group.blocks):
            shapes[naming.group_correlation(group.name)] = (group.q, group.q)
        shapes[naming.group_effects(group.name)] = (group.n_levels, group.q)
    if design.dispersion is not None:
        shapes[design.dispersion[0]] = ()
    return shapes


def run_chain(
    design: GibbsDesign,
    clusters: tuple[tuple[int, ...], ...],
    draws: int,
    tune: int,
    seed,
    report: Callable[[int], None] | None = None,
    stopped: Callable[[], bool] | None = None,
) -> dict[str, np.ndarray]:
    """Run one chain; return post-warm-up draws by variable name plus ``mh_accept``.

    Parameters
    ----------
    design
        The model.
    clusters
        Grouping factors (positions) drawn together with the fixed effects, cluster by
        cluster (see :mod:`.location`).
    draws, tune
        Kept draws and warm-up iterations.
    seed
        Anything ``numpy.random.default_rng`` accepts.
    report
        Called with the number of finished iterations every 20 iterations.
    stopped
        Asked before every iteration; when it returns True the chain ends there and
        returns the draws kept so far (none if still in warm-up).
    """
    rng = np.random.default_rng(seed)
    state = _initial_state(design, rng)
    gaussian = design.kind == "gaussian"
    location = (GaussianLocation if gaussian else BlockedLocation)(design, clusters)
    variances = _VarianceUpdates(design)
    residual = ScaleUpdate(design.dispersion[1]) if gaussian else None
    fixed = design.fixed
    out = {name: np.empty((draws, *shape)) for name, shape in _record_names(design).items()}
    blocks = sum(1 for g in design.groups for block in g.blocks if len(block) > 1)
    out["mh_accept"] = np.zeros((draws, blocks), dtype=bool)
    finished = 0
    for iteration in range(tune + draws):
        if stopped is not None and stopped():
            break
        if gaussian:
            location.draw(state, state.dispersion**-2, rng)
        else:
            location.draw(state, *_working(design, state, rng), rng)
        accepted = variances.draw(state, rng)
        if gaussian:
            state.dispersion = residual.draw(*location.residual_squares(), state.dispersion, rng)
        elif design.kind == "negbinomial":
            state.dispersion = _negbinomial_shape(design, state, rng)
        state.fixed_prior_variance = student_t_precision_scales(
            state.beta, fixed.prior_mean, fixed.prior_scale, fixed.prior_nu, rng
        )
        if iteration >= tune:
            _record(out, iteration - tune, design, state, accepted)
        finished = iteration + 1
        if report is not None and finished % 20 == 0:
            report(finished)
    if report is not None:
        report(finished)
    kept = max(0, finished - tune)
    return {name: values[:kept] for name, values in out.items()}


def _record(out, row: int, design: GibbsDesign, state: ChainState, accepted: list[bool]) -> None:
    out[naming.coefficients()][row] = design.fixed.to_original(state.beta)
    for group, effects, covariance in zip(
        design.groups, state.effects, state.covariances, strict=True
    ):
        sd = np.sqrt(np.diag(covariance))
        out[naming.group_sd(group.name)][row] = sd
        correlation = naming.group_correlation(group.name)
        if correlation in out:
            out[correlation][row] = covariance / np.outer(sd, sd)
        out[naming.group_effects(group.name)][row] = effects
    if design.dispersion is not None:
        out[design.dispersion[0]][row] = state.dispersion
    out["mh_accept"][row] = accepted
