"""The unit-row transform of LKJ Cholesky factors: unit rows, its inverse, a log Jacobian
equal to the log determinant of the autodiff Jacobian, and a transformed density that
integrates to one."""

import numpy as np
import pymc as pm
import pytensor
import pytensor.tensor as pt
import pytest
from scipy import integrate

from bayesglmm import naming
from bayesglmm.backend.correlation import UnitRowCholesky, lkj_cholesky


@pytest.mark.parametrize("n", [2, 3, 4])
def test_the_factor_has_unit_rows_inverts_and_has_the_autodiff_log_jacobian(n):
    transform = UnitRowCholesky(n)
    x = pt.vector("x")
    chol = transform.backward(x)
    jacobian = pytensor.gradient.jacobian(chol[transform.rows, transform.cols], x)
    exact = pt.log(pt.abs(pt.linalg.det(jacobian)))
    log_jacobian = transform.log_jac_det(x)
    outputs = pytensor.function([x], [chol, transform.forward(chol), exact, log_jacobian])
    value = 1.5 * np.random.default_rng(n).normal(size=n * (n - 1) // 2)
    factor, back, expected, ours = outputs(value)
    np.testing.assert_allclose((factor**2).sum(axis=1), 1.0)
    np.testing.assert_allclose(np.triu(factor, 1), 0.0)
    assert np.all(np.diag(factor) > 0)
    np.testing.assert_allclose(back, value)
    assert ours == pytest.approx(expected, rel=1e-10)


def test_two_terms_give_the_correlation_x_over_its_length():
    transform = UnitRowCholesky(2)
    chol = transform.backward(np.array([-2.0])).eval()
    np.testing.assert_allclose(chol, [[1.0, 0.0], [-2.0 / np.sqrt(5.0), 1.0 / np.sqrt(5.0)]])
    # d rho / d x = (1 + x^2)^(-3/2)
    assert transform.log_jac_det(np.array([-2.0])).eval() == pytest.approx(-1.5 * np.log(5.0))


@pytest.mark.parametrize("eta", [1.0, 2.5])
def test_the_transformed_lkj_density_of_two_terms_integrates_to_one(eta):
    with pm.Model() as model:
        lkj_cholesky("g", 0, 2, {naming.block_lkj_eta("g", 0): np.array(eta)})
    logp = model.compile_logp()
    value = model.value_vars[0].name
    mass, _ = integrate.quad(lambda x: np.exp(logp({value: np.array([x])})), -np.inf, np.inf)
    assert value == f"{naming.block_cholesky('g', 0)}_unit_rows__" == "L_g__0_unit_rows__"
    assert mass == pytest.approx(1.0, abs=1e-8)
