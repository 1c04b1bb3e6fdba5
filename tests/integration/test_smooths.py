"""Penalised smooths against mgcv and on simulated data with a known curve.

mgcv (``tests/reference/smooths/make_reference.R``) fits ``y ~ s(x, bs, k = 10)`` by REML
to the bundled known-curve data. The smoothing parameter is estimated (REML) there and
integrated over here (its sd ``sds`` has a half-t prior), so the two fits differ by a
fraction of the curve's uncertainty, not more: measured, at most 0.16 mgcv standard errors
along the curve for "tp", 0.10 for "cr" and 0.17 for "ps", with posterior sds within 4% of
mgcv's standard errors; ``s(x, by = g)`` and ``t2(x, z)`` are checked the same way on data
of their own. The tolerance, 0.35 se, leaves room for Monte Carlo error (about 0.05 se
with 1000 draws) but not for a different basis, a lost constraint or a wrong extrapolation
beyond the data (the grid reaches past both ends).
"""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

import bayesglmm as bg
from bayesglmm.errors import ArgumentError
from bayesglmm.families import FAMILIES
from bayesglmm.families.family import Family
from bayesglmm.results.smooths import partial_residuals, smooth_effect
from tests.conftest import quiet_fit

REFERENCE = Path(__file__).parents[1] / "reference" / "smooths"
TOLERANCE_SE = 0.35
OPTIONS = {"draws": 500, "tune": 1000, "chains": 2, "seed": 3}


@pytest.fixture(scope="module")
def mgcv():
    return json.loads((REFERENCE / "mgcv.json").read_text())


@pytest.fixture(scope="module")
def curve():
    return pd.read_csv(REFERENCE / "curve.csv")


def simulated(seed=1, n=200):
    rng = np.random.default_rng(seed)
    x = rng.uniform(0, 1, n)
    return pd.DataFrame({"x": x, "f": np.sin(2 * np.pi * x), "noise": rng.normal(size=n)})


@pytest.mark.parametrize("bs", ["tp", "cr", "ps"])
def test_fitted_curve_matches_mgcv_reml(mgcv, curve, bs):
    fit = quiet_fit(bg.Model(f'y ~ s(x, bs = "{bs}", k = 10)', curve), **OPTIONS)
    reference = mgcv["fits"][bs]
    grid = pd.DataFrame({"x": mgcv["grid"]})
    for rows, fitted, se in (
        (curve[["x"]], reference["fitted"], reference["se"]),
        (grid, reference["grid_fitted"], reference["grid_se"]),
    ):
        ours = fit.predict(rows, kind="linpred")
        distance = (ours["mean"].to_numpy() - fitted) / np.asarray(se)
        assert np.max(np.abs(distance)) < TOLERANCE_SE, f"{bs}: {np.max(np.abs(distance)):.3f}"
        assert np.corrcoef(ours["mean"], fitted)[0, 1] > 0.999
        assert 0.8 < np.median(ours["sd"] / np.asarray(se)) < 1.25
    sigma = float(fit.posterior["sigma"].mean())
    assert sigma == pytest.approx(reference["sigma"], rel=0.05)


@pytest.mark.parametrize(
    ("name", "formula", "csv"),
    [
        ("by", "y ~ g + s(x, by = g, k = 10)", "curve_by"),
        ("t2", "y ~ t2(x, z)", "surface"),
        ("varying", "y ~ s(x, by = z, k = 10)", "varying"),
        ("plate", "y ~ s(x, z)", "surface"),
    ],
)
def test_by_and_tensor_smooths_match_mgcv_reml(mgcv, name, formula, csv):
    """Two smooths with a smoothing parameter each (by), three penalties (t2), a curve
    times a numeric covariate (varying), or a thin plate surface (plate): more estimated
    smoothing parameters, or a less direct view of the curve, so REML and the posterior
    differ a little more (measured: at most 0.25-0.29 se for by, 0.16-0.17 for t2); the
    tolerance is 0.5 se."""
    data = pd.read_csv(REFERENCE / f"{csv}.csv")
    fit = quiet_fit(bg.Model(formula, data), **OPTIONS)
    reference = mgcv[name]
    ours = fit.predict(data, kind="linpred")
    distance = (ours["mean"].to_numpy() - reference["fitted"]) / np.asarray(reference["se"])
    assert np.max(np.abs(distance)) < 0.5, f"{name}: {np.max(np.abs(distance)):.3f}"
    assert np.corrcoef(ours["mean"], reference["fitted"])[0, 1] > 0.999
    assert 0.8 < np.median(ours["sd"] / np.asarray(reference["se"])) < 1.25
    assert float(fit.posterior["sigma"].mean()) == pytest.approx(reference["sigma"], rel=0.05)


def test_gaussian_recovers_a_known_curve():
    data = simulated()
    data["y"] = data["f"] + 0.3 * data["noise"]
    fit = quiet_fit(bg.Model("y ~ s(x)", data), **OPTIONS)
    grid = pd.DataFrame({"x": np.linspace(0.02, 0.98, 49)})
    truth = np.sin(2 * np.pi * grid["x"])
    band = fit.predict(grid, kind="linpred")
    covered = (band["2.5%"] < truth) & (truth < band["97.5%"])
    assert covered.mean() >= 0.9
    assert np.sqrt(np.mean((band["mean"] - truth) ** 2)) < 0.1
    assert "Smooth Terms" in repr(fit) and "sds(sx_1)" in repr(fit)


def test_poisson_smooth_goes_through_loo_and_predictive_checks():
    data = simulated(seed=2)
    rng = np.random.default_rng(2)
    data["count"] = rng.poisson(np.exp(1.0 + data["f"]))
    fit = quiet_fit(bg.Model('count ~ s(x, bs = "cr")', data, family="poisson"), **OPTIONS)
    grid = pd.DataFrame({"x": np.linspace(0.05, 0.95, 19)})
    truth = 1.0 + np.sin(2 * np.pi * grid["x"])
    band = fit.predict(grid, kind="linpred")
    assert np.sqrt(np.mean((band["mean"] - truth) ** 2)) < 0.15
    assert ((band["2.5%"] < truth) & (truth < band["97.5%"])).mean() >= 0.85
    assert fit.log_likelihood().shape == (2, 500, 200)
    assert np.isfinite(fit.loo().elpd)
    assert fit.ppc(seed=1).replicated.shape[1] == 200


def test_one_smooth_per_level_of_a_by_factor():
    a, b = simulated(seed=3, n=150).assign(g="a"), simulated(seed=4, n=150).assign(g="b")
    b["f"] = 4 * (b["x"] - 0.5) ** 2 + 0.5
    data = pd.concat([a, b], ignore_index=True)
    data["y"] = data["f"] + 0.3 * data["noise"]
    fit = quiet_fit(bg.Model("y ~ g + s(x, by = g)", data), **OPTIONS)
    assert {"sds_sx:ga_1", "sds_sx:gb_1"} <= set(fit.posterior.data_vars)
    x = np.linspace(0.05, 0.95, 10)
    grid = pd.DataFrame({"x": np.tile(x, 2), "g": ["a"] * 10 + ["b"] * 10})
    truth = np.concatenate([np.sin(2 * np.pi * x), 4 * (x - 0.5) ** 2 + 0.5])
    error = fit.predict(grid, kind="linpred")["mean"].to_numpy() - truth
    assert np.sqrt(np.mean(error[:10] ** 2)) < 0.12
    assert np.sqrt(np.mean(error[10:] ** 2)) < 0.12
    assert isinstance(fit.plot_smooth("s(x, by = g)"), Figure)


def test_a_smooth_varying_with_a_numeric_by_recovers_its_curve():
    """``s(x, by = z)`` is ``f(x) z`` (a varying coefficient): not centred, with ``z`` and
    ``x z`` among the fixed effects, and ``plot_smooth`` draws ``f`` itself."""
    data = simulated(seed=6, n=300)
    rng = np.random.default_rng(60)
    data["z"] = rng.uniform(0.5, 2.0, 300)
    data["y"] = 1.0 + (data["f"] + 1.0) * data["z"] + 0.3 * data["noise"]
    fit = quiet_fit(bg.Model("y ~ s(x, by = z)", data), **OPTIONS)
    assert fit.spec.fixed.names == ("Intercept", "sx:z_1", "sx:z_2")
    assert "sds_sx:z_1" in fit.posterior.data_vars
    effect = smooth_effect(fit, "s(x, by = z)", points=19)
    truth = np.sin(2 * np.pi * effect["x"]) + 1.0
    assert list(effect.columns[:2]) == ["x", "mean"]
    assert np.sqrt(np.mean((effect["mean"] - truth) ** 2)) < 0.12
    assert ((effect["2.5%"] < truth) & (truth < effect["97.5%"])).mean() >= 0.85
    grid = pd.DataFrame({"x": [0.25, 0.25], "z": [1.0, 2.0]})
    mean = fit.predict(grid, kind="linpred")["mean"].to_numpy()
    assert mean[1] - mean[0] == pytest.approx(2.0, abs=0.2)
    assert isinstance(fit.plot_smooth("s(x, by = z)"), Figure)
    with pytest.raises(bg.ArgumentError) as caught:
        partial_residuals(fit, "s(x, by = z)")
    assert str(caught.value) == (
        "s(x,by=z) is multiplied by 'z', so its rows have no partial residuals around f(x); "
        "plot it with residuals=False."
    )


def test_tensor_product_recovers_a_surface():
    data = simulated(seed=5, n=300)
    rng = np.random.default_rng(50)
    data["z"] = rng.uniform(0, 1, 300)
    surface = np.sin(2 * np.pi * data["x"]) * np.cos(2 * np.pi * data["z"])
    data["y"] = surface + 0.2 * data["noise"]
    fit = quiet_fit(bg.Model("y ~ t2(x, z)", data), **OPTIONS)
    assert [f"sds_t2xz_{i}" for i in (1, 2, 3)] == [
        name for name in fit.posterior.data_vars if name.startswith("sds_")
    ]
    grid = pd.DataFrame({"x": rng.uniform(0.05, 0.95, 100), "z": rng.uniform(0.05, 0.95, 100)})
    truth = np.sin(2 * np.pi * grid["x"]) * np.cos(2 * np.pi * grid["z"])
    band = fit.predict(grid, kind="linpred")
    assert np.sqrt(np.mean((band["mean"] - truth) ** 2)) < 0.12
    assert ((band["2.5%"] < truth) & (truth < band["97.5%"])).mean() >= 0.85
    with pytest.raises(ArgumentError, match=r"t2\(x,z\) smooths 2 covariates; plot_smooth"):
        fit.plot_smooth("t2(x, z)")


def test_smooth_of_a_distributional_parameter():
    data = simulated(seed=6, n=400)
    wiggle = 0.8 * np.sin(2 * np.pi * data["x"])
    data["y"] = data["f"] + np.exp(-1.5 + wiggle) * data["noise"]
    model = bg.Model(bg.formula("y ~ s(x)", sigma="~ s(x, k = 6)"), data)
    fit = quiet_fit(model, **OPTIONS)
    effect = smooth_effect(fit, "s(x, k = 6)", parameter="sigma", points=20)
    truth = 0.8 * np.sin(2 * np.pi * effect["x"]) - wiggle.mean()
    assert np.sqrt(np.mean((effect["mean"] - truth) ** 2)) < 0.15
    assert float(fit.posterior["b_sigma"].sel(coef_sigma="Intercept").mean()) == pytest.approx(
        -1.5, abs=0.15
    )
    assert isinstance(fit.plot_smooth("s(x, k = 6)", parameter="sigma"), Figure)


def test_save_and_load_keep_the_basis(tmp_path):
    data = simulated(seed=7, n=120)
    data["y"] = data["f"] + 0.3 * data["noise"]
    fit = quiet_fit(
        bg.Model('y ~ s(x, bs = "ps", k = 8)', data), draws=200, tune=500, chains=2, seed=1
    )
    fit.save(tmp_path / "fit")
    loaded = bg.load(tmp_path / "fit")
    new = pd.DataFrame({"x": [-0.2, 0.3, 0.5, 1.4]})
    pd.testing.assert_frame_equal(
        fit.predict(new, kind="linpred"), loaded.predict(new, kind="linpred")
    )


def test_plot_smooth_draws_the_band_and_the_partial_residuals():
    data = simulated(seed=8, n=100)
    data["y"] = data["f"] + 0.3 * data["noise"]
    fit = quiet_fit(bg.Model("y ~ s(x, k = 6)", data), draws=200, tune=500, chains=2, seed=1)
    figure = fit.plot_smooth("sx")
    [axes] = figure.axes
    assert len(axes.collections[-1].get_offsets()) == 100
    assert axes.get_ylabel() == "sx (link scale)"
    with pytest.raises(ArgumentError, match=r"'s\(z\)' is not a smooth of the mean\."):
        fit.plot_smooth("s(z)")


def _response(family: Family, eta: np.ndarray, rng: np.random.Generator) -> dict:
    """A response of ``family``'s support whose mean rises with ``eta``."""
    support = family.support.name
    if support == "real":
        return {"y": eta + rng.normal(0, 0.3, eta.size)}
    if support == "positive":
        return {"y": np.exp(eta) * rng.gamma(10.0, 0.1, eta.size)}
    if support == "open_unit":
        p = 1 / (1 + np.exp(-eta))
        return {"y": np.clip(rng.beta(20 * p, 20 * (1 - p)), 1e-4, 1 - 1e-4)}
    if support == "binary":
        return {"y": rng.binomial(1, 1 / (1 + np.exp(-eta)))}
    if support == "binomial":
        return {"y": rng.binomial(10, 1 / (1 + np.exp(-eta))), "n": np.full(eta.size, 10)}
    if support == "ordinal":
        latent = eta + rng.logistic(size=eta.size)
        return {"y": np.digitize(latent, [-0.5, 0.5, 1.5]) + 1}
    return {"y": rng.poisson(np.exp(eta))}


QUICK_FAMILIES = ("bernoulli", "binomial", "beta", "cumulative")
"""Families checked on every run (gaussian and poisson have tests of their own); the rest
of the catalogue runs with ``-m slow`` (about three minutes in all)."""


@pytest.mark.parametrize(
    "family",
    [
        name if name in QUICK_FAMILIES else pytest.param(name, marks=pytest.mark.slow)
        for name in sorted(FAMILIES)
    ],
)
def test_every_family_fits_a_smooth_in_its_mean(family):
    """Each family's linear predictor takes the smooth: its partial effect follows the
    curve (up to the sign of the family's default link)."""
    chosen = FAMILIES[family]
    rng = np.random.default_rng(11)
    x = rng.uniform(0, 1, 300)
    data = pd.DataFrame({"x": x, **_response(chosen, 0.5 + np.sin(2 * np.pi * x), rng)})
    left = "y | trials(n)" if chosen.needs_trials else "y"
    model = bg.Model(f"{left} ~ s(x, k = 6)", data, family=family)
    fit = quiet_fit(model, draws=150, tune=400, chains=2, seed=1)
    effect = smooth_effect(fit, "s(x, k = 6)", points=25)
    curve = np.sin(2 * np.pi * effect["x"])
    assert abs(np.corrcoef(effect["mean"], curve)[0, 1]) > 0.8, family


@pytest.mark.slow
def test_credible_bands_cover_the_curve_across_simulations():
    """Bayesian smoothing bands have close to nominal coverage averaged over the curve
    (Wahba 1983, JRSS B 45:133-150; Nychka 1988, JASA 83:1134-1143): over 10 simulated
    datasets the 95% bands cover the true curve at 90-99% of the grid on average."""
    coverages = []
    grid = pd.DataFrame({"x": np.linspace(0.02, 0.98, 49)})
    truth = np.sin(2 * np.pi * grid["x"])
    for seed in range(10):
        data = simulated(seed=100 + seed, n=150)
        data["y"] = data["f"] + 0.3 * data["noise"]
        fit = quiet_fit(bg.Model("y ~ s(x)", data), draws=500, tune=1000, chains=2, seed=seed)
        band = fit.predict(grid, kind="linpred")
        coverages.append(((band["2.5%"] < truth) & (truth < band["97.5%"])).mean())
    assert 0.9 <= np.mean(coverages) <= 0.99, coverages
