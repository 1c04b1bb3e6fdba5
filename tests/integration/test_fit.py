"""Fit object: DataTree layout and names, tables, log-likelihood, seeds, printout, warnings."""

import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import bayesglmm as bg
from bayesglmm.results import STAT_COLUMNS
from tests.conftest import quiet_fit

SLEEP = "Reaction ~ Days + (Days | Subject)"
INFECTION = "favorable | trials(n) ~ treatment + (1 | clinic)"


@pytest.fixture(scope="module")
def sleep_fit():
    model = bg.Model(SLEEP, bg.datasets.load("sleepstudy"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", bg.ConvergenceWarning)
        return model.fit(draws=500, tune=500, chains=2, seed=11, progress=False)


@pytest.fixture(scope="module")
def infection_model():
    return bg.Model(INFECTION, bg.datasets.load("infection"), family="binomial")


def test_datatree_has_the_four_groups(sleep_fit):
    assert sorted(sleep_fit.idata.children) == [
        "log_likelihood",
        "observed_data",
        "posterior",
        "sample_stats",
    ]


def test_posterior_names_dims_and_coords(sleep_fit):
    posterior = sleep_fit.idata.posterior
    assert sorted(posterior.data_vars) == ["b", "cor_Subject", "r_Subject", "sd_Subject", "sigma"]
    assert posterior["b"].dims == ("chain", "draw", "coef")
    assert posterior["sd_Subject"].dims == ("chain", "draw", "Subject_term")
    assert posterior["cor_Subject"].dims == ("chain", "draw", "Subject_term", "Subject_term2")
    assert posterior["r_Subject"].dims == ("chain", "draw", "Subject", "Subject_term")
    assert posterior["coef"].values.tolist() == ["Intercept", "Days"]
    assert posterior["Subject_term"].values.tolist() == ["Intercept", "Days"]
    assert posterior["Subject"].values.tolist()[:3] == ["308", "309", "310"]
    correlation = posterior["cor_Subject"].values
    np.testing.assert_allclose(correlation[..., 0, 0], 1.0)
    np.testing.assert_allclose(correlation[..., 0, 1], correlation[..., 1, 0])


def deviations_distribution(model: bg.Model) -> str:
    """The distribution of the sampled deviations of the subjects' effects (their part
    along the intercept is swept into the fixed effects, bayesglmm.backend.sweep):
    multivariate normal rows with the group covariance when centred (``normal_rows``, whose
    forward draw is PyMC's multivariate normal), standard normal if not."""
    variable = model.pymc_model["dev_Subject__0"]
    if variable.owner.op.name == "normal":
        return "normal"
    forward = variable.owner.op.fgraph.outputs[-1].owner.op
    return forward.name


def test_auto_centres_well_informed_subjects_and_false_keeps_them_non_centred():
    data = bg.datasets.load("sleepstudy")
    assert deviations_distribution(bg.Model(SLEEP, data)) == "multivariate_normal"
    assert deviations_distribution(bg.Model(SLEEP, data, centered=False)) == "normal"


def test_centered_option_samples_the_effects_directly():
    model = bg.Model(SLEEP, bg.datasets.load("sleepstudy"), centered=True)
    assert deviations_distribution(model) == "multivariate_normal"


def test_log_likelihood_is_the_gaussian_density_at_each_draw(sleep_fit):
    data = bg.datasets.load("sleepstudy")
    posterior = sleep_fit.idata.posterior
    chain, draw = 1, 123
    b = posterior["b"].values[chain, draw]
    r = posterior["r_Subject"].values[chain, draw]
    sigma = posterior["sigma"].values[chain, draw]
    subject = (
        data["Subject"].astype(str).map({s: i for i, s in enumerate(posterior["Subject"].values)})
    )
    mu = b[0] + b[1] * data["Days"] + r[subject, 0] + r[subject, 1] * data["Days"]
    expected = stats.norm.logpdf(data["Reaction"], mu, sigma)
    actual = sleep_fit.idata.log_likelihood["Reaction"].values[chain, draw]
    np.testing.assert_allclose(actual, expected, rtol=1e-10)
    np.testing.assert_array_equal(
        sleep_fit.idata.observed_data["Reaction"].values, data["Reaction"]
    )


def test_tables_have_the_promised_columns_and_rows(sleep_fit):
    assert sleep_fit.fixef().columns.tolist() == STAT_COLUMNS
    assert sleep_fit.fixef().index.tolist() == ["Intercept", "Days"]
    varcorr = sleep_fit.varcorr()
    assert varcorr.columns.tolist() == ["group", "term", "term2", *STAT_COLUMNS]
    assert varcorr[["group", "term", "term2"]].values.tolist() == [
        ["Subject", "Intercept", ""],
        ["Subject", "Days", ""],
        ["Subject", "Intercept", "Days"],
        ["Residual", "sigma", ""],
    ]
    assert sleep_fit.ranef().index.names == ["group", "level", "term"]
    assert len(sleep_fit.ranef()) == 36
    assert sleep_fit.summary().index.tolist() == [
        "b[Intercept]",
        "b[Days]",
        "sd_Subject[Intercept]",
        "sd_Subject[Days]",
        "cor_Subject[Intercept,Days]",
        "sigma",
    ]


def test_table_statistics_are_computed_from_the_draws(sleep_fit):
    draws = sleep_fit.idata.posterior["b"].sel(coef="Days").values.ravel()
    row = sleep_fit.fixef().loc["Days"]
    assert row["mean"] == pytest.approx(draws.mean(), rel=1e-12)
    assert row["sd"] == pytest.approx(draws.std(ddof=1), rel=1e-12)
    assert row["2.5%"] == pytest.approx(np.quantile(draws, 0.025), rel=1e-12)
    assert row["97.5%"] == pytest.approx(np.quantile(draws, 0.975), rel=1e-12)


def test_coef_adds_fixed_and_group_effects_drawwise(sleep_fit):
    posterior = sleep_fit.idata.posterior
    level = "309"
    slope = posterior["b"].sel(coef="Days") + posterior["r_Subject"].sel(
        Subject=level, Subject_term="Days"
    )
    row = sleep_fit.coef().loc[("Subject", level, "Days")]
    assert row["mean"] == pytest.approx(float(slope.mean()), rel=1e-12)
    assert row["sd"] == pytest.approx(float(slope.std(ddof=1)), rel=1e-12)


def test_printout_follows_brms(sleep_fit):
    text = repr(sleep_fit)
    for piece in [
        " Family: gaussian",
        "  Links: mu = identity",
        "Formula: Reaction ~ Days + (Days | Subject)",
        "   Data: 180 observations",
        "Multilevel Hyperparameters:",
        "~Subject (Number of levels: 18)",
        "sd(Intercept)",
        "cor(Intercept,Days)",
        "Regression Coefficients:",
        "Further Distributional Parameters:",
        "Estimate Est.Error l-95% CI u-95% CI Rhat Bulk_ESS Tail_ESS",
    ]:
        assert piece in text


@pytest.mark.filterwarnings("ignore::bayesglmm.ConvergenceWarning")
def test_same_seed_gives_identical_draws(infection_model):
    first = infection_model.fit(draws=200, tune=200, chains=2, seed=5, progress=False)
    second = infection_model.fit(draws=200, tune=200, chains=2, seed=5, progress=False)
    for name in first.idata.posterior.data_vars:
        np.testing.assert_array_equal(
            first.idata.posterior[name].values, second.idata.posterior[name].values
        )
    other = infection_model.fit(draws=200, tune=200, chains=2, seed=6, progress=False)
    assert not np.array_equal(first.idata.posterior["b"].values, other.idata.posterior["b"].values)


def test_short_runs_warn_with_a_remedy(infection_model):
    with pytest.warns(bg.ConvergenceWarning) as caught:
        fit = infection_model.fit(draws=30, tune=30, chains=2, seed=3, progress=False)
    messages = [str(w.message) for w in caught]
    assert any(
        m.startswith("bulk ESS is below 400 for") and "fit(draws=2000)" in m for m in messages
    )
    assert fit.warnings == [m for m in messages if m in fit.warnings]
    assert "\nWarnings:\n  * " in repr(fit)
    assert "\n  * bulk ESS is below 400 for" in repr(fit)


def test_divergences_are_reported_with_target_accept_advice():
    sample_stats = pd.DataFrame({"rhat": [1.0], "ess_bulk": [1000.0]}, index=["b[x]"])
    import xarray as xr

    from bayesglmm.results.diagnostics import convergence_messages

    diverging = np.zeros((2, 100), bool)
    diverging[0, :3] = True
    [message] = convergence_messages(
        sample_stats, xr.Dataset({"diverging": (("chain", "draw"), diverging)})
    )
    assert message.startswith("3 of 200 post-warm-up transitions diverged")
    assert "fit(target_accept=0.95)" in message and "centered=" in message


def test_pymc_sampler_agrees_with_nutpie(infection_model):
    nutpie_fit = infection_model.fit(draws=1000, tune=1000, chains=2, seed=2, progress=False)
    pymc_fit = infection_model.fit(
        draws=1000, tune=1000, chains=2, seed=2, sampler="pymc", progress=False
    )
    a, b = nutpie_fit.fixef(), pymc_fit.fixef()
    mcse = np.sqrt(a["sd"] ** 2 / a["ess_bulk"] + b["sd"] ** 2 / b["ess_bulk"])
    assert (np.abs(a["mean"] - b["mean"]) < 4 * mcse).all()
    assert pymc_fit.idata.posterior["b"].dims == ("chain", "draw", "coef")


def test_set_data_refits_without_recompiling():
    data = bg.datasets.load("sleepstudy")
    model = bg.Model(SLEEP, data)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", bg.ConvergenceWarning)
        model.fit(draws=50, tune=50, chains=1, seed=1, progress=False)
        compiled = model._prepared["nutpie", "numba"]
        subset = data[data["Subject"].astype(str).isin(["308", "309", "310", "330", "331"])]
        model.set_data(subset.assign(Reaction=subset["Reaction"] + 1000))
        fit = model.fit(draws=300, tune=300, chains=2, seed=1, progress=False)
    assert model._prepared["nutpie", "numba"] is compiled
    assert fit.idata.posterior["Subject"].values.tolist() == ["308", "309", "310", "330", "331"]
    assert fit.spec.n_obs == 50
    assert fit.fixef().loc["Intercept", "mean"] > 1100


@pytest.mark.parametrize("sampler", ["gibbs", "auto"])
def test_set_data_reaches_the_gibbs_sampler(sampler):
    """The Gibbs set-up holds the data: after set_data it samples the new data, not the old."""
    data = bg.datasets.load("sleepstudy")
    model = bg.Model(SLEEP, data)
    options = {"draws": 200, "tune": 200, "chains": 1, "seed": 1, "sampler": sampler}
    quiet_fit(model, **options)
    model.set_data(data.assign(Reaction=data["Reaction"] + 1000))
    assert quiet_fit(model, **options).fixef().loc["Intercept", "mean"] > 1100


def test_set_data_refuses_a_different_structure():
    data = bg.datasets.load("epil")
    model = bg.Model("y ~ trt + (1 | subject)", data, family="poisson")
    third = np.where(np.arange(len(data)) % 3 == 0, "other", data["trt"].astype(str))
    with pytest.raises(bg.DataError, match="the new data change the model's fixed-effect columns"):
        model.set_data(data.assign(trt=third))
