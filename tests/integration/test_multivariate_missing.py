"""Missing values modelled in a multivariate model (brms's ``mi()``): a response
``z | mi()`` whose missing values are parameters ``Ymi_z`` and a response that reads them
as a predictor ``mi(z)``, alone and in an interaction; the graph's density, recovery of
the coefficients and of the blanked values, predictions, LOO, saving and the refusals."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytensor
import pytest
from scipy import stats

import bayesglmm as bg
from bayesglmm.results.linear_predictor import stacked_draws
from bayesglmm.results.tables import diagnostic_stats, summarize
from tests.conftest import quiet_fit

N, GROUPS = 300, 20
TRUTH = {
    "b_y[Intercept]": 0.5,
    "b_y[x]": 0.7,
    "b_y[mi(z)]": 1.2,
    "b_y[x:mi(z)]": -0.5,
    "sd_g__y[Intercept]": 0.5,
    "sigma_y": 0.5,
    "b_z[Intercept]": 1.0,
    "b_z[w]": 0.8,
    "sigma_z": 0.6,
}
FORMULA = bg.formula("y | mi() ~ x * mi(z) + (1 | g)") + bg.formula("z | mi() ~ w")


def simulated(seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The full data and a copy with a quarter of ``z`` and a tenth of ``y`` blanked."""
    rng = np.random.default_rng(seed)
    g = np.repeat(np.arange(GROUPS), N // GROUPS)
    w, x = rng.normal(size=N), rng.normal(size=N)
    z = 1.0 + 0.8 * w + rng.normal(0, 0.6, N)
    u = rng.normal(0, 0.5, GROUPS)
    y = 0.5 + 0.7 * x + 1.2 * z - 0.5 * x * z + u[g] + rng.normal(0, 0.5, N)
    full = pd.DataFrame({"y": y, "z": z, "w": w, "x": x, "g": [f"g{i}" for i in g]})
    blanked = full.copy()
    blanked.loc[rng.random(N) < 0.25, "z"] = np.nan
    blanked.loc[rng.random(N) < 0.1, "y"] = np.nan
    return full, blanked


@pytest.fixture(scope="module")
def frames():
    return simulated(3)


@pytest.fixture(scope="module")
def fit(frames):
    _, blanked = frames
    before = blanked.copy()
    fit = quiet_fit(bg.Model(FORMULA, blanked), draws=500, tune=500, chains=2, seed=1)
    pd.testing.assert_frame_equal(blanked, before)
    return fit


def test_the_graph_density_reads_the_imputed_values_in_both_responses():
    """Moving the imputed values changes the log density by exactly the two responses'
    normal densities at them: z's own at its missing rows, y's wherever it reads them."""
    rng = np.random.default_rng(5)
    data = pd.DataFrame({"x": rng.normal(size=12), "w": rng.normal(size=12)})
    data["z"] = 1 + data["w"] + rng.normal(size=12)
    data["y"] = data["x"] + data["z"] + rng.normal(size=12)
    data.loc[[1, 4, 7], "z"] = np.nan
    data.loc[[4, 9], "y"] = np.nan
    model = bg.Model(bg.formula("y | mi() ~ x * mi(z)") + bg.formula("z | mi() ~ w"), data)
    graph = model.graph.model
    assert list(graph.coords["Ymi_z_row"]) == [1, 4, 7]
    assert list(graph.coords["Ymi_y_row"]) == [4, 9]
    point = graph.initial_point(random_seed=2)
    point.update(b_y_slopes=np.array([0.5, 0.8, -0.3]), b_z_slopes=np.array([0.7]))
    outputs = graph.replace_rvs_by_values(
        [graph[name] for name in ("b_y", "sigma_y", "b_z", "sigma_z", "Ymi_y")]
    )
    values = pytensor.function(graph.value_vars, outputs, on_unused_input="ignore")(**point)
    b_y, sigma_y, b_z, sigma_z, ymi_y = values
    logp = graph.compile_logp()
    moved = dict(point, Ymi_z=point["Ymi_z"] + np.array([0.3, -0.2, 0.5]))

    def density(ymi_z):
        z = data["z"].to_numpy().copy()
        z[[1, 4, 7]] = ymi_z
        y = data["y"].to_numpy().copy()
        y[[4, 9]] = ymi_y
        x = data["x"].to_numpy()
        mu_y = b_y[0] + b_y[1] * x + b_y[2] * z + b_y[3] * x * z
        mu_z = b_z[0] + b_z[1] * data["w"].to_numpy()
        return (
            stats.norm.logpdf(y, mu_y, sigma_y).sum()
            + stats.norm.logpdf(ymi_z, mu_z[[1, 4, 7]], sigma_z).sum()
        )

    assert list(graph.coords["coef_y"]) == ["Intercept", "x", "mi(z)", "x:mi(z)"]
    expected = density(moved["Ymi_z"]) - density(point["Ymi_z"])
    np.testing.assert_allclose(logp(moved) - logp(point), expected, rtol=1e-9)


def test_coefficients_and_blanked_values_are_recovered(fit, frames):
    full, blanked = frames
    summary = fit.summary()
    for name, value in TRUTH.items():
        mean, sd = summary.loc[name, "mean"], summary.loc[name, "sd"]
        assert abs(mean - value) < 3.5 * sd, name
    for response in ("z", "y"):
        missing = blanked[response].isna().to_numpy()
        draws = fit.posterior[f"Ymi_{response}"]
        assert list(draws[f"Ymi_{response}_row"].values) == list(blanked.index[missing])
        low, high = draws.quantile([0.05, 0.95], dim=("chain", "draw")).values
        truth = full[response].to_numpy()[missing]
        covered = np.mean((truth > low) & (truth < high))
        assert abs(covered - 0.9) < 4 * np.sqrt(0.09 / missing.sum()), response


def test_each_response_fit_sees_the_imputed_values(fit, frames):
    _, blanked = frames
    y, z = fit.response("y"), fit.response("z")
    observed_y = blanked["y"].notna()
    assert list(y.spec.row_labels) == list(blanked.index[observed_y])
    assert list(z.spec.row_labels) == list(blanked.index[blanked["z"].notna()])
    assert z.posterior["Ymi"].sizes["Ymi_row"] == blanked["z"].isna().sum()
    # At a row where z is missing, y's fitted linear predictor uses that draw's Ymi_z.
    row = blanked.index[observed_y & blanked["z"].isna()][0]
    posterior = fit.posterior
    b = stacked_draws(posterior, "b_y")
    u = posterior["r_g__y"].sel(g__y=blanked.loc[row, "g"]).stack(s=("chain", "draw"))
    ymi = posterior["Ymi_z"].sel(Ymi_z_row=row).stack(s=("chain", "draw")).values
    x = blanked.loc[row, "x"]
    expected = b[:, 0] + b[:, 1] * x + (b[:, 2] + b[:, 3] * x) * ymi + u.values.ravel()
    tree = y.predict(kind="linpred", summary=False)
    at = list(y.spec.row_labels).index(row)
    draws = tree["predictions"][y.observed_name].isel(obs=at).stack(s=("chain", "draw"))
    np.testing.assert_allclose(draws.values, expected, rtol=1e-10)
    # New data give z itself.
    new = pd.DataFrame({"x": [1.0], "z": [2.0], "w": [0.0], "g": ["g0"]})
    mean = y.predict(new, kind="linpred")["mean"].iloc[0]
    u0 = posterior["r_g__y"].sel(g__y="g0").mean().item()
    assert mean == pytest.approx(b[:, 0].mean() + b[:, 1].mean() + 2 * b[:, 2:].sum(1).mean() + u0)


def test_the_joint_log_likelihood_adds_the_observed_responses_of_each_row(fit, frames):
    _, blanked = frames
    both = blanked[["y", "z"]].notna()
    rows = blanked.index[both.any(axis=1)]
    assert list(fit.rows) == list(rows)
    joint = fit.log_likelihood()
    y, z = fit.response("y").log_likelihood(), fit.response("z").log_likelihood()
    at = list(rows).index(blanked.index[both.all(axis=1)][0])
    first_y = list(fit.response("y").spec.row_labels).index(rows[at])
    first_z = list(fit.response("z").spec.row_labels).index(rows[at])
    np.testing.assert_allclose(joint[..., at], y[..., first_y] + z[..., first_z])
    only_z = list(rows).index(blanked.index[~both["y"] & both["z"]][0])
    z_at = list(fit.response("z").spec.row_labels).index(rows[only_z])
    np.testing.assert_allclose(joint[..., only_z], z[..., z_at])


def test_a_saved_fit_keeps_its_imputed_values(fit, tmp_path):
    fit.save(tmp_path / "fit")
    loaded = bg.load(tmp_path / "fit")
    for name in ("Ymi_z", "Ymi_y"):
        np.testing.assert_array_equal(loaded.posterior[name], fit.posterior[name])
    np.testing.assert_allclose(loaded.log_likelihood(), fit.log_likelihood())
    assert "75 missing 'z' imputed (Ymi_z)" in repr(loaded.model)


DATA = pd.DataFrame(
    {
        "y": [0.1, 0.5, 0.9, 1.2, 0.3, 0.4],
        "z": [1.0, np.nan, 2.0, 0.5, 1.5, 1.1],
        "n": [1, 2, np.nan, 3, 1, 0],
        "w": [0.0, 1.0, 2.0, 3.0, 4.0, 5.0],
    }
)


@pytest.mark.parametrize(
    ("formula", "options", "error", "message"),
    [
        (
            bg.formula("y ~ mi(z)") + bg.formula("z ~ w"),
            {},
            bg.FormulaError,
            "mi(z) in 'y ~ mi(z)' reads predictor 'z' with its missing values imputed, which "
            "makes 'z' a response of a multivariate model that imputes them: "
            "bg.formula('y ~ mi(z)') + bg.formula('z | mi() ~ ...'). Otherwise impute 'z' "
            "before fitting, or drop its rows with na_action='drop'.",
        ),
        (
            bg.formula("y | mi() ~ mi(z)") + bg.formula("z | mi() ~ mi(y)"),
            {},
            bg.FormulaError,
            "the responses read each other's imputed values in a cycle (y -> z -> y, each "
            "reading the next as mi()); drop mi() from one of these formulas.",
        ),
        (
            bg.formula("y ~ w") + bg.formula("n | mi() ~ w", family="poisson"),
            {},
            bg.FamilyError,
            "'n | mi()' imputes the missing values of a poisson response, which a "
            "multivariate model draws as parameters with the others: that needs a "
            "continuous family. Fit that response alone, where mi() draws them after the fit.",
        ),
        (
            bg.formula("y ~ mi(z)") + bg.formula("z | mi() ~ w"),
            {"rescor": True},
            bg.FamilyError,
            "rescor=True with the missing values of 'z' imputed (mi()) is not supported yet; "
            "leave rescor out (or rescor=False), and correlate the responses through shared "
            "group-level terms, as (1 | p | g).",
        ),
        (
            bg.formula("y ~ mi(z)") + bg.formula("z | mi() + weights(w) ~ 1"),
            {},
            bg.FormulaError,
            "'z | mi() + weights(w)' gives mi() with weights(), which a multivariate model "
            "does not combine yet: fit that response alone, where mi() works with it.",
        ),
    ],
)
def test_unsupported_imputations_are_refused(formula, options, error, message):
    with pytest.raises(error) as caught:
        bg.Model(formula, DATA, **options)
    assert str(caught.value).split("\n")[0] == message


REFERENCE = Path(__file__).parents[1] / "reference" / "missing"
NHANES_PRIORS = {
    "Intercept_bmi": bg.priors.Normal(0, 100),
    "b_bmi[age]": bg.priors.Normal(0, 10),
    "b_bmi[mi(chl)]": bg.priors.Normal(0, 10),
    "b_bmi[age:mi(chl)]": bg.priors.Normal(0, 10),
    "sigma_bmi": bg.priors.HalfStudentT(3, 10),
    "Intercept_chl": bg.priors.Normal(0, 1000),
    "b_chl[age]": bg.priors.Normal(0, 100),
    "sigma_chl": bg.priors.HalfStudentT(3, 100),
}
BRMS_NAMES = {
    "b_bmi_Intercept": "b_bmi[Intercept]",
    "b_bmi_age": "b_bmi[age]",
    "bsp_bmi_michl": "b_bmi[mi(chl)]",
    "bsp_bmi_michl:age": "b_bmi[age:mi(chl)]",
    "sigma_bmi": "sigma_bmi",
    "b_chl_Intercept": "b_chl[Intercept]",
    "b_chl_age": "b_chl[age]",
    "sigma_chl": "sigma_chl",
}


def test_nhanes_matches_brms_parameter_by_parameter_and_row_by_row():
    """brms's missing-values vignette model on mice's nhanes
    (``tests/reference/missing/make_reference.R``): every parameter and every imputed
    value within 0.2 posterior sd (plus both Monte Carlo errors) of brms's."""
    reference = json.loads((REFERENCE / "nhanes_mi.json").read_text())
    data = pd.read_csv(REFERENCE / "nhanes.csv")
    formula = bg.formula("bmi | mi() ~ age * mi(chl)") + bg.formula("chl | mi() ~ age")
    fit = quiet_fit(
        bg.Model(formula, data, priors=NHANES_PRIORS),
        draws=2000,
        tune=1000,
        chains=4,
        seed=2,
    )
    summary, errors = fit.summary(), fit.diagnose().table["mcse_mean"]
    for brms_name, ours in BRMS_NAMES.items():
        theirs = reference["parameters"][brms_name]
        allowed = 0.2 * theirs["sd"] + 3 * np.hypot(theirs["mcse"], errors[ours])
        assert abs(summary.loc[ours, "mean"] - theirs["mean"]) < allowed, ours
        assert summary.loc[ours, "sd"] == pytest.approx(theirs["sd"], rel=0.15), ours
    for response in ("bmi", "chl"):
        table = summarize(fit.posterior[f"Ymi_{response}"], statistics=diagnostic_stats)
        for row in reference[f"Ymi_{response}"]:
            mine = table.loc[row["row"]]
            allowed = 0.2 * row["sd"] + 3 * np.hypot(row["mcse"], mine["mcse_mean"])
            mean = fit.posterior[f"Ymi_{response}"].sel({f"Ymi_{response}_row": row["row"]})
            assert abs(float(mean.mean()) - row["mean"]) < allowed, (response, row["row"])


def test_the_report_counts_the_imputed_rows_and_tables_the_mi_coefficients(fit, tmp_path):
    text = fit.report(tmp_path / "report.html").read_text()
    assert "b_y[x:mi(z)]" in text
    assert "225 observations (75 rows with a missing response imputed)" in text
