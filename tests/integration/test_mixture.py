"""Finite mixtures bg.mixture(...) end to end: recovery of a two-component gaussian
mixture with a covariate, a Poisson mixture whose proportions depend on a covariate,
random intercepts per component, LOO, predictions, checks, save/load and the report."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xarray as xr

import bayesglmm as bg
from bayesglmm.errors import FamilyError

TRUE = {
    "Intercept": 0.0,
    "Intercept_mu2": 5.0,
    "slope": 0.8,
    "sigma1": 1.0,
    "sigma2": 0.7,
    "theta2": 0.3,
}


def _gaussian_data(n=400, seed=12):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    second = rng.random(n) < TRUE["theta2"]
    mu = np.where(second, TRUE["Intercept_mu2"], TRUE["Intercept"]) + TRUE["slope"] * x
    sigma = np.where(second, TRUE["sigma2"], TRUE["sigma1"])
    return pd.DataFrame({"y": mu + sigma * rng.standard_normal(n), "x": x})


@pytest.fixture(scope="module")
def data():
    return _gaussian_data()


@pytest.fixture(scope="module")
def fit(data):
    model = bg.Model("y ~ x", data, family=bg.mixture("gaussian", "gaussian"))
    return model.fit(draws=400, tune=400, chains=2, seed=5, progress=False)


def _check(draws: xr.DataArray, true: float) -> None:
    values = draws.to_numpy().ravel()
    low, high = np.quantile(values, [0.025, 0.975])
    assert low < true < high
    assert abs(values.mean() - true) < 3 * values.std()


def test_gaussian_mixture_recovers_every_parameter(fit):
    post = fit.posterior
    _check(post["b"].sel(coef="Intercept"), TRUE["Intercept"])
    _check(post["b_mu2"].sel(coef_mu2="Intercept"), TRUE["Intercept_mu2"])
    _check(post["b"].sel(coef="x"), TRUE["slope"])
    _check(post["b_mu2"].sel(coef_mu2="x"), TRUE["slope"])
    _check(post["sigma1"], TRUE["sigma1"])
    _check(post["sigma2"], TRUE["sigma2"])
    _check(post["theta"].sel(component="2"), TRUE["theta2"])
    np.testing.assert_allclose(post["theta"].sum("component"), 1.0)

    def centred(b, dim):  # the intercepts at the mean of x, which order="mu" orders
        return b.sel({dim: "Intercept"}) + b.sel({dim: "x"}) * x_mean

    x_mean = fit.spec.data["x"].mean()
    assert bool((centred(post["b"], "coef") < centred(post["b_mu2"], "coef_mu2")).all())


def test_printout_names_rows_as_brms(fit):
    table = fit.fixef()
    assert list(table.index) == ["mu1_Intercept", "mu1_x", "mu2_Intercept", "mu2_x"]
    text = str(fit)
    assert "Links: mu1 = identity; mu2 = identity" in text
    for label in ("sigma1", "sigma2", "theta1", "theta2", "mixture(gaussian, gaussian)"):
        assert label in text
    summary = fit.summary()
    assert {"theta1", "theta2", "b_mu2[x]", "b[Intercept]"} <= set(summary.index)


def test_loo_prefers_the_mixture_to_one_gaussian(fit, data):
    single = bg.Model("y ~ x", data).fit(draws=300, tune=300, chains=2, seed=5, progress=False)
    mixed, plain = fit.loo(), single.loo()
    assert np.isfinite(mixed.elpd)
    assert mixed.elpd - plain.elpd > 4 * np.hypot(mixed.se, plain.se) / 2


def test_predictions_on_new_data_are_the_mixture_mean(fit):
    new = pd.DataFrame({"x": [-1.0, 0.0, 2.0]})
    predicted = fit.predict(new)
    post = fit.posterior.stack(sample=("chain", "draw"))
    theta = post["theta"].sel(component="2").to_numpy()
    for i, x in enumerate(new["x"]):
        mu1 = post["b"].sel(coef="Intercept").to_numpy() + post["b"].sel(coef="x").to_numpy() * x
        mu2 = post["b_mu2"].sel(coef_mu2="Intercept").to_numpy() + (
            post["b_mu2"].sel(coef_mu2="x").to_numpy() * x
        )
        expected = np.mean((1 - theta) * mu1 + theta * mu2)
        assert predicted["mean"].iloc[i] == pytest.approx(expected, rel=1e-10)
    drawn = fit.predict(new, kind="response", seed=1)
    assert drawn["sd"].iloc[0] > predicted["sd"].iloc[0]


def test_posterior_predictive_check_is_bimodal_like_the_data(fit, data):
    check = fit.ppc(ndraws=100, seed=2)
    assert check.replicated.shape == (100, len(data))
    share_high = (check.replicated > 2.5).mean()
    assert share_high == pytest.approx((data["y"] > 2.5).mean(), abs=0.05)


def test_save_load_round_trip(fit, tmp_path):
    fit.save(tmp_path / "mixture.zarr")
    loaded = bg.load(tmp_path / "mixture.zarr")
    assert loaded.family == fit.family
    xr.testing.assert_equal(loaded.posterior, fit.posterior)
    pd.testing.assert_frame_equal(loaded.fixef(), fit.fixef())
    pd.testing.assert_frame_equal(loaded.predict(), fit.predict())


def test_report_is_written(fit, tmp_path):
    path = fit.report(tmp_path / "mixture.html")
    text = path.read_text()
    assert "theta2" in text and "mu2_Intercept" in text


def test_gibbs_is_refused_and_auto_picks_nuts(data):
    model = bg.Model("y ~ x", data, family=bg.mixture("gaussian", "gaussian"))
    with pytest.raises(bg.SamplerError, match="is not conditionally conjugate"):
        model.fit(sampler="gibbs", draws=10, tune=10, chains=1, progress=False)


def test_unsupported_addition_terms_are_refused(data):
    with pytest.raises(bg.BayesGLMMError, match="trunc"):
        bg.Model("y | trunc(lb = -10) ~ x", data, family=bg.mixture("gaussian", nmix=2))
    with pytest.raises(FamilyError, match="cannot take family 'cumulative'"):
        bg.Model("y ~ x", data, family=bg.mixture("cumulative", nmix=2))


def test_poisson_mixture_with_modelled_proportions():
    rng = np.random.default_rng(3)
    n = 500
    x = rng.normal(size=n)
    theta2 = 1 / (1 + np.exp(-(-0.5 + 1.5 * x)))
    second = rng.random(n) < theta2
    data = pd.DataFrame({"y": rng.poisson(np.where(second, 12.0, 1.5)), "x": x})
    model = bg.Model(bg.formula("y ~ 1", "theta2 ~ x"), data, family=bg.mixture("poisson", nmix=2))
    assert model.family.dispersion_names == ("mu2", "theta2")
    fit = model.fit(draws=300, tune=400, chains=2, seed=4, progress=False)
    post = fit.posterior
    checked = {
        "b_mu1": (post["b"].sel(coef="Intercept"), np.log(1.5)),
        "b_mu2": (post["b_mu2"].sel(coef_mu2="Intercept"), np.log(12.0)),
        "theta2_Intercept": (post["b_theta2"].sel(coef_theta2="Intercept"), -0.5),
        "theta2_x": (post["b_theta2"].sel(coef_theta2="x"), 1.5),
    }
    for draws, true in checked.values():
        chains = draws.mean("draw").to_numpy()
        assert abs(chains[0] - chains[1]) < 0.5 * float(draws.std())  # the chains agree
        _check(draws, true)
    assert "theta2_x" in fit.fixef().index
    assert "Links: mu1 = log; theta2 = softmax; mu2 = log" in str(fit)
    assert np.isfinite(fit.loo().elpd)


def test_group_intercepts_are_per_component(data):
    """Each component's mean gets its own effects of (1 | g), as in brms. With few groups
    such fits mix slowly (the chains of a Poisson mixture with ten groups disagreed), so
    this checks the structure, not recovery."""
    grouped = data.assign(g=np.tile(list("abcdefgh"), len(data) // 8))
    model = bg.Model("y ~ x + (1 | g)", grouped, family=bg.mixture("gaussian", "gaussian"))
    fit = model.fit(draws=200, tune=300, chains=2, seed=6, progress=False)
    assert {"r_g", "r_g__mu2", "sd_g", "sd_g__mu2"} <= set(fit.posterior.data_vars)
    assert set(fit.varcorr()["group"]) == {"g", "g__mu2"}
    assert np.isfinite(fit.loo().elpd)


REFERENCE = Path(__file__).resolve().parents[1] / "reference" / "mixture"


def test_old_faithful_matches_brms():
    """brms 2.18's mixture(gaussian, gaussian) on the eruption lengths, same priors
    (tests/reference/mixture/make_reference.R): posterior means within 0.5 posterior sd."""
    reference = json.loads((REFERENCE / "faithful.json").read_text())
    brms = {row["variable"]: row for row in reference["summary"]}
    data = pd.read_csv(REFERENCE / "faithful.csv")
    priors = {
        "Intercept": bg.priors.Normal(2, 1),
        "Intercept_mu2": bg.priors.Normal(4.5, 1),
        "sigma1": bg.priors.HalfNormal(1),
        "sigma2": bg.priors.HalfNormal(1),
        "theta": bg.priors.Dirichlet([1, 1]),
    }
    model = bg.Model(
        "eruptions ~ 1", data, family=bg.mixture("gaussian", "gaussian"), priors=priors
    )
    fit = model.fit(draws=1000, tune=1000, chains=2, seed=3, progress=False)
    post = fit.posterior
    ours = {
        "b_mu1_Intercept": post["b"].sel(coef="Intercept"),
        "b_mu2_Intercept": post["b_mu2"].sel(coef_mu2="Intercept"),
        "sigma1": post["sigma1"],
        "sigma2": post["sigma2"],
        "theta1": post["theta"].sel(component="1"),
        "theta2": post["theta"].sel(component="2"),
    }
    for name, draws in ours.items():
        gap = abs(float(draws.mean()) - brms[name]["mean"]) / brms[name]["sd"]
        assert gap < 0.5, (name, gap)
