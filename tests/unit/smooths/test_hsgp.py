"""The Hilbert-space approximate GP (Riutort-Mayol et al. 2023): basis, spectral densities
and the approximation of each kernel's covariance."""

import numpy as np
import pytest
from scipy import integrate, stats

from bayesglmm.smooths.hsgp import (
    KERNELS,
    default_lscale_range,
    hsgp_basis,
    inverse_gamma_between,
    spectral_density,
)


def kernel_matrix(kernel, x, y, sdgp, lscale):
    """The exact covariance ``k(x_i - y_j)`` of each kernel (Rasmussen & Williams 2006,
    eq. 4.9 and 4.17)."""
    d = np.abs(x[:, None] - y[None, :]) / lscale
    if kernel == "exp_quad":
        return sdgp**2 * np.exp(-0.5 * d**2)
    if kernel == "matern32":
        return sdgp**2 * (1 + np.sqrt(3) * d) * np.exp(-np.sqrt(3) * d)
    return sdgp**2 * (1 + np.sqrt(5) * d + 5 * d**2 / 3) * np.exp(-np.sqrt(5) * d)


def test_basis_is_the_closed_form_eigenfunctions():
    x = np.linspace(2.0, 6.0, 9)
    basis = hsgp_basis(x, k=5, c=1.5, scale=True)
    assert basis.centre == pytest.approx(4.0)
    assert basis.scale == pytest.approx(4.0)
    assert basis.L == pytest.approx(1.5 * 0.5)
    scaled = (x - 4.0) / 4.0
    j = np.arange(1, 6)
    expected = np.sin(j * np.pi / (2 * 0.75) * (scaled[:, None] + 0.75)) / np.sqrt(0.75)
    np.testing.assert_allclose(basis.evaluate(x), expected, atol=1e-12)
    np.testing.assert_allclose(basis.sqrt_eigenvalues, j * np.pi / 1.5)


def test_unscaled_basis_keeps_the_covariate_units():
    basis = hsgp_basis(np.array([0.0, 10.0]), k=3, c=1.25, scale=False)
    assert (basis.centre, basis.scale, basis.L, basis.span) == (5.0, 1.0, 6.25, 10.0)


@pytest.mark.parametrize("kernel", list(KERNELS))
def test_spectral_density_is_the_fourier_transform_of_the_kernel(kernel):
    sdgp, lscale = 1.3, 0.7
    for omega in (0.0, 0.5, 2.0, 5.0):
        value, _ = integrate.quad(
            lambda d, omega=omega: (
                kernel_matrix(kernel, np.array([d]), np.array([0.0]), sdgp, lscale)[0, 0]
                * np.cos(omega * d)
            ),
            -60,
            60,
            limit=400,
        )
        assert spectral_density(kernel, omega, sdgp, lscale) == pytest.approx(value, rel=1e-6)


@pytest.mark.parametrize(
    ("kernel", "tolerance"), [("exp_quad", 1e-5), ("matern52", 2e-3), ("matern32", 5e-3)]
)
def test_the_basis_approximates_each_kernel(kernel, tolerance):
    # k = 80 basis functions, c = 2: the covariance phi diag(S) phi' is within `tolerance`
    # (in units of sdgp^2) of the exact kernel matrix at every pair of 60 points; measured
    # 3.7e-6 (exp_quad), 7.5e-4 (matern52), 1.8e-3 (matern32), the rougher kernels having
    # heavier spectral tails beyond the k-th frequency.
    x = np.linspace(0, 1, 60)
    basis = hsgp_basis(x, k=80, c=2.0, scale=True)
    phi = basis.evaluate(x)
    sdgp, lscale = 1.5, 0.2
    weights = spectral_density(kernel, basis.sqrt_eigenvalues, sdgp, lscale)
    approx = phi @ np.diag(weights) @ phi.T
    exact = kernel_matrix(kernel, x, x, sdgp, lscale)
    assert np.abs(approx - exact).max() / sdgp**2 < tolerance


def test_too_few_basis_functions_is_a_visibly_worse_approximation():
    x = np.linspace(0, 1, 60)
    exact = kernel_matrix("exp_quad", x, x, 1.0, 0.05)
    errors = []
    for k in (5, 40):
        basis = hsgp_basis(x, k=k, c=1.5, scale=True)
        phi = basis.evaluate(x)
        weights = spectral_density("exp_quad", basis.sqrt_eigenvalues, 1.0, 0.05)
        errors.append(np.abs(phi @ np.diag(weights) @ phi.T - exact).max())
    assert errors[0] > 0.3 > 0.01 > errors[1]


def test_unknown_kernel_is_refused():
    with pytest.raises(ValueError, match="unknown kernel 'rbf'; known: exp_quad, matern32"):
        spectral_density("rbf", 1.0, 1.0, 1.0)


def test_default_lscale_prior_keeps_one_percent_in_each_tail():
    basis = hsgp_basis(np.linspace(0, 10, 50), k=20, c=1.25, scale=True)
    lower, upper = default_lscale_range(basis)
    assert (lower, upper) == pytest.approx((2 * 0.625 / 20, 1.0))
    alpha, beta = inverse_gamma_between(lower, upper)
    assert stats.invgamma.cdf(lower, alpha, scale=beta) == pytest.approx(0.01, rel=1e-4)
    assert stats.invgamma.sf(upper, alpha, scale=beta) == pytest.approx(0.01, rel=1e-4)
