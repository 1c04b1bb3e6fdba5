"""The graph's data and coordinates contract: every value the graph holds as ``pm.Data``
(design, indices, offsets, prior parameters), the coordinates of every dimension, the
dims of the reported variables (which every sampler's output follows), and the variables
that read prior parameters from that data.

Examples
--------
>>> import bayesglmm as bg
>>> model = bg.Model("Reaction ~ Days + (Days | Subject)", bg.datasets.load("sleepstudy"))
>>> posterior_dims(model.spec)["r_Subject"]
('Subject', 'Subject_term')
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pymc as pm
import pytensor.tensor as pt
import xarray as xr

from bayesglmm import naming
from bayesglmm.backend.likelihoods.additions import Additions
from bayesglmm.backend.sweep import Sweep, sweep_data, sweep_plan
from bayesglmm.errors import DataError, FormulaError, PriorError
from bayesglmm.families.family import Family
from bayesglmm.families.mixture import Mixture
from bayesglmm.formula.linked import LinkedBlock
from bayesglmm.formula.smooth_spec import GPDesign
from bayesglmm.formula.spec import FixedDesign, ModelSpec, ParameterDesign
from bayesglmm.naming import smooth_naming
from bayesglmm.priors.distributions import Prior
from bayesglmm.priors.resolve import Priors
from bayesglmm.structures.residual import sequential_data

LinearPart = ModelSpec | ParameterDesign
"""A linear predictor: the mean's (the spec itself) or a modelled parameter's."""


def prior_data(name: str, priors: Sequence[Prior], vector: bool) -> dict[str, np.ndarray]:
    """Values of the data holding the parameters of ``priors`` for variable ``name``."""
    if len({type(prior) for prior in priors}) > 1:
        return {
            key: value
            for i, prior in enumerate(priors)
            for key, value in prior_data(
                naming.graph_data(name, str(i)), [prior], vector=False
            ).items()
        }
    values = {}
    for key in priors[0].parameters():
        stacked = np.array([prior.parameters()[key] for prior in priors], dtype=float)
        values[naming.graph_data(name, f"prior_{key}")] = stacked if vector else stacked[0]
    return values


def centred_slopes(fixed: FixedDesign) -> tuple[np.ndarray, np.ndarray]:
    """The slope columns of a design with an intercept, their means removed, and the means:
    fixed effects are sampled at centred predictors, where the intercept's prior applies
    (as in brms), and ``b`` is reported on the original scale.

    Examples
    --------
    >>> import bayesglmm as bg
    >>> model = bg.Model("Reaction ~ Days + (1 | Subject)", bg.datasets.load("sleepstudy"))
    >>> centred, means = centred_slopes(model.spec.fixed)
    >>> means.tolist(), float(centred.mean())
    ([4.5], 0.0)
    """
    means = fixed.column_means[1:]
    return fixed.matrix[:, 1:] - means, means


def fixed_priors(part: LinearPart, priors: Priors) -> tuple[str, list[Prior]]:
    """Name and priors of the vector of fixed slopes (all of ``b`` without an intercept)."""
    fixed, suffix = part.fixed, part.suffix
    names = fixed.names[1:] if fixed.has_intercept else fixed.names
    name = naming.slopes(suffix) if fixed.has_intercept else naming.coefficients(suffix)
    return name, [priors[naming.coefficient_key(n, suffix)] for n in names]


def sweep_plans(spec: ModelSpec, family: Family, priors: Priors) -> dict[str, dict[str, Sweep]]:
    """The sweeps of the grouping factors (:mod:`bayesglmm.backend.sweep`) of every linear
    predictor, by suffix; they shape the graph, so new data must keep them."""
    suffixes = {part.suffix for part in ordered_parts(spec, family, priors)}
    return {part.suffix: sweep_plan(part, part.suffix in suffixes) for part in spec.linear_parts}


def check_same_sweeps(old: ModelSpec, new: ModelSpec, family: Family, priors: Priors) -> None:
    """Refuse new data whose :func:`sweep_plans` differ from the old data's, naming the first
    grouping factor whose plan changed: the plans shape the graph."""
    before, after = sweep_plans(old, family, priors), sweep_plans(new, family, priors)
    changed = [
        group
        for suffix, plans in before.items()
        for group in {*plans, *after[suffix]}
        if plans.get(group) != after[suffix].get(group)
    ]
    if changed:
        raise DataError(
            f"the new data change which fixed effects are constant within the levels of "
            f"'{sorted(changed)[0]}', which shapes the graph (bayesglmm.backend.sweep); "
            "build a new Model for them."
        )


def part_data(
    part: LinearPart,
    priors: Priors,
    sweeps: dict[str, Sweep],
    joined: frozenset[tuple[str, int]],
) -> dict[str, np.ndarray]:
    """The data of one linear predictor: fixed design, group indices, offset, priors, and
    the sweeps of its groups; ``joined`` blocks take their correlation's prior from their
    joint block."""
    data: dict[str, np.ndarray] = {}
    fixed, suffix = part.fixed, part.suffix
    slope_name, slope_priors = fixed_priors(part, priors)
    if fixed.has_intercept:
        intercept = naming.intercept(suffix)
        data.update(prior_data(intercept, [priors[intercept]], vector=False))
        if slope_priors:
            centred, means = centred_slopes(fixed)
            data[naming.fixed_design(suffix, "centred")] = centred
            data[naming.fixed_design(suffix, "means")] = means
    elif slope_priors:
        data[naming.fixed_design(suffix)] = fixed.matrix
    if slope_priors:
        data.update(prior_data(slope_name, slope_priors, vector=True))
    for group in part.groups:
        g = group.name
        data.update(
            prior_data(
                naming.group_sd(g), [priors[naming.sd_key(g, t)] for t in group.terms], vector=True
            )
        )
        for i, block in enumerate(group.blocks):
            if len(block) > 1 and (g, i) not in joined:
                eta = np.array(float(priors[naming.correlation_key(g)].eta))
                data[naming.block_lkj_eta(g, i)] = eta
        if group.structure is not None:
            data.update(
                prior_data(
                    naming.graph_data(naming.group_rho(g), "unit"),
                    [priors[naming.rho_key(g)]],
                    vector=False,
                )
            )
        if group.member_index is None:
            data[naming.graph_data(g, "index")] = group.index
        else:
            data[naming.graph_data(g, "index")] = group.member_index
            data[naming.graph_data(g, "member_weights")] = group.member_weights
        if group.covariance_factor is not None:
            data[naming.graph_data(g, "covariance_factor")] = group.covariance_factor
        ones = group.constant_terms
        if not ones.all():
            data[naming.graph_data(g, "values")] = group.values[:, ~ones]
        if g in sweeps:
            data.update(sweep_data(group, fixed, sweeps[g]))
    for smooth in part.smooths:
        if isinstance(smooth, GPDesign):
            data.update(_gp_data(smooth, priors))
            continue
        for block, values in zip(smooth.blocks, smooth.values, strict=True):
            data.update(
                prior_data(
                    smooth_naming.smooth_sd(block),
                    [priors[smooth_naming.smooth_sd_key(block)]],
                    False,
                )
            )
            data[naming.graph_data(smooth_naming.smooth_standard_normal(block), "values")] = values
    if part.offset is not None:
        data[naming.offset(suffix)] = part.offset
    if part.monotonic:
        keys = [naming.coefficient_key(term.name) for term in part.monotonic]
        data.update(
            prior_data(naming.MONOTONIC_COEFFICIENTS, [priors[k] for k in keys], vector=True)
        )
    for term in part.monotonic:
        simplex = naming.simplex(term.column)
        data.update(prior_data(simplex, [priors[naming.simplex_key(term.name)]], vector=False))
        data[naming.graph_data(simplex, "codes")] = term.codes
    return data


def _gp_data(term: GPDesign, priors: Priors) -> dict[str, np.ndarray]:
    """The graph data of a Gaussian process: its priors' parameters, its basis at the rows
    and the frequencies ``sqrt(lambda_j)`` of its basis functions."""
    label = term.label
    data = prior_data(smooth_naming.gp_sd(label), [priors[smooth_naming.gp_sd_key(label)]], False)
    data.update(
        prior_data(
            smooth_naming.gp_lscale(label), [priors[smooth_naming.gp_lscale_key(label)]], False
        )
    )
    data[naming.graph_data(label, "values")] = term.values[0]
    data[naming.graph_data(label, "frequencies")] = term.basis.sqrt_eigenvalues
    return data


def ordered_parts(spec: ModelSpec, family: Family, priors: Priors) -> list[LinearPart]:
    """The linear predictors of a mixture's component means, component 1 first, when their
    intercepts are ordered (``order = "mu"``); empty otherwise.

    Raises
    ------
    FormulaError
        When a component's formula has no intercept.
    PriorError
        When the intercepts' priors are of different classes, which one ordered vector
        cannot take.
    """
    if not isinstance(family, Mixture) or not family.order_means:
        return []
    by_name = {part.name: part for part in spec.parameters}
    parts = [spec, *(by_name[naming.component("mu", k)] for k in range(2, family.n_components + 1))]
    lacking = [
        naming.component("mu", k) for k, p in enumerate(parts, 1) if not p.fixed.has_intercept
    ]
    if lacking:
        raise FormulaError(
            f"{family.name} orders the components by their intercepts, but the formula of "
            f"{lacking[0]} has none; give every component an intercept, or pass "
            "order=None to bg.mixture()."
        )
    keys = [naming.intercept(part.suffix) for part in parts]
    if len({type(priors[key]) for key in keys}) > 1:
        shown = ", ".join(f"{key} ~ {priors[key]}" for key in keys)
        raise PriorError(
            f"the ordered intercepts of {family.name} need priors of one class, not {shown}; "
            "use one class with other parameters, or pass order=None to bg.mixture()."
        )
    return parts


def graph_data(spec: ModelSpec, family: Family, priors: Priors) -> dict[str, np.ndarray]:
    """Every value the graph holds as ``pm.Data``, by name.

    The graph's structure depends only on the formula; these values carry the
    data and the prior parameters, so they can be swapped without a rebuild.
    """
    data: dict[str, np.ndarray] = {}
    sweeps = sweep_plans(spec, family, priors)
    for part in spec.linear_parts:
        data.update(part_data(part, priors, sweeps[part.suffix], spec.linked_members))
    data.update(linked_data(spec.linked, priors))
    ordered = ordered_parts(spec, family, priors)
    if ordered:
        keys = [naming.intercept(part.suffix) for part in ordered]
        for key in keys:
            for name in prior_data(key, [priors[key]], vector=False):
                del data[name]
        data.update(
            prior_data(naming.ORDERED_INTERCEPTS, [priors[key] for key in keys], vector=True)
        )
    for name in family.dispersion_names:
        if name not in spec.parameter_names:
            data.update(prior_data(name, [priors[name]], vector=False))
    discrete = family.support.discrete
    data[naming.OBSERVED_DATA] = spec.response.values.astype(np.int64 if discrete else float)
    if spec.response.trials is not None:
        data["trials"] = spec.response.trials.astype(np.int64)
    data.update(Additions.of(spec.response).rows)
    if spec.response.replicates is not None:
        data[naming.REPLICATES] = spec.response.replicates
        data[naming.WITHIN_SQUARES] = np.array(spec.response.within_squares)
    if spec.residual is not None:
        data.update(
            prior_data(
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


def linear_coords(parts: Sequence[LinearPart], linked: Sequence[LinkedBlock]) -> dict[str, list]:
    """Coordinates of the dimensions of linear predictors ``parts``: coefficients, groups,
    smooths, and the blocks that correlation IDs join across them."""
    coords: dict[str, list] = {}
    for part in parts:
        names = list(part.fixed.names)
        coords[naming.coefficient_dim(part.suffix)] = names
        if part.fixed.has_intercept and len(names) > 1:
            coords[naming.slope_dim(part.suffix)] = names[1:]
    for link in linked:
        coords[naming.term_dim(link.name)] = list(link.terms)
        coords[naming.second_term_dim(link.name)] = list(link.terms)
    for group in (group for part in parts for group in part.groups):
        coords[naming.level_dim(group.name)] = list(group.levels)
        coords[naming.term_dim(group.name)] = list(group.terms)
        if group.correlated_blocks:
            coords[naming.second_term_dim(group.name)] = list(group.terms)
    for smooth in (smooth for part in parts for smooth in part.smooths):
        if isinstance(smooth, GPDesign):
            coords[smooth_naming.gp_dim(smooth.label)] = list(range(smooth.basis.k))
            continue
        for block, values in zip(smooth.blocks, smooth.values, strict=True):
            coords[smooth_naming.smooth_dim(block)] = list(range(values.shape[1]))
    return coords


def linked_data(linked: Sequence[LinkedBlock], priors: Priors) -> dict[str, np.ndarray]:
    """The LKJ ``eta`` of each block that a correlation ID joins across linear predictors."""
    return {
        naming.block_lkj_eta(link.name, 0): np.array(
            float(priors[naming.correlation_key(link.factor)].eta)
        )
        for link in linked
    }


def graph_coords(spec: ModelSpec) -> dict[str, list]:
    """Coordinates of every dimension of the graph."""
    coords: dict[str, list] = {naming.OBS: list(range(spec.n_obs))}
    coords.update(linear_coords(spec.linear_parts, spec.linked))
    if spec.response.categories is not None:
        coords[naming.CUTPOINT] = spec.response.thresholds
    if spec.monotonic:
        coords[naming.MONOTONIC_DIM] = [term.name for term in spec.monotonic]
    for term in spec.monotonic:
        coords[naming.increment_dim(term.column)] = list(term.transitions)
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
    for link in spec.linked:
        dims[naming.group_correlation(link.name)] = naming.group_dims(link.name)[1:]
    for smooth in spec.all_smooths:
        if isinstance(smooth, GPDesign):
            label = smooth.label
            dims[smooth_naming.gp_sd(label)] = dims[smooth_naming.gp_lscale(label)] = ()
            dims[smooth_naming.gp_standard_normal(label)] = (smooth_naming.gp_dim(label),)
            dims[smooth_naming.gp_coefficients(label)] = (smooth_naming.gp_dim(label),)
            continue
        for block in smooth.blocks:
            dims[smooth_naming.smooth_sd(block)] = ()
            dims[smooth_naming.smooth_standard_normal(block)] = (smooth_naming.smooth_dim(block),)
    if spec.monotonic:
        dims[naming.MONOTONIC_COEFFICIENTS] = (naming.MONOTONIC_DIM,)
    for term in spec.monotonic:
        dims[naming.simplex(term.column)] = (naming.increment_dim(term.column),)
    return dims


def structural_dims(spec: ModelSpec) -> set[str]:
    """Dimensions whose length is part of the graph's structure: term, threshold, monotonic
    term and increment counts."""
    terms = {dim for g in spec.all_groups for dim in naming.group_dims(g.name)[1:]}
    bases = {smooth_naming.smooth_dim(block) for s in spec.all_smooths for block in s.blocks}
    bases |= {smooth_naming.gp_dim(term.label) for term in spec.all_gps}
    monotonic = {naming.increment_dim(term.column) for term in spec.monotonic}
    if spec.monotonic:
        monotonic.add(naming.MONOTONIC_DIM)
    return terms | bases | monotonic | {naming.CUTPOINT}


def prior_variable(
    name: str,
    priors: Sequence[Prior],
    data: dict[str, np.ndarray],
    dims: str | None = None,
    shift: pt.TensorVariable | None = None,
    priors_of: str | None = None,
    **options,
) -> pt.TensorVariable:
    """One random variable whose elements follow ``priors``, parameters read from ``data``.

    ``shift`` moves the location ``mu`` of (location) priors, per element; ``priors_of``
    names the variable whose prior parameters ``data`` holds, when not ``name``.
    ``options`` go to the PyMC distribution (a transform, an initial value).
    """
    owner = name if priors_of is None else priors_of
    if len({type(prior) for prior in priors}) > 1:
        parts = [
            prior_variable(
                naming.graph_data(name, str(i)),
                [p],
                data,
                shift=None if shift is None else shift[i],
                priors_of=naming.graph_data(owner, str(i)),
            )
            for i, p in enumerate(priors)
        ]
        return pm.Deterministic(name, pt.stack(parts), dims=dims)
    parameters = {}
    for key in priors[0].parameters():
        data_name = naming.graph_data(owner, f"prior_{key}")
        parameters[key] = pm.Data(data_name, data[data_name])
    if shift is not None:
        parameters["mu"] = parameters["mu"] + shift
    return type(priors[0]).pymc_class(name, **parameters, dims=dims, **options)


def in_display_order(posterior: xr.DataTree, spec: ModelSpec) -> xr.DataTree:
    """The draws with every group dimension in ``spec``'s level order, whatever order the
    sampled spec had (see :mod:`bayesglmm.formula.canonical`); levels are matched by label,
    and the arrays are laid out in C order.

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> import bayesglmm as bg
    >>> spec = bg.Model("Reaction ~ Days + (1 | Subject)", bg.datasets.load("sleepstudy")).spec
    >>> levels = list(spec.groups[0].levels)
    >>> draws = xr.DataTree(xr.Dataset({"r_Subject": ("Subject", np.arange(18.0))},
    ...                                coords={"Subject": levels[::-1]}))
    >>> in_display_order(draws, spec)["r_Subject"].to_numpy()[:3].tolist()
    [17.0, 16.0, 15.0]
    """
    levels = {naming.level_dim(group.name): list(group.levels) for group in spec.all_groups}
    present = {dim: values for dim, values in levels.items() if dim in posterior.dims}
    if not present:
        return posterior
    draws = posterior.to_dataset().sel(present)
    return xr.DataTree(draws.map(_contiguous, keep_attrs=True).assign_attrs(draws.attrs))


def _contiguous(variable: xr.DataArray) -> xr.DataArray:
    """``variable`` in C order, as a saved and loaded fit holds it, so that sums over draws
    round the same way."""
    return variable.copy(data=np.ascontiguousarray(variable.values))
