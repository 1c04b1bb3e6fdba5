"""Addition terms of the response in fitted models: weights equal to repeated rows, a
random-effects meta-analysis with known standard errors against the exact posterior by
quadrature, truncated responses recovered with their draws and means inside the bounds,
and predictions, predictive checks, LOO and save/load of such fits."""

from unittest import mock

import numpy as np
import pandas as pd
import pytest
from scipy import integrate, stats

import bayesglmm as bg
from tests.conftest import quiet_fit


@pytest.fixture(scope="module")
def weighted_rows():
    """Rows with integer weights and an x whose plain and weighted means are both 0, so
    that the centred slopes of the weighted and the repeated rows agree."""
    rng = np.random.default_rng(1)
    n = 40
    w = rng.integers(1, 4, n).astype(float)
    x = rng.normal(size=n)
    x -= x.mean()
    x -= (w @ x) / (w @ (w - w.mean())) * (w - w.mean())
    g = np.repeat(list("abcdefgh"), 5)
    return pd.DataFrame({"y": rng.normal(size=n), "x": x, "w": w, "g": g})


def test_integer_weights_give_the_log_density_of_repeated_rows(weighted_rows):
    weighted = bg.Model("y | weights(w) ~ x + (1 | g)", weighted_rows, centered=False)
    repeated = weighted_rows.loc[weighted_rows.index.repeat(weighted_rows["w"].astype(int))]
    with mock.patch("bayesglmm.model.collapsible", return_value=False):
        copies = bg.Model("y ~ x + (1 | g)", repeated, priors=weighted.priors, centered=False)
    density, copied = weighted.pymc_model.compile_logp(), copies.pymc_model.compile_logp()
    rng = np.random.default_rng(2)
    start = weighted.pymc_model.initial_point()
    for _ in range(5):
        point = {name: value + rng.normal(size=np.shape(value)) for name, value in start.items()}
        assert density(point) == pytest.approx(copied(point), rel=1e-12)


def test_weighted_log_likelihood_is_the_weight_times_the_rows(weighted_rows):
    fit = quiet_fit(bg.Model("y | weights(w) ~ x", weighted_rows), draws=100, chains=1, seed=3)
    b = fit.posterior["b"].to_numpy()[0]
    sigma = fit.posterior["sigma"].to_numpy()[0]
    mean = b[:, :1] + b[:, 1:] * weighted_rows["x"].to_numpy()
    rows = stats.norm.logpdf(weighted_rows["y"].to_numpy(), mean, sigma[:, None])
    np.testing.assert_allclose(fit.log_likelihood()[0], weighted_rows["w"].to_numpy() * rows)


META = pd.DataFrame(
    {
        "effect": [0.31, 0.12, 0.55, -0.08, 0.42, 0.25, 0.61, 0.18, 0.05, 0.37],
        "se": [0.12, 0.2, 0.25, 0.15, 0.3, 0.1, 0.35, 0.18, 0.22, 0.14],
        "study": [f"s{i}" for i in range(10)],
    }
)


def _exact_meta_posterior(priors) -> dict[str, float]:
    """Posterior means and sds of the mean effect and the between-study sd of
    ``effect_i ~ N(mu, se_i^2 + tau^2)``, by quadrature over (mu, tau)."""
    intercept, tau_prior = priors["Intercept"], priors["sd[study][Intercept]"]
    y, se = META["effect"].to_numpy(), META["se"].to_numpy()

    def density(mu, tau):
        spread = np.sqrt(se**2 + tau**2)
        log = stats.norm.logpdf(y, mu, spread).sum()
        log += stats.t.logpdf(mu, intercept.nu, intercept.mu, intercept.sigma)
        log += np.log(2) + stats.t.logpdf(tau, tau_prior.nu, 0, tau_prior.sigma)
        return np.exp(log + 5)

    limits = {"mu": (-1.5, 2.0), "tau": (0.0, 3.0)}

    def moment(f):
        return integrate.dblquad(
            lambda tau, mu: f(mu, tau) * density(mu, tau),
            *limits["mu"],
            *limits["tau"],
            epsabs=1e-11,
        )[0]

    total = moment(lambda mu, tau: 1.0)
    result = {}
    for name, pick in (("mu", lambda mu, tau: mu), ("tau", lambda mu, tau: tau)):
        first = moment(pick) / total
        second = moment(lambda mu, tau, pick=pick: pick(mu, tau) ** 2) / total
        result[name] = (first, np.sqrt(second - first**2))
    return result


def test_meta_analysis_with_known_standard_errors_matches_the_exact_posterior():
    model = bg.Model("effect | se(se) ~ 1 + (1 | study)", META)
    assert model.family.dispersion_names == ()
    assert "sigma" not in model.priors
    fit = quiet_fit(model, draws=2000, chains=2, seed=5, target_accept=0.95)
    exact = _exact_meta_posterior(model.priors)
    table = fit.summary()
    for label, name in (("b[Intercept]", "mu"), ("sd_study[Intercept]", "tau")):
        mean, sd = exact[name]
        row = table.loc[label]
        mcse = row["sd"] / np.sqrt(row["ess_bulk"])
        assert abs(row["mean"] - mean) < 4 * mcse, (label, row["mean"], mean, mcse)
        assert row["sd"] == pytest.approx(sd, rel=0.15)
    drawn = fit.predict(kind="response", summary=False, seed=1)
    values = drawn["predictions"][fit.observed_name].to_numpy().reshape(-1, len(META))
    # a new effect of a study spreads by its known se around its study's effect
    assert values.std(axis=0)[6] > values.std(axis=0)[5]


def test_known_standard_errors_with_a_residual_sd_recover_it():
    rng = np.random.default_rng(7)
    n = 300
    se = rng.uniform(0.2, 0.8, n)
    x = rng.normal(size=n)
    y = 1.0 + 0.5 * x + rng.normal(0, np.sqrt(0.6**2 + se**2))
    data = pd.DataFrame({"y": y, "x": x, "se": se})
    fit = quiet_fit(bg.Model("y | se(se, sigma = TRUE) ~ x", data), draws=500, chains=2, seed=1)
    table = fit.summary()
    for label, truth in (("b[Intercept]", 1.0), ("b[x]", 0.5), ("sigma", 0.6)):
        assert table.loc[label, "2.5%"] < truth < table.loc[label, "97.5%"], label


@pytest.fixture(scope="module")
def zero_truncated():
    rng = np.random.default_rng(11)
    n = 400
    x = rng.normal(size=n)
    rate = np.exp(0.2 + 0.6 * x)
    counts = rng.poisson(rate)
    while (counts == 0).any():
        zero = counts == 0
        counts[zero] = rng.poisson(rate[zero])
    data = pd.DataFrame({"count": counts, "x": x})
    model = bg.Model("count | trunc(lb = 1) ~ x", data, family="poisson")
    return data, model, quiet_fit(model, draws=500, chains=2, seed=2)


def test_zero_truncated_poisson_recovers_its_coefficients(zero_truncated):
    data, _, fit = zero_truncated
    table = fit.summary()
    for label, truth in (("b[Intercept]", 0.2), ("b[x]", 0.6)):
        assert table.loc[label, "2.5%"] < truth < table.loc[label, "97.5%"], label
    naive = bg.Model("count ~ x", data, family="poisson")
    naive_fit = quiet_fit(naive, draws=300, chains=1, seed=2)
    assert naive_fit.summary().loc["b[Intercept]", "97.5%"] > 0.2 + 0.25


def test_truncated_means_and_draws_stay_inside_the_bounds(zero_truncated):
    _, model, fit = zero_truncated
    means = fit.predict(kind="mean", summary=False)["predictions"][fit.observed_name]
    linear = fit.predict(kind="linpred", summary=False)["predictions"][fit.observed_name]
    rate = np.exp(linear.to_numpy())
    np.testing.assert_allclose(means.to_numpy(), rate / -np.expm1(-rate), rtol=1e-8)
    check = fit.ppc(ndraws=50, seed=3)
    assert check.replicated.min() >= 1
    assert np.array_equal(check.replicated, np.round(check.replicated))
    newdata = pd.DataFrame({"x": [-3.0, 0.0, 3.0]})
    drawn = fit.predict(newdata, kind="response", summary=False, seed=1)
    assert drawn["predictions"][fit.observed_name].to_numpy().min() >= 1
    assert model.prior_predictive(draws=20, seed=1).replicated.min() >= 1


def test_a_truncated_gaussian_with_column_bounds_predicts_with_new_bounds():
    rng = np.random.default_rng(3)
    n = 200
    x = rng.normal(size=n)
    upper = np.where(rng.random(n) < 0.5, 1.0, 2.0)
    mean = 0.5 + x
    y = stats.truncnorm.rvs(-np.inf, (upper - mean) / 0.8, loc=mean, scale=0.8, random_state=4)
    data = pd.DataFrame({"y": y, "x": x, "cap": upper})
    fit = quiet_fit(bg.Model("y | trunc(ub = cap) ~ x", data), draws=400, chains=2, seed=1)
    table = fit.summary()
    for label, truth in (("b[Intercept]", 0.5), ("b[x]", 1.0), ("sigma", 0.8)):
        assert table.loc[label, "2.5%"] < truth < table.loc[label, "97.5%"], label
    with pytest.raises(bg.DataError, match=r"^newdata has no column 'cap' \(used in 'trunc\("):
        fit.predict(pd.DataFrame({"x": [0.0]}))
    newdata = pd.DataFrame({"x": [0.0, 0.0], "cap": [0.0, 10.0]})
    drawn = fit.predict(newdata, kind="response", summary=False, seed=2)
    values = drawn["predictions"][fit.observed_name].to_numpy().reshape(-1, 2)
    assert values[:, 0].max() <= 0.0
    assert values[:, 1].mean() == pytest.approx(0.5, abs=0.15)


def test_fits_with_addition_terms_save_and_load(tmp_path, weighted_rows):
    data = weighted_rows.assign(y=weighted_rows["y"].abs() + 0.1)
    model = bg.Model("y | weights(w) + trunc(lb = 0.05) ~ x", data, family="gamma")
    fit = quiet_fit(model, draws=100, chains=1, seed=4)
    fit.save(tmp_path / "fit.zarr")
    loaded = bg.load(tmp_path / "fit.zarr")
    pd.testing.assert_frame_equal(loaded.summary(), fit.summary())
    np.testing.assert_array_equal(loaded.log_likelihood(), fit.log_likelihood())
    pd.testing.assert_frame_equal(
        loaded.predict(kind="response", seed=1), fit.predict(kind="response", seed=1)
    )
    conjugate = bg.Model("y | weights(w) ~ x", data)
    with pytest.raises(bg.SamplerError, match=r"the response has weights\(\), which the Gibbs"):
        conjugate.fit(sampler="gibbs", progress=False)
