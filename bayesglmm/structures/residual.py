"""Correlated residuals of a gaussian model within subject (R-side): AR(1) and compound symmetry.

With ``Model(..., residual="ar1(time | subject)")`` the residuals ``e = y - mu`` of one
subject are ``N(0, sigma^2 R(rho))``, independent between subjects:

* ``ar1``: ``R[i, j] = rho^|p_i - p_j|`` with ``p`` the position of the row's time level,
  so gaps in the times lower the correlation (GLIMMIX's ``type=ar(1)`` on the positions);
* ``cs``: ``R[i, j] = rho`` for ``i != j`` (compound symmetry, ``type=cs``).

The graph scores each row by its normal density given the subject's earlier rows, which
multiplies to the joint density. AR(1) is Markov: ``e_t | e_prev ~ N(rho^d e_prev,
sigma^2 (1 - rho^(2d)))`` for a gap of ``d`` positions. Under compound symmetry, given ``k``
earlier residuals summing to ``S``: ``N(rho S / (1 + (k-1) rho), sigma^2 (1 - rho)
(1 + k rho) / (1 + (k-1) rho))``. LOO uses each row's density given all other rows of its
subject, ``N(y_i - (Q e)_i / Q_ii, 1 / Q_ii)`` with ``Q`` the inverse covariance
(Bürkner, Gabry & Vehtari 2021, *Comput. Stat.* 36:1243).

Examples
--------
>>> import numpy as np
>>> correlation_matrices("ar1", np.array([0.5]), np.array([[0, 1, 3]]), np.ones((1, 3), bool))[0, 0]
array([[1.   , 0.5  , 0.125],
       [0.5  , 1.   , 0.25 ],
       [0.125, 0.25 , 1.   ]])
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pytensor.tensor as pt

from bayesglmm.structures import RESIDUAL_KINDS

if TYPE_CHECKING:
    from bayesglmm.formula.spec import ResidualStructure

__all__ = [
    "RESIDUAL_KINDS",
    "conditional_log_likelihood",
    "correlation_matrices",
    "padded_rows",
    "sequential_data",
    "sequential_draws",
    "sequential_logp",
]


def sequential_data(structure: ResidualStructure) -> dict[str, np.ndarray]:
    """Per row, in subject-then-time order: the row (``order``), the earlier rows of its
    subject (``earlier``), the gap in positions to the previous row (``gap``, 0 for a
    subject's first row) and the sorted position of the subject's first row (``start``)."""
    order = np.lexsort((structure.position, structure.subject))
    subject = structure.subject[order]
    first = np.r_[True, subject[1:] != subject[:-1]]
    start = np.maximum.accumulate(np.where(first, np.arange(order.size), 0))
    gap = np.where(first, 0, np.diff(structure.position[order], prepend=0))
    return {
        "order": order.astype(np.int64),
        "earlier": (np.arange(order.size) - start).astype(float),
        "gap": gap.astype(float),
        "start": start.astype(np.int64),
    }


def sequential_logp(
    value: pt.TensorVariable,
    mu: pt.TensorVariable,
    sigma: pt.TensorVariable,
    rho: pt.TensorVariable,
    kind: str,
    data: dict[str, pt.TensorVariable],
) -> pt.TensorVariable:
    """Log density of each row (in sorted order) given its subject's earlier rows."""
    order, earlier = data["order"], data["earlier"]
    mu = pt.broadcast_to(mu, value.shape)
    residual, mean = (value - mu)[order], mu[order]
    has_earlier = pt.gt(earlier, 0)
    if kind == "ar1":
        phi = pt.switch(has_earlier, rho ** data["gap"], 0.0)
        previous = pt.concatenate([pt.zeros(1), residual[:-1]])
        shift, scale = phi * previous, pt.sqrt(1.0 - phi**2)
    else:
        running = pt.cumsum(residual) - residual
        before = running - running[data["start"]]
        denominator = 1.0 + (earlier - 1.0) * rho
        shift = pt.switch(has_earlier, rho * before / denominator, 0.0)
        scale = pt.sqrt(
            pt.switch(has_earlier, (1.0 - rho) * (1.0 + earlier * rho) / denominator, 1.0)
        )
    sd = pt.broadcast_to(sigma, value.shape)[order] * scale
    z = (value[order] - mean - shift) / sd
    return -0.5 * z**2 - pt.log(sd) - 0.5 * np.log(2.0 * np.pi)


def padded_rows(structure: ResidualStructure) -> np.ndarray:
    """``(subjects, most rows per subject)`` row numbers in time order, -1 as padding."""
    order = sequential_data(structure)["order"]
    counts = np.bincount(structure.subject, minlength=len(structure.subjects))
    rows = np.full((counts.size, max(1, counts.max())), -1, dtype=np.int64)
    slot = np.arange(order.size) - np.repeat(np.cumsum(counts) - counts, counts)
    rows[structure.subject[order], slot] = order
    return rows


def correlation_matrices(
    kind: str, rho: np.ndarray, positions: np.ndarray, mask: np.ndarray
) -> np.ndarray:
    """``(draws, subjects, T, T)`` residual correlations; padded slots get the identity."""
    gaps = np.abs(positions[:, :, None] - positions[:, None, :])
    rho = rho[:, None, None, None]
    if kind == "ar1":
        matrices = rho ** gaps.astype(float)
    else:
        matrices = np.where(gaps[None] == 0, 1.0, rho) * np.ones_like(gaps)
        matrices = np.where(np.eye(gaps.shape[-1], dtype=bool), 1.0, matrices)
    valid = mask[:, :, None] & mask[:, None, :]
    identity = np.eye(positions.shape[1])
    return np.where(valid[None], matrices, identity)


def _covariances(
    structure: ResidualStructure, sigma: np.ndarray, rho: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Padded rows, their mask and the covariance matrices ``(draws, subjects, T, T)``."""
    rows = padded_rows(structure)
    mask = rows >= 0
    positions = np.where(mask, structure.position[np.maximum(rows, 0)], 0)
    sd = np.broadcast_to(sigma, (rho.size, structure.subject.size))[:, np.maximum(rows, 0)]
    sd = np.where(mask[None], sd, 1.0)
    matrices = correlation_matrices(structure.kind, rho, positions, mask)
    return rows, mask, matrices * sd[..., :, None] * sd[..., None, :]


def conditional_log_likelihood(
    y: np.ndarray,
    mu: np.ndarray,
    sigma: np.ndarray,
    rho: np.ndarray,
    structure: ResidualStructure,
) -> np.ndarray:
    """``(draws, rows)``: log density of each row given the other rows of its subject."""
    rows, mask, covariance = _covariances(structure, sigma, rho)
    precision = np.linalg.inv(covariance)
    residual = np.where(mask[None], (y - mu)[:, np.maximum(rows, 0)], 0.0)
    diagonal = np.diagonal(precision, axis1=-2, axis2=-1)
    standardised = np.einsum("dsij,dsj->dsi", precision, residual) / diagonal
    values = 0.5 * np.log(diagonal / (2.0 * np.pi)) - 0.5 * diagonal * standardised**2
    result = np.empty(mu.shape)
    result[:, rows[mask]] = values[:, mask]
    return result


def sequential_draws(
    rng: np.random.Generator,
    mu: np.ndarray,
    sigma: np.ndarray,
    rho: np.ndarray,
    kind: str,
    data: dict[str, np.ndarray],
) -> np.ndarray:
    """``(draws, rows)`` responses ``mu + e``, ``e`` drawn row by row from the same
    conditionals as :func:`sequential_logp`; ``mu`` is ``(draws, rows)``, ``sigma``
    broadcasts to it and ``rho`` is ``(draws,)``."""
    order, earlier, gap, start = (data[key] for key in ("order", "earlier", "gap", "start"))
    draws = mu.shape[0]
    sd = np.broadcast_to(sigma, mu.shape)[:, order]
    rho = np.asarray(rho, dtype=float).reshape(draws, 1)
    residual = np.zeros((draws, order.size))
    totals = np.zeros((draws, order.size))
    for k in range(int(earlier.max(initial=0)) + 1):
        rows = np.flatnonzero(earlier == k)
        noise = rng.standard_normal((draws, rows.size))
        if k == 0:
            residual[:, rows] = sd[:, rows] * noise
        elif kind == "ar1":
            phi = rho ** gap[rows]
            scale = np.sqrt(1.0 - phi**2)
            residual[:, rows] = phi * residual[:, rows - 1] + sd[:, rows] * scale * noise
        else:
            denominator = 1.0 + (k - 1.0) * rho
            shift = rho * totals[:, start[rows]] / denominator
            scale = np.sqrt((1.0 - rho) * (1.0 + k * rho) / denominator)
            residual[:, rows] = shift + sd[:, rows] * scale * noise
        totals[:, start[rows]] += residual[:, rows]
    result = np.array(mu, dtype=float, copy=True)
    result[:, order] += residual
    return result
