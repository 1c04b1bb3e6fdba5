"""Structured covariance over time within subject: ar1(), cs() and us() terms, the
observation-level overdispersion effect and the Pearson dispersion check."""

import warnings

import numpy as np
import pandas as pd
import pytest

import bayesglmm as bg
from tests.conftest import quiet_fit

RHO, SD, SUBJECTS, TIMES = 0.7, 0.8, 40, 8


def ar1_counts(seed: int = 5) -> pd.DataFrame:
    """Poisson counts whose log mean has an AR(1) subject effect over weeks."""
    rng = np.random.default_rng(seed)
    effects = np.zeros((SUBJECTS, TIMES))
    effects[:, 0] = rng.normal(0, SD, SUBJECTS)
    for week in range(1, TIMES):
        innovation = rng.normal(0, SD * np.sqrt(1 - RHO**2), SUBJECTS)
        effects[:, week] = RHO * effects[:, week - 1] + innovation
    subject = np.repeat(np.arange(SUBJECTS), TIMES)
    week = np.tile(np.arange(TIMES), SUBJECTS)
    x = rng.normal(size=subject.size)
    eta = 1.0 + 0.4 * x + effects[subject, week]
    return pd.DataFrame({"y": rng.poisson(np.exp(eta)), "x": x, "subject": subject, "week": week})


@pytest.fixture(scope="module")
def ar1_fit() -> bg.Fit:
    model = bg.Model("y ~ x + ar1(week | subject)", ar1_counts(), family="poisson")
    return quiet_fit(model, draws=1000, tune=1000, chains=2, seed=1)


def test_ar1_recovers_rho_and_sd(ar1_fit):
    table = ar1_fit.varcorr().set_index("term")
    rho, sd = table.loc["rho (ar1)"], table.loc["Intercept"]
    assert rho["2.5%"] < RHO < rho["97.5%"]
    assert sd["2.5%"] < SD < sd["97.5%"]
    assert abs(rho["mean"] - RHO) < 2 * rho["sd"]


def test_ar1_effects_have_the_ar1_correlation_between_adjacent_weeks(ar1_fit):
    effects = ar1_fit.posterior["r_subject:week"].mean(("chain", "draw")).to_numpy()[:, 0]
    by_week = effects.reshape(SUBJECTS, TIMES)
    lag_one = np.corrcoef(by_week[:, :-1].ravel(), by_week[:, 1:].ravel())[0, 1]
    assert lag_one > 0.5


def test_structured_terms_parse_to_time_structures():
    data = ar1_counts()
    ar1 = bg.Model("y ~ x + ar1(week | subject)", data, family="poisson")
    cs = bg.Model("y ~ x + cs(week | subject)", data, family="poisson")
    us = bg.Model("y ~ x + us(week | subject)", data, family="poisson")
    assert ar1.spec.groups[0].structure.kind == "ar1"
    assert ar1.spec.groups[0].structure.times == tuple(str(w) for w in range(TIMES))
    assert str(ar1.priors["rho[subject:week]"]) == "beta(1, 1)"
    assert cs.spec.groups[0].structure.kind == "cs"
    assert us.spec.groups[0].name == "subject"
    assert us.spec.groups[0].terms[0] == "C(week)[0]"
    assert len(us.spec.groups[0].correlated_blocks[0]) == TIMES


def test_structure_needs_a_time_and_a_subject():
    with pytest.raises(bg.FormulaError, match=r"expected a time column and a subject column"):
        bg.Model("y ~ x + ar1(week)", ar1_counts(), family="poisson")


def test_gibbs_refuses_structured_terms():
    model = bg.Model("y ~ x + ar1(week | subject)", ar1_counts(), family="poisson")
    with pytest.raises(bg.SamplerError, match="Use sampler='nutpie'"):
        model.fit(sampler="gibbs")


def test_overdispersion_shortcut_adds_an_observation_effect():
    data = bg.datasets.load("epil")
    before = data.copy()
    model = bg.Model(
        "y ~ lbase * trt + lage + V4 + (1 | subject)", data, family="poisson", overdispersion=True
    )
    assert model.formula.endswith("+ (1 | observation)")
    assert model.spec.group("observation").n_levels == len(data)
    pd.testing.assert_frame_equal(data, before)


def test_overdispersion_shortcut_refuses_bernoulli():
    data = pd.DataFrame({"y": [0, 1] * 10, "g": np.repeat(range(5), 4)})
    with pytest.raises(bg.DataError, match="has 0/1 data, where such an effect is not identified"):
        bg.Model("y ~ 1 + (1 | g)", data, family="bernoulli", overdispersion=True)


def test_pearson_ratio_flags_overdispersed_epil_and_clears_the_observation_effect():
    data = bg.datasets.load("epil")
    formula = "y ~ lbase * trt + lage + V4 + (1 | subject)"
    plain = quiet_fit(
        bg.Model(formula, data, family="poisson"), draws=500, tune=500, chains=2, seed=1
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        table = plain.dispersion()
    assert 1.5 < table.loc["pearson", "ratio"] < 2.3
    assert table.loc["pearson", "df"] == 236 - 6 - 1
    assert any("Use family='negbinomial'" in str(w.message) for w in caught)
    assert plain.diagnose().verdicts[0].startswith("overdispersion: the Pearson dispersion ratio")
    extra = bg.Model(formula, data, family="poisson", overdispersion=True)
    fitted = quiet_fit(extra, draws=500, tune=500, chains=2, seed=1)
    assert fitted.dispersion().loc["pearson", "p_value"] > 0.05
    predicted = fitted.predict(data.head(3))
    assert predicted["mean"].between(0, 50).all()
