"""The new families' likelihoods: probabilities that sum to one, PyMC graph densities
equal to the NumPy ones used for LOO, and censored rows scored by the survival function."""

import numpy as np
import pymc as pm
import pytensor.tensor as pt
import pytest
from scipy import special, stats

import bayesglmm as bg
from bayesglmm.backend.likelihoods import LIKELIHOODS, Additions, Mu, log_likelihood, observe

COUNT_PARAMS = {
    "zero_inflated_poisson": {"zi": 0.3},
    "zero_inflated_negbinomial": {"zi": 0.3, "shape": 2.5},
    "hurdle_poisson": {"hu": 0.4},
    "hurdle_negbinomial": {"hu": 0.4, "shape": 2.5},
}
ETA = np.array([-0.5, 0.4, 1.7])


@pytest.mark.parametrize("name", COUNT_PARAMS)
def test_count_probabilities_sum_to_one_and_match_the_mean(name):
    _, link = bg.families.get_family(name)
    params = {key: np.array(value) for key, value in COUNT_PARAMS[name].items()}
    y = np.arange(400)[:, None]
    likelihood = LIKELIHOODS[name]
    probabilities = np.exp(likelihood.logpdf(y, Mu.of(ETA[None, :], link), params, None))
    np.testing.assert_allclose(probabilities.sum(0), 1.0, atol=1e-10)
    mean = (y * probabilities).sum(0)
    np.testing.assert_allclose(mean, likelihood.mean(Mu.of(ETA, link), params), rtol=1e-8)
    variance = ((y - mean) ** 2 * probabilities).sum(0)
    expected = likelihood.variance(Mu.of(ETA, link), params, None)
    np.testing.assert_allclose(variance, expected, rtol=1e-8)


def test_cumulative_probabilities_sum_to_one():
    _, link = bg.families.get_family("cumulative", "probit")
    params = {"threshold": np.array([[[-1.0, 0.2, 1.5]]])}
    categories = np.arange(1, 5)
    for eta in ETA:
        mu = Mu.of(np.full((1, 4), eta), link)
        log_p = LIKELIHOODS["cumulative"].logpdf(categories, mu, params, None)
        assert np.exp(log_p).sum() == pytest.approx(1.0, abs=1e-12)
        assert np.exp(log_p[0, 0]) == pytest.approx(stats.norm.cdf(-1.0 - eta), rel=1e-10)


def test_censored_weibull_rows_use_the_survival_function():
    _, link = bg.families.get_family("weibull")
    y, shape = np.array([0.5, 2.0]), 1.7
    scale = np.exp(ETA[:2]) / special.gamma(1 + 1 / shape)
    censored = Additions(censored=np.array([0.0, 1.0]))
    mu = Mu.of(ETA[:2], link)
    log_lik = log_likelihood(LIKELIHOODS["weibull"], y, mu, {"shape": shape}, None, censored)
    assert log_lik[0] == pytest.approx(stats.weibull_min.logpdf(0.5, shape, scale=scale[0]))
    assert log_lik[1] == pytest.approx(stats.weibull_min.logsf(2.0, shape, scale=scale[1]))


GRAPH_CASES = {
    "zero_inflated_poisson": ([0, 3, 0], {"zi": 0.3}, None),
    "zero_inflated_negbinomial": ([0, 3, 7], {"zi": 0.3, "shape": 2.5}, None),
    "hurdle_poisson": ([0, 3, 1], {"hu": 0.4}, None),
    "hurdle_negbinomial": ([0, 3, 9], {"hu": 0.4, "shape": 2.5}, None),
    "beta_binomial": ([2, 5, 0], {"phi": 6.0}, np.array([10, 10, 4])),
    "exponential": ([0.4, 2.5, 1.1], {}, np.array([0.0, 1.0, 0.0])),
    "weibull": ([0.4, 2.5, 1.1], {"shape": 1.7}, np.array([0.0, 1.0, 0.0])),
    "inverse_gaussian": ([0.4, 2.5, 1.1], {"shape": 3.0}, None),
    "cumulative": ([1, 3, 4], {"threshold": np.array([-1.0, 0.2, 1.5])}, None),
}


@pytest.mark.parametrize("name", GRAPH_CASES)
def test_graph_density_equals_the_numpy_density(name):
    family, link = bg.families.get_family(name)
    y, params, detail = GRAPH_CASES[name]
    y = np.array(y)
    likelihood = LIKELIHOODS[name]
    trials = detail if family.needs_trials else None
    additions = Additions(censored=detail if family.censorable else None)
    with pm.Model(coords={"obs": range(3)}):
        tensors = {k: pt.as_tensor(np.asarray(v)) for k, v in params.items()}
        mu = Mu.tensor(pt.as_tensor(ETA), link)
        observed = observe("y", likelihood, mu, tensors, trials, y, additions, "obs")
        graph = pm.logp(observed, y).eval()
    numpy_params = {
        key: (value[None, None, :] if key == "threshold" else np.asarray(value))
        for key, value in params.items()
    }
    expected = log_likelihood(likelihood, y, Mu.of(ETA, link), numpy_params, trials, additions)
    np.testing.assert_allclose(np.ravel(graph), np.ravel(expected), rtol=1e-8)


@pytest.mark.parametrize(
    ("name", "link_name", "y", "params", "expected"),
    [
        (
            "gaussian",
            "identity",
            np.array([-1.0, 0.3, 4.0]),
            {"sigma": np.array(1.7)},
            lambda y, mean: stats.norm.logpdf(y, mean, 1.7),
        ),
        (
            "lognormal",
            "identity",
            np.array([0.2, 1.0, 9.0]),
            {"sigma": np.array(0.6)},
            lambda y, mean: stats.lognorm.logpdf(y, 0.6, scale=np.exp(mean)),
        ),
        (
            "poisson",
            "log",
            np.array([0.0, 2.0, 11.0]),
            {},
            lambda y, mean: stats.poisson.logpmf(y, mean),
        ),
    ],
)
def test_closed_form_densities_equal_scipy(name, link_name, y, params, expected):
    """The families whose LOO densities are written out (not scipy.stats, 15x slower on
    large draws x rows arrays) give SciPy's values."""
    _, link = bg.families.get_family(name, link_name)
    mu = Mu.of(ETA, link)
    ours = LIKELIHOODS[name].logpdf(y, mu, params, None)
    np.testing.assert_allclose(ours, expected(y, mu.value), rtol=1e-13)


def test_poisson_with_mean_zero_gives_zero_or_minus_infinity():
    _, link = bg.families.get_family("poisson", "sqrt")
    log_p = LIKELIHOODS["poisson"].logpdf(np.array([0.0, 2.0]), Mu.of(np.zeros(2), link), {}, None)
    assert log_p.tolist() == [0.0, -np.inf]
