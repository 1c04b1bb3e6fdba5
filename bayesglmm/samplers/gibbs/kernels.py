"""Numba loops over rows and levels for the Gibbs sampler (compiled once, cached on disk).

Examples
--------
>>> import numpy as np
>>> index = np.array([0, 1, 1]); values = np.ones((3, 1)); effects = np.array([[2.0], [5.0]])
>>> group_contribution(index, values, effects).tolist()
[2.0, 5.0, 5.0]
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True)
def group_contribution(index, values, effects):
    """``rowsum(values * effects[index])``: a grouping factor's part of the linear predictor."""
    n, q = values.shape
    out = np.zeros(n)
    for i in range(n):
        level = index[i]
        total = 0.0
        for t in range(q):
            total += values[i, t] * effects[level, t]
        out[i] = total
    return out


@njit(cache=True)
def accumulate_pairs(weights, entry_values, pairs, positions, out):
    """Add ``w_i a_ia a_ib`` of every row and listed entry pair to ``out[positions[i, pair]]``."""
    n = weights.shape[0]
    n_pairs = pairs.shape[0]
    for i in range(n):
        w = weights[i]
        for t in range(n_pairs):
            out[positions[i, t]] += w * entry_values[i, pairs[t, 0]] * entry_values[i, pairs[t, 1]]


@njit(cache=True)
def transpose_times(entry_columns, entry_values, vector, out):
    """``out += A' vector`` for a matrix given by its row entries."""
    n, k = entry_columns.shape
    for i in range(n):
        v = vector[i]
        for a in range(k):
            out[entry_columns[i, a]] += entry_values[i, a] * v


@njit(cache=True)
def level_statistics(index, values, fixed, weights, residual, n_levels):
    """Per level of a factor: ``Z'WZ`` (J, q, q), ``Z'WX`` (J, q, p) and ``Z'Wr`` (J, q)."""
    n, q = values.shape
    p = fixed.shape[1]
    ztwz = np.zeros((n_levels, q, q))
    ztwx = np.zeros((n_levels, q, p))
    ztwr = np.zeros((n_levels, q))
    for i in range(n):
        j = index[i]
        w = weights[i]
        for s in range(q):
            ws = w * values[i, s]
            ztwr[j, s] += ws * residual[i]
            for t in range(q):
                ztwz[j, s, t] += ws * values[i, t]
            for c in range(p):
                ztwx[j, s, c] += ws * fixed[i, c]
    return ztwz, ztwx, ztwr


@njit(cache=True)
def collapse_levels(ztwz, ztwx, ztwr, precision):
    """Integrate each level's effects out of the fixed-effect conditional.

    Returns the Cholesky factors of ``M_j = Z_j'WZ_j + Sigma^-1`` and the sums over
    levels of ``X_j'WZ_j M_j^-1 Z_j'WX_j`` (p, p) and ``X_j'WZ_j M_j^-1 Z_j'Wr_j`` (p,).
    """
    n_levels, q, p = ztwx.shape
    chol = np.empty((n_levels, q, q))
    quad = np.zeros((p, p))
    lin = np.zeros(p)
    for j in range(n_levels):
        factor = np.linalg.cholesky(ztwz[j] + precision)
        chol[j] = factor
        solved_x = np.linalg.solve(factor, ztwx[j])
        solved_r = np.linalg.solve(factor, ztwr[j])
        quad += solved_x.T @ solved_x
        lin += solved_x.T @ solved_r
    return chol, quad, lin


@njit(cache=True)
def draw_levels(chol, ztwx, ztwr, beta, noise):
    """Draw each level's effects from ``N(M_j^-1 (Z_j'Wr_j - Z_j'WX_j beta), M_j^-1)``."""
    n_levels, q, _ = chol.shape
    out = np.empty((n_levels, q))
    for j in range(n_levels):
        factor = chol[j]
        rhs = ztwr[j] - ztwx[j] @ beta
        half = np.linalg.solve(factor, rhs) + noise[j]
        out[j] = np.linalg.solve(np.ascontiguousarray(factor.T), half)
    return out
