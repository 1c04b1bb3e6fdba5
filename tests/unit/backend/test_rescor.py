"""The correlated-response log densities against scipy, row by row, and the posterior
predictive draws of the observed variable against the covariance they stand for."""

import numpy as np
import pymc as pm
import pytest
from scipy import stats

from bayesglmm.backend.rescor import correlated_rows, mv_normal_logp, mv_student_t_logp

CHOL = np.array([[0.8, 0.0, 0.0], [0.3, 0.5, 0.0], [-0.2, 0.1, 1.1]])
COVARIANCE = CHOL @ CHOL.T
NU = np.array(4.5)  # an array keeps float64; PyTensor would make the literal float32


@pytest.fixture
def rows():
    rng = np.random.default_rng(3)
    return rng.normal(size=(5, 3)), rng.normal(size=(5, 3))


def test_the_normal_log_density_is_scipys_row_by_row(rows):
    value, mean = rows
    expected = [
        stats.multivariate_normal(m, COVARIANCE).logpdf(v) for v, m in zip(value, mean, strict=True)
    ]
    np.testing.assert_allclose(mv_normal_logp(value, mean, CHOL).eval(), expected, rtol=1e-10)


def test_the_t_log_density_is_scipys_row_by_row(rows):
    value, mean = rows
    expected = [
        stats.multivariate_t(m, COVARIANCE, df=float(NU)).logpdf(v)
        for v, m in zip(value, mean, strict=True)
    ]
    np.testing.assert_allclose(
        mv_student_t_logp(value, NU, mean, CHOL).eval(), expected, rtol=1e-10
    )


@pytest.mark.parametrize("family", ["gaussian", "student_t"])
def test_the_observed_rows_keep_one_log_density_per_row(rows, family):
    value, mean = rows
    with pm.Model() as model:
        model.add_coord("obs", range(5))
        model.add_coord("response", ["a", "b", "c"])
        correlated_rows("y", family, mean, CHOL, value, ("obs", "response"), nu=NU)
    pointwise = model.compile_fn(model.logp(sum=False)[0], inputs=[])({})
    if family == "gaussian":
        expected = mv_normal_logp(value, mean, CHOL).eval()
    else:
        expected = mv_student_t_logp(value, NU, mean, CHOL).eval()
    assert pointwise.shape == (5,)
    np.testing.assert_allclose(pointwise, expected, rtol=1e-10)


def test_predictive_draws_have_the_covariance_of_the_factor():
    with pm.Model():
        y = correlated_rows("y", "gaussian", np.zeros((20000, 3)), CHOL, np.zeros((20000, 3)), None)
        draws = pm.draw(y, random_seed=1)
    np.testing.assert_allclose(np.cov(draws.T), COVARIANCE, atol=0.04)
