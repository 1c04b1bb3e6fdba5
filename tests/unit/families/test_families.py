"""Family and likelihood registries: NumPy log-likelihoods match the PyMC graph; generators
have the right mean."""

import numpy as np
import pymc as pm
import pytensor.tensor as pt
import pytest

from bayesglmm.backend.likelihoods import (
    LIKELIHOODS,
    Additions,
    Mu,
    Survival,
    log_likelihood,
    observe,
)
from bayesglmm.backend.links import TENSOR_LINKS
from bayesglmm.families import FAMILIES, LINKS, get_family

RNG = np.random.default_rng(2)
ETA = np.array([-1.2, -0.3, 0.1, 0.8, 1.5])
PARAMS = {"sigma": 0.7, "nu": 5.0, "shape": 3.0, "phi": 8.0}
TRIALS = np.array([5.0, 7.0, 10.0, 3.0, 12.0])


def response_for(family_name, link, params):
    family, link = get_family(family_name, link)
    generated = LIKELIHOODS[family.name].random(RNG, Mu.of(ETA, link), params, TRIALS)
    return np.asarray(generated, dtype=float)


CLASSIC = (
    "gaussian",
    "student_t",
    "lognormal",
    "gamma",
    "beta",
    "bernoulli",
    "binomial",
    "poisson",
    "negbinomial",
)
"""Families whose mean is ``g^-1(eta)``; the zero-inflated, hurdle, beta-binomial, survival
and ordinal families are checked in ``test_family_likelihoods.py``."""
CASES = [(name, link) for name in CLASSIC for link in FAMILIES[name].links]


@pytest.mark.parametrize(("family_name", "link_name"), CASES)
def test_numpy_log_likelihood_matches_the_pymc_likelihood(family_name, link_name):
    family, link = get_family(family_name, link_name)
    eta = ETA if link.name not in ("inverse", "identity", "sqrt") else np.abs(ETA) + 0.5
    params = {name: PARAMS[name] for name in family.dispersion_names}
    likelihood = LIKELIHOODS[family.name]
    y = np.asarray(likelihood.random(RNG, Mu.of(eta, link), params, TRIALS), dtype=float)
    if family.support.name == "positive":
        y = np.maximum(y, 1e-3)
    trials = TRIALS if family.needs_trials else None
    with pm.Model(coords={"obs": range(len(y))}) as model:
        observe(
            "y",
            likelihood,
            Mu.tensor(pt.as_tensor(eta), link),
            {k: pt.as_tensor(v) for k, v in params.items()},
            trials,
            y,
            Additions(),
            "obs",
        )
    expected = model.compile_logp(vars=[model["y"]], sum=False)({})[0]
    actual = log_likelihood(likelihood, y, Mu.of(eta, link), params, trials)
    np.testing.assert_allclose(actual, expected, rtol=1e-7, atol=1e-10)


@pytest.mark.parametrize(("family_name", "link_name"), CASES)
def test_random_draws_have_the_family_mean(family_name, link_name):
    family, link = get_family(family_name, link_name)
    eta = np.full(200_000, 0.4)
    params = {name: PARAMS[name] for name in family.dispersion_names}
    trials = np.full(eta.size, 10.0) if family.needs_trials else None
    likelihood = LIKELIHOODS[family.name]
    draws = likelihood.random(np.random.default_rng(5), Mu.of(eta, link), params, trials)
    draws = np.asarray(draws, float)
    mean = link.inverse_np(np.asarray(0.4))
    if family_name == "lognormal":
        mean = np.exp(0.4 + PARAMS["sigma"] ** 2 / 2)
    if family.needs_trials:
        mean = 10 * mean
    assert abs(draws.mean() - mean) < 5 * draws.std() / np.sqrt(draws.size)


@pytest.mark.parametrize("name", ["logit", "probit", "cloglog"])
def test_log_odds_is_stable_far_in_the_tails(name):
    link = LINKS[name]
    moderate = np.array([-3.0, -1.0, 0.0, 0.5, 1.5])
    mu = link.inverse_np(moderate)
    np.testing.assert_allclose(link.log_odds_np(moderate), np.log(mu / (1 - mu)), rtol=1e-9)
    far = np.array([-40.0, -12.0, 6.0, 8.0])
    assert np.isfinite(link.log_odds_np(far)).all()
    symbolic = TENSOR_LINKS[name].log_odds(pt.as_tensor(np.r_[moderate, far])).eval()
    np.testing.assert_allclose(symbolic, link.log_odds_np(np.r_[moderate, far]), rtol=1e-7)


def test_dispersion_parameters_have_brms_names():
    names = {name: family.dispersion_names for name, family in FAMILIES.items()}
    assert names == {
        "gaussian": ("sigma",),
        "student_t": ("sigma", "nu"),
        "lognormal": ("sigma",),
        "gamma": ("shape",),
        "beta": ("phi",),
        "bernoulli": (),
        "binomial": (),
        "poisson": (),
        "negbinomial": ("shape",),
        "zero_inflated_poisson": ("zi",),
        "zero_inflated_negbinomial": ("shape", "zi"),
        "hurdle_poisson": ("hu",),
        "hurdle_negbinomial": ("shape", "hu"),
        "beta_binomial": ("phi",),
        "exponential": (),
        "weibull": ("shape",),
        "inverse_gaussian": ("shape",),
        "cumulative": ("threshold",),
    }


def test_every_family_has_a_likelihood_and_tensor_links_match():
    assert list(LIKELIHOODS) == list(FAMILIES)
    assert list(TENSOR_LINKS) == list(LINKS)
    for name, family in FAMILIES.items():
        assert family.censorable == isinstance(LIKELIHOODS[name], Survival), name
