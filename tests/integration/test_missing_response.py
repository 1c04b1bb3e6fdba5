"""``y | mi()``: missing responses imputed from the posterior, the fit of the other rows
unchanged, the imputations calibrated, and the errors that name what to do."""

import numpy as np
import pandas as pd
import pytest

import bayesglmm as bg
from tests.conftest import quiet_fit

OPTIONS = {"draws": 500, "tune": 500, "chains": 2, "seed": 5}
GROUPS, PER_GROUP, MISSING = 30, 8, 60
SD_GROUP, SIGMA = 0.8, 0.6


def simulated(seed: int = 2) -> tuple[pd.DataFrame, np.ndarray]:
    """Gaussian rows with group intercepts and MISSING responses blanked at random (the
    last group's entirely), and the blanked true values."""
    rng = np.random.default_rng(seed)
    g = np.repeat(np.arange(GROUPS), PER_GROUP)
    x = rng.normal(size=g.size)
    y = 1.0 + 0.5 * x + rng.normal(0, SD_GROUP, GROUPS)[g] + rng.normal(0, SIGMA, g.size)
    data = pd.DataFrame({"y": y, "x": x, "g": [f"g{i:02d}" for i in g]})
    last = np.flatnonzero(g == GROUPS - 1)
    others = rng.choice(np.flatnonzero(g < GROUPS - 1), MISSING - last.size, replace=False)
    blank = np.sort(np.concatenate([others, last]))
    truth = data.loc[blank, "y"].to_numpy()
    data.loc[blank, "y"] = np.nan
    return data, truth


@pytest.fixture(scope="module")
def case():
    data, truth = simulated()
    before = data.copy()
    fit = quiet_fit(bg.Model("y | mi() ~ x + (1 | g)", data), **OPTIONS)
    pd.testing.assert_frame_equal(data, before)
    return data, truth, fit


def test_the_other_rows_are_fitted_exactly_as_without_the_missing_ones(case):
    data, _, fit = case
    observed = quiet_fit(bg.Model("y ~ x + (1 | g)", data.dropna()), **OPTIONS)
    for name in ("b", "sd_g", "sigma"):
        np.testing.assert_array_equal(fit.posterior[name].values, observed.posterior[name].values)


def test_imputations_are_named_by_row_and_cover_the_truth(case):
    data, truth, fit = case
    imputed = fit.posterior["Ymi"]
    assert imputed.dims == ("chain", "draw", "Ymi_row")
    assert imputed["Ymi_row"].values.tolist() == data.index[data["y"].isna()].tolist()
    low, high = np.quantile(imputed.values.reshape(-1, MISSING), [0.05, 0.95], axis=0)
    covered = np.mean((truth >= low) & (truth <= high))
    # 60 values at nominal 90%: the binomial sd of the share covered is 0.039.
    assert 0.78 <= covered <= 0.99


def test_a_level_seen_only_in_missing_rows_draws_its_effect_from_the_fitted_sd(case):
    data, _, fit = case
    draws = fit.posterior["Ymi"].sel(Ymi_row=data.index[data["g"] == f"g{GROUPS - 1:02d}"])
    seen = fit.posterior["Ymi"].sel(Ymi_row=data.index[data["y"].isna() & (data["g"] == "g00")])
    summary = fit.summary()
    predictive = np.hypot(summary.loc["sigma", "mean"], summary.loc["sd_g[Intercept]", "mean"])
    assert float(draws.std(("chain", "draw")).mean()) == pytest.approx(predictive, rel=0.1)
    assert float(seen.std(("chain", "draw")).mean()) < 0.85 * predictive


def test_the_printout_counts_the_imputed_rows_and_a_saved_fit_keeps_them(case, tmp_path):
    fit = case[2]
    assert f"{GROUPS * PER_GROUP - MISSING} observations ({MISSING} rows with a missing " in (
        repr(fit)
    )
    fit.save(tmp_path / "fit")
    loaded = bg.load(tmp_path / "fit")
    np.testing.assert_array_equal(loaded.posterior["Ymi"].values, fit.posterior["Ymi"].values)
    assert loaded.spec.imputed_rows.index.tolist() == fit.spec.imputed_rows.index.tolist()


def test_counts_are_imputed_as_counts():
    rng = np.random.default_rng(4)
    data = pd.DataFrame({"x": rng.normal(size=200)})
    data["y"] = rng.poisson(np.exp(1.0 + 0.4 * data["x"])).astype(float)
    truth = data.loc[:19, "y"].to_numpy().copy()
    data.loc[:19, "y"] = np.nan
    fit = quiet_fit(bg.Model("y | mi() ~ x", data, family="poisson"), **OPTIONS)
    imputed = fit.posterior["Ymi"].values
    assert np.all(imputed >= 0) and np.all(imputed == np.round(imputed))
    expected = np.exp(1.0 + 0.4 * data.loc[:19, "x"].to_numpy())
    # The imputations' means follow the rows' true means, not the sample's noise.
    np.testing.assert_allclose(imputed.mean(axis=(0, 1)), expected, rtol=0.25)
    assert abs(imputed.mean() - truth.mean()) < 3 * truth.std() / np.sqrt(truth.size)


DATA = pd.DataFrame(
    {
        "y": [0.1, 0.5, np.nan, 1.2, 0.3, np.nan, 0.8, 1.1],
        "f": ["a", "a", "b", "b", "a", "c", "b", "a"],
        "x": [0.0, 1.0, 2.0, np.nan, 4.0, 5.0, 6.0, 7.0],
    }
)


@pytest.mark.parametrize(
    ("formula", "data", "error", "message"),
    [
        ("y | mi(x) ~ 1", DATA, bg.FormulaError, "mi() takes no arguments"),
        (
            "log(y) | mi() ~ 1",
            DATA,
            bg.FormulaError,
            "'log(y) | mi()' imputes the response, which must then be a column of the data, "
            "not the expression 'log(y)'; add it as a column, e.g. data.assign(y_new=log(y)), "
            "and write 'y_new | mi()'.",
        ),
        (
            "y | mi() ~ 1",
            DATA.assign(y=np.nan),
            bg.DataError,
            "every row's response 'y' is missing; mi() imputes missing responses from a model "
            "fitted to the observed ones, and there are none.",
        ),
        (
            "y | mi() ~ x",
            DATA,
            bg.DataError,
            "missing values in 'x' (1); first rows with missing values: [3]. Fill or remove "
            "them, or pass na_action='drop' to drop those 1 of 8 rows.",
        ),
        (
            "y | mi() ~ f",
            DATA,
            bg.DataError,
            "the rows whose response mi() imputes are predicted as new data, and newdata has "
            "categories in 'f' that the fit has not seen: {'c'}. A fixed effect has no "
            "estimate for them; use levels from the fitted data.",
        ),
    ],
)
def test_bad_input_is_one_error_naming_the_fix(formula, data, error, message):
    with pytest.raises(error) as caught:
        bg.Model(formula, data)
    assert getattr(caught.value, "message", str(caught.value)) == message


def test_na_action_keeps_its_meaning_for_the_other_columns():
    with pytest.warns(bg.DataWarning, match="dropped 1 of 8 rows with missing values in 'x'"):
        model = bg.Model("y | mi() ~ x", DATA, na_action="drop")
    assert model.spec.n_obs == 5
    assert model.spec.imputed_rows.index.tolist() == [2, 5]
    assert model.spec.dropped_rows.tolist() == [3]
