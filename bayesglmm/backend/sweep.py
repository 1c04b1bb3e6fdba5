"""Sweeping the part of group effects that fixed effects shadow into those fixed effects.

A grouping factor's intercepts ``r_j`` and the fixed intercept enter the linear predictor
only through their sums ``b_0 + r_j``, so the data pin those sums and leave the mean of the
``r_j`` against ``b_0`` to the prior: a ridge along which the sampler creeps, whether the
effects are centred or not (the intercept of a 200 x 24 crossed design had bulk ESS 230 in
4 x 1000 draws). The same holds for every fixed effect of a covariate constant within the
factor's levels (a whole-plot factor against whole-plot effects, a between-subject
treatment against subject effects) and for a fixed slope against the factor's slopes.

Following Vines, Gilks & Wild (1996), the effects are split exactly. Let ``A`` be the
``J x p`` per-level values of those covariates, ``A = Q_1 R`` with ``Q_1`` the first ``p``
columns of an orthogonal ``Q`` (Householder QR). Rows of ``r`` iid ``N(0, Sigma)`` are rows of
``r = Q [W; F]`` with the rows of ``W`` (``p``) and ``F`` (``J - p``) iid ``N(0, Sigma)``,
since ``Q`` is orthogonal over levels. The part in the span of ``A`` is ``A gamma`` with
``gamma = R^-1 W``; ``W`` is sampled non-centred, ``F`` centred or non-centred as the factor
is. The sampler then moves the fixed effects' *levels* ``a = b + gamma`` instead of ``b``,
and ``b = a - gamma`` keeps its (normal or Student-t) prior, ``a ~ p(a - mu - gamma)``. The
linear predictor reads ``a`` and ``Q [0; F]`` only, and ``W`` is left close to its prior.
Only the coordinates change, not the model.

A factor is swept when it is a plain one (no ``mm()``, structure or known covariance). A
covariate is a fixed-design column constant within the factor's levels; term ``t`` of the
factor sweeps its part along covariate ``a_k`` into the fixed column equal to
``z_t * a_k`` (the covariate itself for the intercept term; ``x`` and ``x:trt`` for a
slope ``x``). As the fixed slopes are sampled at centred predictors, a swept slope part
``gamma_j`` also moves the intercept there, by ``mean(x_j) gamma_j``.

Examples
--------
>>> import bayesglmm as bg
>>> model = bg.Model("y ~ lbase * trt + lage + V4 + (1 | subject)",
...                  bg.datasets.load("epil"), family="poisson")
>>> sweep = sweep_plan(model.sampled_spec)["subject"]
>>> [model.sampled_spec.fixed.names[k] for k in sweep.covariates]
['Intercept', 'lbase', 'trt[T.progabide]', 'lage', 'lbase:trt[T.progabide]']
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import linalg

from bayesglmm import naming
from bayesglmm.formula.spec import FixedDesign, GroupDesign

RANK_TOLERANCE = 1e-9
"""A covariate whose per-level values are within this (relative) of the span of the
previous ones adds no direction and is left out."""


@dataclass(frozen=True)
class Sweep:
    """How one grouping factor's effects are split.

    Attributes
    ----------
    covariates
        Fixed-design positions of the covariates constant within levels, the columns of
        ``A``.
    targets
        ``targets[k][t]``: the fixed position that takes in term ``t``'s part along
        covariate ``k``, or None when that part stays in the linear predictor.
    """

    covariates: tuple[int, ...]
    targets: tuple[tuple[int | None, ...], ...]

    @property
    def kept(self) -> np.ndarray:
        """``(covariates, terms)`` mask of the parts that stay in the linear predictor."""
        return np.array([[target is None for target in row] for row in self.targets])


def sweep_plan(part, ordered: bool = False) -> dict[str, Sweep]:
    """The sweep of every grouping factor of a linear predictor that has one, by name;
    nothing is swept when a mixture's ordered intercepts (``ordered``) stand in for the
    intercept, nor in a group whose terms have a correlation ID (``(1 | p | g)``)."""
    if ordered:
        return {}
    plans = {}
    for group in part.groups:
        if group.structure is None and group.covariance_factor is None and not group.block_ids:
            if group.member_index is None:
                sweep = _group_sweep(group, part.fixed)
                if sweep is not None:
                    plans[group.name] = sweep
    return plans


def _group_sweep(group: GroupDesign, fixed: FixedDesign) -> Sweep | None:
    matrix, first = fixed.matrix, _first_rows(group)
    constant = [
        k
        for k in range(matrix.shape[1])
        if np.array_equal(matrix[:, k], matrix[first, k][group.index])
    ]
    rows = []
    for k in constant:
        row = tuple(
            k
            if group.constant_terms[t]
            else next(
                (
                    j
                    for j in range(matrix.shape[1])
                    if _equal(matrix[:, j], group.values[:, t], matrix[:, k])
                ),
                None,
            )
            for t in range(len(group.terms))
        )
        if any(target is not None for target in row):
            rows.append((k, row))
    rows = _independent(rows, matrix[first])
    if not rows or len(rows) >= group.n_levels:
        return None
    return Sweep(tuple(k for k, _ in rows), tuple(row for _, row in rows))


def _equal(column: np.ndarray, values: np.ndarray, multiplier: np.ndarray) -> bool:
    """Whether ``column == values * multiplier``, checked on a few rows first."""
    head = slice(0, 64)
    if not np.array_equal(column[head], values[head] * multiplier[head]):
        return False
    return np.array_equal(column, values * multiplier)


def _first_rows(group: GroupDesign) -> np.ndarray:
    """The first row of each level."""
    return np.unique(group.index, return_index=True)[1]


def _independent(rows: list, per_level: np.ndarray) -> list:
    """The covariates, in order, that each add a direction to the span of the previous."""
    kept: list = []
    for k, row in rows:
        trial = per_level[:, [c for c, _ in kept] + [k]]
        r = linalg.qr(trial, mode="r")[0]
        scale = max(np.abs(r[0, 0]), 1e-300)
        if abs(r[len(kept), len(kept)]) > RANK_TOLERANCE * scale:
            kept.append((k, row))
    return kept


def sweep_data(group: GroupDesign, fixed: FixedDesign, sweep: Sweep) -> dict[str, np.ndarray]:
    """The graph data of one factor's sweep: the covariates per level ``A``, ``Q`` in the
    compact WY form ``Q = I - V T V'`` of its Householder reflections (Schreiber & Van Loan
    1989), so that applying it takes three small products, and ``R^-1``.

    Examples
    --------
    >>> import bayesglmm as bg
    >>> model = bg.Model("incidence | trials(size) ~ period + (1 | herd)",
    ...                  bg.datasets.load("cbpp"), family="binomial")
    >>> spec = model.sampled_spec
    >>> data = sweep_data(spec.groups[0], spec.fixed, sweep_plan(spec)["herd"])
    >>> [(key, value.shape) for key, value in data.items()]  # doctest: +NORMALIZE_WHITESPACE
    [('herd__sweep_covariates', (15, 1)), ('herd__sweep_vectors', (15, 1)),
     ('herd__sweep_t', (1, 1)), ('herd__sweep_r_inverse', (1, 1))]
    """
    count = len(sweep.covariates)
    covariates = fixed.matrix[_first_rows(group)][:, list(sweep.covariates)]
    (packed, scales), r = linalg.qr(covariates, mode="raw")
    vectors = np.tril(packed, -1)[:, :count]
    vectors[np.arange(count), np.arange(count)] = 1.0
    t = np.zeros((count, count))
    for i in range(count):
        t[:i, i] = -scales[i] * t[:i, :i] @ (vectors[:, :i].T @ vectors[:, i])
        t[i, i] = scales[i]
    g = group.name
    return {
        naming.graph_data(g, "sweep_covariates"): covariates,
        naming.graph_data(g, "sweep_vectors"): np.ascontiguousarray(vectors),
        naming.graph_data(g, "sweep_t"): t,
        naming.graph_data(g, "sweep_r_inverse"): linalg.inv(np.triu(r[:count])),
    }
