"""Multi-membership terms ``(1 | mm(g1, g2))``: the likelihood is that of the weighted sum
of the members' effects, a known sd and the effects are recovered, and predictions,
new levels, save/load and the errors for what cannot apply."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import bayesglmm as bg
from tests.conftest import quiet_fit

LEVELS = 30


@pytest.fixture(scope="module")
def pupils():
    """Pupils who attended two schools each, for shares ``w1`` and ``1 - w1``."""
    rng = np.random.default_rng(1)
    n = 600
    first, second = rng.integers(0, LEVELS, n), rng.integers(0, LEVELS, n)
    share = rng.uniform(0.2, 1, n)
    school = rng.normal(0, 0.8, LEVELS)
    score = 1.0 + share * school[first] + (1 - share) * school[second] + rng.normal(0, 0.5, n)
    data = pd.DataFrame(
        {
            "score": score,
            "s1": [f"k{i:02d}" for i in first],
            "s2": [f"k{i:02d}" for i in second],
            "w1": share,
            "w2": 1 - share,
        }
    )
    model = bg.Model("score ~ 1 + (1 | mm(s1, s2, weights = cbind(w1, w2)))", data)
    return data, school, model, quiet_fit(model, draws=500, chains=2, seed=1)


def _member_sum(fit: bg.Fit, data: pd.DataFrame) -> np.ndarray:
    """Draws ``(samples, rows)`` of ``sum_m w_m r[level_m]``, from a dense membership
    matrix."""
    effects = fit.posterior["r_mm(s1+s2)"].to_numpy()[..., 0].reshape(-1, LEVELS)
    levels = [f"k{i:02d}" for i in range(LEVELS)]
    dense = np.zeros((len(data), LEVELS))
    for column, weight in (("s1", "w1"), ("s2", "w2")):
        positions = data[column].map({level: i for i, level in enumerate(levels)})
        np.add.at(dense, (np.arange(len(data)), positions.to_numpy()), data[weight].to_numpy())
    return effects @ dense.T


def test_the_likelihood_is_that_of_the_weighted_member_sum(pupils):
    data, _, model, fit = pupils
    assert model.spec.groups[0].name == "mm(s1+s2)"
    assert model.spec.groups[0].levels == tuple(f"k{i:02d}" for i in range(LEVELS))
    intercept = fit.posterior["b"].to_numpy()[..., 0].reshape(-1, 1)
    sigma = fit.posterior["sigma"].to_numpy().reshape(-1, 1)
    mean = intercept + _member_sum(fit, data)
    expected = stats.norm.logpdf(data["score"].to_numpy(), mean, sigma)
    np.testing.assert_allclose(fit.log_likelihood().reshape(expected.shape), expected)


def test_the_school_sd_and_effects_are_recovered(pupils):
    _, school, _, fit = pupils
    row = fit.summary().loc["sd_mm(s1+s2)[Intercept]"]
    assert row["2.5%"] < np.std(school, ddof=1) < row["97.5%"]
    estimates = fit.ranef()["mean"].to_numpy()
    assert np.corrcoef(estimates, school)[0, 1] > 0.9


def test_predictions_sum_the_members_with_a_new_school_drawn_from_the_population(pupils):
    fit = pupils[3]
    newdata = pd.DataFrame(
        {"s1": ["k01", "unseen"], "s2": ["k02", "k03"], "w1": [0.25, 0.5], "w2": [0.75, 0.5]}
    )
    drawn = fit.predict(newdata, summary=False, seed=1)["predictions"][fit.observed_name]
    values = drawn.to_numpy().reshape(-1, 2)
    effects = fit.posterior["r_mm(s1+s2)"].to_numpy()[..., 0].reshape(-1, LEVELS)
    intercept = fit.posterior["b"].to_numpy()[..., 0].reshape(-1)
    np.testing.assert_allclose(
        values[:, 0], intercept + 0.25 * effects[:, 1] + 0.75 * effects[:, 2]
    )
    sd = fit.posterior["sd_mm(s1+s2)"].to_numpy()[..., 0].reshape(-1)
    standardised = (values[:, 1] - intercept - 0.5 * effects[:, 3]) / (0.5 * sd)
    assert abs(standardised.mean()) < 0.15
    assert standardised.std() == pytest.approx(1.0, abs=0.1)


def test_equal_weights_by_default_and_save_and_load(pupils, tmp_path):
    data = pupils[0]
    model = bg.Model("score ~ 1 + (1 | mm(s1, s2))", data)
    group = model.spec.groups[0]
    np.testing.assert_array_equal(group.member_weights, np.full((len(data), 2), 0.5))
    fit = quiet_fit(model, draws=100, chains=1, seed=2)
    fit.save(tmp_path / "mm.zarr")
    loaded = bg.load(tmp_path / "mm.zarr")
    pd.testing.assert_frame_equal(loaded.summary(), fit.summary())
    np.testing.assert_array_equal(loaded.log_likelihood(), fit.log_likelihood())


def test_what_cannot_apply_to_a_multi_membership_group_is_refused(pupils):
    data, _, model, fit = pupils
    with pytest.raises(bg.DataError, match=r"^the rows of 'mm\(s1\+s2\)' belong to several"):
        fit.ppc(group="mm(s1+s2)")
    with pytest.raises(bg.SamplerError, match=r"'mm\(s1\+s2\)' is a multi-membership term"):
        model.fit(sampler="gibbs", progress=False)
    with pytest.raises(bg.DataError, match=r"^the weights of '\(1 \| mm\(s1, s2, weights"):
        bg.Model("score ~ (1 | mm(s1, s2, weights = cbind(w1, w2 - 1)))", data)
    with pytest.raises(bg.FormulaError, match=r"^mm\(\) needs at least two grouping columns"):
        bg.Model("score ~ (1 | mm(s1))", data)
    with pytest.raises(bg.FormulaError, match=r"^mm\(\) has 2 grouping columns but 1 weights"):
        bg.Model("score ~ (1 | mm(s1, s2, weights = cbind(w1)))", data)
