"""Estimated marginal means, comparisons, their plot and latent-scale variance components.

The gaussian checks compare with R's emmeans on an lme4 REML fit of Yates's oats split-plot
(tests/reference/emmeans/make_reference.R writes the bundled oats.csv and oats.json). The
binomial checks recompute the means by hand from the posterior draws: the inverse link of
the averaged linear predictor (re="none") and its integral over the random intercept's
distribution by adaptive quadrature (re="marginal").
"""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from scipy import integrate, special, stats

import bayesglmm as bg
from bayesglmm.cli import main
from bayesglmm.errors import DataError, FormulaError
from bayesglmm.results.contrasts import contrast_coefficients
from bayesglmm.results.linear_predictor import stacked_draws
from bayesglmm.results.reference_grid import parse_specs
from tests.conftest import quiet_fit

HERE = Path(__file__).parents[1]
REFERENCE = json.loads((HERE / "reference" / "emmeans" / "oats.json").read_text())
SPLIT_PLOT = "yield ~ variety * nitrogen + (1 | block/variety)"


def _oats(drop: list[int] | None = None) -> pd.DataFrame:
    return bg.datasets.load("oats").drop(index=drop or []).reset_index(drop=True)


def _gibbs_fit(data: pd.DataFrame) -> bg.Fit:
    # The Gibbs sampler targets the same posterior as NUTS with about 2000 effective draws
    # of the means here, so Monte Carlo error stays near 0.02 posterior sd.
    return quiet_fit(
        bg.Model(SPLIT_PLOT, data), draws=1000, tune=500, chains=2, seed=1, sampler="gibbs"
    )


@pytest.fixture(scope="module")
def oats_fit():
    return _gibbs_fit(_oats())


@pytest.fixture(scope="module")
def unbalanced_fit():
    return _gibbs_fit(_oats(REFERENCE["dropped_rows"]))


def _simulated_trial(seed: int = 4) -> pd.DataFrame:
    """Binomial counts over two crossed factors, a covariate and 10 random clinics, with
    unequal numbers of rows per level of ``dose``."""
    rng = np.random.default_rng(seed)
    rows = []
    for clinic in range(10):
        effect = rng.normal(0, 1.2)
        for arm in ("placebo", "drug"):
            for dose in ["low"] * 3 + ["mid"] * 2 + ["high"]:
                x = rng.normal()
                eta = -0.5 + 0.9 * (arm == "drug") + {"low": 0, "mid": 0.4, "high": 0.7}[dose]
                eta += 0.3 * x + effect
                rows.append((f"c{clinic}", arm, dose, x, 20, rng.binomial(20, special.expit(eta))))
    data = pd.DataFrame(rows, columns=["clinic", "arm", "dose", "x", "n", "cured"])
    data["arm"] = pd.Categorical(data["arm"], ["placebo", "drug"])
    data["dose"] = pd.Categorical(data["dose"], ["low", "mid", "high"])
    return data


@pytest.fixture(scope="module")
def trial_fit():
    model = bg.Model(
        "cured | trials(n) ~ arm * dose + x + (1 | clinic)", _simulated_trial(), family="binomial"
    )
    return quiet_fit(model, draws=500, tune=500, chains=2, seed=3)


def _by_hand_eta(fit: bg.Fit) -> dict[tuple[str, str], np.ndarray]:
    """Draws of the linear predictor of every arm x dose cell, x at its mean."""
    b = fit.posterior["b"]
    coef = {
        name: stacked_draws(fit.posterior, "b")[:, i] for i, name in enumerate(b["coef"].values)
    }
    x_mean = fit.spec.data["x"].mean()
    cells = {}
    for arm in ("placebo", "drug"):
        for dose in ("low", "mid", "high"):
            eta = coef["Intercept"] + coef["x"] * x_mean
            if arm == "drug":
                eta = eta + coef["arm[T.drug]"]
            if dose != "low":
                eta = eta + coef[f"dose[T.{dose}]"]
            if arm == "drug" and dose != "low":
                eta = eta + coef[f"arm[T.drug]:dose[T.{dose}]"]
            cells[arm, dose] = eta
    return cells


# --- gaussian: against R's emmeans -------------------------------------------------


@pytest.mark.parametrize(
    "specs, key",
    [
        ("variety", "variety"),
        ("nitrogen", "nitrogen"),
        ("variety * nitrogen", "cells"),
        ("nitrogen | variety", "nitrogen_by_variety"),
    ],
)
@pytest.mark.parametrize("design", ["balanced", "unbalanced"])
def test_gaussian_means_match_r_emmeans_within_a_tenth_of_a_posterior_sd(
    specs, key, design, oats_fit, unbalanced_fit
):
    fit = oats_fit if design == "balanced" else unbalanced_fit
    table = fit.emmeans(specs).table
    reference = pd.DataFrame(REFERENCE[design][key])
    factors = [name for name in ("variety", "nitrogen") if name in specs]
    merged = table.astype({name: str for name in factors}).merge(reference, on=factors)
    assert len(merged) == len(table) == len(reference)
    assert ((merged["mean"] - merged["estimate"]).abs() < 0.1 * merged["sd"]).all(), merged


def test_balanced_means_are_yates_published_table(oats_fit):
    table = oats_fit.emmeans("nitrogen").table
    assert np.allclose(table["mean"], [79.39, 98.89, 114.22, 123.39], atol=0.1 * table["sd"])


def test_pairwise_differences_match_r(oats_fit):
    table = oats_fit.pairs(oats_fit.emmeans("nitrogen")).table
    reference = pd.DataFrame(REFERENCE["balanced"]["nitrogen_pairs"])
    assert table["contrast"].tolist() == reference["contrast"].tolist()
    assert ((table["mean"] - reference["estimate"]).abs() < 0.1 * table["sd"]).all()


# --- weights --------------------------------------------------------------------------


def test_equal_and_proportional_weights_agree_on_the_balanced_design(oats_fit):
    equal = oats_fit.emmeans("variety", weights="equal")
    proportional = oats_fit.emmeans("variety", weights="proportional")
    assert np.allclose(equal.draws, proportional.draws, rtol=0, atol=1e-9)


def test_proportional_weights_are_the_observed_frequencies_on_an_unbalanced_design(
    unbalanced_fit,
):
    cells = unbalanced_fit.emmeans("variety * nitrogen")
    equal = unbalanced_fit.emmeans("variety", weights="equal")
    proportional = unbalanced_fit.emmeans("variety", weights="proportional")
    counts = unbalanced_fit.spec.data["nitrogen"].value_counts().sort_index()
    assert counts.tolist() == [17, 15, 14, 16]
    share = (counts / counts.sum()).to_numpy()
    by_cell = cells.draws.reshape(-1, 3, 4)
    assert np.allclose(proportional.draws, by_cell @ share, rtol=0, atol=1e-9)
    assert np.allclose(equal.draws, by_cell.mean(axis=2), rtol=0, atol=1e-9)
    gap = (equal.table["mean"] - proportional.table["mean"]).to_numpy()
    r_gap = [
        e["estimate"] - p["estimate"]
        for e, p in zip(
            REFERENCE["unbalanced"]["variety"],
            REFERENCE["unbalanced"]["variety_proportional"],
            strict=True,
        )
    ]
    assert np.all(np.abs(gap) > 0.5)
    assert np.allclose(gap, r_gap, atol=0.15)


# --- binomial: by hand ----------------------------------------------------------------


def test_response_scale_typical_unit_is_the_inverse_link_of_the_averaged_predictor(trial_fit):
    eta = _by_hand_eta(trial_fit)
    emm = trial_fit.emmeans("arm", scale="response", re="none")
    for column, arm in enumerate(("placebo", "drug")):
        averaged = np.mean([eta[arm, dose] for dose in ("low", "mid", "high")], axis=0)
        assert np.allclose(emm.draws[:, column], special.expit(averaged), rtol=1e-10, atol=0)
    link = trial_fit.emmeans("arm")
    assert np.allclose(special.expit(link.draws), emm.draws, rtol=1e-12, atol=0)
    assert emm.table["mean"].tolist() == pytest.approx(emm.draws.mean(axis=0).tolist())
    assert emm.table["median"].tolist() == pytest.approx(np.median(emm.draws, axis=0).tolist())


def test_covariates_sit_at_their_mean_unless_given(trial_fit):
    eta = _by_hand_eta(trial_fit)
    b = stacked_draws(trial_fit.posterior, "b")
    slope = b[:, list(trial_fit.posterior["b"]["coef"].values).index("x")]
    shifted = trial_fit.emmeans("arm * dose", at={"x": 1.5})
    moved = 1.5 - trial_fit.spec.data["x"].mean()
    assert np.allclose(shifted.draws[:, 0], eta["placebo", "low"] + slope * moved, atol=1e-10)
    assert "Covariates at: x = 1.5." in repr(shifted)


def test_population_averaged_means_are_the_integral_over_the_clinic_effects(trial_fit):
    eta = _by_hand_eta(trial_fit)
    sd = stacked_draws(trial_fit.posterior, "sd_clinic")[:, 0]
    emm = trial_fit.emmeans("arm", scale="response", re="marginal")
    for column, arm in enumerate(("placebo", "drug")):
        averaged = np.mean([eta[arm, dose] for dose in ("low", "mid", "high")], axis=0)
        for s in range(0, len(sd), 50):
            exact, _ = integrate.quad(
                lambda u, centre=averaged[s], scale=sd[s]: (
                    special.expit(centre + u) * stats.norm.pdf(u, scale=scale)
                ),
                -np.inf,
                np.inf,
                epsabs=1e-12,
            )
            assert emm.draws[s, column] == pytest.approx(exact, abs=1e-7)
    typical = trial_fit.emmeans("arm", scale="response")
    assert (np.abs(emm.draws - 0.5) < np.abs(typical.draws - 0.5)).all()
    link = trial_fit.emmeans("arm", re="marginal")
    assert np.allclose(link.draws, special.logit(emm.draws), atol=1e-10)


def test_odds_ratios_pd_rope_and_simultaneous_band(trial_fit):
    eta = _by_hand_eta(trial_fit)
    emm = trial_fit.emmeans("dose | arm", scale="response")
    comparisons = emm.contrast("trt.vs.ctrl", rope=(0.8, 1.25))
    table = comparisons.table
    assert table["contrast"].tolist() == ["mid / low", "high / low"] * 2
    assert table["arm"].astype(str).tolist() == ["placebo"] * 2 + ["drug"] * 2
    ratio = np.exp(eta["drug", "high"] - eta["drug", "low"])
    assert np.allclose(comparisons.draws[:, 3], ratio, rtol=1e-9)
    row = table.iloc[3]
    assert row["mean"] == pytest.approx(ratio.mean())
    above = np.mean(ratio > 1)
    assert row["pd"] == pytest.approx(max(above, 1 - above))
    assert row["in_rope"] == pytest.approx(np.mean((ratio >= 0.8) & (ratio <= 1.25)))
    for group, columns in enumerate(([0, 1], [2, 3])):
        logs = np.log(comparisons.draws[:, columns])
        low = np.log(table.loc[columns, "sim_low"].to_numpy())
        high = np.log(table.loc[columns, "sim_high"].to_numpy())
        inside = np.all((logs >= low - 1e-12) & (logs <= high + 1e-12), axis=1).mean()
        assert 0.95 <= inside <= 0.95 + 2 / len(logs)
        assert comparisons.critical[group] > stats.norm.ppf(0.975)


def test_population_averaged_difference_in_proportions(trial_fit):
    emm = trial_fit.emmeans("arm", scale="response", re="marginal")
    difference = emm.contrast("trt.vs.ctrl", measure="difference")
    assert difference.table["contrast"].tolist() == ["drug - placebo"]
    assert np.allclose(difference.draws[:, 0], emm.draws[:, 1] - emm.draws[:, 0])
    assert "population-averaged" in repr(difference)


def test_contrast_methods_and_custom_coefficients(oats_fit):
    emm = oats_fit.emmeans("nitrogen")
    names, coefficients = contrast_coefficients("poly", list("abcd"), None)
    assert names == ["linear", "quadratic", "cubic"]
    assert coefficients.tolist() == [[-3, -1, 1, 3], [1, -1, -1, 1], [-1, 3, -3, 1]]
    poly = emm.contrast("poly")
    assert np.allclose(poly.draws, emm.draws @ coefficients.T)
    custom = emm.contrast({"top - none": {"0.6cwt": 1, "0.0cwt": -1}, "linear": [-3, -1, 1, 3]})
    pairwise = oats_fit.pairs(emm)
    assert np.allclose(custom.draws[:, 0], -pairwise.draws[:, 2])
    assert np.allclose(custom.draws[:, 1], poly.draws[:, 0])


def test_the_printout_says_which_mean_and_why_they_differ(trial_fit, oats_fit):
    typical = repr(trial_fit.emmeans("arm", scale="response"))
    assert "re='none': conditional means of a typical unit" in typical
    assert "With the nonlinear logit link they differ" in typical
    assert "Averaged over dose with equal weights." in typical
    marginal = repr(trial_fit.emmeans("arm", scale="response", re="marginal"))
    assert "re='marginal': population-averaged means" in marginal
    assert "by Gauss-Hermite quadrature (64 nodes, more for a large v)" in marginal
    identity = repr(oats_fit.emmeans("variety"))
    assert "With the identity link conditional and population-averaged means coincide." in identity


# --- errors ---------------------------------------------------------------------------


def test_an_unknown_factor_is_named_with_a_suggestion(oats_fit):
    with pytest.raises(DataError) as error:
        oats_fit.emmeans("varety")
    assert str(error.value) == (
        "'varety' is not a factor of the model's fixed part 'variety * nitrogen'. "
        "Did you mean 'variety'? Its factors are 'variety', 'nitrogen'."
    )
    with pytest.raises(DataError) as error:
        oats_fit.emmeans("nitrogen | block")
    assert str(error.value) == (
        "'block' is not a factor of the model's fixed part 'variety * nitrogen' ('block' is a "
        "grouping factor: its effects are random, not averaged over). Its factors are "
        "'variety', 'nitrogen'."
    )


def test_a_numeric_covariate_needs_values_to_be_a_factor(trial_fit):
    with pytest.raises(DataError) as error:
        trial_fit.emmeans("x")
    low, high = trial_fit.spec.data["x"].min(), trial_fit.spec.data["x"].max()
    assert str(error.value) == (
        "'x' is a numeric covariate, not a factor: say at which values to compare it, e.g. "
        f"at={{'x': [{low:g}, {high:g}]}}, or use fit.effects('x') for a curve."
    )
    given = trial_fit.emmeans("x", at={"x": [-1.0, 1.0]})
    assert given.table["x"].tolist() == [-1.0, 1.0]


def test_an_empty_grid_and_unknown_levels_are_refused(trial_fit):
    with pytest.raises(DataError) as error:
        trial_fit.emmeans("arm", at={"dose": []})
    assert str(error.value) == (
        "the reference grid is empty: at={'dose': []} leaves 'dose' no values; give at least one."
    )
    with pytest.raises(DataError) as error:
        trial_fit.emmeans("arm", at={"dose": ["medium"]})
    assert (
        str(error.value)
        == "'medium' in at['dose'] is not a level of 'dose'; levels are low, mid, high."
    )
    with pytest.raises(FormulaError) as error:
        trial_fit.emmeans("arm |")
    assert str(error.value) == (
        "expected factor names in specs 'arm |', such as 'treatment', ['a', 'b'], 'a * b' or "
        "'treatment | block'"
    )


def test_ratios_are_refused_on_the_link_scale(trial_fit):
    with pytest.raises(DataError) as error:
        trial_fit.emmeans("arm").contrast(measure="odds_ratio")
    assert str(error.value).startswith("measure='odds_ratio' compares means on the response scale")


def test_specs_syntax():
    assert parse_specs("~ a*b | c", None) == (["a", "b"], ["c"])
    assert parse_specs(["a", "b"], ["c", "d"]) == (["a", "b"], ["c", "d"])
    with pytest.raises(FormulaError, match="'a' appears twice"):
        parse_specs("a | a", None)


# --- plot, report, CLI ------------------------------------------------------------------


def test_plot_shows_interaction_lines_and_both_kinds_side_by_side(trial_fit):
    figure = trial_fit.plot_emmeans("dose * arm", re="both")
    assert [axes.get_title() for axes in figure.axes] == [
        "conditional (re='none')",
        "population-averaged (re='marginal')",
    ]
    typical = trial_fit.emmeans("dose * arm", scale="response").table
    series = figure.axes[0].containers
    assert len(series) == 2
    drug = typical[typical["arm"] == "drug"]["median"].to_numpy()
    assert np.allclose(series[1].lines[0].get_ydata(), drug)


def test_report_has_the_marginal_means(trial_fit, tmp_path):
    text = trial_fit.report(tmp_path / "trial.html").read_text()
    assert "<h2>Estimated marginal means</h2>" in text
    assert "Estimated marginal means of arm x dose (response scale)" in text


def test_cli_prints_the_table(tmp_path):
    path = tmp_path / "oats.csv"
    _oats().to_csv(path, index=False)
    arguments = ["fit", str(path), SPLIT_PLOT, "--draws", "200", "--tune", "200", "--chains", "1"]
    result = CliRunner().invoke(main, [*arguments, "--emmeans", "nitrogen | variety"])
    assert result.exit_code == 0, result.output
    table = result.output.split("Estimated marginal means (LS-means), response scale")[1]
    assert table.count("cwt") == 12
    wrong = CliRunner().invoke(main, [*arguments, "--emmeans", "nitrogn"])
    assert wrong.exit_code == 2
    assert "Did you mean 'nitrogen'?" in wrong.output


# --- variance components ------------------------------------------------------------------


def test_gaussian_variance_components_and_r2_by_hand(oats_fit):
    posterior = oats_fit.posterior
    fixed = (stacked_draws(posterior, "b") @ oats_fit.spec.fixed.matrix.T).var(axis=1, ddof=1)
    block = stacked_draws(posterior, "sd_block")[:, 0] ** 2
    plot = stacked_draws(posterior, "sd_block:variety")[:, 0] ** 2
    residual = stacked_draws(posterior, "sigma") ** 2
    total = fixed + block + plot + residual
    result = oats_fit.variance_components()
    assert result.table.index.tolist() == [
        "fixed effects",
        "block",
        "block:variety",
        "residual (sigma^2)",
    ]
    assert result.table.loc["block", "variance"] == pytest.approx(block.mean())
    assert result.table.loc["block:variety", "icc"] == pytest.approx(
        np.mean(plot / (block + plot + residual))
    )
    assert result.table["share"].sum() == pytest.approx(1.0)
    assert result.r2.loc["R2_marginal", "mean"] == pytest.approx(np.mean(fixed / total))
    assert result.r2.loc["R2_conditional", "mean"] == pytest.approx(
        np.mean((fixed + block + plot) / total)
    )


def test_binomial_variance_components_use_pi_squared_over_three(trial_fit):
    result = trial_fit.variance_components()
    clinic = stacked_draws(trial_fit.posterior, "sd_clinic")[:, 0] ** 2
    assert result.draws["residual (logit: pi^2/3)"].eq(np.pi**2 / 3).all()
    assert result.table.loc["clinic", "icc"] == pytest.approx(
        np.mean(clinic / (clinic + np.pi**2 / 3))
    )
    assert "fit.r2() is Gelman et al.'s Bayesian R^2" in repr(result)


@pytest.fixture(scope="module")
def exposure_fit():
    data = bg.datasets.load("epil")
    data = data.assign(weeks=np.where(data["period"].astype(int) % 2 == 0, 2.0, 3.0))
    model = bg.Model("y ~ trt + offset(np.log(weeks)) + (1 | subject)", data, family="poisson")
    return quiet_fit(model, draws=300, tune=300, chains=2, seed=1)


def test_poisson_residual_is_the_lognormal_approximation(exposure_fit):
    fit = exposure_fit
    fixed = stacked_draws(fit.posterior, "b") @ fit.spec.fixed.matrix.T
    subject = stacked_draws(fit.posterior, "sd_subject")[:, 0] ** 2
    log_mean = fixed.mean(axis=1) + np.log(fit.spec.data["weeks"]).mean() + subject / 2
    result = fit.variance_components()
    residual = result.draws["residual (poisson: log(1 + 1/lambda))"]
    assert np.allclose(residual, np.log1p(np.exp(-log_mean)))


def test_offsets_sit_at_their_mean_or_at_the_given_value(exposure_fit):
    two = exposure_fit.emmeans("trt", scale="response", at={"weeks": 2.0})
    three = exposure_fit.emmeans("trt", scale="response", at={"weeks": 3.0})
    assert np.allclose(three.draws / two.draws, 1.5)
    typical = exposure_fit.emmeans("trt", scale="response")
    mean_weeks = exposure_fit.spec.data["weeks"].mean()
    assert np.allclose(typical.draws / two.draws, mean_weeks / 2)


def test_contrast_arguments_out_of_range_are_refused():
    model = bg.Model("y ~ trt + (1 | subject)", bg.datasets.load("epil"), family="poisson")
    emm = quiet_fit(model, draws=100, tune=100, chains=1, seed=1).emmeans("trt")
    with pytest.raises(bg.ArgumentError, match=r"^level must be between 0 and 1, such as 0\.95"):
        emm.contrast(level=1.5)
    with pytest.raises(bg.ArgumentError, match=r"^rope must be \(low, high\) with low < high"):
        emm.contrast(rope=(1, 0))
