"""The canonical-partial-correlation transform of LKJ Cholesky factors: unit rows, its
inverse, a log Jacobian equal to the log determinant of the autodiff Jacobian, and a
transformed density that integrates to one."""

import numpy as np
import pymc as pm
import pytensor
import pytensor.tensor as pt
import pytest
from scipy import integrate

from bayesglmm.backend.correlation import CanonicalPartialCorrelations, lkj_cholesky


@pytest.mark.parametrize("n", [2, 3, 4])
def test_the_factor_has_unit_rows_inverts_and_has_the_autodiff_log_jacobian(n):
    transform = CanonicalPartialCorrelations(n)
    y = pt.vector("y")
    chol = transform.backward(y)
    jacobian = pytensor.gradient.jacobian(chol[transform.rows, transform.cols], y)
    exact = pt.log(pt.abs(pt.linalg.det(jacobian)))
    log_jacobian = transform.log_jac_det(y)
    outputs = pytensor.function([y], [chol, transform.forward(chol), exact, log_jacobian])
    value = 1.5 * np.random.default_rng(n).normal(size=n * (n - 1) // 2)
    factor, back, expected, log_jacobian = outputs(value)
    np.testing.assert_allclose((factor**2).sum(axis=1), 1.0)
    np.testing.assert_allclose(np.triu(factor, 1), 0.0)
    assert np.all(np.diag(factor) > 0)
    np.testing.assert_allclose(back, value)
    assert log_jacobian == pytest.approx(expected, rel=1e-10)


def test_the_log_jacobian_stays_finite_far_out():
    transform = CanonicalPartialCorrelations(3)
    log_jacobian = transform.log_jac_det(pt.as_tensor(np.array([40.0, -40.0, 40.0]))).eval()
    # 1 - tanh(40)^2 = 4 exp(-80) to double precision; weights 1, 1, 1.5.
    assert log_jacobian == pytest.approx(3.5 * (np.log(4.0) - 80.0))


@pytest.mark.parametrize("eta", [1.0, 2.5])
def test_the_transformed_lkj_density_of_two_terms_integrates_to_one(eta):
    with pm.Model() as model:
        lkj_cholesky("L", 2, eta)
    logp = model.compile_logp()
    value = model.value_vars[0].name
    mass, _ = integrate.quad(lambda y: np.exp(logp({value: np.array([y])})), -20, 20)
    assert value == "L_cpc__"
    assert mass == pytest.approx(1.0, abs=1e-8)
