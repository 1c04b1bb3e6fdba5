"""The Hilbert-space approximate Gaussian process of one covariate (Solin & Särkkä 2020;
Riutort-Mayol, Bürkner, Andersen, Solin & Vehtari 2023, Statistics and Computing 33:17).

On ``[-L, L]`` the covariate ``x*`` (centred, and scaled to unit range when ``scale``) has
the Laplacian's eigenfunctions ``phi_j(x*) = L^(-1/2) sin(sqrt(lambda_j) (x* + L))`` with
``lambda_j = (j pi / (2 L))^2``, ``j = 1..k``; a GP of stationary kernel with spectral
density ``S`` is then ``f(x) = sum_j phi_j(x*) sqrt(S(sqrt(lambda_j))) z_j`` with
``z_j ~ N(0, 1)``. The basis depends on the data only, so it is one dense ``(rows, k)``
block, and ``L = c * max|x*|`` (``c`` the boundary factor) is kept for new data.

Examples
--------
>>> basis = hsgp_basis(np.array([0.0, 1.0, 2.0, 4.0]), k=3, c=1.25, scale=True)
>>> basis.centre, basis.scale, basis.L, basis.span
(1.75, 4.0, 0.703125, 1.0)
>>> basis.evaluate(np.array([1.75])).round(3)
array([[ 1.193,  0.   , -1.193]])
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np
from scipy import optimize, stats

KERNELS: Mapping[str, str] = MappingProxyType(
    {
        "exp_quad": "squared exponential, sdgp^2 exp(-d^2 / (2 lscale^2))",
        "matern32": "Matérn 3/2, sdgp^2 (1 + sqrt(3) d / lscale) exp(-sqrt(3) d / lscale)",
        "matern52": "Matérn 5/2, sdgp^2 (1 + sqrt(5) d / l + 5 d^2 / (3 l^2)) exp(-sqrt(5) d / l)",
    }
)
"""The covariance kernels of ``gp(x, cov = ...)``, with brms's names."""


def spectral_density(kernel: str, omega, sdgp, lscale, xp=np):
    """The spectral density ``S(omega)`` of a one-dimensional kernel (the Fourier transform
    of ``k(d)``, so that ``k(d) = (1 / 2 pi) int S(w) exp(i w d) dw``).

    ``xp`` is the array module of the arguments: ``numpy``, or ``pytensor.tensor`` in the
    graph. Riutort-Mayol et al. (2023), eq. 1 and 2, with ``D = 1``:

    * exp_quad: ``sdgp^2 sqrt(2 pi) l exp(-l^2 w^2 / 2)``
    * matern32: ``sdgp^2 4 a^3 / (a^2 + w^2)^2`` with ``a = sqrt(3) / l``
    * matern52: ``sdgp^2 (16 / 3) a^5 / (a^2 + w^2)^3`` with ``a = sqrt(5) / l``

    >>> float(spectral_density("exp_quad", 0.0, 1.0, 1.0))
    2.5066282746310002
    """
    if kernel == "exp_quad":
        return sdgp**2 * np.sqrt(2 * np.pi) * lscale * xp.exp(-0.5 * lscale**2 * omega**2)
    if kernel == "matern32":
        a = np.sqrt(3.0) / lscale
        return sdgp**2 * 4.0 * a**3 / (a**2 + omega**2) ** 2
    if kernel == "matern52":
        a = np.sqrt(5.0) / lscale
        return sdgp**2 * (16.0 / 3.0) * a**5 / (a**2 + omega**2) ** 3
    raise ValueError(f"unknown kernel {kernel!r}; known: {', '.join(KERNELS)}")


@dataclass(frozen=True)
class HSGPBasis:
    """The fitted basis of one GP: what new data need to get the same columns.

    Attributes
    ----------
    centre
        The covariate's mean at the fitted rows.
    scale
        What the centred covariate is divided by: its range when ``scale = TRUE``
        (brms's), else 1.
    L
        The half-width of the interval on the scaled covariate, ``c * max|x*|``.
    k
        The number of basis functions.
    span
        The range of the scaled covariate at the fitted rows (1 when ``scale``).
    """

    centre: float
    scale: float
    L: float
    k: int
    span: float = 1.0

    @property
    def sqrt_eigenvalues(self) -> np.ndarray:
        """``sqrt(lambda_j) = j pi / (2 L)``, ``j = 1..k``: the frequencies at which the
        spectral density weights the basis functions."""
        return np.arange(1, self.k + 1) * np.pi / (2.0 * self.L)

    def scaled(self, x: np.ndarray) -> np.ndarray:
        """The covariate as the basis sees it, ``(x - centre) / scale``."""
        return (np.asarray(x, dtype=float) - self.centre) / self.scale

    def evaluate(self, x: np.ndarray) -> np.ndarray:
        """The ``(rows, k)`` eigenfunctions at ``x``."""
        return np.sin(np.outer(self.scaled(x) + self.L, self.sqrt_eigenvalues)) / np.sqrt(self.L)


def hsgp_basis(x: np.ndarray, k: int, c: float, scale: bool) -> HSGPBasis:
    """The basis of a GP of covariate values ``x`` with ``k`` functions and boundary factor
    ``c > 1``."""
    x = np.asarray(x, dtype=float)
    centre = float(x.mean())
    spread = float(x.max() - x.min()) if scale else 1.0
    basis = HSGPBasis(centre, spread if spread > 0 else 1.0, 1.0, k)
    scaled = basis.scaled(x)
    span = float(scaled.max() - scaled.min())
    return HSGPBasis(centre, basis.scale, c * float(np.abs(scaled).max()), k, span)


def inverse_gamma_between(lower: float, upper: float, tail: float = 0.01) -> tuple[float, float]:
    """Shape and scale of the inverse gamma with ``tail`` of its mass below ``lower`` and
    ``tail`` above ``upper``: the default prior of a GP's length scale.

    >>> alpha, beta = inverse_gamma_between(0.1, 1.0)
    >>> round(float(stats.invgamma.cdf(0.1, alpha, scale=beta)), 4)
    0.01
    """

    def gaps(log_parameters: np.ndarray) -> list[float]:
        alpha, beta = np.exp(log_parameters)
        return [
            np.log(stats.invgamma.cdf(lower, alpha, scale=beta)) - np.log(tail),
            np.log(stats.invgamma.sf(upper, alpha, scale=beta)) - np.log(tail),
        ]

    middle = np.sqrt(lower * upper)
    solution = optimize.fsolve(gaps, np.log([5.0, 5.0 * middle]), full_output=True)
    alpha, beta = np.exp(solution[0])
    return float(alpha), float(beta)


def default_lscale_range(basis: HSGPBasis) -> tuple[float, float]:
    """The range of length scales the default prior keeps ``1 - 2 * tail`` of its mass in,
    on the scaled covariate: from the half-period of the fastest basis function,
    ``pi / sqrt(lambda_k) = 2 L / k`` (shorter scales the basis cannot represent), to the
    covariate's range (longer ones are nearly straight over the data)."""
    return min(2.0 * basis.L / basis.k, 0.5 * basis.span), basis.span
