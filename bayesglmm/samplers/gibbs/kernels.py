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


@njit(cache=True, nogil=True)
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


@njit(cache=True, nogil=True)
def accumulate_pairs(weights, entry_values, pairs, positions, out):
    """Add ``w_i a_ia a_ib`` of every row and listed entry pair to ``out[positions[i, pair]]``."""
    n = weights.shape[0]
    n_pairs = pairs.shape[0]
    for i in range(n):
        w = weights[i]
        for t in range(n_pairs):
            out[positions[i, t]] += w * entry_values[i, pairs[t, 0]] * entry_values[i, pairs[t, 1]]


@njit(cache=True, nogil=True)
def weighted_transpose(entry_columns, entry_values, working, weights, out):
    """``out += A'W z``: the data part of the mixed-model right-hand side.

    ``A`` is given by its row entries, ``z`` is the working response and ``w`` the weights
    (a zero-stride array when all rows share one weight).
    """
    n, k = entry_columns.shape
    for i in range(n):
        v = weights[i] * working[i]
        for a in range(k):
            out[entry_columns[i, a]] += entry_values[i, a] * v


@njit(cache=True, nogil=True)
def unit_lower_transpose_solve(indptr, indices, data, rhs):
    """``x`` with ``(I + L)' x = rhs``, for a strictly lower triangular ``L`` stored by
    columns (CSC), as QDLDL returns it."""
    x = rhs.copy()
    for j in range(x.shape[0] - 1, -1, -1):
        total = x[j]
        for entry in range(indptr[j], indptr[j + 1]):
            total -= data[entry] * x[indices[entry]]
        x[j] = total
    return x


@njit(cache=True, nogil=True)
def sparse_product(indptr, indices, data, x):
    """``M x`` for a matrix ``M`` stored by rows (CSR), without holding the GIL, so that
    chains in threads run at once."""
    out = np.zeros(indptr.shape[0] - 1)
    for row in range(out.shape[0]):
        total = 0.0
        for entry in range(indptr[row], indptr[row + 1]):
            total += data[entry] * x[indices[entry]]
        out[row] = total
    return out
