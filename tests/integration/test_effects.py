"""Effects, contrasts and hypotheses against hand computations from the draws."""

import numpy as np
import pandas as pd
import pytest
from scipy import special

import bayesglmm as bg
from tests.conftest import quiet_fit


@pytest.fixture(scope="module")
def trial():
    model = bg.Model(
        "favorable | trials(n) ~ treatment + (1 | clinic)",
        bg.datasets.load("infection"),
        family="binomial",
    )
    fit = quiet_fit(model, draws=500, tune=500, chains=2, seed=6)
    values = fit.posterior["b"].to_numpy().reshape(-1, 2)
    return fit, values[:, 0], values[:, 1]


def test_odds_ratio_contrast_is_exp_of_the_drug_coefficient(trial):
    fit, _, drug = trial
    row = fit.contrast("treatment", "drug - control", scale="odds_ratio").loc["drug - control"]
    assert row["mean"] == pytest.approx(np.exp(drug).mean(), rel=1e-10)
    assert row["2.5%"] == pytest.approx(np.quantile(np.exp(drug), 0.025), rel=1e-10)
    assert row["pd"] == pytest.approx(max(np.mean(drug > 0), np.mean(drug < 0)))


def test_response_contrast_is_the_difference_of_typical_clinic_probabilities(trial):
    fit, intercept, drug = trial
    row = fit.contrast("treatment", "control - drug", scale="response").iloc[0]
    difference = special.expit(intercept) - special.expit(intercept + drug)
    assert row["mean"] == pytest.approx(difference.mean(), rel=1e-10)
    assert row["sd"] == pytest.approx(difference.std(ddof=1), rel=1e-10)


def test_effects_table_holds_the_typical_clinic_probabilities(trial):
    fit, intercept, drug = trial
    table = fit.effects("treatment")
    assert table["treatment"].tolist() == ["control", "drug"]
    assert table["mean"].to_numpy() == pytest.approx(
        [special.expit(intercept).mean(), special.expit(intercept + drug).mean()], rel=1e-10
    )


def test_effects_of_a_numeric_variable_by_a_factor():
    data = bg.datasets.load("epil")
    model = bg.Model("y ~ lbase + trt + (1 | subject)", data, family="poisson")
    fit = quiet_fit(model, draws=200, tune=300, chains=2, seed=1)
    table = fit.effects("lbase", by="trt")
    assert len(table) == 25 * 2
    assert table["lbase"].min() == pytest.approx(data["lbase"].min())
    b = fit.posterior["b"].to_numpy().reshape(-1, 3)
    row = table.iloc[-1]
    expected = np.exp(b[:, 0] + b[:, 1] * row["lbase"] + b[:, 2])
    assert row["trt"] == "progabide"
    assert row["mean"] == pytest.approx(expected.mean(), rel=1e-10)


def test_hypotheses_report_probabilities_and_evidence_ratios(trial):
    fit, intercept, drug = trial
    table = fit.hypothesis(["b[treatment[T.drug]] > 0", "exp(b[Intercept]) = 0.5"])
    prob = np.mean(drug > 0)
    first = table.loc["b[treatment[T.drug]] > 0"]
    assert first["estimate"] == pytest.approx(drug.mean(), rel=1e-12)
    assert first["prob"] == pytest.approx(prob)
    assert first["evidence_ratio"] == pytest.approx(prob / (1 - prob))
    second = table.loc["exp(b[Intercept]) = 0.5"]
    assert second["estimate"] == pytest.approx((np.exp(intercept) - 0.5).mean(), rel=1e-12)
    assert np.isnan(second["prob"]) and np.isnan(second["evidence_ratio"])


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (
            lambda fit: fit.hypothesis("b[x] > 0"),
            bg.DataError,
            "'b[x]' in 'b[x] > 0' is not a parameter. Parameters are b[Intercept], "
            "b[treatment[T.drug]], sd_clinic[Intercept].",
        ),
        (
            lambda fit: fit.contrast("treatment", "placebo - control"),
            bg.DataError,
            "'placebo' in contrast 'placebo - control' is not a level. Levels are control, drug.",
        ),
        (
            lambda fit: fit.contrast("treatment", "drug - control", scale="ratio_of_odds"),
            ValueError,
            "scale must be one of 'link', 'response', 'odds_ratio', 'ratio', not 'ratio_of_odds'.",
        ),
    ],
)
def test_effect_errors_name_the_problem(trial, call, error, message):
    with pytest.raises(error) as caught:
        call(trial[0])
    assert str(caught.value) == message


def test_odds_ratio_needs_a_logit_link():
    data = bg.datasets.load("epil")
    fit = quiet_fit(
        bg.Model("y ~ trt + (1 | subject)", data, family="poisson"),
        draws=100,
        tune=200,
        chains=2,
        seed=1,
    )
    with pytest.raises(bg.DataError, match="scale='odds_ratio' needs the logit link"):
        fit.contrast("trt", "progabide - placebo", scale="odds_ratio")
    ratio = fit.contrast("trt", "progabide - placebo", scale="ratio").iloc[0]
    b = fit.posterior["b"].to_numpy().reshape(-1, 2)
    assert ratio["mean"] == pytest.approx(np.exp(b[:, 1]).mean(), rel=1e-10)
    assert isinstance(fit.effects("trt"), pd.DataFrame)
