"""Addition terms of the response: truncation, weights and known standard errors, scored
the same in the graph and in NumPy, against SciPy's truncated densities; truncated draws
and moments."""

import numpy as np
import pymc as pm
import pytensor.tensor as pt
import pytest
from scipy import stats

import bayesglmm as bg
from bayesglmm.backend.likelihoods import LIKELIHOODS, Additions, Mu, log_likelihood, observe
from bayesglmm.backend.likelihoods.additions import draw, mean, moments
from bayesglmm.families import FAMILIES

ETA = np.array([0.2, 0.9, 1.4])
WEIGHTS = np.array([1.0, 2.5, 0.5])

TRUNCATED = {
    "gaussian": ([0.4, 2.5, 1.1], {"sigma": 1.3}, [0.0, 0.0, -1.0], [3.0, np.inf, 2.0]),
    "student_t": ([0.4, 2.5, 1.1], {"sigma": 1.3, "nu": 4.0}, [0.0, 0.0, -1.0], [3.0, 9.0, 2.0]),
    "lognormal": ([0.4, 2.5, 1.1], {"sigma": 0.7}, [0.1, 0.1, 0.1], [5.0, 5.0, 5.0]),
    "gamma": ([0.4, 2.5, 1.1], {"shape": 2.0}, [0.2, 0.2, 1.0], [np.inf, 4.0, 3.0]),
    "poisson": ([1, 3, 2], {}, [1, 1, 2], [4, 8, 5]),
    "negbinomial": ([1, 3, 2], {"shape": 2.5}, [1, 0, 2], [4, 8, 9]),
    "exponential": ([0.4, 2.5, 1.1], {}, [0.1, 0.1, 0.5], [3.0, 4.0, 2.0]),
    "weibull": ([0.4, 2.5, 1.1], {"shape": 1.7}, [0.1, 0.1, 0.5], [3.0, 4.0, 2.0]),
    "inverse_gaussian": ([0.4, 2.5, 1.1], {"shape": 3.0}, [0.1, 0.1, 0.5], [3.0, 4.0, 2.0]),
}


def test_every_truncatable_family_is_covered_and_has_a_distribution_function():
    truncatable = sorted(name for name, family in FAMILIES.items() if family.truncatable)
    assert truncatable == sorted(TRUNCATED)
    for name, (y, params, _, _) in TRUNCATED.items():
        link = bg.families.get_family(name)[1]
        mu = Mu.of(ETA, link)
        likelihood = LIKELIHOODS[name]
        np.testing.assert_allclose(
            likelihood.frozen(mu, params, None).logpdf(y)
            if not FAMILIES[name].support.discrete
            else likelihood.frozen(mu, params, None).logpmf(y),
            likelihood.logpdf(np.array(y, dtype=float), mu, params, None),
            rtol=1e-10,
        )


@pytest.mark.parametrize("bounds", ["both", "lower", "upper"])
@pytest.mark.parametrize("name", TRUNCATED)
def test_truncated_weighted_density_is_scipys_in_the_graph_and_in_numpy(name, bounds):
    family, link = bg.families.get_family(name)
    y, params, lower, upper = TRUNCATED[name]
    y, lower, upper = np.array(y, dtype=float), np.array(lower, float), np.array(upper, float)
    lower = lower if bounds != "upper" else None
    upper = upper if bounds != "lower" else None
    discrete = family.support.discrete
    additions = Additions(weights=WEIGHTS, lower=lower, upper=upper, discrete=discrete)
    with pm.Model(coords={"obs": range(3)}):
        tensors = {k: pt.as_tensor(np.asarray(v, dtype=float)) for k, v in params.items()}
        mu = Mu.tensor(pt.as_tensor(ETA), link)
        rows = {key: pt.as_tensor(value) for key, value in additions.rows.items()}
        observed = observe(
            "y", LIKELIHOODS[name], mu, tensors, None, y, additions.with_rows(rows), "obs"
        )
        graph = pm.logp(observed, y).eval()
    numpy = log_likelihood(LIKELIHOODS[name], y, Mu.of(ETA, link), params, None, additions)
    frozen = LIKELIHOODS[name].frozen(Mu.of(ETA, link), params, None)
    density = frozen.logpmf(y) if discrete else frozen.logpdf(y)
    below = np.zeros(3) if lower is None else frozen.cdf(lower - 1 if discrete else lower)
    above = np.ones(3) if upper is None else frozen.cdf(upper)
    expected = WEIGHTS * (density - np.log(above - below))
    np.testing.assert_allclose(numpy, expected, rtol=1e-7)
    np.testing.assert_allclose(graph, expected, rtol=1e-7)


def test_censoring_truncation_and_weights_combine():
    link = bg.families.get_family("weibull")[1]
    y = np.array([0.4, 2.5, 1.1])
    censored = np.array([0.0, 1.0, 0.0])
    additions = Additions(censored=censored, weights=WEIGHTS, upper=np.array([3.0, 4.0, 2.0]))
    params = {"shape": 1.7}
    frozen = LIKELIHOODS["weibull"].frozen(Mu.of(ETA, link), params, None)
    row = np.where(censored == 1, frozen.logsf(y), frozen.logpdf(y))
    expected = WEIGHTS * (row - frozen.logcdf(additions.upper))
    numpy = log_likelihood(LIKELIHOODS["weibull"], y, Mu.of(ETA, link), params, None, additions)
    np.testing.assert_allclose(numpy, expected, rtol=1e-9)


def test_known_standard_errors_set_or_widen_the_scale():
    se = np.array([0.5, 1.0, 2.0])
    assert Additions(se=se).parameters({})["sigma"] is se
    widened = Additions(se=se, se_sigma=True).parameters({"sigma": 1.5, "nu": 3})
    np.testing.assert_allclose(widened["sigma"], np.sqrt(1.5**2 + se**2))
    assert widened["nu"] == 3
    y = np.array([0.1, -0.4, 2.0])
    mu = Mu.of(ETA, bg.families.LINKS["identity"])
    numpy = log_likelihood(LIKELIHOODS["gaussian"], y, mu, {}, None, Additions(se=se))
    np.testing.assert_allclose(numpy, stats.norm.logpdf(y, ETA, se))


@pytest.mark.parametrize(
    ("name", "params", "lower", "upper"),
    [
        ("gaussian", {"sigma": 1.0}, 0.0, None),
        ("gaussian", {"sigma": 1.0}, 2.5, 3.0),
        ("poisson", {}, 1.0, None),
        ("negbinomial", {"shape": 2.0}, 2.0, 6.0),
        ("weibull", {"shape": 1.7}, None, 1.5),
    ],
)
def test_truncated_draws_stay_in_bounds_with_the_truncated_moments(name, params, lower, upper):
    family, link = bg.families.get_family(name)
    eta = np.full((40_000, 2), [0.3, 1.2])
    bounds = {
        "lower": None if lower is None else np.full(2, lower),
        "upper": None if upper is None else np.full(2, upper),
    }
    additions = Additions(**bounds, discrete=family.support.discrete)
    rng = np.random.default_rng(4)
    drawn = draw(LIKELIHOODS[name], rng, Mu.of(eta, link), params, None, additions)
    assert drawn.min() >= (-np.inf if lower is None else lower)
    assert drawn.max() <= (np.inf if upper is None else upper)
    if family.support.discrete:
        assert np.array_equal(drawn, np.round(drawn))
    average, variance = moments(LIKELIHOODS[name], Mu.of(eta[:1], link), params, None, additions)
    error = np.sqrt(variance / len(drawn))
    assert np.all(np.abs(drawn.mean(axis=0) - average[0]) < 4 * error[0])
    np.testing.assert_allclose(drawn.var(axis=0), variance[0], rtol=0.05)
    np.testing.assert_allclose(
        mean(LIKELIHOODS[name], Mu.of(eta[:1], link), params, additions), average
    )


def test_truncated_gaussian_moments_are_the_closed_form():
    eta = np.array([[0.3, 1.0, -2.0]])
    additions = Additions(lower=np.zeros(3), upper=np.array([np.inf, 2.0, np.inf]))
    link = bg.families.LINKS["identity"]
    average, variance = moments(
        LIKELIHOODS["gaussian"], Mu.of(eta, link), {"sigma": 1.0}, None, additions
    )
    exact = stats.truncnorm(-eta[0], additions.upper - eta[0], loc=eta[0])
    np.testing.assert_allclose(average[0], exact.mean(), atol=1e-3 * 1.0)
    np.testing.assert_allclose(variance[0], exact.var(), rtol=0.01)
