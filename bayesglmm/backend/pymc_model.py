"""Build the PyMC graph of a GLMM from a model spec, a family and priors.

The linear predictor is ``eta = offset + X beta + sum_g rowsum(Z_g * r_g[index_g])``:
random effects enter by integer-index gathers, never through a dense Z. Fixed
effects are sampled with the predictors centred (the intercept's prior applies
there, as in brms) and reported on the original scale as ``b``.

Random effects are non-centred by default: per correlated block,
``r = (z @ L.T) * sd`` with ``z ~ N(0, 1)`` and ``L`` the Cholesky factor of an
LKJ correlation matrix. ``centered`` groups instead draw ``r ~ MvNormal(0, diag(sd) L)``.
Blocks that a correlation ID joins across linear predictors (``(1 | p | g)`` in the
mean's and a parameter's formula) share one LKJ correlation over all their terms,
``cor_<g>__id_<p>``, and are non-centred. For plain factors without an ID, the part of
the effects that fixed effects shadow (their mean against the intercept, their regression
on covariates constant within levels) is split off and swept into those fixed effects,
whose sampled levels then carry it (:mod:`bayesglmm.backend.sweep`); the deviations are
centred or not as above.

Monotonic terms ``mo(x)`` add ``bsp`` and a simplex ``simo_x`` per term
(:mod:`bayesglmm.backend.monotonic`).

A modelled family parameter (``bg.formula(..., zi="~ x")``) gets a linear predictor
built the same way, with variables suffixed by its name (``Intercept_zi``, ``b_zi``,
groups ``<g>__zi``), and enters the likelihood as ``link^-1`` of it per row. Groups with a
known covariance ``A`` multiply their effects by ``A``'s Cholesky factor; correlated
gaussian residuals replace the family likelihood by a row-by-row conditional one
(:mod:`bayesglmm.structures.residual`). The family's likelihood is
:data:`bayesglmm.backend.likelihoods.LIKELIHOODS` under its name.

Every number the data determine (data, prior parameters, group sizes) enters as
``pm.Data`` or a shared dimension length, so the graph's structure depends only
on the formula: a compiled model can be reused for new data, and the numba
compile cache is hit across datasets.

Examples
--------
>>> import bayesglmm as bg
>>> model = bg.Model("incidence | trials(size) ~ period + (1 | herd)",
...                  bg.datasets.load("cbpp"), family="binomial")
>>> graph = model.graph
>>> graph.public_names
('b', 'sd_herd', 'r_herd')
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field

import numpy as np
import pymc as pm
import pytensor
import pytensor.tensor as pt

from bayesglmm import naming
from bayesglmm.backend.contract import (
    LinearPart,
    fixed_priors,
    graph_coords,
    graph_data,
    ordered_parts,
    prior_variable,
    structural_dims,
)
from bayesglmm.backend.gp import gp_names, gp_part
from bayesglmm.backend.likelihoods import Additions, Mu, likelihood_of, observe
from bayesglmm.backend.links import TENSOR_LINKS
from bayesglmm.backend.monotonic import monotonic_part
from bayesglmm.backend.parameterisation import smooth_centring
from bayesglmm.backend.smooths import smooth_names, smooth_part
from bayesglmm.backend.start_scales import slope_designs, start_scales
from bayesglmm.backend.sweep import sweep_plan
from bayesglmm.backend.terms import group_names, group_part, linked_draws
from bayesglmm.errors import DataError
from bayesglmm.families.family import DispersionParameter, Family
from bayesglmm.families.links import Link
from bayesglmm.families.mixture import Mixture
from bayesglmm.formula.smooth_spec import GPDesign
from bayesglmm.formula.spec import ModelSpec
from bayesglmm.priors.resolve import Priors
from bayesglmm.structures import STRUCTURE_KINDS
from bayesglmm.structures.residual import sequential_draws, sequential_logp

RESERVED_DIMS = {
    naming.CHAIN,
    naming.DRAW,
    naming.OBS,
    naming.coefficient_dim(),
    naming.slope_dim(),
    naming.CUTPOINT,
    naming.SAMPLE,
}


@dataclass(frozen=True)
class PyMCGraph:
    """A built PyMC model and the names the rest of bayesglmm relies on.

    Attributes
    ----------
    model
        The PyMC model.
    public_names
        Posterior variables reported to users: ``b``, ``sd_<g>``, ``cor_<g>``,
        ``r_<g>`` and the dispersion parameters.
    observed_name
        Name of the observed variable (the response's label).
    row_data
        Names of the data with one entry per observation.
    slope_designs
        Each value variable of fixed slopes, with the graph data of the design columns it
        multiplies and, for one coefficient of slopes split by prior class, its column
        (see :func:`~bayesglmm.backend.start_scales.slope_designs`).
    """

    model: pm.Model
    public_names: tuple[str, ...]
    observed_name: str
    row_data: frozenset[str]
    slope_designs: Mapping[str, tuple[str, int | None]] = field(default_factory=dict)

    def start_scales(self) -> dict[str, np.ndarray]:
        """The width of each fixed slope's starting jitter, for the current data
        (:func:`~bayesglmm.backend.start_scales.start_scales`)."""
        return start_scales(self.model, self.slope_designs)


def _dispersion_variable(
    parameter: DispersionParameter, priors: Priors, data: dict[str, np.ndarray], model: pm.Model
) -> pt.TensorVariable:
    """A family parameter; ordered ones are increasing vectors over dim ``cutpoint``, a
    mixture's proportions a simplex over its components."""
    if parameter.simplex:
        return prior_variable(
            parameter.name, [priors[parameter.name]], data, dims=naming.MIXTURE_DIM
        )
    if not parameter.ordered:
        return prior_variable(parameter.name, [priors[parameter.name]], data)
    count = model.dim_lengths[naming.CUTPOINT].eval()
    return prior_variable(
        parameter.name,
        [priors[parameter.name]],
        data,
        dims=naming.CUTPOINT,
        transform=pm.distributions.transforms.ordered,
        initval=np.linspace(-1.0, 1.0, count),
    )


def _ordered_intercepts(
    parts: list[LinearPart],
    spec: ModelSpec,
    family: Family,
    link: Link,
    priors: Priors,
    data: dict[str, np.ndarray],
) -> dict[str, pt.TensorVariable]:
    """The intercepts of a mixture's components as one increasing vector (brms's
    ``order = "mu"``), by the suffix of their linear predictor; each is also reported
    under its own name. They start at the link of quantiles of the response, in order."""
    if not parts:
        return {}
    keys = [naming.intercept(part.suffix) for part in parts]
    count = len(parts)
    on_mean_scale = family.mean_scale(spec.response.values, spec.response.trials)
    quantiles = np.quantile(on_mean_scale, (np.arange(count) + 0.5) / count)
    low, high = link.mean_domain
    width = high - low if np.isfinite(high - low) else 1.0
    inside = np.clip(quantiles, low + 0.05 * width, high - 0.05 * width)
    start = link.forward_np(inside) + 1e-3 * np.arange(count)
    vector = prior_variable(
        naming.ORDERED_INTERCEPTS,
        [priors[key] for key in keys],
        data,
        dims=naming.MIXTURE_DIM,
        transform=pm.distributions.transforms.ordered,
        initval=np.maximum.accumulate(start) + 1e-3 * np.arange(count),
    )
    return {
        part.suffix: pm.Deterministic(key, vector[k])
        for k, (part, key) in enumerate(zip(parts, keys, strict=True))
    }


def _swept_variable(
    name: str,
    priors: list,
    data: dict[str, np.ndarray],
    shift: pt.TensorVariable | None,
    dims: str | None = None,
) -> tuple[pt.TensorVariable, pt.TensorVariable]:
    """Fixed effects ``name`` under their priors, and what the linear predictor takes: with
    a ``shift`` (the group means swept into them, :mod:`bayesglmm.backend.sweep`) the
    sampler moves the level ``name + shift``, which the linear predictor takes instead."""
    if shift is None:
        values = prior_variable(name, priors, data, dims=dims)
        return values, values
    level = prior_variable(
        naming.swept_level(name), priors, data, dims=dims, shift=shift, priors_of=name
    )
    return pm.Deterministic(name, level - shift, dims=dims), level


def _fixed_part(
    part: LinearPart,
    priors: Priors,
    data: dict[str, np.ndarray],
    ordered: pt.TensorVariable | None = None,
    shifts: dict[int, pt.TensorVariable] | None = None,
) -> pt.TensorVariable:
    """Add the fixed effects of one linear predictor and return their contribution to it;
    ``ordered`` is its intercept when a mixture orders them, and ``shifts`` the group means
    swept into coefficients, by position in the design (the contribution then holds them)."""
    fixed, suffix = part.fixed, part.suffix
    shifts = shifts or {}
    coef, b = naming.coefficient_dim(suffix), naming.coefficients(suffix)
    slope_name, slope_priors = fixed_priors(part, priors)
    first = 1 if fixed.has_intercept else 0
    slope_shift = (
        pt.stack([shifts.get(j, pt.zeros(())) for j in range(first, len(fixed.names))])
        if any(j >= first for j in shifts)
        else None
    )
    if not fixed.has_intercept:
        if not slope_priors:
            pm.Deterministic(b, pt.zeros(0), dims=coef)
            return pt.zeros(())
        _, levels = _swept_variable(b, slope_priors, data, slope_shift, dims=coef)
        return pt.dot(
            pm.Data(naming.fixed_design(suffix), data[naming.fixed_design(suffix)]), levels
        )
    intercept_priors = [priors[naming.intercept(suffix)]]
    if not slope_priors:
        intercept, level = (
            (ordered, ordered)
            if ordered is not None
            else _swept_variable(naming.intercept(suffix), intercept_priors, data, shifts.get(0))
        )
        pm.Deterministic(b, intercept[None], dims=coef)
        return level
    x_centred = pm.Data(
        naming.fixed_design(suffix, "centred"), data[naming.fixed_design(suffix, "centred")]
    )
    x_means = pm.Data(
        naming.fixed_design(suffix, "means"), data[naming.fixed_design(suffix, "means")]
    )
    intercept_shift = shifts.get(0)
    if slope_shift is not None:
        moved = pt.dot(x_means, slope_shift)
        intercept_shift = moved if intercept_shift is None else intercept_shift + moved
    intercept, level = (
        (ordered, ordered)
        if ordered is not None
        else _swept_variable(naming.intercept(suffix), intercept_priors, data, intercept_shift)
    )
    b_slopes, slope_levels = _swept_variable(
        slope_name, slope_priors, data, slope_shift, dims=naming.slope_dim(suffix)
    )
    pm.Deterministic(
        b, pt.concatenate([(intercept - pt.dot(x_means, b_slopes))[None], b_slopes]), dims=coef
    )
    return level + pt.dot(x_centred, slope_levels)


def add_linear_predictor(
    part: LinearPart,
    priors: Priors,
    centered: Collection[str],
    data: dict[str, np.ndarray],
    model: pm.Model,
    smooth_centred: dict[str, np.ndarray],
    ordered: dict[str, pt.TensorVariable],
    linked: dict,
) -> tuple[pt.TensorVariable, list[str]]:
    """Add one linear predictor's variables; return it over dim ``obs`` and its public names.

    The grouping factors come first, so that the means swept out of their effects
    (:mod:`bayesglmm.backend.sweep`) exist when the fixed effects take them in; ``linked``
    holds the draws of blocks joined by correlation IDs (:func:`linked_draws`)."""
    sweeps = sweep_plan(part, ordered=part.suffix in ordered)
    eta, group_public, shifts = 0.0, [], {}
    for group in part.groups:
        contribution, names, parts = group_part(
            group,
            priors,
            group.name in centered,
            data,
            model,
            sweep=sweeps.get(group.name),
            linked=linked,
        )
        eta = eta + contribution
        group_public.extend(names)
        for position, shift in parts.items():
            shifts[position] = shift if position not in shifts else shifts[position] + shift
    eta = _fixed_part(part, priors, data, ordered.get(part.suffix), shifts) + eta
    public = [naming.coefficients(part.suffix)]
    monotonic, names = monotonic_part(part, priors, data)
    if monotonic is not None:
        eta = eta + monotonic
        public.extend(names)
    public.extend(group_public)
    for smooth in part.smooths:
        if isinstance(smooth, GPDesign):
            contribution, names = gp_part(smooth, priors, data)
        else:
            contribution, names = smooth_part(smooth, priors, data, smooth_centred)
        eta = eta + contribution
        public.extend(names)
    if part.offset is not None:
        eta = eta + pm.Data(naming.offset(part.suffix), data[naming.offset(part.suffix)])
    if eta.ndim == 0:
        eta = pt.broadcast_to(eta, (model.dim_lengths[naming.OBS],))
    return eta, public


def _correlated_gaussian(
    name: str,
    mu: pt.TensorVariable,
    sigma: pt.TensorVariable,
    spec: ModelSpec,
    priors: Priors,
    data: dict[str, np.ndarray],
    observed: pt.TensorVariable,
) -> pt.TensorVariable:
    """The gaussian response with residuals correlated within subject (see
    :mod:`bayesglmm.structures.residual`); ``rho_residual`` is rescaled from ``(0, 1)`` as the
    ``rho`` of structured terms."""
    structure = spec.residual
    largest = int(np.bincount(structure.subject).max())
    lower = STRUCTURE_KINDS[structure.kind].rho_lower(largest)
    unit_name = naming.graph_data(naming.RESIDUAL_RHO, "unit")
    unit = prior_variable(unit_name, [priors[naming.RESIDUAL_RHO_KEY]], data)
    rho = pm.Deterministic(naming.RESIDUAL_RHO, lower + (1.0 - lower) * unit)
    keys = ("order", "earlier", "gap", "start")
    names = [naming.graph_data("residual", key) for key in keys]
    arrays = [pm.Data(name, data[name]) for name in names]
    kind = structure.kind

    def logp(value, mu, sigma, rho, *arrays):
        return sequential_logp(value, mu, sigma, rho, kind, dict(zip(keys, arrays, strict=True)))

    def random(mu, sigma, rho, *arrays, rng=None, size=None):
        mu = np.broadcast_to(mu, size or np.shape(mu)).reshape(-1, np.shape(mu)[-1])
        values = dict(zip(keys, (np.asarray(a) for a in arrays), strict=True))
        values["order"] = values["order"].astype(np.int64)
        values["start"] = values["start"].astype(np.int64)
        draws = sequential_draws(
            rng, mu, np.reshape(sigma, (1, -1)), np.atleast_1d(rho), kind, values
        )
        return draws.reshape(size or np.shape(mu)[-1:])

    return pm.CustomDist(
        name, mu, sigma, rho, *arrays, logp=logp, random=random, observed=observed, dims=naming.OBS
    )


def _cell_sigma(
    sigma: pt.TensorVariable, spec: ModelSpec, data: dict[str, np.ndarray]
) -> pt.TensorVariable:
    """The sd of each collapsed gaussian row's mean, ``sigma / sqrt(n)``, after adding the
    rest of the rows' likelihood, ``-(N - C) log sigma - S / (2 sigma^2)``, as a potential
    (see :mod:`bayesglmm.formula.collapse`)."""
    replicates = pm.Data(naming.REPLICATES, data[naming.REPLICATES], dims=naming.OBS)
    squares = pm.Data(naming.WITHIN_SQUARES, data[naming.WITHIN_SQUARES])
    within = replicates.sum() - replicates.shape[0]
    pm.Potential(naming.WITHIN_CELLS, -within * pt.log(sigma) - squares / (2 * sigma**2))
    return sigma / pt.sqrt(replicates)


def build_pymc_model(
    spec: ModelSpec, family: Family, link: Link, priors: Priors, centered: Collection[str] = ()
) -> PyMCGraph:
    """Build the PyMC model of a GLMM.

    Parameters
    ----------
    spec
        The model spec from the formula front-end.
    family, link
        The response family and link.
    priors
        Resolved priors, one per parameter key.
    centered
        Names of grouping factors to parametrise centred.

    Returns
    -------
    PyMCGraph

    Examples
    --------
    >>> import bayesglmm as bg
    >>> model = bg.Model("Reaction ~ Days + (Days | Subject)", bg.datasets.load("sleepstudy"))
    >>> sorted(model.graph.model.coords)
    ['Subject', 'Subject_term', 'Subject_term2', 'coef', 'obs', 'slope']
    """
    data = graph_data(spec, family, priors)
    reserved = {
        make(part.suffix)
        for make in (
            naming.coefficients,
            naming.intercept,
            naming.slopes,
            naming.coefficient_dim,
            naming.slope_dim,
        )
        for part in spec.linear_parts
    }
    monotonic = {
        name
        for term in spec.monotonic
        for name in (naming.simplex(term.column), naming.increment_dim(term.column))
    }
    if spec.monotonic:
        monotonic.update({naming.MONOTONIC_COEFFICIENTS, naming.MONOTONIC_DIM})
    mixed = (
        {naming.MIXTURE_DIM, naming.ORDERED_INTERCEPTS} if isinstance(family, Mixture) else set()
    )
    taken = RESERVED_DIMS | reserved | monotonic | mixed | {*family.dispersion_names, *data}
    taken |= {naming.WITHIN_CELLS}
    claimed: dict[str, str] = {}
    for group in spec.all_groups:
        for dim in naming.group_dims(group.name):
            if dim in taken:
                raise DataError(
                    f"grouping factor '{group.name}' gives dimension '{dim}', a name bayesglmm "
                    "uses for a model variable; rename the column."
                )
        for name in group_names(group):
            if claimed.setdefault(name, group.name) != group.name:
                raise DataError(
                    f"grouping factors '{claimed[name]}' and '{group.name}' both give the name "
                    f"'{name}' to a model variable or dimension; rename one of the columns."
                )
    for smooth in spec.all_smooths:
        names = gp_names(smooth) if isinstance(smooth, GPDesign) else smooth_names(smooth)
        for name in names:
            if name in taken or claimed.setdefault(name, smooth.term) != smooth.term:
                raise DataError(
                    f"{smooth.term} gives the name '{name}' to a model variable or dimension, "
                    "which another part of the model uses; rename the column."
                )
    with pm.Model(check_bounds=False) as model:
        fixed_length = structural_dims(spec)
        for dim, values in graph_coords(spec).items():
            length = (
                None
                if dim in fixed_length
                else pytensor.shared(len(values), name=naming.graph_data(dim, "length"))
            )
            model.add_coord(dim, values, length=length)
        if isinstance(family, Mixture):
            labels = [str(k) for k in range(1, family.n_components + 1)]
            model.add_coord(naming.MIXTURE_DIM, labels)
        smooth_centred = smooth_centring(spec, family, link)
        parts = ordered_parts(spec, family, priors)
        ordered = _ordered_intercepts(parts, spec, family, link, priors, data)
        linked, joint_correlations = linked_draws(spec.linked, data, model)
        eta, public = add_linear_predictor(
            spec, priors, centered, data, model, smooth_centred, ordered, linked
        )
        public.extend(joint_correlations)
        dispersion = {}
        for parameter in spec.parameters:
            parameter_eta, names = add_linear_predictor(
                parameter, priors, centered, data, model, smooth_centred, ordered, linked
            )
            dispersion[parameter.name] = TENSOR_LINKS[parameter.link].inverse(parameter_eta)
            public.extend(names)
        for parameter in family.dispersion:
            if parameter.name not in dispersion:
                dispersion[parameter.name] = _dispersion_variable(parameter, priors, data, model)
                public.append(parameter.name)
        observed = pm.Data(naming.OBSERVED_DATA, data[naming.OBSERVED_DATA], dims=naming.OBS)
        row_data = {
            key: pm.Data(key, data[key], dims=naming.OBS) if key in data else None
            for key in ("trials", *Additions.ROWS)
        }
        name = spec.response.name
        taken = {*model.named_vars, *model.coords}
        observed_name = name if name not in taken else naming.FALLBACK_RESPONSE
        mu = Mu.tensor(eta, link)
        if spec.response.replicates is not None:
            dispersion["sigma"] = _cell_sigma(dispersion["sigma"], spec, data)
        if spec.residual is None:
            additions = Additions.of(spec.response, family.support.discrete).with_rows(
                {key: row_data[key] for key in Additions.of(spec.response).rows}
            )
            observe(
                observed_name,
                likelihood_of(family),
                mu,
                dispersion,
                row_data["trials"],
                observed,
                additions,
                naming.OBS,
                vector_parameters=[p.name for p in family.dispersion if p.ordered or p.simplex],
            )
        else:
            public.append(naming.RESIDUAL_RHO)
            _correlated_gaussian(
                observed_name, mu.value, dispersion["sigma"], spec, priors, data, observed
            )
    rows = frozenset(
        name for name, value in data.items() if np.ndim(value) and len(value) == spec.n_obs
    )
    return PyMCGraph(
        model=model,
        public_names=tuple(public),
        observed_name=observed_name,
        row_data=rows,
        slope_designs=slope_designs(spec.linear_parts, model),
    )
