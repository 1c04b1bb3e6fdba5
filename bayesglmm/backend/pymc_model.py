"""Build the PyMC graph of a GLMM from a model spec, a family and priors.

The linear predictor is ``eta = offset + X beta + sum_g rowsum(Z_g * r_g[index_g])``:
random effects enter by integer-index gathers, never through a dense Z. Fixed
effects are sampled with the predictors centred (the intercept's prior applies
there, as in brms) and reported on the original scale as ``b``.

Random effects are non-centred by default: per correlated block,
``r = (z @ L.T) * sd`` with ``z ~ N(0, 1)`` and ``L`` the Cholesky factor of an
LKJ correlation matrix. ``centered`` groups instead draw ``r ~ MvNormal(0, diag(sd) L)``.

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

from collections.abc import Collection, Sequence
from dataclasses import dataclass

import numpy as np
import pymc as pm
import pytensor
import pytensor.tensor as pt

from bayesglmm import naming
from bayesglmm.backend.likelihoods import LIKELIHOODS, Additions, Mu, observe
from bayesglmm.backend.links import TENSOR_LINKS
from bayesglmm.errors import DataError
from bayesglmm.families.family import DispersionParameter, Family
from bayesglmm.families.links import Link
from bayesglmm.formula.spec import GroupDesign, ModelSpec, ParameterDesign
from bayesglmm.priors.distributions import Prior
from bayesglmm.priors.resolve import Priors
from bayesglmm.structures import STRUCTURE_KINDS
from bayesglmm.structures.residual import sequential_data, sequential_draws, sequential_logp

LinearPart = ModelSpec | ParameterDesign
"""A linear predictor: the mean's (the spec itself) or a modelled parameter's."""

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
    """

    model: pm.Model
    public_names: tuple[str, ...]
    observed_name: str
    row_data: frozenset[str]


def _prior_data(name: str, priors: Sequence[Prior], vector: bool) -> dict[str, np.ndarray]:
    """Values of the data holding the parameters of ``priors`` for variable ``name``."""
    if len({type(prior) for prior in priors}) > 1:
        return {
            key: value
            for i, prior in enumerate(priors)
            for key, value in _prior_data(
                naming.graph_data(name, str(i)), [prior], vector=False
            ).items()
        }
    values = {}
    for key in priors[0].parameters():
        stacked = np.array([prior.parameters()[key] for prior in priors], dtype=float)
        values[naming.graph_data(name, f"prior_{key}")] = stacked if vector else stacked[0]
    return values


def _fixed_priors(part: LinearPart, priors: Priors) -> tuple[str, list[Prior]]:
    """Name and priors of the vector of fixed slopes (all of ``b`` without an intercept)."""
    fixed, suffix = part.fixed, part.suffix
    names = fixed.names[1:] if fixed.has_intercept else fixed.names
    name = naming.slopes(suffix) if fixed.has_intercept else naming.coefficients(suffix)
    return name, [priors[naming.coefficient_key(n, suffix)] for n in names]


def _part_data(part: LinearPart, priors: Priors) -> dict[str, np.ndarray]:
    """The data of one linear predictor: fixed design, group indices, offset, priors."""
    data: dict[str, np.ndarray] = {}
    fixed, suffix = part.fixed, part.suffix
    slope_name, slope_priors = _fixed_priors(part, priors)
    if fixed.has_intercept:
        intercept = naming.intercept(suffix)
        data.update(_prior_data(intercept, [priors[intercept]], vector=False))
        if slope_priors:
            means = fixed.matrix[:, 1:].mean(axis=0)
            data[naming.fixed_design(suffix, "centred")] = fixed.matrix[:, 1:] - means
            data[naming.fixed_design(suffix, "means")] = means
    elif slope_priors:
        data[naming.fixed_design(suffix)] = fixed.matrix
    if slope_priors:
        data.update(_prior_data(slope_name, slope_priors, vector=True))
    for group in part.groups:
        g = group.name
        data.update(
            _prior_data(
                naming.group_sd(g), [priors[naming.sd_key(g, t)] for t in group.terms], vector=True
            )
        )
        for i, block in enumerate(group.blocks):
            if len(block) > 1:
                eta = np.array(float(priors[naming.correlation_key(g)].eta))
                data[naming.block_lkj_eta(g, i)] = eta
        if group.structure is not None:
            data.update(
                _prior_data(
                    naming.graph_data(naming.group_rho(g), "unit"),
                    [priors[naming.rho_key(g)]],
                    vector=False,
                )
            )
        data[naming.graph_data(g, "index")] = group.index
        if group.covariance_factor is not None:
            data[naming.graph_data(g, "covariance_factor")] = group.covariance_factor
        ones = group.constant_terms
        if not ones.all():
            data[naming.graph_data(g, "values")] = group.values[:, ~ones]
    if part.offset is not None:
        data[naming.offset(suffix)] = part.offset
    return data


def graph_data(spec: ModelSpec, family: Family, priors: Priors) -> dict[str, np.ndarray]:
    """Every value the graph holds as ``pm.Data``, by name.

    The graph's structure depends only on the formula; these values carry the
    data and the prior parameters, so they can be swapped without a rebuild.
    """
    data: dict[str, np.ndarray] = {}
    for part in spec.linear_parts:
        data.update(_part_data(part, priors))
    for name in family.dispersion_names:
        if name not in spec.parameter_names:
            data.update(_prior_data(name, [priors[name]], vector=False))
    discrete = family.support.discrete
    data[naming.OBSERVED_DATA] = spec.response.values.astype(np.int64 if discrete else float)
    if spec.response.trials is not None:
        data["trials"] = spec.response.trials.astype(np.int64)
    if spec.response.censored is not None:
        data["censored"] = spec.response.censored
    if spec.residual is not None:
        data.update(
            _prior_data(
                naming.graph_data(naming.RESIDUAL_RHO, "unit"),
                [priors[naming.RESIDUAL_RHO_KEY]],
                vector=False,
            )
        )
        data.update(
            {
                naming.graph_data("residual", key): value
                for key, value in sequential_data(spec.residual).items()
            }
        )
    return data


def graph_coords(spec: ModelSpec) -> dict[str, list]:
    """Coordinates of every dimension of the graph."""
    coords: dict[str, list] = {naming.OBS: list(range(spec.n_obs))}
    for part in spec.linear_parts:
        names = list(part.fixed.names)
        coords[naming.coefficient_dim(part.suffix)] = names
        if part.fixed.has_intercept and len(names) > 1:
            coords[naming.slope_dim(part.suffix)] = names[1:]
    for group in spec.all_groups:
        coords[group.name] = list(group.levels)
        coords[naming.term_dim(group.name)] = list(group.terms)
        if group.correlated_blocks:
            coords[naming.second_term_dim(group.name)] = list(group.terms)
    if spec.response.categories is not None:
        coords[naming.CUTPOINT] = spec.response.thresholds
    return coords


def posterior_dims(spec: ModelSpec) -> dict[str, tuple[str, ...]]:
    """Dimensions of the reported fixed- and group-level variables, by name: the contract
    every sampler's output follows.

    Examples
    --------
    >>> import bayesglmm as bg
    >>> model = bg.Model("Reaction ~ Days + (Days | Subject)", bg.datasets.load("sleepstudy"))
    >>> posterior_dims(model.spec)["cor_Subject"]
    ('Subject_term', 'Subject_term2')
    """
    dims = {
        naming.coefficients(part.suffix): (naming.coefficient_dim(part.suffix),)
        for part in spec.linear_parts
    }
    for group in spec.all_groups:
        levels, terms, second_terms = naming.group_dims(group.name)
        dims[naming.group_sd(group.name)] = (terms,)
        dims[naming.group_effects(group.name)] = (levels, terms)
        if group.correlated_blocks:
            dims[naming.group_correlation(group.name)] = (terms, second_terms)
    return dims


def structural_dims(spec: ModelSpec) -> set[str]:
    """Dimensions whose length is part of the graph's structure: term and threshold counts."""
    terms = {dim for g in spec.all_groups for dim in naming.group_dims(g.name)[1:]}
    return terms | {naming.CUTPOINT}


def _prior_variable(
    name: str,
    priors: Sequence[Prior],
    data: dict[str, np.ndarray],
    dims: str | None = None,
    **options,
) -> pt.TensorVariable:
    """One random variable whose elements follow ``priors``, parameters read from ``data``.

    ``options`` go to the PyMC distribution (a transform, an initial value).
    """
    if len({type(prior) for prior in priors}) > 1:
        parts = [
            _prior_variable(naming.graph_data(name, str(i)), [p], data)
            for i, p in enumerate(priors)
        ]
        return pm.Deterministic(name, pt.stack(parts), dims=dims)
    parameters = {}
    for key in priors[0].parameters():
        data_name = naming.graph_data(name, f"prior_{key}")
        parameters[key] = pm.Data(data_name, data[data_name])
    return type(priors[0]).pymc_class(name, **parameters, dims=dims, **options)


def _dispersion_variable(
    parameter: DispersionParameter, priors: Priors, data: dict[str, np.ndarray], model: pm.Model
) -> pt.TensorVariable:
    """A family parameter; ordered ones are increasing vectors over dim ``cutpoint``."""
    if not parameter.ordered:
        return _prior_variable(parameter.name, [priors[parameter.name]], data)
    count = model.dim_lengths[naming.CUTPOINT].eval()
    return _prior_variable(
        parameter.name,
        [priors[parameter.name]],
        data,
        dims=naming.CUTPOINT,
        transform=pm.distributions.transforms.ordered,
        initval=np.linspace(-1.0, 1.0, count),
    )


def _fixed_part(part: LinearPart, priors: Priors, data: dict[str, np.ndarray]) -> pt.TensorVariable:
    """Add the fixed effects of one linear predictor and return their contribution to it."""
    fixed, suffix = part.fixed, part.suffix
    coef, b = naming.coefficient_dim(suffix), naming.coefficients(suffix)
    slope_name, slope_priors = _fixed_priors(part, priors)
    if not fixed.has_intercept:
        if not slope_priors:
            return pt.zeros(())
        values = _prior_variable(b, slope_priors, data, dims=coef)
        return pt.dot(
            pm.Data(naming.fixed_design(suffix), data[naming.fixed_design(suffix)]), values
        )
    intercept = _prior_variable(naming.intercept(suffix), [priors[naming.intercept(suffix)]], data)
    if not slope_priors:
        pm.Deterministic(b, intercept[None], dims=coef)
        return intercept
    b_slopes = _prior_variable(slope_name, slope_priors, data, dims=naming.slope_dim(suffix))
    x_centred = pm.Data(
        naming.fixed_design(suffix, "centred"), data[naming.fixed_design(suffix, "centred")]
    )
    x_means = pm.Data(
        naming.fixed_design(suffix, "means"), data[naming.fixed_design(suffix, "means")]
    )
    pm.Deterministic(
        b, pt.concatenate([(intercept - pt.dot(x_means, b_slopes))[None], b_slopes]), dims=coef
    )
    return intercept + pt.dot(x_centred, b_slopes)


def _linear_predictor(
    part: LinearPart,
    priors: Priors,
    centered: Collection[str],
    data: dict[str, np.ndarray],
    model: pm.Model,
) -> tuple[pt.TensorVariable, list[str]]:
    """Add one linear predictor's variables; return it over dim ``obs`` and its public names."""
    eta = _fixed_part(part, priors, data)
    public = [naming.coefficients(part.suffix)]
    for group in part.groups:
        contribution, names = _group_part(group, priors, group.name in centered, data, model)
        eta = eta + contribution
        public.extend(names)
    if part.offset is not None:
        eta = eta + pm.Data(naming.offset(part.suffix), data[naming.offset(part.suffix)])
    if eta.ndim == 0:
        eta = pt.broadcast_to(eta, (model.dim_lengths[naming.OBS],))
    return eta, public


def _block_effects(
    group: GroupDesign,
    block_id: int,
    block: tuple[int, ...],
    sd: pt.TensorVariable,
    centered: bool,
    data: dict[str, np.ndarray],
    model: pm.Model,
) -> tuple[pt.TensorVariable, pt.TensorVariable]:
    """Effects of one block of terms, shape (levels, block size), and its correlation."""
    g = group.name
    n_levels = model.dim_lengths[g]
    size = len(block)
    sd_block = sd[list(block)]
    if size == 1:
        if centered:
            effects = pm.Normal(naming.block_effects(g, block_id), 0.0, sd_block[0], dims=g)
        else:
            effects = pm.Normal(naming.standard_normal(g, block_id), 0.0, 1.0, dims=g) * sd_block[0]
        return effects[:, None], pt.ones((1, 1))
    cholesky = naming.block_cholesky(g, block_id)
    eta_name = naming.block_lkj_eta(g, block_id)
    chol = pm.LKJCorr(cholesky, n=size, eta=pm.Data(eta_name, data[eta_name]))
    if centered:
        effects = pm.MvNormal(
            naming.block_effects(g, block_id),
            mu=pt.zeros(size),
            chol=sd_block[:, None] * chol,
            shape=(n_levels, size),
        )
    else:
        z = pm.Normal(naming.standard_normal(g, block_id), 0.0, 1.0, shape=(n_levels, size))
        effects = pt.dot(z, chol.T) * sd_block
    return effects, pt.dot(chol, chol.T)


def _group_part(
    group: GroupDesign,
    priors: Priors,
    centered: bool,
    data: dict[str, np.ndarray],
    model: pm.Model,
) -> tuple[pt.TensorVariable, list[str]]:
    """Add one grouping factor's effects; return their contribution to eta and public names."""
    g = group.name
    levels_and_terms = (g, naming.term_dim(g))
    sd_priors = [priors[naming.sd_key(g, t)] for t in group.terms]
    sd = _prior_variable(naming.group_sd(g), sd_priors, data, dims=naming.term_dim(g))
    names = [naming.group_sd(g)]
    if group.structure is not None:
        effects = pm.Deterministic(
            naming.group_effects(g),
            _structured_effects(group, sd[0], priors, data),
            dims=levels_and_terms,
        )
        names.append(naming.group_rho(g))
    elif not group.correlated_blocks:
        if centered:
            effects = pm.Normal(naming.group_effects(g), 0.0, sd, dims=levels_and_terms)
        else:
            z = pm.Normal(naming.standard_normal(g), 0.0, 1.0, dims=levels_and_terms)
            effects = pm.Deterministic(
                naming.group_effects(g), _among_levels(group, z * sd, data), dims=levels_and_terms
            )
    else:
        parts = [
            _block_effects(group, i, block, sd, centered, data, model)
            for i, block in enumerate(group.blocks)
        ]
        effects = pm.Deterministic(
            naming.group_effects(g),
            _among_levels(group, pt.concatenate([p[0] for p in parts], axis=1), data),
            dims=levels_and_terms,
        )
        correlation = (
            parts[0][1] if len(parts) == 1 else pt.linalg.block_diag(*[p[1] for p in parts])
        )
        pm.Deterministic(naming.group_correlation(g), correlation, dims=naming.group_dims(g)[1:])
        names.append(naming.group_correlation(g))
    names.append(naming.group_effects(g))
    index_name, values_name = naming.graph_data(g, "index"), naming.graph_data(g, "values")
    index = pm.Data(index_name, data[index_name])
    values = pm.Data(values_name, data[values_name]) if values_name in data else None
    contribution = 0.0
    for term, column in enumerate(_value_columns(group.constant_terms)):
        gathered = effects[:, term][index]
        contribution = contribution + (gathered if column is None else values[:, column] * gathered)
    return contribution, names


def _among_levels(
    group: GroupDesign, effects: pt.TensorVariable, data: dict[str, np.ndarray]
) -> pt.TensorVariable:
    """Effects independent between levels, made to covary as the known matrix ``A`` of
    ``gr(g, cov = A)``: ``L_A @ effects`` with ``L_A`` its Cholesky factor, so that
    ``cov(vec r) = Sigma (x) A`` (the animal model; Henderson 1976, Hadfield 2010)."""
    if group.covariance_factor is None:
        return effects
    name = naming.graph_data(group.name, "covariance_factor")
    factor = pm.Data(name, data[name])
    return pt.dot(factor, effects)


def _structured_effects(
    group: GroupDesign, sd: pt.TensorVariable, priors: Priors, data: dict[str, np.ndarray]
) -> pt.TensorVariable:
    """Effects of ``ar1(time | subject)`` or ``cs(...)``, shape (levels, 1), non-centred.

    Per subject, ``u = sd * L(rho) z`` with ``z ~ N(0, I)`` over the time levels and
    ``L`` the Cholesky factor of the correlation matrix. For AR(1) it has the closed form
    ``L[i, 0] = rho^i`` and ``L[i, j] = rho^(i-j) sqrt(1 - rho^2)`` for ``0 < j <= i``.
    ``rho = lower + (1 - lower) * p`` with ``p`` on (0, 1) under the prior
    ``rho[<group>]`` (uniform by default); ``lower`` is -1 for AR(1) and ``-1/(T-1)``
    for compound symmetry, the smallest value that keeps the matrix positive definite.
    """
    g, structure = group.name, group.structure
    count = len(structure.times)
    lower = STRUCTURE_KINDS[structure.kind].rho_lower(count)
    unit_name = naming.graph_data(naming.group_rho(g), "unit")
    unit = _prior_variable(unit_name, [priors[naming.rho_key(g)]], data)
    rho = pm.Deterministic(naming.group_rho(g), lower + (1.0 - lower) * unit)
    if structure.kind == "ar1":
        rows, columns = np.tril_indices(count)
        powers = pt.cumprod(pt.concatenate([pt.ones(1), pt.repeat(rho, count - 1)]))
        scale = pt.switch(pt.eq(columns, 0), 1.0, pt.sqrt(1.0 - rho**2))
        chol = pt.set_subtensor(
            pt.zeros((count, count))[rows, columns], powers[rows - columns] * scale
        )
    else:
        correlation = (1.0 - rho) * pt.eye(count) + rho * pt.ones((count, count))
        chol = pt.linalg.cholesky(correlation)
    z = pm.Normal(naming.standard_normal(g), 0.0, 1.0, shape=(len(structure.subjects), count))
    per_subject = pt.dot(z, chol.T) * sd
    return per_subject[structure.subject_of_level, structure.time_of_level][:, None]


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
    unit = _prior_variable(unit_name, [priors[naming.RESIDUAL_RHO_KEY]], data)
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


def _value_columns(ones: np.ndarray) -> list[int | None]:
    """Per term: None for an all-ones column, else its column in the group's ``__values`` data."""
    positions = np.cumsum(~ones) - 1
    return [None if one else int(position) for one, position in zip(ones, positions, strict=True)]


def _group_names(group: GroupDesign) -> set[str]:
    """Every variable and dimension name a grouping factor adds to the graph."""
    g = group.name
    blocks = range(len(group.blocks))
    return {
        *naming.group_dims(g),
        naming.group_sd(g),
        naming.group_effects(g),
        naming.group_correlation(g),
        naming.group_rho(g),
        naming.standard_normal(g),
        *(naming.standard_normal(g, block) for block in blocks),
        *(naming.block_effects(g, block) for block in blocks),
        *(naming.block_cholesky(g, block) for block in blocks),
    }


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
    taken = RESERVED_DIMS | reserved | {*family.dispersion_names, *data}
    claimed: dict[str, str] = {}
    for group in spec.all_groups:
        for dim in naming.group_dims(group.name):
            if dim in taken:
                raise DataError(
                    f"grouping factor '{group.name}' gives dimension '{dim}', a name bayesglmm "
                    "uses for a model variable; rename the column."
                )
        for name in _group_names(group):
            if claimed.setdefault(name, group.name) != group.name:
                raise DataError(
                    f"grouping factors '{claimed[name]}' and '{group.name}' both give the name "
                    f"'{name}' to a model variable or dimension; rename one of the columns."
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
        eta, public = _linear_predictor(spec, priors, centered, data, model)
        dispersion = {}
        for parameter in spec.parameters:
            parameter_eta, names = _linear_predictor(parameter, priors, centered, data, model)
            dispersion[parameter.name] = TENSOR_LINKS[parameter.link].inverse(parameter_eta)
            public.extend(names)
        for parameter in family.dispersion:
            if parameter.name not in dispersion:
                dispersion[parameter.name] = _dispersion_variable(parameter, priors, data, model)
                public.append(parameter.name)
        observed = pm.Data(naming.OBSERVED_DATA, data[naming.OBSERVED_DATA], dims=naming.OBS)
        row_data = {
            key: pm.Data(key, data[key], dims=naming.OBS) if key in data else None
            for key in ("trials", "censored")
        }
        name = spec.response.name
        taken = {*model.named_vars, *model.coords}
        observed_name = name if name not in taken else naming.FALLBACK_RESPONSE
        mu = Mu.tensor(eta, link)
        if spec.residual is None:
            additions = Additions(censored=row_data["censored"])
            likelihood = LIKELIHOODS[family.name]
            observe(
                observed_name,
                likelihood,
                mu,
                dispersion,
                row_data["trials"],
                observed,
                additions,
                naming.OBS,
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
        model=model, public_names=tuple(public), observed_name=observed_name, row_data=rows
    )
