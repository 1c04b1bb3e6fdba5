"""Location blocks: draws of the fixed and group effects given weights and a working response.

Both schemes sample from the same conditional of the working model
``z = X beta + sum_g Z_g u_g + e``, ``e ~ N(0, diag(1/w))``, ``beta ~ N(m, V)``,
``u_g ~ N(0, I (x) Sigma_g)``:

* :class:`JointLocation` draws ``(beta, u)`` in one block from the mixed-model
  equations ``C theta = A'Wz + P m`` with ``C = A'WA + P``, ``A = [X Z]``, by
  perturb-then-solve (Garcia-Cortes & Sorensen 2001): solve ``C theta = rhs + A'W^1/2 e1
  + P^1/2 e2``. ``C`` is factorised densely while ``p + q`` is small and otherwise by a
  sparse LDL' (QDLDL) whose symbolic analysis is done once and reused every iteration.
* :class:`CollapsedLocation` sweeps the grouping factors, drawing each factor's
  effects jointly with ``beta``: first ``beta`` with that factor integrated out, then
  the factor's effects given ``beta``. This is the collapsed Gibbs sampler of
  Papaspiliopoulos, Roberts & Zanella (2020, Biometrika 107:25-40) for crossed
  random effects; it costs O(rows) per sweep whatever the number of levels.

Examples
--------
>>> import numpy as np
>>> JointLocation.dense_limit
1500
"""

from __future__ import annotations

import numpy as np
import qdldl
import scipy.linalg
import scipy.sparse as sparse

from bayesglmm.samplers.gibbs.design import GibbsDesign
from bayesglmm.samplers.gibbs.kernels import (
    accumulate_pairs,
    collapse_levels,
    draw_levels,
    group_contribution,
    level_statistics,
    transpose_times,
)


def _precision_half(covariance: np.ndarray, noise: np.ndarray) -> np.ndarray:
    """Rows ``L^-T e`` with ``L L' = Sigma``: draws with covariance ``Sigma^-1``."""
    factor = np.linalg.cholesky(covariance)
    return scipy.linalg.solve_triangular(factor, noise.T, lower=True, trans="T").T


class JointLocation:
    """Draw all fixed and group effects in one block from the mixed-model equations."""

    dense_limit = 1500
    """Largest ``p + q`` factorised as a dense matrix."""

    def __init__(self, design: GibbsDesign):
        self.design = design
        fixed = design.fixed.matrix
        n, p = fixed.shape
        columns = [np.broadcast_to(np.arange(p), (n, p))]
        values = [fixed]
        self.offsets = [p]
        for group in design.groups:
            q = group.q
            start = self.offsets[-1]
            columns.append(start + group.index[:, None] * q + np.arange(q))
            values.append(group.values)
            self.offsets.append(start + group.n_levels * q)
        self.size = self.offsets[-1]
        self.entry_columns = np.ascontiguousarray(np.hstack(columns), dtype=np.int64)
        self.entry_values = np.ascontiguousarray(np.hstack(values), dtype=float)
        k = self.entry_columns.shape[1]
        self.pairs = np.array(
            [(a, b) for a in range(k) for b in range(a, k) if not (a < p and b < p)],
            dtype=np.int64,
        ).reshape(-1, 2)
        self.p = p
        self.dense = self.size <= self.dense_limit
        self._build_pattern()

    def _upper_keys(self, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        low, high = np.minimum(rows, cols), np.maximum(rows, cols)
        return low + high * self.size if not self.dense else low * self.size + high

    def _build_pattern(self) -> None:
        p, size = self.p, self.size
        first = self.entry_columns[:, self.pairs[:, 0]]
        second = self.entry_columns[:, self.pairs[:, 1]]
        pair_keys = self._upper_keys(first, second)
        fixed_rows, fixed_cols = np.triu_indices(p)
        fixed_keys = self._upper_keys(fixed_rows, fixed_cols)
        prior_keys = []
        for g, group in enumerate(self.design.groups):
            rows, cols = np.triu_indices(group.q)
            starts = self.offsets[g] + np.arange(group.n_levels)[:, None] * group.q
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

    def _matrix_values(
        self, weights: np.ndarray, fixed_precision: np.ndarray, group_precisions: list[np.ndarray]
    ) -> np.ndarray:
        fixed = self.design.fixed.matrix
        length = self.size * self.size if self.dense else self.row_index.size
        values = np.zeros(length)
        accumulate_pairs(weights, self.entry_values, self.pairs, self.pair_positions, values)
        gram = fixed.T @ (weights[:, None] * fixed) + np.diag(fixed_precision)
        rows, cols = np.triu_indices(self.p)
        values[self.fixed_positions] += gram[rows, cols]
        for g, precision in enumerate(group_precisions):
            rows, cols = np.triu_indices(precision.shape[0])
            values[self.prior_positions[g]] += precision[rows, cols]
        return values

    def _solve(self, values: np.ndarray, rhs: np.ndarray) -> np.ndarray:
        if self.dense:
            upper = values.reshape(self.size, self.size)
            return scipy.linalg.cho_solve(scipy.linalg.cho_factor(upper, lower=False), rhs)
        matrix = sparse.csc_matrix(
            (values, self.row_index, self.column_pointer), shape=(self.size, self.size)
        )
        if self.solver is None:
            self.solver = qdldl.Solver(matrix, upper=True)
        else:
            self.solver.update(matrix, upper=True)
        return self.solver.solve(rhs)

    def draw(self, state, working: np.ndarray, weights: np.ndarray, rng: np.random.Generator) -> None:
        """Replace ``state.beta`` and ``state.effects`` with a joint conditional draw."""
        design = self.design
        prior = state.fixed_prior_variance
        group_precisions = [
            np.linalg.inv(covariance) for covariance in state.covariances
        ]
        values = self._matrix_values(weights, 1.0 / prior, group_precisions)
        rhs = np.zeros(self.size)
        vector = weights * working + np.sqrt(weights) * rng.standard_normal(weights.size)
        transpose_times(self.entry_columns, self.entry_values, vector, rhs)
        rhs[: self.p] += design.fixed.prior_mean / prior + rng.standard_normal(self.p) / np.sqrt(
            prior
        )
        for g, group in enumerate(design.groups):
            noise = rng.standard_normal((group.n_levels, group.q))
            rhs[self.offsets[g] : self.offsets[g + 1]] += _precision_half(
                state.covariances[g], noise
            ).ravel()
        theta = self._solve(values, rhs)
        state.beta = theta[: self.p]
        state.effects = [
            theta[self.offsets[g] : self.offsets[g + 1]].reshape(group.n_levels, group.q)
            for g, group in enumerate(design.groups)
        ]


class CollapsedLocation:
    """Sweep the grouping factors, drawing each with the fixed effects (Papaspiliopoulos et al. 2020)."""

    def __init__(self, design: GibbsDesign):
        self.design = design

    def draw(self, state, working: np.ndarray, weights: np.ndarray, rng: np.random.Generator) -> None:
        """Update ``state.beta`` and each factor's ``state.effects`` in turn."""
        design = self.design
        fixed = design.fixed.matrix
        prior = state.fixed_prior_variance
        contributions = [
            group_contribution(group.index, group.values, effects)
            for group, effects in zip(design.groups, state.effects, strict=True)
        ]
        gram = fixed.T @ (weights[:, None] * fixed) + np.diag(1.0 / prior)
        for g, group in enumerate(design.groups):
            residual = working - (sum(contributions) - contributions[g])
            ztwz, ztwx, ztwr = level_statistics(
                group.index, group.values, fixed, weights, residual, group.n_levels
            )
            precision = np.linalg.inv(state.covariances[g])
            chol, quad, lin = collapse_levels(ztwz, ztwx, ztwr, precision)
            beta_precision = gram - quad
            beta_rhs = fixed.T @ (weights * residual) - lin + design.fixed.prior_mean / prior
            factor = np.linalg.cholesky(beta_precision)
            half = scipy.linalg.solve_triangular(factor, beta_rhs, lower=True)
            half += rng.standard_normal(half.size)
            state.beta = scipy.linalg.solve_triangular(factor, half, lower=True, trans="T")
            noise = rng.standard_normal((group.n_levels, group.q))
            state.effects[g] = draw_levels(chol, ztwx, ztwr, state.beta, noise)
            contributions[g] = group_contribution(group.index, group.values, state.effects[g])
        if not design.groups:
            JointLocation(design).draw(state, working, weights, rng)
