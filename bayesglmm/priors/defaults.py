"""Default priors: weakly informative and autoscaled to the data on the link scale.

The rule, with ``s`` the spread of the response on the link scale (``sd(y)``
for an identity link, ``sd(log y)`` for lognormal, ``sd(1/y)`` for the inverse
link, ``sd(sqrt(y))`` for the sqrt link, and 1 for the log, logit, probit and
cloglog links, which are already on a standard scale):

* ``Intercept`` (the intercept with predictors centred, brms's class
  ``Intercept``): ``student_t(3, g(mean response), 2.5 s)``. A mean on the edge of
  the link's domain (no events, or only events) is moved half an observation inside
  it: ``(events + 0.5) / (trials + 1)``, or ``0.5 / rows`` for counts that are all 0.
* ``b[x]``: ``normal(0, 2.5 s / sd(x))``, or ``/ rms(x)`` when the model has no
  intercept (Gelman et al. 2008; rstanarm's autoscaling).
* ``sd[g][t]``: ``half_student_t(3, 2.5 s)`` for intercepts and 0/1 columns,
  ``half_student_t(3, 2.5 s / sd(t))`` for other columns.
* ``sds[<block>]``, the sd of a smooth's penalised block (``sds[sx_1]`` for ``s(x)``):
  ``half_student_t(3, 2.5 s)``, as a group intercept's sd; the block's columns are scaled
  so that ``sds`` is the root mean square of the smooth's wiggly part over the data.
* ``sdgp[<label>]``, the sd of a Gaussian process (``sdgp[gpx]`` for ``gp(x, k = 20)``):
  ``half_student_t(3, 2.5 s)``, as a smooth's sd. ``lscale[<label>]``, its length scale on
  the covariate as the basis sees it (scaled to unit range unless ``scale = FALSE``): an
  inverse gamma with 1% of its mass below the half-period of the fastest basis function,
  ``2 L / k``, and 1% above the covariate's range (brms tunes its inverse gamma in the same
  way, to the shortest and longest distances in the data; the basis cannot represent
  length scales shorter than ``2 L / k``, so this one starts there).
* ``cor[g]``: ``lkj(1)``, uniform over correlation matrices.
* A monotonic term ``mo(x)`` (Bürkner & Charpentier 2020): ``b[mo(x)]`` as the slope of
  a column of its category numbers ``0..D`` (the shape of equal increments), and
  ``simo[mo(x)] ~ dirichlet(1, ..., 1)``, uniform over the simplexes of increments.
* ``rho[g]`` of ``ar1(time | subject)`` and ``cs(...)``: ``beta(1, 1)`` on
  ``(rho - lower) / (1 - lower)``, uniform over the valid correlations (``lower`` is -1
  for AR(1), ``-1/(T-1)`` for compound symmetry over ``T`` times).
* Dispersion parameters: ``sigma ~ half_student_t(3, sd(y))`` on the data's
  own scale, ``nu ~ gamma(2, 0.1)``, gamma ``shape ~ gamma(0.01, 0.01)``,
  negative binomial ``shape ~ inv_gamma(0.4, 0.3)``, ``phi ~ gamma(0.01, 0.01)``,
  ``zi`` and ``hu ~ beta(1, 1)``.
* A mixture (``bg.mixture(...)``): each component's mean ``mu<k>`` has the mean's
  priors (``Intercept_mu2`` as ``Intercept``, ``b_mu2[x]`` as ``b[x]``), each component's
  parameters their family's (``sigma1``, ``sigma2``), and the mixing proportions
  ``theta ~ dirichlet(1, ..., 1)``, uniform over the simplex, or with ``theta2 ~ x``
  ``Intercept_theta2 ~ student_t(3, 0, 2.5)`` on the log odds against component 1.
* ``rho[residual]`` of ``Model(..., residual="ar1(time | subject)")``: ``beta(1, 1)``
  on the rescaled residual correlation, as for ``rho[g]``.
* A modelled parameter (``bg.formula(..., zi="~ x")``) has its own linear predictor on
  its link scale (log or logit, already a standard scale, so ``s = 1``): keys
  ``Intercept_zi ~ student_t(3, g(typical), 2.5)`` with ``typical`` 0.5 for
  probabilities, ``sd(y)`` for ``sigma`` and 1 otherwise; ``b_zi[x] ~ normal(0,
  2.5 / sd(x))``; group sds ``sd[<g>__zi][<term>]`` as above.

These are wide on the scale of the data, so they regularise without pulling
estimates: the tests check posterior means against brms (flat priors on ``b``)
on every reference dataset.

Examples
--------
>>> import bayesglmm as bg
>>> model = bg.Model("incidence | trials(size) ~ period + (1 | herd)",
...                  bg.datasets.load("cbpp"), family="binomial")
>>> print(model.priors["sd[herd][Intercept]"])
half_student_t(3, 2.5)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from bayesglmm import naming
from bayesglmm.families.family import SPREAD, DispersionParameter
from bayesglmm.families.links import LINKS
from bayesglmm.naming import smooth_naming
from bayesglmm.priors.distributions import (
    LKJ,
    PRIORS,
    Beta,
    Dirichlet,
    HalfStudentT,
    InverseGamma,
    Normal,
    Prior,
    StudentT,
)
from bayesglmm.smooths.hsgp import HSGPBasis, default_lscale_range, inverse_gamma_between

if TYPE_CHECKING:
    from bayesglmm.families.family import Family
    from bayesglmm.families.links import Link
    from bayesglmm.formula.spec import ModelSpec

SCALE_MULTIPLIER = 2.5
"""Prior scales are this many response spreads on the link scale."""


def response_location_and_spread(
    spec: ModelSpec, family: Family, link: Link
) -> tuple[float, float]:
    """Location and spread of the response on the link scale.

    Examples
    --------
    >>> import bayesglmm as bg
    >>> model = bg.Model("Reaction ~ Days + (Days | Subject)", bg.datasets.load("sleepstudy"))
    >>> [round(v, 1) for v in response_location_and_spread(model.spec, model.family, model.link)]
    [298.5, 56.2]
    """
    response = spec.response
    on_mean_scale = family.mean_scale(response.values, response.trials)
    if response.trials is not None and response.trials.sum() > 0:
        mean, count = response.values.sum() / response.trials.sum(), response.trials.sum()
    else:
        mean, count = float(np.mean(on_mean_scale)), len(on_mean_scale)
    low, high = link.mean_domain
    if np.isfinite(low) and np.isfinite(high) and not low < mean < high:
        share = ((mean - low) / (high - low) * count + 0.5) / (count + 1)
        mean = low + share * (high - low)
    elif np.isfinite(low) and mean <= low:
        mean = low + 0.5 / count
    return float(link.forward_np(np.asarray(mean))), link.spread(on_mean_scale)


def response_spread(values: np.ndarray) -> float:
    """The spread of the response on the mean's scale: its sd, or 1 when it has none.

    Examples
    --------
    >>> response_spread(np.array([1.0, 3.0])), response_spread(np.array([2.0, 2.0]))
    (1.0, 1.0)
    """
    sd = float(np.std(values)) if values.size > 1 else 0.0
    return sd if sd > 0 else 1.0


def dispersion_prior(parameter: DispersionParameter, on_mean_scale: np.ndarray) -> Prior:
    """The default prior of a dispersion parameter: its :class:`PriorSpec` with
    :data:`SPREAD` replaced by the response's spread.

    Examples
    --------
    >>> from bayesglmm.families import FAMILIES
    >>> print(dispersion_prior(FAMILIES["gaussian"].dispersion[0], np.array([0.0, 4.0])))
    half_student_t(3, 2)
    """
    spec = parameter.default_prior
    args = [response_spread(on_mean_scale) if arg == SPREAD else arg for arg in spec.args]
    if parameter.simplex:
        return PRIORS[spec.prior](tuple(args))
    return PRIORS[spec.prior](*args)


def typical_value(parameter: DispersionParameter, on_mean_scale: np.ndarray) -> float:
    """A typical value of a dispersion parameter given the response on the mean's scale."""
    if parameter.typical == SPREAD:
        return response_spread(on_mean_scale)
    return parameter.typical


def _column_scale(column: np.ndarray, centred: bool) -> float:
    if np.all(np.isin(column, (0.0, 1.0))):
        return 1.0
    sd = float(np.std(column))
    return sd if centred and sd > 0 else float(np.sqrt(np.mean(column**2)))


def _linear_part_priors(
    part, location: float, scale: float, joined: frozenset[tuple[str, int]] = frozenset()
) -> dict[str, Prior]:
    """Priors of one linear predictor's intercept, slopes and group terms."""
    priors: dict[str, Prior] = {}
    fixed, suffix = part.fixed, part.suffix
    if fixed.has_intercept:
        priors[naming.intercept(suffix)] = StudentT(3, location, scale)
    slopes = [(name, fixed.matrix[:, j]) for j, name in enumerate(fixed.names)]
    slopes = slopes[1:] if fixed.has_intercept else slopes
    slopes += [(term.name, term.codes.astype(float)) for term in part.monotonic]
    for name, column in slopes:
        x_scale = (
            float(np.std(column)) if fixed.has_intercept else float(np.sqrt(np.mean(column**2)))
        )
        priors[naming.coefficient_key(name, suffix)] = Normal(0, scale / x_scale)
    for term in part.monotonic:
        priors[naming.simplex_key(term.name)] = Dirichlet((1.0,) * term.n_increments)
    for group in part.groups:
        for j, term in enumerate(group.terms):
            priors[naming.sd_key(group.name, term)] = HalfStudentT(
                3, scale / _column_scale(group.values[:, j], centred=True)
            )
        own = [
            i for i, b in enumerate(group.blocks) if len(b) > 1 and (group.name, i) not in joined
        ]
        if own:
            priors[naming.correlation_key(group.name)] = LKJ(1)
        if group.structure is not None:
            priors[naming.rho_key(group.name)] = Beta(1, 1)
    for smooth in getattr(part, "smooths", ()):
        if isinstance(getattr(smooth, "basis", None), HSGPBasis):
            priors[smooth_naming.gp_sd_key(smooth.label)] = HalfStudentT(3, scale)
            lower, upper = default_lscale_range(smooth.basis)
            priors[smooth_naming.gp_lscale_key(smooth.label)] = InverseGamma(
                *inverse_gamma_between(lower, upper)
            )
            continue
        for block in smooth.blocks:
            priors[smooth_naming.smooth_sd_key(block)] = HalfStudentT(3, scale)
    return priors


def default_priors(spec: ModelSpec, family: Family, link: Link) -> dict[str, Prior]:
    """Default prior of every parameter, keyed as in ``Model(priors=...)``.

    Examples
    --------
    >>> import bayesglmm as bg
    >>> model = bg.Model("favorable | trials(n) ~ treatment + (1 | clinic)",
    ...                  bg.datasets.load("infection"), family="binomial")
    >>> sorted(default_priors(model.spec, model.family, model.link))
    ['Intercept', 'b[treatment[T.drug]]', 'sd[clinic][Intercept]']
    """
    location, spread = response_location_and_spread(spec, family, link)
    joined = spec.linked_members
    priors = _linear_part_priors(spec, location, SCALE_MULTIPLIER * spread, joined)
    on_mean_scale = family.mean_scale(spec.response.values, spec.response.trials)
    for parameter in family.dispersion:
        design = next((p for p in spec.parameters if p.name == parameter.name), None)
        if design is None:
            priors[parameter.name] = dispersion_prior(parameter, on_mean_scale)
            continue
        if parameter.location:
            priors.update(_linear_part_priors(design, location, SCALE_MULTIPLIER * spread, joined))
            continue
        typical = LINKS[design.link].forward_np(np.asarray(typical_value(parameter, on_mean_scale)))
        priors.update(_linear_part_priors(design, float(typical), SCALE_MULTIPLIER, joined))
    for link in spec.linked:
        priors[naming.correlation_key(link.factor)] = LKJ(1)
    if spec.residual is not None:
        priors[naming.RESIDUAL_RHO_KEY] = Beta(1, 1)
    return priors
