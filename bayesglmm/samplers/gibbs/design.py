"""What the Gibbs sampler needs from a model, and whether a model qualifies.

A model qualifies when it is conditionally conjugate after augmentation. Fixed effects
always are: bayesglmm allows only Normal and Student-t priors on them, and a Student-t
prior is a scale mixture of normals. The families that qualify are

* gaussian with the identity link;
* binomial or bernoulli with the logit link (Polya-Gamma augmentation,
  Polson, Scott & Windle 2013);
* negbinomial with the log link (Polya-Gamma augmentation of the location,
  a slice update for the shape).

Priors on standard deviations, correlations and
dispersion may be any bayesglmm prior.

Examples
--------
>>> import bayesglmm as bg
>>> from bayesglmm.samplers import ModelParts
>>> model = bg.Model("y ~ trt + (1 | subject)", bg.datasets.load("epil"), family="poisson")
>>> parts = ModelParts(model.graph, model.spec, model.family, model.link, model.priors)
>>> print(gibbs_ineligibility(parts))  # doctest: +ELLIPSIS
family 'poisson' with link 'log' is not conditionally conjugate; ...
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from bayesglmm import naming
from bayesglmm.backend.contract import centred_slopes
from bayesglmm.priors.distributions import Prior
from bayesglmm.samplers.options import ModelParts

CONJUGATE_KINDS = {
    ("gaussian", "identity"): "gaussian",
    ("binomial", "logit"): "binomial",
    ("bernoulli", "logit"): "binomial",
    ("negbinomial", "log"): "negbinomial",
}
"""Family and link pairs the Gibbs sampler handles, and how it treats each."""


@dataclass(frozen=True)
class FixedBlock:
    """Fixed effects in the parametrisation the sampler uses.

    Attributes
    ----------
    matrix
        ``(rows, p)`` design; with an intercept, its first column is ones and the
        other columns are centred (the NUTS backend samples the same way).
    means
        Column means removed from the slopes, to report ``b`` on the original scale.
    prior_mean, prior_scale, prior_nu
        Per coefficient; ``prior_nu`` is infinite for a Normal prior.
    has_intercept
        Whether column 0 is the intercept.
    """

    matrix: np.ndarray
    means: np.ndarray
    prior_mean: np.ndarray
    prior_scale: np.ndarray
    prior_nu: np.ndarray
    has_intercept: bool

    def to_original(self, coefficients: np.ndarray) -> np.ndarray:
        """Coefficients ``b`` on the original scale from the centred ones, along the last axis."""
        if not self.has_intercept or coefficients.shape[-1] == 1:
            return coefficients
        b = coefficients.copy()
        b[..., 0] = coefficients[..., 0] - coefficients[..., 1:] @ self.means
        return b


@dataclass(frozen=True)
class GroupBlock:
    """One grouping factor: level of each row, term columns, blocks and priors."""

    name: str
    index: np.ndarray
    values: np.ndarray
    n_levels: int
    blocks: tuple[tuple[int, ...], ...]
    sd_priors: tuple[Prior, ...]
    cor_eta: float | None

    @property
    def q(self) -> int:
        """Number of terms."""
        return self.values.shape[1]


@dataclass(frozen=True)
class GibbsDesign:
    """A qualifying model, reduced to arrays and priors.

    Attributes
    ----------
    kind
        ``"gaussian"``, ``"binomial"`` or ``"negbinomial"``.
    y, trials, offset
        Response, trials (ones for bernoulli, unused otherwise) and offset per row.
    fixed, groups
        The fixed effects and the grouping factors.
    dispersion
        ``(name, prior)`` of ``sigma`` or ``shape``, or None.
    replicates, within_squares
        For gaussian rows collapsed to their means: how many rows each stands for, and
        the squared deviations of the rows from their means (see
        :mod:`~bayesglmm.formula.collapse`); None and 0 otherwise.
    """

    kind: str
    y: np.ndarray
    trials: np.ndarray
    offset: np.ndarray
    fixed: FixedBlock
    groups: tuple[GroupBlock, ...]
    dispersion: tuple[str, Prior] | None
    replicates: np.ndarray | None = None
    within_squares: float = 0.0

    @property
    def n_obs(self) -> int:
        """Number of rows."""
        return self.y.size


ADDITION_TERMS = {"weights": "weights()", "lower": "trunc()", "upper": "trunc()", "se": "se()"}
"""Addition terms of the response the Gibbs updates do not handle, by their field."""


def _unsupported_features(spec) -> Iterator[str]:
    """What in ``spec`` the Gibbs updates do not handle, each as a clause."""
    for field, term in ADDITION_TERMS.items():
        if getattr(spec.response, field) is not None:
            yield f"the response has {term}"
            break
    for group in spec.groups:
        if group.structure is not None:
            yield f"group '{group.name}' has a correlation over time (ar1/cs)"
        if group.covariance is not None:
            yield f"group '{group.name}' has a known covariance among its levels (gr(cov=))"
        if group.member_index is not None:
            yield f"group '{group.name}' is a multi-membership term"
    if spec.residual is not None:
        yield f"the residuals are correlated ({spec.residual.text})"
    for smooth in [s for s in spec.smooths if s not in spec.all_gps][:1]:
        yield f"the formula has a penalised smooth ({smooth.term})"
    for term in spec.all_gps[:1]:
        yield (
            f"the formula has a Gaussian process ({term.term}), whose length scale has no "
            "conjugate update"
        )
    for parameter in spec.parameters:
        yield f"'{parameter.name}' has a formula of its own"
    for term in spec.monotonic:
        yield f"the monotonic term '{term.name}' has a simplex of increments"


def gibbs_ineligibility(parts: ModelParts) -> str | None:
    """Why the Gibbs sampler cannot fit this model, or None when it can."""
    family, link = parts.family.name, parts.link.name
    if (family, link) not in CONJUGATE_KINDS:
        return (
            f"family '{family}' with link '{link}' is not conditionally conjugate; the Gibbs "
            "sampler handles gaussian (identity link), binomial and bernoulli (logit link) and "
            "negbinomial (log link) models. Use sampler='nutpie'."
        )
    feature = next(_unsupported_features(parts.spec), None)
    if feature is None:
        return None
    return f"{feature}, which the Gibbs updates do not handle. Use sampler='nutpie'."


def _fixed_block(parts: ModelParts) -> FixedBlock:
    fixed = parts.spec.fixed
    matrix = fixed.matrix.copy()
    means = np.zeros(0)
    keys = [naming.coefficient_key(name) for name in fixed.names]
    if fixed.has_intercept:
        matrix[:, 1:], means = centred_slopes(fixed)
        keys[0] = naming.intercept()
    priors = [parts.priors[key] for key in keys]
    return FixedBlock(
        matrix=matrix,
        means=means,
        prior_mean=np.array([p.mu for p in priors], dtype=float),
        prior_scale=np.array([p.sigma for p in priors], dtype=float),
        prior_nu=np.array([getattr(p, "nu", np.inf) for p in priors], dtype=float),
        has_intercept=fixed.has_intercept,
    )


def gibbs_design(parts: ModelParts) -> GibbsDesign:
    """Arrays and priors of a qualifying model (see :func:`gibbs_ineligibility`)."""
    spec, priors = parts.spec, parts.priors
    kind = CONJUGATE_KINDS[(parts.family.name, parts.link.name)]
    response = spec.response
    trials = response.trials if response.trials is not None else np.ones(spec.n_obs)
    groups = tuple(
        GroupBlock(
            name=group.name,
            index=group.index,
            values=group.values,
            n_levels=group.n_levels,
            blocks=group.blocks,
            sd_priors=tuple(priors[naming.sd_key(group.name, t)] for t in group.terms),
            cor_eta=priors[naming.correlation_key(group.name)].eta
            if group.correlated_blocks
            else None,
        )
        for group in spec.groups
    )
    dispersion = next(iter(parts.family.dispersion_names), None)
    return GibbsDesign(
        kind=kind,
        y=response.values.astype(float),
        trials=np.asarray(trials, dtype=float),
        offset=np.zeros(spec.n_obs) if spec.offset is None else spec.offset,
        fixed=_fixed_block(parts),
        groups=groups,
        dispersion=None if dispersion is None else (dispersion, priors[dispersion]),
        replicates=response.replicates,
        within_squares=response.within_squares,
    )
