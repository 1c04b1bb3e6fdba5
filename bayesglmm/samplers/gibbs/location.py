"""Location blocks: draws of the fixed and group effects given weights and a working response.

The working model is ``z = X beta + sum_g Z_g u_g + e``, ``e ~ N(0, diag(1/w))``,
``beta ~ N(m, V)``, ``u_g ~ N(0, I (x) Sigma_g)``.

:class:`JointLocation` draws ``beta`` and a set of grouping factors' effects in one
block from the mixed-model equations ``C theta = A'Wz + P m`` with ``C = A'WA + P``
and ``A = [X Z]``, as ``theta = C^-1 (A'Wz + P m) + F^-T e`` with ``F F' = C`` and
standard normal ``e`` (Rue 2001, *Fast sampling of Gaussian Markov random fields*, JRSS B
63:325-338): noise of the size of ``theta``, where perturbing the data instead
(Garcia-Cortes & Sorensen 2001) needs a normal draw per row. ``C`` is factorised densely
(Cholesky) while its size is small and otherwise by a sparse LDL' (QDLDL) whose symbolic
analysis is done once and reused every iteration.

:class:`BlockedLocation` sweeps over clusters of grouping factors, drawing each cluster
jointly with ``beta`` given the others. Factors linked by nesting share a cluster,
because nested effects are strongly correlated and their joint factorisation stays
sparse; crossed factors go to separate clusters, whose joint factorisation would fill
in. With one factor per cluster this is the collapsed Gibbs sampler of
Papaspiliopoulos, Roberts & Zanella (2020, Biometrika 107:25-40) for crossed random
effects: drawing ``(beta, u_g)`` jointly is drawing ``beta`` with ``u_g`` integrated
out and then ``u_g`` given ``beta``, at O(rows) cost per sweep.

Examples
--------
>>> JointLocation.dense_limit
200
"""

from __future__ import annotations

import numpy as np
import qdldl
import scipy.linalg
import scipy.sparse as sparse

from bayesglmm.samplers.gibbs.design import GibbsDesign
from bayesglmm.samplers.gibbs.kernels import (
    accumulate_pairs,
    group_contribution,
    sparse_product,
    unit_lower_transpose_solve,
    weighted_transpose,
)


class JointLocation:
    """Draw the fixed effects and the effects of ``members`` (group positions) in one block."""

    dense_limit = 200
    """Largest ``p + q`` factorised as a dense matrix; above it QDLDL is faster."""

    def __init__(
        self,
        design: GibbsDesign,
        members: tuple[int, ...],
        unit_weights: np.ndarray | None = None,
    ):
        self.design = design
        self.members = members
        self.unit_weights = np.ones(design.n_obs) if unit_weights is None else unit_weights
        self.entry_columns, self.entry_values, self.offsets = row_entries(design, members)
        self.size = self.offsets[-1]
        p = design.fixed.matrix.shape[1]
        k = self.entry_columns.shape[1]
        self.pairs = np.array(
            [(a, b) for a in range(k) for b in range(a, k) if not (a < p and b < p)],
            dtype=np.int64,
        ).reshape(-1, 2)
        self.p = p
        self.dense = self.size <= self.dense_limit
        self.fixed_upper = np.triu_indices(p)
        self.member_upper = [np.triu_indices(design.groups[g].q) for g in members]
        self.unit_products = None
        self._build_pattern()

    def _upper_keys(self, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        low, high = np.minimum(rows, cols), np.maximum(rows, cols)
        return low * self.size + high if self.dense else low + high * self.size

    def _build_pattern(self) -> None:
        size = self.size
        first = self.entry_columns[:, self.pairs[:, 0]]
        second = self.entry_columns[:, self.pairs[:, 1]]
        pair_keys = self._upper_keys(first, second)
        fixed_keys = self._upper_keys(*self.fixed_upper)
        prior_keys = []
        for position, g in enumerate(self.members):
            group = self.design.groups[g]
            rows, cols = np.triu_indices(group.q)
            starts = self.offsets[position] + np.arange(group.n_levels)[:, None] * group.q
            prior_keys.append(self._upper_keys(starts + rows, starts + cols).ravel())
        if self.dense:
            self.pair_positions = pair_keys
            self.fixed_positions = fixed_keys
            self.prior_positions = prior_keys
            return
        keys = np.unique(np.concatenate([pair_keys.ravel(), fixed_keys, *prior_keys]))
        self.pair_positions = np.searchsorted(keys, pair_keys)
        self.fixed_positions = np.searchsorted(keys, fixed_keys)
        self.prior_positions = [np.searchsorted(keys, k) for k in prior_keys]
        self.row_index = (keys % size).astype(np.int64)
        self.column_pointer = np.searchsorted(keys // size, np.arange(size + 1)).astype(np.int64)
        self.solver = None

    def _weighted_products(self, weights: np.ndarray | float) -> np.ndarray:
        """Entries of ``A'WA`` in storage order; for a scalar weight ``w``, ``W = w R`` with
        ``R`` the block's ``unit_weights``, whose products are computed once."""
        if np.ndim(weights) == 0:
            if self.unit_products is None:
                self.unit_products = self._weighted_products(self.unit_weights)
            return self.unit_products * weights
        fixed = self.design.fixed.matrix
        length = self.size * self.size if self.dense else self.row_index.size
        values = np.zeros(length)
        accumulate_pairs(weights, self.entry_values, self.pairs, self.pair_positions, values)
        values[self.fixed_positions] += (fixed.T @ (weights[:, None] * fixed))[self.fixed_upper]
        return values

    def _matrix_values(
        self,
        weights: np.ndarray | float,
        fixed_precision: np.ndarray,
        group_precisions: list[np.ndarray],
    ) -> np.ndarray:
        values = self._weighted_products(weights)
        rows, cols = self.fixed_upper
        values[self.fixed_positions[rows == cols]] += fixed_precision
        for position, (g, precision) in enumerate(zip(self.members, group_precisions, strict=True)):
            upper = precision[self.member_upper[position]]
            values[self.prior_positions[position]] += np.tile(upper, self.design.groups[g].n_levels)
        return values

    def _mean_and_draw(self, values: np.ndarray, rhs: np.ndarray, noise: np.ndarray) -> np.ndarray:
        """``C^-1 rhs + F^-T noise``, ``F F' = C``: a draw from ``N(C^-1 rhs, C^-1)``."""
        if self.dense:
            upper = scipy.linalg.cho_factor(
                values.reshape(self.size, self.size), lower=False, check_finite=False
            )
            mean = scipy.linalg.cho_solve(upper, rhs, check_finite=False)
            return mean + scipy.linalg.solve_triangular(
                upper[0], noise, lower=False, check_finite=False
            )
        if self.solver is None:
            self.matrix = sparse.csc_matrix(
                (values, self.row_index, self.column_pointer), shape=(self.size, self.size)
            )
            self.solver = qdldl.Solver(self.matrix, upper=True)
        else:
            self.matrix.data = values
            self.solver.update(self.matrix, upper=True)
        # C = P (I + L) D (I + L)' P' with P[order[k], k] = 1 (QDLDL's factors)
        lower, diagonal, order = self.solver.factors()
        spread = np.empty(self.size)
        spread[order] = unit_lower_transpose_solve(
            lower.indptr, lower.indices, lower.data, noise / np.sqrt(diagonal)
        )
        return self.solver.solve(rhs) + spread

    def draw(
        self, state, working: np.ndarray, weights: np.ndarray, rng: np.random.Generator
    ) -> np.ndarray:
        """Replace ``state.beta`` and the members' ``state.effects`` with a joint draw, given
        the working response and weights of every row; returns the block's new values.

        ``working`` must already exclude the contributions of grouping factors that are
        not members.
        """
        data = np.zeros(self.size)
        row_weights = np.broadcast_to(weights, working.shape)
        weighted_transpose(self.entry_columns, self.entry_values, working, row_weights, data)
        return self.draw_given(state, weights, data, rng)

    def draw_given(
        self, state, weights: np.ndarray | float, data: np.ndarray, rng: np.random.Generator
    ) -> np.ndarray:
        """The joint draw of :meth:`draw` from the data part ``A'Wz`` of the right-hand side."""
        design = self.design
        prior = state.fixed_prior_variance
        covariances = [state.covariances[g] for g in self.members]
        values = self._matrix_values(weights, 1.0 / prior, [np.linalg.inv(c) for c in covariances])
        rhs = data.copy()
        rhs[: self.p] += design.fixed.prior_mean / prior
        theta = self._mean_and_draw(values, rhs, rng.standard_normal(self.size))
        state.beta = theta[: self.p]
        for position, g in enumerate(self.members):
            group = design.groups[g]
            block = theta[self.offsets[position] : self.offsets[position + 1]]
            state.effects[g] = block.reshape(group.n_levels, group.q)
        return theta


def row_entries(
    design: GibbsDesign, members: tuple[int, ...]
) -> tuple[np.ndarray, np.ndarray, list[int]]:
    """The non-zeros of each row of ``A = [X Z_members]``: their columns, their values, and
    where each member's columns start (``offsets[0] = p``) and the last ends.

    Examples
    --------
    >>> import bayesglmm as bg
    >>> from bayesglmm.samplers import ModelParts
    >>> from bayesglmm.samplers.gibbs.design import gibbs_design
    >>> model = bg.Model("Reaction ~ Days + (Days | Subject)", bg.datasets.load("sleepstudy"))
    >>> design = gibbs_design(ModelParts(model.graph, model.spec, model.family, model.link,
    ...                                  model.priors))
    >>> columns, values, offsets = row_entries(design, (0,))
    >>> columns[:2].tolist(), offsets
    ([[0, 1, 2, 3], [0, 1, 2, 3]], [2, 38])
    """
    fixed = design.fixed.matrix
    n, p = fixed.shape
    columns = [np.broadcast_to(np.arange(p), (n, p))]
    values = [fixed]
    offsets = [p]
    for g in members:
        group = design.groups[g]
        start = offsets[-1]
        columns.append(start + group.index[:, None] * group.q + np.arange(group.q))
        values.append(group.values)
        offsets.append(start + group.n_levels * group.q)
    return (
        np.ascontiguousarray(np.hstack(columns), dtype=np.int64),
        np.ascontiguousarray(np.hstack(values), dtype=float),
        offsets,
    )


class BlockedLocation:
    """Sweep clusters of grouping factors, drawing each cluster jointly with the fixed effects."""

    def __init__(self, design: GibbsDesign, clusters: tuple[tuple[int, ...], ...]):
        self.design = design
        self.blocks = [JointLocation(design, cluster) for cluster in clusters]

    def draw(
        self, state, working: np.ndarray, weights: np.ndarray, rng: np.random.Generator
    ) -> None:
        """Update ``state.beta``, every factor's ``state.effects`` and ``state.contributions``.

        ``state.contributions`` must hold each factor's part of the linear predictor on entry;
        it is kept in step with the new effects.
        """
        groups = self.design.groups
        contributions = state.contributions
        total = np.sum(contributions, axis=0) if contributions else np.zeros_like(working)
        for block in self.blocks:
            others = total.copy()
            for g in block.members:
                others -= contributions[g]
            block.draw(state, working - others, weights, rng)
            for g in block.members:
                contributions[g] = group_contribution(
                    groups[g].index, groups[g].values, state.effects[g]
                )
            total = others
            for g in block.members:
                total += contributions[g]


def _by_rows(matrix: sparse.csr_matrix) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(indptr, indices, data)`` of a CSR matrix, as :func:`.kernels.sparse_product` reads it."""
    return matrix.indptr, matrix.indices, matrix.data


class GaussianLocation:
    """The sweep of :class:`BlockedLocation` for a gaussian model, from cross-products of
    the design computed once.

    With ``z = y - offset`` and row weights ``R`` (how many rows each collapsed row stands
    for, else ones), the data enter the conditional of a block ``B`` only through Henderson's
    cross-products ``A'RA`` and ``A'Rz``: its right-hand side is
    ``tau (A_B'Rz - A_B'RA_O theta_O)`` for residual precision ``tau`` and the effects
    ``theta_O`` outside the block. The residual sum of squares is
    ``c'Rc - 2 t'A'Rc + t'A'RA t`` with ``z`` centred at its mean (``c``) and ``t`` the
    parameters with that mean taken from the intercept, so that the large terms do not
    cancel. Its quadratic form is split at the last block ``B`` of the sweep,
    ``t_B'M_BB t_B + 2 t_B'M_BO t_O + t_O'M_OO t_O``, where ``M_BO t_O`` is already known from
    the block's draw: crossed factors meet only in ``M_BO``, the bulk of ``A'RA``. An
    iteration costs the non-zeros of ``A'RA`` rather than a pass over the rows.
    """

    def __init__(self, design: GibbsDesign, clusters: tuple[tuple[int, ...], ...]):
        weights = np.ones(design.n_obs) if design.replicates is None else design.replicates
        self.blocks = [JointLocation(design, cluster, weights) for cluster in clusters]
        every = tuple(range(len(design.groups)))
        columns, values, offsets = row_entries(design, every)
        n, k = columns.shape
        rows = sparse.csr_matrix(
            (values.ravel(), columns.ravel(), np.arange(0, n * k + 1, k)), shape=(n, offsets[-1])
        )
        weighted = sparse.diags(weights) @ rows
        gram = (rows.T @ weighted).tocsr()
        response = design.y - design.offset
        mean = float(np.average(response, weights=weights)) if design.fixed.has_intercept else 0.0
        centred = response - mean
        self.response_products = weighted.T @ response
        self.centred_products = weighted.T @ centred
        self.centred_squares = float(centred @ (weights * centred)) + design.within_squares
        self.rows = float(weights.sum())
        self.mean_shift = np.zeros(offsets[-1])
        self.mean_shift[0] = mean
        ranges = [np.arange(offsets[g], offsets[g + 1]) for g in every]
        self.inside, self.outside, self.cross = [], [], []
        for cluster in clusters:
            inside = np.concatenate([np.arange(offsets[0]), *[ranges[g] for g in cluster]])
            outside = np.concatenate(
                [np.zeros(0, dtype=int), *[ranges[g] for g in every if g not in cluster]]
            )
            self.inside.append(inside)
            self.outside.append(outside)
            self.cross.append(_by_rows(gram[inside][:, outside].tocsr()))
        self.last_inner = _by_rows(gram[self.inside[-1]][:, self.inside[-1]].tocsr())
        self.last_outer = _by_rows(gram[self.outside[-1]][:, self.outside[-1]].tocsr())
        self.theta = None
        self.last_cross_product = None

    def draw(self, state, precision: float, rng: np.random.Generator) -> None:
        """Update ``state.beta`` and every factor's ``state.effects`` given the residual
        precision ``precision``."""
        theta = np.concatenate([state.beta, *[effects.ravel() for effects in state.effects]])
        for block, inside, outside, cross in zip(
            self.blocks, self.inside, self.outside, self.cross, strict=True
        ):
            self.last_cross_product = sparse_product(*cross, theta[outside])
            data = self.response_products[inside] - self.last_cross_product
            theta[inside] = block.draw_given(state, precision, precision * data, rng)
        self.theta = theta

    def residual_squares(self) -> tuple[float, float]:
        """The residuals' weighted sum of squares at the last draw (plus the squares within
        collapsed rows; rounded up to zero should rounding make it negative) and the number of
        rows they come from."""
        shifted = self.theta - self.mean_shift
        inside, outside = shifted[self.inside[-1]], shifted[self.outside[-1]]
        quadratic = (
            inside @ sparse_product(*self.last_inner, inside)
            + 2.0 * inside @ self.last_cross_product
            + outside @ sparse_product(*self.last_outer, outside)
        )
        squares = self.centred_squares - 2.0 * shifted @ self.centred_products + quadratic
        return max(float(squares), 0.0), self.rows
