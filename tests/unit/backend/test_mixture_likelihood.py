"""The mixture likelihood against SciPy: log density (NumPy and graph), draws, moments."""

import numpy as np
import pymc as pm
import pytest
from scipy import special, stats

import bayesglmm as bg
from bayesglmm.backend.likelihoods import Additions, Mu, likelihood_of, log_likelihood
from bayesglmm.families import LINKS
from bayesglmm.families.mixture import for_formulas

THETA = np.array([0.3, 0.7])

CASES = [
    (
        ("gaussian", "student_t"),
        "identity",
        np.array([-1.0, 0.5, 3.0]),
        (0.0, 2.0),
        {"sigma1": 1.5, "sigma2": 0.7, "nu2": 4.0},
        lambda y, m, p: [
            stats.norm.logpdf(y, m[0], 1.5),
            stats.t.logpdf(y, 4.0, m[1], 0.7),
        ],
    ),
    (
        ("poisson", "negbinomial"),
        "log",
        np.array([0.0, 3.0, 12.0]),
        (np.log(2.0), np.log(9.0)),
        {"shape2": 3.0},
        lambda y, m, p: [
            stats.poisson.logpmf(y, np.exp(m[0])),
            stats.nbinom.logpmf(y, 3.0, 3.0 / (3.0 + np.exp(m[1]))),
        ],
    ),
    (
        ("gamma", "gamma"),
        "log",
        np.array([0.2, 1.0, 6.0]),
        (np.log(0.5), np.log(4.0)),
        {"shape1": 2.0, "shape2": 5.0},
        lambda y, m, p: [
            stats.gamma.logpdf(y, 2.0, scale=np.exp(m[0]) / 2.0),
            stats.gamma.logpdf(y, 5.0, scale=np.exp(m[1]) / 5.0),
        ],
    ),
]


def _setup(names, link, etas, own, theta=THETA):
    likelihood = likelihood_of(bg.mixture(*names))
    mu = Mu.of(np.full(3, etas[0]), LINKS[link])
    params = {"mu2": np.full(3, etas[1]), **own, "theta": theta}
    return likelihood, mu, params


@pytest.mark.parametrize(("names", "link", "y", "etas", "own", "reference"), CASES)
def test_log_density_is_logsumexp_of_the_components(names, link, y, etas, own, reference):
    likelihood, mu, params = _setup(names, link, etas, own)
    expected = special.logsumexp(np.log(THETA)[:, None] + np.array(reference(y, etas, own)), axis=0)
    np.testing.assert_allclose(likelihood.logpdf(y, mu, params, None), expected, rtol=1e-10)
    weighted = log_likelihood(likelihood, y, mu, params, None, Additions(weights=np.full(3, 2.0)))
    np.testing.assert_allclose(weighted, 2 * expected, rtol=1e-10)
    tensor_mu = Mu.tensor(np.full(3, etas[0]), LINKS[link])
    graph = pm.logp(likelihood.pymc(tensor_mu, params, None), y).eval()
    # PyTensor's own component densities (its Student-t's log-gamma terms) differ from
    # SciPy's in the ninth digit; the mixing over them is exact.
    np.testing.assert_allclose(graph, expected, rtol=1e-8)
    components = [
        pm.logp(component.pymc(at, own_params, None), y).eval()
        for component, at, own_params in likelihood._parts(tensor_mu, params)
    ]
    exact = special.logsumexp(np.log(THETA)[:, None] + np.array(components), axis=0)
    np.testing.assert_allclose(graph, exact, rtol=1e-10)


def test_modelled_proportions_are_a_softmax_against_component_one():
    names, link, y, etas, own, reference = CASES[0]
    odds = np.array([-1.0, 0.0, 2.0])
    likelihood = likelihood_of(for_formulas(bg.mixture(*names), ["theta2"]))
    params = {"mu2": np.full(3, etas[1]), **own, "theta2": odds}
    mu = Mu.of(np.full(3, etas[0]), LINKS[link])
    theta2 = special.expit(odds)
    expected = np.logaddexp(
        np.log1p(-theta2) + reference(y, etas, own)[0], np.log(theta2) + reference(y, etas, own)[1]
    )
    np.testing.assert_allclose(likelihood.logpdf(y, mu, params, None), expected, rtol=1e-10)
    graph = pm.logp(likelihood.pymc(Mu.tensor(mu.eta, LINKS[link]), params, None), y).eval()
    np.testing.assert_allclose(graph, expected, rtol=1e-8)  # PyTensor's Student-t, as above


@pytest.mark.parametrize(("names", "link", "y", "etas", "own", "reference"), CASES)
def test_draws_have_the_mixture_moments(names, link, y, etas, own, reference):
    likelihood = likelihood_of(bg.mixture(*names))
    n = 200_000
    mu = Mu.of(np.full(n, etas[0]), LINKS[link])
    params = {"mu2": np.full(n, etas[1]), **own, "theta": THETA}
    draws = likelihood.random(np.random.default_rng(3), mu, params, None)
    mean = likelihood.mean(mu, params)[0]
    variance = likelihood.variance(mu, params, None)[0]
    assert abs(draws.mean() - mean) < 4 * np.sqrt(variance / n)
    if "student_t" not in names:  # nu = 4: the sample variance has no finite variance
        fourth = np.mean((draws - draws.mean()) ** 4)
        assert abs(draws.var() - variance) < 4 * np.sqrt((fourth - variance**2) / n)


def test_mean_and_variance_formulas():
    likelihood, mu, params = _setup(
        ("gaussian", "gaussian"), "identity", (0.0, 4.0), {"sigma1": 1.0, "sigma2": 2.0}
    )
    mean = 0.3 * 0.0 + 0.7 * 4.0
    second = 0.3 * (1.0 + 0.0) + 0.7 * (4.0 + 16.0)
    np.testing.assert_allclose(likelihood.mean(mu, params), mean)
    np.testing.assert_allclose(likelihood.variance(mu, params, None), second - mean**2)
    means = likelihood.component_means(mu, params)
    np.testing.assert_allclose([m[0] for m in means], [0.0, 4.0])
