"""Spline bases of one covariate and their penalties: thin plate regression splines
(``"tp"``), cubic regression splines (``"cr"``) and P-splines (``"ps"``); and the
isotropic thin plate regression spline of two covariates (:class:`ThinPlateBasis`).

A basis is fitted once to the data's covariate values (its knots and, for ``"tp"``, its
eigen-truncation) and stored, so that new values are mapped to the same columns; every
basis is linear beyond the range of the fitted values, as natural cubic splines are.
The penalty ``S`` is the integrated squared second derivative (``"tp"``, ``"cr"``) or
the squared second differences of the coefficients (``"ps"``), so ``beta' S beta`` is the
wiggliness of ``f = X beta`` and its null space holds the straight lines.

References
----------
Wood, S. N. (2003). Thin plate regression splines. JRSS B 65:95-114.
Wood, S. N. (2017). Generalized Additive Models, 2nd ed., sec. 5.3 (cubic regression
splines, knots at quantiles) and 5.5 (thin plate regression splines).
Eilers, P. H. C. & Marx, B. D. (1996). Flexible smoothing with B-splines and penalties.
Statistical Science 11:89-121.

Examples
--------
>>> x = np.linspace(0.0, 1.0, 50)
>>> basis = marginal_basis("cr", x, 6)
>>> basis.evaluate(x).shape, basis.penalty.shape
((50, 6), (6, 6))
>>> line = basis.evaluate(x) @ np.linalg.lstsq(basis.evaluate(x), 2 * x, rcond=None)[0]
>>> bool(np.allclose(line, 2 * x))
True
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np
import scipy.linalg
import scipy.sparse.linalg
from scipy.interpolate import BSpline

BASES: Mapping[str, str] = MappingProxyType(
    {
        "tp": "thin plate regression spline (Wood 2003), the default",
        "cr": "cubic regression spline with knots at quantiles (Wood 2017, sec. 5.3.1)",
        "ps": "P-spline: cubic B-splines with a second-order difference penalty "
        "(Eilers & Marx 1996)",
    }
)
"""The bases ``s(x, bs=...)`` accepts, with what each one is."""

MAX_TP_KNOTS = 2000
"""A thin plate basis uses at most this many distinct values as knots (evenly spaced
among the sorted distinct values), as mgcv's ``max.knots``."""

PS_DEGREE = 3
"""P-splines are cubic B-splines."""

CHUNK_ELEMENTS = 4_000_000
"""Largest number of row-by-knot values a thin plate basis evaluates at once."""


@dataclass(frozen=True, eq=False)
class MarginalBasis:
    """A fitted spline basis of one covariate.

    Attributes
    ----------
    kind
        ``"tp"``, ``"cr"`` or ``"ps"``.
    knots
        The knots: the distinct values (``"tp"``), the quantile knots (``"cr"``) or the
        B-spline knot sequence (``"ps"``).
    penalty
        ``(k, k)`` wiggliness penalty ``S``.
    lower, upper
        The range beyond which the basis is linear.
    transform
        For ``"tp"``: the ``(knots, k - 2)`` map from radial functions to the truncated,
        constrained basis.
    """

    kind: str
    knots: np.ndarray
    penalty: np.ndarray
    lower: float
    upper: float
    transform: np.ndarray | None = None

    covariates = 1
    """The number of covariates the basis takes."""

    @property
    def size(self) -> int:
        """Number of basis columns ``k``."""
        return self.penalty.shape[0]

    def evaluate(self, x: np.ndarray) -> np.ndarray:
        """The ``(len(x), k)`` basis at ``x``."""
        x = np.asarray(x, dtype=float)
        if self.kind == "tp":
            return _tp_columns(x[:, None], self.knots[:, None], self.transform)
        inside = np.clip(x, self.lower, self.upper)
        values = self._inside(inside)
        beyond = x != inside
        if beyond.any():
            slope = self._slope(inside[beyond])
            values[beyond] += (x[beyond] - inside[beyond])[:, None] * slope
        return values

    def _inside(self, x: np.ndarray) -> np.ndarray:
        if self.kind == "cr":
            return _cr_columns(x, self.knots)
        return BSpline(self.knots, np.eye(self.size), PS_DEGREE, extrapolate=False)(x)

    def _slope(self, x: np.ndarray) -> np.ndarray:
        """The derivative of each column at ``x`` (an end of the range)."""
        if self.kind == "cr":
            return _cr_slopes(x, self.knots)
        spline = BSpline(self.knots, np.eye(self.size), PS_DEGREE, extrapolate=True)
        return spline.derivative()(x)


@dataclass(frozen=True, eq=False)
class ThinPlateBasis:
    """A fitted isotropic thin plate regression spline of two covariates, ``s(x, z)``
    (Wood 2003): radial functions ``eta(r) = r^2 log(r) / (8 pi)`` of the distance between
    points, eigen-truncated as in one dimension, and the plane ``1, x, z`` as its null
    space. The covariates are taken on their own scales, so they should share one.

    Attributes
    ----------
    knots
        ``(knots, 2)`` distinct points of the data.
    transform
        The ``(knots, k - 3)`` map from radial functions to the truncated, constrained
        basis.
    penalty
        ``(k, k)`` thin plate penalty.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> points = rng.uniform(size=(60, 2))
    >>> basis = thin_plate_basis(points, 12)
    >>> basis.evaluate(points).shape, int(np.linalg.matrix_rank(basis.penalty))
    ((60, 12), 9)
    """

    knots: np.ndarray
    transform: np.ndarray
    penalty: np.ndarray

    kind = "tp"
    covariates = 2

    @property
    def size(self) -> int:
        """Number of basis columns ``k``."""
        return self.penalty.shape[0]

    def evaluate(self, points: np.ndarray) -> np.ndarray:
        """The ``(rows, k)`` basis at ``points``, ``(rows, 2)``."""
        return _tp_columns(np.asarray(points, dtype=float), self.knots, self.transform)


def thin_plate_basis(points: np.ndarray, k: int) -> ThinPlateBasis:
    """Fit a ``k``-column thin plate basis to the ``(rows, 2)`` covariate values; the
    caller checks that they hold at least ``k`` distinct points."""
    knots, transform, penalty = _tp_fit(np.unique(np.asarray(points, dtype=float), axis=0), k)
    return ThinPlateBasis(knots, transform, penalty)


def marginal_basis(kind: str, x: np.ndarray, k: int) -> MarginalBasis:
    """Fit a ``k``-column basis of kind ``kind`` to the covariate values ``x``.

    The caller checks ``kind`` against :data:`BASES` and that ``x`` has at least ``k``
    distinct values (:func:`distinct_needed`).
    """
    x = np.asarray(x, dtype=float)
    lower, upper = float(np.min(x)), float(np.max(x))
    if kind == "tp":
        knots, transform, penalty = _tp_fit(np.unique(x)[:, None], k)
        return MarginalBasis("tp", knots[:, 0], penalty, lower, upper, transform)
    if kind == "cr":
        knots = quantile_knots(x, k)
        return MarginalBasis("cr", knots, _cr_penalty(knots), lower, upper)
    knots = _ps_knots(lower, upper, k)
    difference = np.diff(np.eye(k), n=2, axis=0)
    return MarginalBasis("ps", knots, difference.T @ difference, lower, upper)


def distinct_needed(kind: str, k: int) -> int:
    """How many distinct covariate values a ``k``-column basis of ``kind`` needs."""
    return k if kind in ("tp", "cr") else 2


def smallest_k(kind: str) -> int:
    """The smallest ``k`` a basis of ``kind`` allows: 3 for ``"tp"`` and ``"cr"``, 4 (one
    more than the degree) for ``"ps"``."""
    return PS_DEGREE + 1 if kind == "ps" else 3


def quantile_knots(x: np.ndarray, k: int) -> np.ndarray:
    """``k`` knots spread evenly through the sorted distinct values of ``x``, interpolating
    between neighbours (Wood 2017, sec. 5.3.1; the first and last are the range).

    >>> quantile_knots(np.arange(11.0), 3).tolist()
    [0.0, 5.0, 10.0]
    """
    values = np.unique(x)
    positions = np.linspace(0.0, len(values) - 1.0, k)
    return np.interp(positions, np.arange(len(values)), values)


def _tp_radial(points: np.ndarray, knots: np.ndarray) -> np.ndarray:
    """The thin plate radial functions between ``(rows, d)`` points and ``(knots, d)``
    knots for a second-derivative penalty (Wood 2003, eq. 2 with m = 2): ``r^3 / 12`` in
    one dimension, ``r^2 log(r) / (8 pi)`` in two."""
    if points.shape[1] == 1:
        size = np.abs(points - knots.T)
        return size * size * size / 12.0
    squared = ((points[:, None, :] - knots[None, :, :]) ** 2).sum(axis=2)
    with np.errstate(divide="ignore", invalid="ignore"):
        values = squared * np.log(squared) / (16.0 * np.pi)
    return np.where(squared > 0, values, 0.0)


def _tp_fit(points: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Knots, radial transform and penalty of a thin plate regression spline of the
    distinct ``(n, d)`` points.

    ``E`` (the radial functions between knots) is eigen-truncated to its ``k`` eigenvalues
    largest in magnitude, ``E ~ U D U'``; the constraint ``T' delta = 0`` with
    ``T = [1, points]`` is absorbed by ``Z``, an orthonormal basis of the null space of
    ``T' U``. The columns are ``E(x, knots) U Z`` and then ``T``; the penalty is
    ``Z' D Z`` on the first ``k - d - 1`` (Wood 2003, sec. 3).
    """
    if len(points) > MAX_TP_KNOTS:
        points = points[np.linspace(0, len(points) - 1, MAX_TP_KNOTS).round().astype(int)]
    radial = _tp_radial(points, points)
    if len(points) > 4 * k:
        eigenvalues, vectors = scipy.sparse.linalg.eigsh(
            radial, k=k, which="LM", v0=np.ones(len(points))
        )
    else:
        eigenvalues, vectors = np.linalg.eigh(radial)
    order = np.argsort(-np.abs(eigenvalues))[:k]
    eigenvalues, vectors = eigenvalues[order], vectors[:, order]
    polynomial = np.column_stack([np.ones(len(points)), points])
    q, _ = np.linalg.qr(vectors.T @ polynomial, mode="complete")
    absorb = q[:, polynomial.shape[1] :]
    range_penalty = absorb.T @ (eigenvalues[:, None] * absorb)
    null = np.zeros((polynomial.shape[1],) * 2)
    penalty = scipy.linalg.block_diag((range_penalty + range_penalty.T) / 2, null)
    return points, vectors @ absorb, penalty


def _tp_columns(points: np.ndarray, knots: np.ndarray, transform: np.ndarray) -> np.ndarray:
    """The thin plate columns at ``(rows, d)`` points, by chunks of rows so that the radial
    functions between rows and knots never take more than :data:`CHUNK_ELEMENTS` values."""
    step = max(1, CHUNK_ELEMENTS // len(knots))
    radial = np.concatenate(
        [
            _tp_radial(points[start : start + step], knots) @ transform
            for start in range(0, len(points), step)
        ]
        or [np.zeros((0, transform.shape[1]))]
    )
    return np.column_stack([radial, np.ones(len(points)), points])


def _cr_matrices(knots: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``B`` and ``D`` of a natural cubic spline parametrised by its values at the knots:
    the second derivatives at the knots are ``F beta`` with ``F = B^-1 D`` and zero at the
    two ends (Wood 2017, sec. 5.3.1)."""
    h = np.diff(knots)
    inner = len(knots) - 2
    d = np.zeros((inner, len(knots)))
    b = np.zeros((inner, inner))
    for i in range(inner):
        d[i, i], d[i, i + 1], d[i, i + 2] = 1 / h[i], -1 / h[i] - 1 / h[i + 1], 1 / h[i + 1]
        b[i, i] = (h[i] + h[i + 1]) / 3
        if i + 1 < inner:
            b[i, i + 1] = b[i + 1, i] = h[i + 1] / 6
    return b, d


def _cr_second_derivatives(knots: np.ndarray) -> np.ndarray:
    """``(k, k)`` map from the values at the knots to the second derivatives there."""
    b, d = _cr_matrices(knots)
    inner = np.linalg.solve(b, d)
    zero = np.zeros((1, len(knots)))
    return np.vstack([zero, inner, zero])


def _cr_penalty(knots: np.ndarray) -> np.ndarray:
    b, d = _cr_matrices(knots)
    penalty = d.T @ np.linalg.solve(b, d)
    return (penalty + penalty.T) / 2


def _cr_interval(x: np.ndarray, knots: np.ndarray) -> np.ndarray:
    return np.clip(np.searchsorted(knots, x, side="right") - 1, 0, len(knots) - 2)


def _cr_pieces(x: np.ndarray, knots: np.ndarray):
    """What the basis and its slopes at ``x`` need: the columns' second derivatives at the
    knots, each ``x``'s interval ``j``, its width ``h``, the distances to its ends and the
    row positions."""
    j = _cr_interval(x, knots)
    h = knots[j + 1] - knots[j]
    return _cr_second_derivatives(knots), j, h, knots[j + 1] - x, x - knots[j], np.arange(len(x))


def _cr_columns(x: np.ndarray, knots: np.ndarray) -> np.ndarray:
    """The cubic regression spline basis at ``x`` inside the knots' range."""
    second, j, h, left, right, rows = _cr_pieces(x, knots)
    columns = np.zeros((len(x), len(knots)))
    columns[rows, j] += left / h
    columns[rows, j + 1] += right / h
    columns += ((left**3 / h - h * left) / 6)[:, None] * second[j]
    columns += ((right**3 / h - h * right) / 6)[:, None] * second[j + 1]
    return columns


def _cr_slopes(x: np.ndarray, knots: np.ndarray) -> np.ndarray:
    """The first derivative of each column at ``x``."""
    second, j, h, left, right, rows = _cr_pieces(x, knots)
    slopes = np.zeros((len(x), len(knots)))
    slopes[rows, j] -= 1 / h
    slopes[rows, j + 1] += 1 / h
    slopes -= ((3 * left**2 / h - h) / 6)[:, None] * second[j]
    slopes += ((3 * right**2 / h - h) / 6)[:, None] * second[j + 1]
    return slopes


def _ps_knots(lower: float, upper: float, k: int) -> np.ndarray:
    """The ``k + 4`` evenly spaced knots of ``k`` cubic B-splines over the range widened by
    0.1% on each side, three beyond each end (Eilers & Marx 1996)."""
    width = upper - lower if upper > lower else 1.0
    lower, upper = lower - 0.001 * width, upper + 0.001 * width
    intervals = k - PS_DEGREE
    step = (upper - lower) / intervals
    return lower + step * np.arange(-PS_DEGREE, intervals + PS_DEGREE + 1)
