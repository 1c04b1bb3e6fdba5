"""Multivariate models: two responses fitted jointly, with group effects correlated across
them through a shared ID and gaussian residual correlations; a gaussian and a poisson
response; the per-response fits, the joint table and the joint log-likelihood."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import bayesglmm as bg
from bayesglmm.results.linear_predictor import stacked_draws
from tests.conftest import quiet_fit

GROUPS, PER_GROUP = 30, 10
OPTIONS = {"draws": 1000, "tune": 1000, "chains": 2, "seed": 4}
TRUTH = {
    "b_y1[Intercept]": 1.0,
    "b_y1[x]": 0.5,
    "b_y2[Intercept]": -1.0,
    "b_y2[x]": 0.2,
    "sd_g__y1[Intercept]": 1.0,
    "sd_g__y2[Intercept]": 0.7,
    "sigma_y1": 0.8,
    "sigma_y2": 0.5,
    "cor_g__id_p[y1_Intercept,y2_Intercept]": 0.6,
    "rescor[y1,y2]": 0.4,
}


def bivariate(seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rho, sds = TRUTH["cor_g__id_p[y1_Intercept,y2_Intercept]"], np.array([1.0, 0.7])
    effects = rng.multivariate_normal([0, 0], np.outer(sds, sds) * [[1, rho], [rho, 1]], GROUPS)
    g = np.repeat(np.arange(GROUPS), PER_GROUP)
    x = rng.normal(size=g.size)
    sigma, r = np.array([0.8, 0.5]), TRUTH["rescor[y1,y2]"]
    noise = rng.multivariate_normal([0, 0], np.outer(sigma, sigma) * [[1, r], [r, 1]], g.size)
    return pd.DataFrame(
        {
            "y1": 1.0 + 0.5 * x + effects[g, 0] + noise[:, 0],
            "y2": -1.0 + 0.2 * x + effects[g, 1] + noise[:, 1],
            "x": x,
            "g": [f"g{i:02d}" for i in g],
        }
    )


@pytest.fixture(scope="module")
def data() -> pd.DataFrame:
    return bivariate(11)


@pytest.fixture(scope="module")
def fit(data) -> bg.MultivariateFit:
    model = bg.Model("mvbind(y1, y2) ~ x + (1 | p | g)", data)
    return quiet_fit(model, **OPTIONS)


def test_shared_group_effects_and_residual_correlations_are_recovered(fit):
    summary = fit.summary()
    assert sorted(summary.index) == sorted(TRUTH)
    assert list(summary.index[:4]) == [
        "b_y1[Intercept]",
        "b_y1[x]",
        "sd_g__y1[Intercept]",
        "sigma_y1",
    ]
    for name, value in TRUTH.items():
        row = summary.loc[name]
        assert row["2.5%"] < value < row["97.5%"], (name, value, row["mean"])
    assert fit.rescor and fit.names == ("y1", "y2")


def test_each_response_has_a_fit_of_its_own_under_its_own_names(fit, data):
    first = fit.response("y1")
    assert list(first.summary().index) == ["b[Intercept]", "b[x]", "sd_g[Intercept]", "sigma"]
    row = first.summary().loc["sd_g[Intercept]"]
    assert row["mean"] == pytest.approx(fit.summary().loc["sd_g__y1[Intercept]", "mean"])
    mean = first.predict(data.iloc[:5], kind="mean")["mean"].to_numpy()
    effects = stacked_draws(first.posterior, "r_g")[:, 0, 0]
    b = stacked_draws(first.posterior, "b")
    expected = b[:, 0] + b[:, 1] * data["x"].iloc[0] + effects
    assert mean[0] == pytest.approx(expected.mean())
    assert first.ppc(seed=1).replicated.shape[1] == len(data)
    with pytest.raises(bg.ArgumentError) as caught:
        fit.response("y3")
    assert str(caught.value).startswith("'y3' is not a response of this model.")


def test_the_diagnosis_covers_every_joint_parameter_and_matches_the_summary(fit):
    diagnosis = fit.diagnose()
    summary = fit.summary()
    assert diagnosis.table.index.tolist() == summary.index.tolist()
    np.testing.assert_allclose(diagnosis.table["ess_bulk"], summary["ess_bulk"])
    # The checks the fit warned about when it was made come first; the diagnosis adds the
    # checks a fit does not warn about (tail ESS, tree depth, E-BFMI).
    assert diagnosis.verdicts[: len(fit.warnings)] == fit.warnings
    added = diagnosis.verdicts[len(fit.warnings) : diagnosis.problems]
    assert all(verdict.startswith("tail ESS") for verdict in added)
    assert "No transition diverged." in diagnosis.verdicts


def test_the_joint_log_likelihood_is_the_bivariate_normal_density(fit, data):
    values = fit.log_likelihood()
    assert values.shape == (2, 1000, len(data))
    posterior = fit.posterior.isel(chain=0, draw=7)
    first, second = fit.response("y1"), fit.response("y2")
    sigma = np.array([float(posterior["sigma_y1"]), float(posterior["sigma_y2"])])
    rescor = float(posterior["rescor"].values[0, 1])
    covariance = np.outer(sigma, sigma) * [[1, rescor], [rescor, 1]]
    row = 3
    means = []
    for one in (first, second):
        b = one.posterior["b"].isel(chain=0, draw=7).values
        effect = float(one.posterior["r_g"].isel(chain=0, draw=7).sel(g=data["g"].iloc[row])[0])
        means.append(b[0] + b[1] * data["x"].iloc[row] + effect)
    expected = stats.multivariate_normal(means, covariance).logpdf(data[["y1", "y2"]].iloc[row])
    assert values[0, 7, row] == pytest.approx(expected, rel=1e-9)
    assert np.isfinite(fit.loo().elpd)


def test_a_gaussian_and_a_poisson_response_share_group_effects(data):
    rng = np.random.default_rng(5)
    counts = data.assign(n=rng.poisson(np.exp(0.3 + 0.5 * (data["y1"] - data["y1"].mean()))))
    model = bg.Model(
        bg.formula("y1 ~ x + (1 | p | g)") + bg.formula("n ~ x + (1 | p | g)", family="poisson"),
        counts,
    )
    assert not model.rescor
    fit = quiet_fit(model, **OPTIONS)
    summary = fit.summary()
    assert "sigma_y1" in summary.index and "rescor[y1,n]" not in summary.index
    correlation = summary.loc["cor_g__id_p[y1_Intercept,n_Intercept]"]
    assert correlation["2.5%"] > 0.3
    joint = fit.log_likelihood()
    parts = fit.response("y1").log_likelihood() + fit.response("n").log_likelihood()
    np.testing.assert_allclose(joint, parts)
    assert fit.response("n").family.name == "poisson"


@pytest.mark.parametrize(
    ("formula", "options", "error", "message"),
    [
        (
            "mvbind(y1) ~ x",
            {},
            bg.FormulaError,
            "mvbind() takes two or more response columns, as in 'mvbind(y1, y2) ~ x'",
        ),
        (
            bg.formula("y1 ~ x", sigma="~ x") + bg.formula("y2 ~ x"),
            {},
            bg.FormulaError,
            "'y1 ~ x' has formulas for its family parameters (sigma); distributional formulas "
            "are not supported in a multivariate model yet: fit that response alone.",
        ),
        (
            bg.formula("y1 ~ x") + bg.formula("n ~ x", family="poisson"),
            {"rescor": True},
            bg.FamilyError,
            "rescor=True models residual correlations, which need every response gaussian or "
            "every one student_t; these are gaussian, poisson. Correlate them through shared "
            "group-level terms instead, as (1 | p | g).",
        ),
    ],
)
def test_unsupported_multivariate_models_are_refused(data, formula, options, error, message):
    frame = data.assign(n=np.arange(len(data)) % 3)
    with pytest.raises(error) as caught:
        bg.Model(formula, frame, **options)
    assert str(caught.value).split("\n")[0] == message


def test_a_response_has_one_formula():
    with pytest.raises(bg.FormulaError) as caught:
        bg.formula("y1 ~ x") + bg.formula("y1 ~ g")
    assert str(caught.value) == "response 'y1' has two formulas; give it one"


def test_the_sampler_must_be_nuts(data):
    model = bg.Model("mvbind(y1, y2) ~ x", data)
    with pytest.raises(bg.SamplerError) as caught:
        model.fit(sampler="gibbs")
    assert str(caught.value) == (
        "sampler='gibbs': a multivariate model is sampled by NUTS, sampler='nutpie'."
    )


def test_a_saved_multivariate_fit_loads_with_its_responses(fit, tmp_path):
    fit.save(tmp_path / "both")
    loaded = bg.load(tmp_path / "both")
    assert isinstance(loaded, bg.MultivariateFit) and loaded.names == ("y1", "y2")
    pd.testing.assert_frame_equal(loaded.summary(), fit.summary())
    np.testing.assert_array_equal(loaded.log_likelihood(), fit.log_likelihood())
    pd.testing.assert_frame_equal(loaded.response("y2").fixef(), fit.response("y2").fixef())


def test_student_t_responses_with_a_smooth_share_one_nu():
    rng = np.random.default_rng(8)
    x = rng.uniform(size=300)
    g = np.repeat(np.arange(30), 10)
    effects = rng.normal(0, 0.5, 30)
    data = pd.DataFrame(
        {
            "y1": np.sin(6 * x) + effects[g] + 0.3 * rng.standard_t(5, 300),
            "y2": x + 0.5 * effects[g] + 0.3 * rng.standard_t(5, 300),
            "x": x,
            "g": [f"g{i:02d}" for i in g],
        }
    )
    formula = bg.formula("y1 ~ s(x) + (1 | p | g)") + bg.formula("y2 ~ x + (1 | p | g)")
    model = bg.Model(formula, data, family="student_t")
    assert model.rescor and "nu" in model.priors and "nu_y1" not in model.priors
    fit = quiet_fit(model, **OPTIONS)
    summary = fit.summary()
    assert list(summary.index).count("nu") == 1
    assert "sds_sx_1__y1" in summary.index
    assert summary.loc["cor_g__id_p[y1_Intercept,y2_Intercept]", "2.5%"] > 0.5
    curve = fit.response("y1").predict(
        pd.DataFrame({"x": [0.1, 0.5], "g": ["g00", "g00"]}), kind="mean", re="none"
    )["mean"]
    intercept = summary.loc["b_y1[Intercept]", "mean"]
    assert curve.to_numpy() - intercept == pytest.approx(np.sin(6 * np.array([0.1, 0.5])), abs=0.3)
    assert np.isfinite(fit.loo().elpd)


def test_every_variable_of_the_joint_graph_belongs_to_one_response_or_to_the_joint(data):
    """The names of :func:`bayesglmm.naming.multivariate_naming.response_names` are those the
    graph builds."""
    frame = data.assign(z=np.linspace(0, 1, len(data)))
    formula = bg.formula("y1 ~ x + s(z, k = 5) + gp(z, k = 6) + (1 + x | g)") + bg.formula(
        "y2 ~ x + (1 | g)"
    )
    model = bg.Model(formula, frame, rescor=False)
    owned = {joint for view in model.views for joint in view.variables.values()}
    assert set(model.graph.public_names) <= owned
    graph_dims = set(model.graph.model.coords)
    mapped = {joint for view in model.views for joint in view.dims.values()}
    assert graph_dims - {"obs"} <= mapped
    assert {"sds_sz_1__y1", "sdgp_gpz__y1", "cor_g__y1", "sigma_y2"} <= set(
        model.graph.public_names
    )
    assert {"sds[sz_1__y1]", "sdgp[gpz__y1]", "lscale[gpz__y1]", "cor[g__y1]"} <= set(model.priors)


def test_the_report_has_the_joint_table_and_a_section_per_response(fit, tmp_path):
    text = fit.report(tmp_path / "both.html").read_text()
    assert "<h2>Joint estimates</h2>" in text and "rescor[y1,y2]" in text
    assert "<h2>Response y1</h2>" in text and "<h2>Response y2</h2>" in text
    assert "<h3>Posterior predictive check (y2)</h3>" in text
    assert text.count("<img") >= 6
