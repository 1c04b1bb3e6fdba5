"""The group-level terms of the graph: each grouping factor's sds, effects (centred or
non-centred, per correlated block with an LKJ Cholesky factor), known covariances among
levels and ``ar1``/``cs`` structures, and their contribution to the linear predictor by
integer-index gathers (for ``mm()``, one per member, weighted).
"""

from __future__ import annotations

import numpy as np
import pymc as pm
import pytensor.tensor as pt

from bayesglmm import naming
from bayesglmm.backend.contract import prior_variable
from bayesglmm.backend.correlation import lkj_cholesky
from bayesglmm.backend.rescor import normal_rows
from bayesglmm.backend.sweep import Sweep
from bayesglmm.formula.linked import LinkedBlock
from bayesglmm.formula.spec import GroupDesign
from bayesglmm.priors.resolve import Priors
from bayesglmm.structures import STRUCTURE_KINDS


def _lkj_cholesky(
    group: GroupDesign, block_id: int, size: int, data: dict[str, np.ndarray]
) -> pt.TensorVariable:
    """The Cholesky factor of one block's LKJ correlation matrix."""
    return lkj_cholesky(group.name, block_id, size, data)


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
    n_levels = model.dim_lengths[naming.level_dim(g)]
    size = len(block)
    sd_block = sd[list(block)]
    if size == 1:
        if centered:
            effects = pm.Normal(naming.block_effects(g, block_id), 0.0, sd_block[0], dims=g)
        else:
            effects = pm.Normal(naming.standard_normal(g, block_id), 0.0, 1.0, dims=g) * sd_block[0]
        return effects[:, None], pt.ones((1, 1))
    chol = _lkj_cholesky(group, block_id, size, data)
    if centered:
        effects = normal_rows(
            naming.block_effects(g, block_id),
            pt.zeros(size),
            sd_block[:, None] * chol,
            shape=(n_levels, size),
        )
    else:
        z = pm.Normal(naming.standard_normal(g, block_id), 0.0, 1.0, shape=(n_levels, size))
        effects = pt.dot(z, chol.T) * sd_block
    return effects, pt.dot(chol, chol.T)


def linked_draws(
    linked: tuple[LinkedBlock, ...], data: dict[str, np.ndarray], model: pm.Model
) -> tuple[dict[tuple[str, int], tuple[pt.TensorVariable, pt.TensorVariable]], list[str]]:
    """The unit-scale draws of the blocks that correlation IDs join, and the joint
    correlations' names.

    Per joint block, ``u = z L'`` with ``z ~ N(0, 1)`` over ``(levels, terms)`` and ``L``
    the Cholesky factor of an LKJ correlation over all its terms: each member block takes
    its columns of ``u`` (times its own sds) and its sub-block of the correlation. The
    joint block is always non-centred, since its scales belong to several groups.
    """
    draws, names = {}, []
    for link in linked:
        name = link.name
        chol = lkj_cholesky(name, 0, len(link.terms), data)
        levels = model.dim_lengths[naming.level_dim(link.members[0][0])]
        z = pm.Normal(naming.standard_normal(name), 0.0, 1.0, shape=(levels, len(link.terms)))
        pm.Deterministic(
            naming.group_correlation(name), pt.dot(chol, chol.T), dims=naming.group_dims(name)[1:]
        )
        names.append(naming.group_correlation(name))
        start = 0
        for member, size in zip(link.members, link.sizes, strict=True):
            columns = slice(start, start + size)
            rows = chol[columns]
            draws[member] = (pt.dot(z, rows.T), pt.dot(rows, rows.T))
            start += size
    return draws, names


def _swept_effects(
    group: GroupDesign,
    sd: pt.TensorVariable,
    centered: bool,
    sweep: Sweep,
    data: dict[str, np.ndarray],
    model: pm.Model,
) -> tuple[pt.TensorVariable, pt.TensorVariable, pt.TensorVariable]:
    """Effects split along the factor's covariates (see :mod:`bayesglmm.backend.sweep`):
    per block, ``levels - p`` free rows, iid ``N(0, Sigma)`` (centred) or standard normal
    times ``diag(sd) L`` (non-centred), and ``p`` non-centred rows ``W``; ``Q [0; F]`` are
    the deviations and ``gamma = R^-1 W`` the coefficients on the covariates. Returns the
    deviations ``(levels, terms)``, ``gamma`` ``(p, terms)`` and the terms' correlation."""
    g = group.name
    count = len(sweep.covariates)
    blocks = group.blocks if group.correlated_blocks else (tuple(range(len(group.terms))),)
    frees, projections, correlations = [], [], []
    for block_id, block in enumerate(blocks):
        label = block_id if group.correlated_blocks else None
        size, sd_block = len(block), sd[list(block)]
        correlated = size > 1 and label is not None
        chol = _lkj_cholesky(group, block_id, size, data) if correlated else None
        shape = (model.dim_lengths[naming.level_dim(g)] - count, size)
        name = naming.swept_deviations(g, label)
        if centered and chol is not None:
            free = normal_rows(name, pt.zeros(size), sd_block[:, None] * chol, shape=shape)
        elif centered:
            free = pm.Normal(name, 0.0, sd_block, shape=shape)
        else:
            z = pm.Normal(name, 0.0, 1.0, shape=shape)
            free = (z if chol is None else pt.dot(z, chol.T)) * sd_block
        w = pm.Normal(naming.swept_projection(g, label), 0.0, 1.0, shape=(count, size))
        frees.append(free)
        projections.append((w if chol is None else pt.dot(w, chol.T)) * sd_block)
        correlations.append(pt.eye(size) if chol is None else pt.dot(chol, chol.T))
    correlation = correlations[0] if len(correlations) == 1 else pt.linalg.block_diag(*correlations)
    vectors, t, r_inverse = (
        pm.Data(name, data[name])
        for name in (
            naming.graph_data(g, "sweep_vectors"),
            naming.graph_data(g, "sweep_t"),
            naming.graph_data(g, "sweep_r_inverse"),
        )
    )
    free = pt.concatenate(frees, axis=1)
    padded = pt.concatenate([pt.zeros((count, free.shape[1])), free], axis=0)
    rotated = padded - pt.dot(vectors, pt.dot(t, pt.dot(vectors[count:].T, free)))
    gamma = pt.dot(r_inverse, pt.concatenate(projections, axis=1))
    return rotated, gamma, correlation


def group_part(
    group: GroupDesign,
    priors: Priors,
    centered: bool,
    data: dict[str, np.ndarray],
    model: pm.Model,
    sweep: Sweep | None = None,
    linked: dict[tuple[str, int], tuple[pt.TensorVariable, pt.TensorVariable]] | None = None,
) -> tuple[pt.TensorVariable, list[str], dict[int, pt.TensorVariable]]:
    """Add one grouping factor's effects; return their contribution to eta, public names
    and, with a ``sweep``, the parts of the effects the contribution leaves for fixed
    effects to carry, summed by fixed position (:mod:`bayesglmm.backend.sweep`).

    ``linked`` holds the unit-scale draws and correlations of blocks that correlation IDs
    join across groups (:func:`linked_draws`), by ``(group, block)``."""
    g = group.name
    linked = linked or {}
    levels_and_terms = naming.group_dims(g)[:2]
    sd_priors = [priors[naming.sd_key(g, t)] for t in group.terms]
    sd = prior_variable(naming.group_sd(g), sd_priors, data, dims=naming.term_dim(g))
    names = [naming.group_sd(g)]
    in_eta, shifts = None, {}
    if sweep is not None:
        deviations, gamma, correlation = _swept_effects(group, sd, centered, sweep, data, model)
        covariates = pm.Data(
            naming.graph_data(g, "sweep_covariates"),
            data[naming.graph_data(g, "sweep_covariates")],
        )
        effects = pm.Deterministic(
            naming.group_effects(g), deviations + pt.dot(covariates, gamma), dims=levels_and_terms
        )
        kept = sweep.kept
        in_eta = deviations + pt.dot(covariates, gamma * kept) if kept.any() else deviations
        for k, row in enumerate(sweep.targets):
            for t, position in enumerate(row):
                if position is not None:
                    part = gamma[k, t]
                    shifts[position] = part if position not in shifts else shifts[position] + part
        if group.correlated_blocks:
            pm.Deterministic(
                naming.group_correlation(g), correlation, dims=naming.group_dims(g)[1:]
            )
            names.append(naming.group_correlation(g))
    elif group.structure is not None:
        effects = pm.Deterministic(
            naming.group_effects(g),
            _structured_effects(group, sd[0], priors, data),
            dims=levels_and_terms,
        )
        names.append(naming.group_rho(g))
    elif not group.correlated_blocks and not any(
        (g, i) in linked for i in range(len(group.blocks))
    ):
        if centered:
            effects = pm.Normal(naming.group_effects(g), 0.0, sd, dims=levels_and_terms)
        else:
            z = pm.Normal(naming.standard_normal(g), 0.0, 1.0, dims=levels_and_terms)
            effects = pm.Deterministic(
                naming.group_effects(g), _among_levels(group, z * sd, data), dims=levels_and_terms
            )
    else:
        parts = [
            (linked[g, i][0] * sd[list(block)], linked[g, i][1])
            if (g, i) in linked
            else _block_effects(group, i, block, sd, centered, data, model)
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
        if group.correlated_blocks:
            pm.Deterministic(
                naming.group_correlation(g), correlation, dims=naming.group_dims(g)[1:]
            )
            names.append(naming.group_correlation(g))
    names.append(naming.group_effects(g))
    index_name, values_name = naming.graph_data(g, "index"), naming.graph_data(g, "values")
    weights_name = naming.graph_data(g, "member_weights")
    index = pm.Data(index_name, data[index_name])
    values = pm.Data(values_name, data[values_name]) if values_name in data else None
    weights = pm.Data(weights_name, data[weights_name]) if weights_name in data else None
    contribution = 0.0
    in_eta = effects if in_eta is None else in_eta
    for term, column in enumerate(_value_columns(group.constant_terms)):
        gathered = in_eta[:, term][index]
        if weights is not None:
            gathered = (gathered * weights).sum(axis=1)
        contribution = contribution + (gathered if column is None else values[:, column] * gathered)
    return contribution, names, shifts


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
    unit = prior_variable(unit_name, [priors[naming.rho_key(g)]], data)
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


def _value_columns(ones: np.ndarray) -> list[int | None]:
    """Per term: None for an all-ones column, else its column in the group's ``__values`` data."""
    positions = np.cumsum(~ones) - 1
    return [None if one else int(position) for one, position in zip(ones, positions, strict=True)]


def group_names(group: GroupDesign) -> set[str]:
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
        naming.swept_deviations(g),
        naming.swept_projection(g),
        *(naming.swept_deviations(g, block) for block in blocks),
        *(naming.swept_projection(g, block) for block in blocks),
    }
