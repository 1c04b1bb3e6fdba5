"""Simulation-based calibration harness (``benchmarks/sbc.py``): its mechanics on a few
simulations, and (``-m slow``) calibration of every family group and sampler."""

from dataclasses import replace

import numpy as np
import pytest
from scipy import special, stats

from benchmarks import sbc

QUICK = sbc.Draws(thin=1, max_thin=1, tune=100)
"""Short fits: enough to check the mechanics and to flag a grossly wrong likelihood."""
SIMS = 20


@pytest.fixture(scope="module")
def gaussian_runs() -> dict[str, sbc.Result]:
    return {
        case.name: sbc.run(case, "gibbs", SIMS, seed=3, draws=QUICK)
        for case in (sbc.CASES["gaussian"], sbc.WRONG_SIGMA)
    }


def test_ranks_are_integers_in_range_and_histograms_count_every_simulation(gaussian_runs):
    names = ["b[Intercept]", "b[x]", "sd_g[Intercept]", "sigma", "r_g[0]", "loglik"]
    for result in gaussian_runs.values():
        ranks = result.ranks
        assert list(ranks.columns) == names
        assert len(ranks) == SIMS
        assert all(np.issubdtype(dtype, np.integer) for dtype in ranks.dtypes)
        assert ranks.min().min() >= 0 and ranks.max().max() <= sbc.KEPT
        for column in ranks:
            counts = sbc.bin_counts(ranks[column].to_numpy())
            assert counts.shape == (sbc.BINS,) and counts.sum() == SIMS
        p_values = sbc.uniformity(ranks)
        assert ((p_values >= 0) & (p_values <= 1)).all().all()


def test_wrong_likelihood_is_flagged(gaussian_runs):
    """Data with twice the model's residual sd: sigma and the log-likelihood fail both tests."""
    p_values = sbc.uniformity(gaussian_runs["gaussian_wrong_sigma"].ranks)
    assert (p_values.loc[["sigma", "loglik"]] < 0.01).all().all(), p_values.round(4).to_dict()


def test_the_same_data_and_draws_for_the_same_seed(gaussian_runs):
    again = sbc.run(sbc.CASES["gaussian"], "gibbs", 2, seed=3, draws=QUICK)
    assert again.ranks.equals(gaussian_runs["gaussian"].ranks.iloc[:2])


def _cumulative(y, eta, p):
    bounds = np.concatenate([[-np.inf], p["threshold"], [np.inf]])
    position = y.cat.codes.to_numpy() + 1
    return np.log(special.expit(bounds[position] - eta) - special.expit(bounds[position - 1] - eta))


def _hurdle_poisson(y, eta, p):
    mean = np.exp(eta)
    positive = np.log1p(-p["hu"]) + stats.poisson.logpmf(y, mean) - np.log(-np.expm1(-mean))
    return np.where(y == 0, np.log(p["hu"]), positive)


def _weibull(y, eta, p, censored):
    scale = np.exp(eta) / special.gamma(1 + 1 / p["shape"])
    events = stats.weibull_min.logpdf(y, p["shape"], scale=scale)
    return np.where(censored == 1, stats.weibull_min.logsf(y, p["shape"], scale=scale), events)


LOG_LIKELIHOOD = {
    "gaussian": lambda d, eta, p: stats.norm.logpdf(d["y"], eta, p["sigma"]),
    "binomial": lambda d, eta, p: stats.binom.logpmf(d["y"], d["n"], special.expit(eta)),
    "negbinomial": lambda d, eta, p: stats.nbinom.logpmf(
        d["y"], p["shape"], p["shape"] / (p["shape"] + np.exp(eta))
    ),
    "beta": lambda d, eta, p: stats.beta.logpdf(
        d["y"], special.expit(eta) * p["phi"], special.expit(-eta) * p["phi"]
    ),
    "cumulative": lambda d, eta, p: _cumulative(d["y"], eta, p),
    "hurdle_poisson": lambda d, eta, p: _hurdle_poisson(d["y"].to_numpy(), eta, p),
    "weibull": lambda d, eta, p: _weibull(d["y"].to_numpy(), eta, p, d["c"].to_numpy()),
    "bernoulli": lambda d, eta, p: stats.bernoulli.logpmf(d["y"], special.expit(eta)),
    "poisson": lambda d, eta, p: stats.poisson.logpmf(d["y"], np.exp(eta)),
    "gamma": lambda d, eta, p: stats.gamma.logpdf(
        d["y"], p["shape"], scale=np.exp(eta) / p["shape"]
    ),
    "zero_inflated_poisson": lambda d, eta, p: np.where(
        d["y"] == 0,
        np.logaddexp(np.log(p["zi"]), np.log1p(-p["zi"]) - np.exp(eta)),
        np.log1p(-p["zi"]) + stats.poisson.logpmf(d["y"], np.exp(eta)),
    ),
    "exponential": lambda d, eta, p: _weibull(
        d["y"].to_numpy(), eta, {"shape": 1.0}, d["c"].to_numpy()
    ),
}
"""Log-likelihood per row of each case's family, written here with SciPy."""


@pytest.mark.parametrize("name", list(sbc.CASES))
def test_truth_is_laid_out_like_the_posterior(name):
    """The truth's log-likelihood through the posterior code path equals one computed here
    from the simulated linear predictor (so intercept centring and layout agree)."""
    case = sbc.CASES[name]
    data, truth = sbc.simulate(case, np.random.default_rng(5))
    model = sbc.build_model(case, data)
    values = sbc.quantities(sbc.truth_dataset(truth, model.spec), model)
    assert all(v.shape == (1,) for v in values.values())
    assert values[f"r_g[{model.spec.groups[0].levels[0]}]"][0] == truth["r_g"][0, 0]
    b = truth["b"]
    eta = (b[0] + b[1] * data["x"] if b.size == 2 else b[0] * data["x"]).to_numpy()
    eta = eta + truth["r_g"][data["g"].to_numpy(), 0]
    params = {k: v for k, v in truth.items() if k not in ("b", "sd_g", "r_g")}
    expected = np.sum(LOG_LIKELIHOOD[case.family](data, eta, params))
    np.testing.assert_allclose(values["loglik"][0], expected, rtol=1e-8)


def test_uniformity_tests_tell_uniform_from_piled_ranks():
    uniform = np.arange(SIMS) * (sbc.KEPT + 1) // SIMS
    piled = np.zeros(SIMS, dtype=int)
    assert sbc.chi_square_p(uniform) > 0.99 and sbc.ecdf_p(uniform) > 0.9
    assert sbc.chi_square_p(piled) < 1e-10 and sbc.ecdf_p(piled) < 1e-4
    z, low, high = sbc.ecdf_band(SIMS)
    assert z.shape == low.shape == high.shape == (sbc.KEPT,)
    assert (low < 0).all() and (high > 0).all()


def test_every_parameter_needs_an_explicit_prior():
    case = sbc.CASES["gaussian"]
    data, _ = sbc.simulate(case, np.random.default_rng(0))
    no_sigma = {key: prior for key, prior in case.priors.items() if key != "sigma"}
    with pytest.raises(ValueError, match="explicit prior"):
        sbc.build_model(replace(case, priors=no_sigma), data)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("name", "sampler"),
    [(name, sampler) for name, case in sbc.CASES.items() for sampler in case.samplers],
)
def test_rank_histograms_are_uniform(name, sampler):
    """100 prior draws per family group and sampler: no quantity fails uniformity at 0.1%."""
    result = sbc.run(sbc.CASES[name], sampler, sims=100, seed=1)
    p_values = sbc.uniformity(result.ranks)
    assert (p_values > 0.001).all().all(), p_values.round(4).to_dict()


def test_the_batch_engine_ranks_as_the_loop_does(dask_client):
    case = sbc.CASES["gaussian"]
    result = sbc.run_batch(case, "gibbs", 4, seed=3, draws=QUICK, client=dask_client)
    loop = sbc.run(case, "gibbs", 4, seed=3, draws=QUICK)
    assert result.ranks.columns.tolist() == loop.ranks.columns.tolist()
    assert result.ranks.shape == (4, loop.ranks.shape[1])
    assert result.ranks.to_numpy().min() >= 0 and result.ranks.to_numpy().max() <= sbc.KEPT
    assert result.thin.tolist() == [1, 1, 1, 1]
    assert (result.seconds > 0).all()
