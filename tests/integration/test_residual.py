"""Correlated gaussian residuals within subject (R-side): ``residual="ar1(...)"``/``"cs(...)"``.

The row-by-row conditional density must multiply to the joint multivariate normal, the LOO
density of a row must be its normal given the rest of its subject, draws must carry the
correlation, and a simulated repeated-measures study must recover rho.
"""

import numpy as np
import pandas as pd
import pytensor
import pytest
from scipy import stats

import bayesglmm as bg
from bayesglmm.formula.design import residual_structure
from bayesglmm.formula.syntax import parse_residual
from bayesglmm.structures.residual import (
    conditional_log_likelihood,
    correlation_matrices,
    sequential_data,
    sequential_draws,
    sequential_logp,
)
from tests.conftest import quiet_fit

FRAME = pd.DataFrame(
    {
        "pig": ["b", "a", "a", "b", "a", "c", "b"],
        "week": [3, 0, 1, 0, 4, 2, 1],
    }
)
"""Three subjects with gaps, out of order; 'c' has one row."""


def structure(kind: str):
    return residual_structure(parse_residual(f"{kind}(week | pig)").random[0], FRAME)


def joint_covariances(kind: str, rho: float, sigma: float):
    built = structure(kind)
    for subject in range(len(built.subjects)):
        rows = np.flatnonzero(built.subject == subject)
        positions = built.position[rows][None, :]
        correlation = correlation_matrices(
            kind, np.array([rho]), positions, np.ones_like(positions, dtype=bool)
        )[0, 0]
        yield rows, sigma**2 * correlation


@pytest.mark.parametrize(("kind", "rho"), [("ar1", 0.6), ("ar1", -0.4), ("cs", 0.3), ("cs", -0.2)])
def test_row_by_row_density_is_the_joint_multivariate_normal(kind, rho):
    rng = np.random.default_rng(1)
    y, mu, sigma = rng.normal(size=7), rng.normal(size=7), 1.3
    data = {key: pytensor.shared(value) for key, value in sequential_data(structure(kind)).items()}
    total = (
        sequential_logp(
            pytensor.shared(y),
            pytensor.shared(mu),
            pytensor.shared(sigma),
            pytensor.shared(rho),
            kind,
            data,
        )
        .sum()
        .eval()
    )
    joint = sum(
        stats.multivariate_normal(mu[rows], covariance).logpdf(y[rows])
        for rows, covariance in joint_covariances(kind, rho, sigma)
    )
    assert total == pytest.approx(joint, rel=1e-10)


@pytest.mark.parametrize("kind", ["ar1", "cs"])
def test_loo_density_of_a_row_is_its_normal_given_the_rest_of_its_subject(kind):
    rng = np.random.default_rng(2)
    y, mu, sigma, rho = rng.normal(size=7), rng.normal(size=7), 0.8, 0.5
    values = conditional_log_likelihood(
        y, mu[None], np.array([[sigma]]), np.array([rho]), structure(kind)
    )[0]
    for rows, covariance in joint_covariances(kind, rho, sigma):
        for i, row in enumerate(rows):
            rest = np.delete(np.arange(rows.size), i)
            weights = covariance[i, rest] @ np.linalg.inv(covariance[np.ix_(rest, rest)])
            mean = mu[row] + weights @ (y[rows[rest]] - mu[rows[rest]])
            variance = covariance[i, i] - weights @ covariance[rest, i]
            assert values[row] == pytest.approx(stats.norm.logpdf(y[row], mean, np.sqrt(variance)))


@pytest.mark.parametrize(("kind", "rho"), [("ar1", 0.7), ("cs", 0.4)])
def test_draws_carry_the_residual_correlation(kind, rho):
    built = structure(kind)
    draws = 40_000
    values = sequential_draws(
        np.random.default_rng(3),
        np.zeros((draws, 7)),
        np.array([[2.0]]),
        np.full(draws, rho),
        kind,
        sequential_data(built),
    )
    for rows, covariance in joint_covariances(kind, rho, 2.0):
        empirical = np.cov(values[:, rows], rowvar=False)
        four_standard_errors = 4 * 2.0**2 * np.sqrt(2.0 / draws)
        np.testing.assert_allclose(empirical, covariance, atol=four_standard_errors)


def repeated_measures(kind: str, rho: float, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    pigs, weeks = 60, 8
    correlation = correlation_matrices(
        kind, np.array([rho]), np.arange(weeks)[None], np.ones((1, weeks), bool)
    )[0, 0]
    residuals = rng.multivariate_normal(np.zeros(weeks), 0.8**2 * correlation, pigs)
    pig_effects = rng.normal(0, 0.5, pigs)
    frame = pd.DataFrame(
        {
            "pig": np.repeat([f"p{i:02d}" for i in range(pigs)], weeks),
            "week": np.tile(np.arange(weeks), pigs),
            "x": rng.normal(size=pigs * weeks),
        }
    )
    mean = 2.0 + 0.5 * frame["x"] + np.repeat(pig_effects, weeks)
    frame["y"] = mean + residuals.ravel()
    return frame.sample(frac=0.9, random_state=seed)


@pytest.fixture(scope="module")
def ar1_fit() -> bg.Fit:
    data = repeated_measures("ar1", 0.6, seed=4)
    model = bg.Model("y ~ x + (1 | pig)", data, residual="ar1(week | pig)")
    return quiet_fit(model, draws=1000, tune=1000, chains=2, seed=2)


def test_ar1_residual_correlation_is_recovered(ar1_fit):
    summary = ar1_fit.summary()
    for name, truth in {
        "rho_residual": 0.6,
        "sigma": 0.8,
        "sd_pig[Intercept]": 0.5,
        "b[x]": 0.5,
    }.items():
        row = summary.loc[name]
        assert row["2.5%"] < truth < row["97.5%"], (name, row["mean"])
    varcorr = ar1_fit.varcorr().set_index(["group", "term"])
    assert varcorr.loc[("Residual", "rho (ar1)"), "mean"] == pytest.approx(
        summary.loc["rho_residual", "mean"]
    )
    assert "Residual: ar1(week | pig), correlated within subject" in repr(ar1_fit)


def test_replicated_data_keep_the_lag_one_correlation(ar1_fit):
    tree = ar1_fit.predict(kind="response", summary=False, ndraws=400, seed=1)
    replicated = tree["predictions"]["y"].to_numpy().reshape(-1, ar1_fit.spec.n_obs)
    mean = ar1_fit.predict(kind="mean", summary=False, ndraws=400)["predictions"]["y"]
    residuals = replicated - mean.to_numpy().reshape(-1, ar1_fit.spec.n_obs)
    data = ar1_fit.spec.data
    pairs = [
        (i, j)
        for i, j in zip(range(len(data) - 1), range(1, len(data)), strict=True)
        if data["pig"].iloc[i] == data["pig"].iloc[j]
        and abs(data["week"].iloc[i] - data["week"].iloc[j]) == 1
    ]
    first, second = np.array(pairs).T
    lag_one = np.corrcoef(residuals[:, first].ravel(), residuals[:, second].ravel())[0, 1]
    assert lag_one == pytest.approx(ar1_fit.summary().loc["rho_residual", "mean"], abs=0.05)


def test_a_saved_fit_keeps_its_residual_structure(ar1_fit, tmp_path):
    ar1_fit.save(tmp_path / "ar1.zarr")
    loaded = bg.load(tmp_path / "ar1.zarr")
    assert loaded.spec.residual.text == "ar1(week | pig)"
    pd.testing.assert_frame_equal(loaded.varcorr(), ar1_fit.varcorr())


def test_compound_symmetry_residuals_are_recovered():
    data = repeated_measures("cs", 0.4, seed=6)
    model = bg.Model("y ~ x", data, residual="cs(week | pig)")
    summary = quiet_fit(model, draws=1000, tune=1000, chains=2, seed=2).summary()
    total_sd = np.sqrt(0.8**2 + 0.5**2)
    implied_rho = (0.4 * 0.8**2 + 0.5**2) / total_sd**2
    for name, truth in {"rho_residual": implied_rho, "sigma": total_sd}.items():
        row = summary.loc[name]
        assert abs(row["mean"] - truth) < 3 * row["sd"], (name, row["mean"], row["sd"])


def test_residual_structures_are_for_the_gaussian_family():
    data = bg.datasets.load("epil")
    with pytest.raises(bg.FormulaError) as error:
        bg.Model("y ~ trt", data, family="poisson", residual="ar1(visit | subject)")
    assert str(error.value) == (
        "residual='ar1(visit | subject)' correlates gaussian residuals; family 'poisson' has "
        "none. Write the structure in the formula instead, '+ ar1(visit | subject)', for "
        "correlated effects on the link scale."
    )


def test_residual_structure_refuses_repeated_times_within_subject():
    data = pd.DataFrame({"pig": ["a", "a", "b"], "week": [1, 1, 1], "y": [1.0, 2.0, 3.0]})
    with pytest.raises(bg.DataError) as error:
        bg.Model("y ~ 1", data, residual="ar1(week | pig)")
    assert str(error.value) == (
        "ar1(week | pig) needs at most one row per 'pig' and 'week', but row 1 repeats one; "
        "average repeated measurements or add a random effect for them instead."
    )


def test_residual_takes_only_ar1_or_cs():
    with pytest.raises(bg.FormulaError) as error:
        parse_residual("us(week | pig)")
    assert str(error.value) == (
        "residual= takes 'ar1(time | subject)' or 'cs(time | subject)', not 'us(week | pig)'"
    )
