"""Distributional regression: family parameters with their own fixed and random terms.

Recovery of simulated truths for a heteroscedastic gaussian (``sigma ~ x + (1 | g)``) and a
zero-inflated Poisson (``zi ~ z + (1 | g)``), then predictions, summaries, priors and saving
on the second fit; published references are in ``test_family_references.py``.
"""

import numpy as np
import pandas as pd
import pytest
from scipy import special

import bayesglmm as bg
from tests.conftest import quiet_fit

GROUPS, PER_GROUP = 40, 15


def grouped_predictors(seed: int) -> tuple[np.random.Generator, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    rows = GROUPS * PER_GROUP
    frame = pd.DataFrame(
        {
            "g": np.repeat([f"g{i:02d}" for i in range(GROUPS)], PER_GROUP),
            "x": rng.normal(size=rows),
            "z": rng.normal(size=rows),
        }
    )
    return rng, frame


def assert_recovered(fit: bg.Fit, truth: dict[str, float]) -> None:
    """Every true value within 3 posterior sds of its posterior mean: one simulated dataset
    puts some truths near a 95% interval's edge, where Monte Carlo error alone decides."""
    summary = fit.summary()
    for name, value in truth.items():
        row = summary.loc[name]
        assert abs(row["mean"] - value) < 3 * row["sd"], (name, value, row["mean"], row["sd"])


SIGMA_TRUTH = {
    "b[Intercept]": 1.0,
    "b[x]": 0.5,
    "sd_g[Intercept]": 0.8,
    "b_sigma[Intercept]": -0.3,
    "b_sigma[x]": 0.4,
    "sd_g__sigma[Intercept]": 0.3,
}


def test_gaussian_sigma_with_its_own_slope_and_group_effect_is_recovered():
    rng, frame = grouped_predictors(13)
    g = frame["g"].str[1:].astype(int).to_numpy()
    mean_effects = rng.normal(0, SIGMA_TRUTH["sd_g[Intercept]"], GROUPS)
    sigma_effects = rng.normal(0, SIGMA_TRUTH["sd_g__sigma[Intercept]"], GROUPS)
    mean = 1.0 + 0.5 * frame["x"] + mean_effects[g]
    sigma = np.exp(-0.3 + 0.4 * frame["x"] + sigma_effects[g])
    data = frame.assign(y=rng.normal(mean, sigma))
    model = bg.Model(bg.formula("y ~ x + (1 | g)", sigma="~ x + (1 | g)"), data)
    assert_recovered(quiet_fit(model, draws=1000, tune=1000, chains=2, seed=3), SIGMA_TRUTH)


ZI_TRUTH = {
    "b[Intercept]": 0.8,
    "b[x]": 0.4,
    "sd_g[Intercept]": 0.5,
    "b_zi[Intercept]": -0.5,
    "b_zi[z]": 1.0,
    "sd_g__zi[Intercept]": 0.7,
}


LINKED_TRUTH = {
    "b[Intercept]": 1.0,
    "b[x]": 0.5,
    "sd_g[Intercept]": 0.8,
    "b_sigma[Intercept]": -0.3,
    "sd_g__sigma[Intercept]": 0.4,
    "cor_g__id_p[Intercept,sigma_Intercept]": 0.6,
}


@pytest.fixture(scope="module")
def linked_fit() -> bg.Fit:
    """Group effects on the mean and on sigma correlated through the ID ``p``."""
    rng, frame = grouped_predictors(21)
    g = frame["g"].str[1:].astype(int).to_numpy()
    rho = LINKED_TRUTH["cor_g__id_p[Intercept,sigma_Intercept]"]
    sds = np.array([LINKED_TRUTH["sd_g[Intercept]"], LINKED_TRUTH["sd_g__sigma[Intercept]"]])
    effects = rng.multivariate_normal([0, 0], np.outer(sds, sds) * [[1, rho], [rho, 1]], GROUPS)
    mean = 1.0 + 0.5 * frame["x"] + effects[g, 0]
    sigma = np.exp(-0.3 + effects[g, 1])
    data = frame.assign(y=rng.normal(mean, sigma))
    model = bg.Model(bg.formula("y ~ x + (1 | p | g)", sigma="~ 1 + (1 | p | g)"), data)
    return quiet_fit(model, draws=1000, tune=1000, chains=2, seed=5)


def test_a_correlation_id_across_mean_and_sigma_is_recovered(linked_fit):
    assert_recovered(linked_fit, LINKED_TRUTH)
    row = linked_fit.varcorr().iloc[-1]
    assert (row["group"], row["term"], row["term2"]) == ("g__id_p", "Intercept", "sigma_Intercept")
    assert row["mean"] == pytest.approx(
        linked_fit.summary().loc["cor_g__id_p[Intercept,sigma_Intercept]", "mean"]
    )


def test_a_saved_fit_with_a_correlation_id_loads_with_its_joint_correlation(linked_fit, tmp_path):
    linked_fit.save(tmp_path / "linked")
    loaded = bg.load(tmp_path / "linked")
    assert [link.name for link in loaded.spec.linked] == ["g__id_p"]
    pd.testing.assert_frame_equal(loaded.summary(), linked_fit.summary())


@pytest.fixture(scope="module")
def zi_data() -> pd.DataFrame:
    rng, frame = grouped_predictors(7)
    g = frame["g"].str[1:].astype(int).to_numpy()
    mu = np.exp(0.8 + 0.4 * frame["x"] + rng.normal(0, 0.5, GROUPS)[g])
    zi = special.expit(-0.5 + 1.0 * frame["z"] + rng.normal(0, 0.7, GROUPS)[g])
    counts = np.where(rng.random(len(frame)) < zi, 0, rng.poisson(mu))
    return frame.assign(y=counts)


@pytest.fixture(scope="module")
def zi_model(zi_data) -> bg.Model:
    return bg.Model(
        bg.formula("y ~ x + (1 | g)", zi="~ z + (1 | g)"),
        zi_data,
        family="zero_inflated_poisson",
    )


@pytest.fixture(scope="module")
def zi_fit(zi_model) -> bg.Fit:
    return quiet_fit(zi_model, draws=1000, tune=1000, chains=2, seed=5)


def test_zero_inflation_with_its_own_slope_and_group_effect_is_recovered(zi_fit):
    assert_recovered(zi_fit, ZI_TRUTH)


def test_parameter_terms_are_named_like_brms_in_every_table(zi_fit):
    assert zi_fit.fixef().index.tolist() == ["Intercept", "x", "zi_Intercept", "zi_z"]
    varcorr = zi_fit.varcorr()
    assert varcorr["group"].tolist() == ["g", "g__zi"]
    assert zi_fit.ranef().loc["g__zi"].shape[0] == GROUPS
    text = repr(zi_fit)
    assert "Links: mu = log; zi = logit" in text
    assert "zi ~ z + (1 | g)" in text
    assert "~g__zi (Number of levels: 40)" in text
    assert "Further Distributional Parameters" not in text


def test_mean_predictions_are_the_zero_inflated_mean_of_each_draw(zi_fit, zi_data):
    rows = zi_data.iloc[[0, 100, 599]]
    posterior = zi_fit.posterior.stack(sample=("chain", "draw"))
    g = [int(level[1:]) for level in rows["g"]]
    eta_mu = posterior["b"].sel(coef="Intercept") + posterior["b"].sel(coef="x") * xr_column(
        rows["x"]
    )
    eta_mu = eta_mu + posterior["r_g"].isel(g=g).sel(g_term="Intercept").rename(g="row")
    eta_zi = posterior["b_zi"].sel(coef_zi="Intercept") + posterior["b_zi"].sel(
        coef_zi="z"
    ) * xr_column(rows["z"])
    eta_zi = eta_zi + posterior["r_g__zi"].isel(g__zi=g).sel(g__zi_term="Intercept").rename(
        g__zi="row"
    )
    by_hand = ((1 - special.expit(eta_zi)) * np.exp(eta_mu)).mean("sample").to_numpy()
    predicted = zi_fit.predict(rows)["mean"].to_numpy()
    np.testing.assert_allclose(predicted, by_hand, rtol=1e-10)


def xr_column(values: pd.Series):
    import xarray as xr

    return xr.DataArray(values.to_numpy(), dims="row")


def test_new_groups_draw_new_parameter_effects(zi_fit):
    new = pd.DataFrame({"x": [0.0], "z": [0.0], "g": ["unseen"]})
    population = zi_fit.predict(new, re="none")["mean"].iloc[0]
    new_group = zi_fit.predict(new, seed=1, summary=False)["predictions"]["y"]
    spread = float(new_group.std())
    assert spread > 2 * float(
        zi_fit.predict(new, re="none", summary=False)["predictions"]["y"].std()
    )
    assert population > 0


def test_marginal_predictions_refuse_parameter_group_effects(zi_fit, zi_data):
    with pytest.raises(bg.DataError) as error:
        zi_fit.predict(zi_data.iloc[:2], re="marginal")
    assert str(error.value) == (
        "re='marginal' integrates over the mean's group-level effects only, but the formula "
        "of 'zi' has group-level effects too; predict with re='conditional' or re='none'."
    )


def test_pointwise_log_likelihood_uses_each_rows_zero_inflation(zi_fit, zi_data):
    posterior = zi_fit.posterior.isel(chain=0, draw=0)
    eta_mu = (
        posterior["b"].sel(coef="Intercept").item()
        + posterior["b"].sel(coef="x").item() * zi_data["x"].to_numpy()
        + posterior["r_g"].sel(g_term="Intercept").to_numpy()[zi_fit.spec.group("g").index]
    )
    eta_zi = (
        posterior["b_zi"].sel(coef_zi="Intercept").item()
        + posterior["b_zi"].sel(coef_zi="z").item() * zi_data["z"].to_numpy()
        + posterior["r_g__zi"]
        .sel(g__zi_term="Intercept")
        .to_numpy()[zi_fit.spec.group("g__zi").index]
    )
    mu, zi, y = np.exp(eta_mu), special.expit(eta_zi), zi_data["y"].to_numpy()
    poisson = -mu + y * np.log(mu) - special.gammaln(y + 1)
    by_hand = np.where(y == 0, np.log(zi + (1 - zi) * np.exp(-mu)), np.log1p(-zi) + poisson)
    zi_fit.add_log_likelihood()
    stored = zi_fit.idata.log_likelihood["y"].isel(chain=0, draw=0).to_numpy()
    np.testing.assert_allclose(stored, by_hand, rtol=1e-9)


def test_a_saved_distributional_fit_loads_with_its_parameter_formula(zi_fit, tmp_path):
    path = tmp_path / "zi.zarr"
    zi_fit.save(path)
    loaded = bg.load(path)
    assert loaded.spec.parameter_names == ("zi",)
    pd.testing.assert_frame_equal(loaded.fixef(), zi_fit.fixef())


def test_parameter_priors_have_their_own_keys(zi_model, zi_data):
    priors = zi_model.priors
    assert str(priors["Intercept_zi"]) == "student_t(3, 0, 2.5)"
    assert "b_zi[z]" in priors and "sd[g__zi][Intercept]" in priors
    assert "zi" not in priors
    tightened = bg.Model(
        bg.formula("y ~ x + (1 | g)", zi="~ z + (1 | g)"),
        zi_data,
        family="zero_inflated_poisson",
        priors={"b_zi": bg.priors.Normal(0, 1)},
    )
    assert tightened.priors.source("b_zi[z]") == "user"
    assert tightened.priors.source("b[x]") == "default"


def test_sigma_intercept_prior_centres_on_the_log_response_sd():
    data = pd.DataFrame({"y": [1.0, 3.0, 2.0, 6.0], "x": [0.0, 1.0, 2.0, 3.0]})
    model = bg.Model(bg.formula("y ~ x", sigma="~ x"), data)
    assert model.priors["Intercept_sigma"].mu == pytest.approx(np.log(np.std(data["y"])))


def test_formula_accepts_left_hand_parameter_formulas_and_keywords():
    both = bg.formula("y ~ x", "sigma ~ x + (1 | g)", nu="1")
    assert both.parameters == (("sigma", "x + (1 | g)"), ("nu", "1"))
    assert str(both) == "y ~ x\n   sigma ~ x + (1 | g)\n      nu ~ 1"


def test_a_keyword_formula_may_repeat_its_parameter_on_the_left():
    keyword = bg.formula("count ~ mined", zi="zi ~ mined")
    assert (
        keyword
        == bg.formula("count ~ mined", "zi ~ mined")
        == bg.formula("count ~ mined", zi="~ mined")
    )
    assert keyword.parameters == (("zi", "mined"),)


def test_a_keyword_formula_naming_another_parameter_is_refused_with_a_caret():
    with pytest.raises(bg.FormulaError) as error:
        bg.formula("count ~ mined", zi="hu ~ mined")
    assert str(error.value).splitlines() == [
        "zi='hu ~ mined' has 'hu' on the left of '~'; a keyword formula gives only the "
        "right-hand side, as in zi='~ mined'",
        "  hu ~ mined",
        "  ^",
    ]


def test_formula_refuses_a_parameter_given_twice():
    with pytest.raises(bg.FormulaError) as error:
        bg.formula("y ~ x", "sigma ~ x", sigma="~ 1")
    assert str(error.value) == "parameter 'sigma' has two formulas; give it one"


def test_formula_refuses_a_formula_without_its_parameter():
    with pytest.raises(bg.FormulaError) as error:
        bg.formula("y ~ x", "~ x")
    assert str(error.value) == (
        "'~ x' must name the parameter it models on the left, as in 'sigma ~ x'; or pass it "
        "by keyword, as in sigma='~ x'"
    )


def test_model_refuses_a_parameter_the_family_lacks():
    data = bg.datasets.load("epil")
    with pytest.raises(bg.FormulaError) as error:
        bg.Model(bg.formula("y ~ trt", zi="~ trt"), data, family="poisson")
    assert str(error.value) == (
        "family 'poisson' has no parameter 'zi' to model; its parameters are: none besides "
        "the mean. Families with 'zi': zero_inflated_poisson, zero_inflated_negbinomial."
    )


def test_model_refuses_a_formula_for_ordinal_thresholds():
    wine = pd.DataFrame({"rating": [1, 2, 3, 2], "temp": ["a", "b", "a", "b"]})
    with pytest.raises(bg.FormulaError, match="ordered thresholds, which cannot have"):
        bg.Model(bg.formula("rating ~ temp", threshold="~ temp"), wine, family="cumulative")


def test_parameter_formula_columns_are_checked_like_the_model_formula():
    data = pd.DataFrame({"y": [1.0, 2.0, 3.0], "x": [0.0, 1.0, 2.0]})
    with pytest.raises(bg.DataError, match="column 'w' \\(used in 'w'\\) is not in the data"):
        bg.Model(bg.formula("y ~ x", sigma="~ w"), data)


def test_gibbs_refuses_a_modelled_parameter():
    data = bg.datasets.load("sleepstudy")
    model = bg.Model(bg.formula("Reaction ~ Days + (1 | Subject)", sigma="~ Days"), data)
    with pytest.raises(bg.SamplerError, match="'sigma' has a formula of its own"):
        model.fit(sampler="gibbs", progress=False)


def test_replicated_data_reproduce_the_zeros_of_each_predictor_value(zi_fit, zi_data):
    high_z = zi_data["z"].to_numpy() > 1.0

    def zeros_where_z_is_high(values):
        return np.mean(values[..., high_z] == 0)

    check = zi_fit.ppc(statistics={"zeros_high_z": zeros_where_z_is_high}, ndraws=400, seed=2)
    p_values = check.statistics["p_value"]
    assert 0.05 < p_values["zeros"] < 0.95
    assert 0.05 < p_values["zeros_high_z"] < 0.95
    assert check.statistics.loc["zeros_high_z", "observed"] > 0.6
