"""Monotonic effects mo(x) (Bürkner & Charpentier 2020, BJMSP 73:420-451) in fits: recovery
of a known simplex and coefficient, agreement with brms on a public dataset, predictions on
new data, LOO, predictive checks, save/load, the printout and the report."""

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import bayesglmm as bg
from bayesglmm import naming
from bayesglmm.errors import DataError
from tests.conftest import quiet_fit

DATA = Path(__file__).resolve().parents[1] / "data"
REFERENCES = Path(__file__).resolve().parents[1] / "reference" / "monotonic"

TRUTH = {"b[Intercept]": 1.0, "b[z]": 0.5, "b[mo(x)]": 1.5, "sigma": 1.0}
ZETA = np.array([0.1, 0.2, 0.3, 0.4])
"""The true increments of ``x``'s five categories 0..4 (D = 4): the whole effect of going
from 0 to 4 is ``bsp * D = 6``, of which the last step takes 40%."""


def simulate(seed: int = 7, n: int = 400) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 5, n)
    z = rng.normal(size=n)
    steps = np.concatenate([[0.0], np.cumsum(ZETA)])
    mu = TRUTH["b[Intercept]"] + TRUTH["b[z]"] * z + TRUTH["b[mo(x)]"] * 4 * steps[x]
    return pd.DataFrame({"y": mu + rng.normal(0, TRUTH["sigma"], n), "x": x, "z": z})


@pytest.fixture(scope="module")
def data() -> pd.DataFrame:
    return simulate()


@pytest.fixture(scope="module")
def fit(data) -> bg.Fit:
    return quiet_fit(bg.Model("y ~ z + mo(x)", data), draws=400, tune=400, chains=2, seed=3)


def test_recovers_the_coefficient_and_the_simplex(fit):
    summary = fit.summary()
    truths = {**TRUTH, **{f"simo_x[{k}->{k + 1}]": value for k, value in enumerate(ZETA)}}
    for label, truth in truths.items():
        mean, sd = summary.loc[label, ["mean", "sd"]]
        assert abs(mean - truth) < 3 * sd, f"{label}: {mean:.3f} (sd {sd:.3f}) vs {truth}"
    simplex = fit.posterior["simo_x"]
    np.testing.assert_allclose(simplex.sum("x_increment"), 1.0, atol=1e-9)
    assert summary.loc["b[mo(x)]", "rhat"] < 1.02


def test_category_effects_match_least_squares_on_dummy_codes(fit, data):
    """Where the data are monotone the constraint does not bind, so the effect of each
    category over the lowest, ``bsp * D * sum(zeta[:c])``, is the least-squares coefficient of
    its dummy column (flat priors, gaussian): within half a posterior sd."""
    dummies = np.column_stack([data["x"] == k for k in range(1, 5)]).astype(float)
    design = np.column_stack([np.ones(len(data)), data["z"], dummies])
    least_squares = np.linalg.lstsq(design, data["y"], rcond=None)[0][2:]
    bsp = fit.posterior["bsp"].sel(sp="mo(x)").to_numpy().reshape(-1)
    zeta = fit.posterior["simo_x"].to_numpy().reshape(-1, 4)
    effects = bsp[:, None] * 4 * np.cumsum(zeta, axis=1)
    distance = (effects.mean(axis=0) - least_squares) / effects.std(axis=0)
    assert np.all(np.abs(distance) < 0.5), distance.round(2)


def test_predictions_on_new_data_follow_the_cumulated_increments(fit):
    new = pd.DataFrame({"x": [0, 1, 2, 3, 4], "z": 0.0})
    predicted = fit.predict(new, kind="linpred", summary=False)
    draws = predicted["predictions"]
    values = draws[next(iter(draws.data_vars))].to_numpy().reshape(-1, 5)
    posterior = fit.posterior
    b0 = posterior["b"].sel(coef="Intercept").to_numpy().reshape(-1)
    bsp = posterior["bsp"].sel(sp="mo(x)").to_numpy().reshape(-1)
    zeta = posterior["simo_x"].to_numpy().reshape(-1, 4)
    steps = np.concatenate([np.zeros((zeta.shape[0], 1)), np.cumsum(zeta, axis=1)], axis=1)
    np.testing.assert_allclose(values, b0[:, None] + bsp[:, None] * 4 * steps)
    means = fit.predict(new)["mean"].to_numpy()
    assert np.all(np.diff(means) > 0)
    assert means[4] - means[0] == pytest.approx(6.0, abs=0.5)


def test_new_data_with_an_unseen_category_are_refused(fit):
    with pytest.raises(DataError) as error:
        fit.predict(pd.DataFrame({"x": [5], "z": [0.0]}))
    assert str(error.value) == (
        "newdata column 'x' has categories that mo(x) was not fitted with: '5'; the fitted "
        "categories are 0, 1, 2, 3, 4."
    )


def test_effects_and_marginal_means_run_over_the_categories(fit):
    effects = fit.effects("x")
    assert effects["x"].tolist() == [0, 1, 2, 3, 4]
    at_zero = fit.predict(pd.DataFrame({"x": [0, 1, 2, 3, 4], "z": fit.spec.data["z"].mean()}))
    np.testing.assert_allclose(effects["mean"], at_zero["mean"])
    means = fit.emmeans("x").table
    assert means["x"].tolist() == [0, 1, 2, 3, 4]
    np.testing.assert_allclose(means["mean"], effects["mean"])


def test_loo_and_predictive_checks_use_the_monotonic_term(fit, data):
    pointwise = fit.log_likelihood()
    assert pointwise.shape == (2, 400, len(data))
    assert np.isfinite(fit.loo().elpd)
    fitted = fit.predict()["mean"].to_numpy()
    assert np.corrcoef(fitted, data["y"])[0, 1] > 0.85
    check = fit.ppc(seed=0)
    assert check.statistics.loc["mean", "p_value"] > 0.05


def test_printout_and_report_show_the_term_and_its_simplex(fit, tmp_path):
    text = str(fit)
    rows = {line.split()[0]: line for line in text.splitlines() if line.strip()}
    assert "mo(x)" in rows
    assert "Monotonic Simplex Parameters:" in text
    assert [label for label in rows if label.startswith("simo_x[")] == [
        "simo_x[0->1]",
        "simo_x[1->2]",
        "simo_x[2->3]",
        "simo_x[3->4]",
    ]
    assert fit.fixef().index.tolist() == ["Intercept", "z", "mo(x)"]
    html = fit.report(tmp_path / "report.html").read_text()
    assert "Monotonic Simplex Parameters" in html
    assert "simo_x[3-&gt;4]" in html
    assert "simo[mo(x)]" in html and "dirichlet(1, 1, 1, 1)" in html


def test_save_and_load_roundtrip(fit, tmp_path):
    fit.save(tmp_path / "fit")
    loaded = bg.load(tmp_path / "fit")
    assert loaded.spec.monotonic[0].categories == ("0", "1", "2", "3", "4")
    assert loaded.summary().equals(fit.summary())
    new = pd.DataFrame({"x": [0, 4], "z": [0.0, 1.0]})
    assert loaded.predict(new).equals(fit.predict(new))


def test_an_ordered_factor_and_a_user_dirichlet_survive_save_and_load(tmp_path):
    doses = ["none", "low", "high"]
    rng = np.random.default_rng(1)
    dose = pd.Categorical(rng.choice(doses, 90), categories=doses, ordered=True)
    frame = pd.DataFrame({"y": np.asarray(dose.codes) + rng.normal(size=90), "dose": dose})
    priors = {"simo[mo(dose)]": bg.priors.Dirichlet([2, 2])}
    fit = quiet_fit(
        bg.Model("y ~ mo(dose)", frame, priors=priors), draws=200, tune=300, chains=2, seed=1
    )
    fit.save(tmp_path / "fit")
    loaded = bg.load(tmp_path / "fit")
    assert loaded.priors["simo[mo(dose)]"] == bg.priors.Dirichlet((2.0, 2.0))
    assert loaded.spec.monotonic[0].transitions == ("none->low", "low->high")
    new = pd.DataFrame({"dose": pd.Categorical(["high"], categories=doses, ordered=True)})
    assert loaded.predict(new).equals(fit.predict(new))


def brms_label(name: str, spec) -> str:
    """A brms parameter of a reference onto the row label of ``Fit.summary()``: ``bsp_mox``
    is ``b[mo(x)]`` and ``simo_mox1[k]`` the k-th transition of ``simo_x``."""
    simplex = re.fullmatch(r"simo_mo(\w+?)1\[(\d+)\]", name)
    if simplex:
        column, k = simplex.group(1), int(simplex.group(2))
        term = next(term for term in spec.monotonic if term.column == column)
        return naming.element_label(naming.simplex(column), term.transitions[k - 1])
    if name.startswith("bsp_mo"):
        return naming.coefficient_key(naming.monotonic_term(name[len("bsp_mo") :]))
    return naming.coefficient_key(name[2:]) if name.startswith("b_") else name


def reference_data(name: str) -> pd.DataFrame:
    """The reference's data, with its ordered factors as the R script makes them."""
    if name == "hospitalstay":
        stays = pd.read_csv(DATA / "hospitalstay.csv")
        return stays.assign(
            agegroup=pd.Categorical(stays["age"], categories=range(1, 10), ordered=True)
        )
    visits = pd.read_csv(DATA / "nmes1988.csv")
    health = pd.Categorical(visits["health"], ["poor", "average", "excellent"], ordered=True)
    return visits.assign(health=health)


@pytest.mark.parametrize(
    ("name", "draws"),
    [("hospitalstay", 1000), pytest.param("nmes1988", 500, marks=pytest.mark.slow)],
)
def test_posterior_matches_brms(name, draws):
    """Posterior means within 0.25 posterior sd of brms 2.18's (4 chains of 1000 draws) and
    sds within 20%, on hospital stays (``stay ~ mo(agegroup) + hmo + died``, poisson: an
    ordered factor of nine age groups) and office visits (``ofp ~ mo(school) + mo(health) +
    numchron``, negbinomial: years of schooling 0..18 as numbers and self-rated health as an
    ordered factor). The R script and its output are in tests/reference/monotonic.

    The weak age effect leaves the simplex of hospital stays barely identified (its
    increments move freely as bsp nears 0), which slows mixing: 1000 draws per chain give
    a bulk ESS near 400 there, 500 draws suffice for the office visits (4406 rows, about two
    minutes: ``-m slow``)."""
    reference = json.loads((REFERENCES / f"{name}.json").read_text())
    model = bg.Model(reference["formula"], reference_data(name), family=reference["family"])
    summary = quiet_fit(model, draws=draws, tune=draws, chains=2, seed=5).summary()
    for row in reference["summary"]:
        label = brms_label(row["variable"], model.spec)
        distance = (summary.loc[label, "mean"] - row["mean"]) / row["sd"]
        assert abs(distance) < 0.25, f"{label}: {distance:+.2f} posterior sds"
        assert summary.loc[label, "sd"] == pytest.approx(row["sd"], rel=0.2), label


def test_an_ordinal_response_with_only_a_monotonic_term():
    rng = np.random.default_rng(2)
    x = rng.integers(0, 4, 300)
    latent = 6 * np.array([0.0, 0.2, 0.3, 1.0])[x] + rng.logistic(size=300)
    frame = pd.DataFrame(
        {"y": pd.Categorical(np.digitize(latent, [1, 3, 5]) + 1, ordered=True), "x": x}
    )
    fit = quiet_fit(
        bg.Model("y ~ mo(x)", frame, family="cumulative"), draws=300, tune=300, chains=2, seed=1
    )
    assert fit.fixef().index.tolist() == ["mo(x)"]
    summary = fit.summary()
    assert abs(summary.loc["b[mo(x)]", "mean"] - 2.0) < 3 * summary.loc["b[mo(x)]", "sd"]
    linear = fit.predict(pd.DataFrame({"x": [0, 3]}), kind="linpred")["mean"].to_numpy()
    assert linear[0] == 0.0 and linear[1] > 4
