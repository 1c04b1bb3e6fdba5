"""The PyMC graph (bayesglmm.backend.pymc_model): its variables, data, coordinates and
dimensions, and its log density against a computation by hand with scipy."""

import re

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import bayesglmm as bg
from bayesglmm.backend.contract import graph_coords, graph_data, posterior_dims, structural_dims
from bayesglmm.backend.pymc_model import build_pymc_model

SLEEPSTUDY = "Reaction ~ Days + (Days | Subject)"


@pytest.fixture(scope="module")
def sleepstudy():
    return bg.Model(SLEEPSTUDY, bg.datasets.load("sleepstudy"), centered=False)


@pytest.fixture(scope="module")
def tiny():
    """A gaussian ``y ~ x + (1 | g)`` on six rows, non-centred."""
    frame = pd.DataFrame(
        {"y": [1.0, 2.5, 0.3, 4.1, 2.2, 3.0], "x": [0.0, 1, 2, 3, 4, 5], "g": list("aabbcc")}
    )
    return bg.Model("y ~ x + (1 | g)", frame, centered=False)


def zero_inflated_frame() -> pd.DataFrame:
    rng = np.random.default_rng(1)
    n = 24
    return pd.DataFrame(
        {
            "y": rng.poisson(2, n) * rng.binomial(1, 0.7, n),
            "x": rng.normal(size=n),
            "g": np.repeat(list("abcd"), 6),
            "h": np.tile(list("pqr"), 8),
        }
    )


def names(variables) -> list[str]:
    return [variable.name for variable in variables]


# --- names --------------------------------------------------------------------------------


def test_public_and_observed_names(sleepstudy):
    graph = sleepstudy.graph
    assert graph.public_names == ("b", "sd_Subject", "cor_Subject", "r_Subject", "sigma")
    assert graph.observed_name == "Reaction"
    assert names(graph.model.observed_RVs) == ["Reaction"]
    assert names(graph.model.deterministics) == [
        "r_Subject",
        "cor_Subject",
        "Intercept",
        "b_slopes",
        "b",
    ]
    assert graph.row_data == frozenset(
        {"Subject__index", "Subject__values", "X_centred", "y_observed"}
    )


def test_non_centred_variables(sleepstudy):
    graph = build_pymc_model(
        sleepstudy.spec, sleepstudy.family, sleepstudy.link, sleepstudy.priors, centered=()
    )
    assert names(graph.model.free_RVs) == [
        "sd_Subject",
        "L_Subject__0",
        "dev_Subject__0",
        "proj_Subject__0",
        "Intercept__level",
        "b_slopes__level",
        "sigma",
    ]
    assert names(graph.model.value_vars) == [
        "sd_Subject_log__",
        "L_Subject__0_unit_rows__",
        "dev_Subject__0",
        "proj_Subject__0",
        "Intercept__level",
        "b_slopes__level",
        "sigma_log__",
    ]
    assert names(sleepstudy.graph.model.free_RVs) == names(graph.model.free_RVs)


def test_centred_variables(sleepstudy):
    parts = (sleepstudy.spec, sleepstudy.family, sleepstudy.link, sleepstudy.priors)
    graph = build_pymc_model(*parts, ["Subject"])
    expected = names(build_pymc_model(*parts, centered=()).model.free_RVs)
    assert names(graph.model.free_RVs) == expected
    # The centred effects' density is the multivariate normal's with covariance
    # diag(sd) R diag(sd), R = L L' (the unit-row x = 0.5: rho = 0.5 / sqrt(1.25)).
    centred = graph.model
    point = centred.initial_point(0)
    point["L_Subject__0_unit_rows__"] = np.array([0.5])
    effects = np.random.default_rng(1).normal(0, 20, point["dev_Subject__0"].shape)
    point["dev_Subject__0"] = effects
    density = centred.compile_logp(vars=[centred["dev_Subject__0"]])(point)
    sd, rho = np.exp(point["sd_Subject_log__"]), 0.5 / np.sqrt(1.25)
    covariance = np.outer(sd, sd) * np.array([[1.0, rho], [rho, 1.0]])
    reference = stats.multivariate_normal(np.zeros(2), covariance).logpdf(effects).sum()
    assert density == pytest.approx(reference, rel=1e-10)
    assert graph.public_names == sleepstudy.graph.public_names
    data = bg.datasets.load("sleepstudy")
    for centered in (True, ["Subject"]):
        model = bg.Model(SLEEPSTUDY, data, centered=centered)
        assert model.centered == frozenset({"Subject"})
        assert names(model.graph.model.free_RVs) == expected


def test_a_response_named_like_a_variable_is_observed_as_y():
    frame = pd.DataFrame({"b": [1.0, 2.5, 0.3, 4.1], "x": [0.0, 1, 2, 3], "g": list("aabb")})
    graph = bg.Model("b ~ x + (1 | g)", frame, centered=False).graph
    assert graph.observed_name == "y"
    assert names(graph.model.observed_RVs) == ["y"]


# --- graph_data -----------------------------------------------------------------------------


def test_graph_data_of_sleepstudy(sleepstudy):
    spec, priors = sleepstudy.spec, sleepstudy.priors
    data = graph_data(spec, sleepstudy.family, priors)
    assert sorted(data) == [
        "Intercept__prior_mu",
        "Intercept__prior_nu",
        "Intercept__prior_sigma",
        "Subject__index",
        "Subject__sweep_covariates",
        "Subject__sweep_r_inverse",
        "Subject__sweep_t",
        "Subject__sweep_vectors",
        "Subject__values",
        "X_centred",
        "X_means",
        "b_slopes__prior_mu",
        "b_slopes__prior_sigma",
        "cor_Subject__0__eta",
        "sd_Subject__prior_nu",
        "sd_Subject__prior_sigma",
        "sigma__prior_nu",
        "sigma__prior_sigma",
        "y_observed",
    ]
    frame = bg.datasets.load("sleepstudy")
    slopes = spec.fixed.matrix[:, 1:]
    np.testing.assert_array_equal(data["X_centred"], slopes - slopes.mean(axis=0))
    np.testing.assert_array_equal(data["X_means"], [4.5])
    np.testing.assert_array_equal(data["Subject__index"], spec.group("Subject").index)
    assert data["Subject__index"].dtype == np.int64
    np.testing.assert_array_equal(data["Subject__values"][:, 0], frame["Days"].to_numpy(float))
    np.testing.assert_array_equal(data["y_observed"], frame["Reaction"].to_numpy(float))
    assert data["y_observed"].dtype == np.float64


def test_prior_data_hold_the_priors_parameters(sleepstudy):
    priors = sleepstudy.priors
    data = graph_data(sleepstudy.spec, sleepstudy.family, priors)
    intercept, slope = priors["Intercept"], priors["b[Days]"]
    sd_intercept, sd_days = priors["sd[Subject][Intercept]"], priors["sd[Subject][Days]"]
    assert (data["Intercept__prior_nu"], data["Intercept__prior_mu"]) == (3.0, intercept.mu)
    assert data["Intercept__prior_sigma"] == intercept.sigma
    assert np.ndim(data["Intercept__prior_sigma"]) == 0
    np.testing.assert_array_equal(data["b_slopes__prior_mu"], [slope.mu])
    np.testing.assert_array_equal(data["b_slopes__prior_sigma"], [slope.sigma])
    np.testing.assert_array_equal(data["sd_Subject__prior_nu"], [3.0, 3.0])
    np.testing.assert_array_equal(
        data["sd_Subject__prior_sigma"], [sd_intercept.sigma, sd_days.sigma]
    )
    assert data["cor_Subject__0__eta"] == priors["cor[Subject]"].eta == 1.0
    assert data["sigma__prior_sigma"] == priors["sigma"].sigma


def test_mixed_prior_classes_get_one_set_of_data_each():
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"y": rng.normal(size=8), "x": rng.normal(size=8), "w": np.arange(8.0)})
    model = bg.Model("y ~ x + w", frame, priors={"b[x]": bg.priors.StudentT(3, 0, 1)})
    data = graph_data(model.spec, model.family, model.priors)
    slope_data = sorted(key for key in data if key.startswith("b_slopes"))
    assert slope_data == [
        "b_slopes__0__prior_mu",
        "b_slopes__0__prior_nu",
        "b_slopes__0__prior_sigma",
        "b_slopes__1__prior_mu",
        "b_slopes__1__prior_sigma",
    ]
    assert data["b_slopes__0__prior_sigma"] == 1.0
    assert data["b_slopes__1__prior_sigma"] == model.priors["b[w]"].sigma
    assert names(model.graph.model.free_RVs)[:3] == ["Intercept", "b_slopes__0", "b_slopes__1"]


def test_count_and_trials_data_are_integers():
    model = bg.Model(
        "incidence | trials(size) ~ period + (1 | herd)",
        bg.datasets.load("cbpp"),
        family="binomial",
    )
    data = graph_data(model.spec, model.family, model.priors)
    frame = bg.datasets.load("cbpp")
    assert data["y_observed"].dtype == data["trials"].dtype == np.int64
    np.testing.assert_array_equal(data["trials"], frame["size"])
    np.testing.assert_array_equal(data["y_observed"], frame["incidence"])
    assert model.graph.row_data == frozenset({"X_centred", "trials", "herd__index", "y_observed"})


# --- coordinates and dimensions ---------------------------------------------------------------


def test_graph_coords(sleepstudy):
    levels = list(sleepstudy.spec.group("Subject").levels)
    assert len(levels) == 18
    assert graph_coords(sleepstudy.spec) == {
        "obs": list(range(180)),
        "coef": ["Intercept", "Days"],
        "slope": ["Days"],
        "Subject": levels,
        "Subject_term": ["Intercept", "Days"],
        "Subject_term2": ["Intercept", "Days"],
    }


def test_only_term_dimensions_have_a_fixed_length(sleepstudy):
    spec = sleepstudy.spec
    assert structural_dims(spec) == {"Subject_term", "Subject_term2", "cutpoint"}
    lengths = sleepstudy.graph.model.dim_lengths
    for dim in ("obs", "coef", "slope", "Subject"):
        assert lengths[dim].name == f"{dim}__length"
        assert int(lengths[dim].get_value()) == len(graph_coords(spec)[dim])
    assert lengths["Subject_term"].name == "Subject_term"
    assert int(lengths["Subject_term"].eval()) == int(lengths["Subject_term2"].eval()) == 2


def test_posterior_dims_with_groups_and_a_modelled_zero_inflation():
    model = bg.Model(
        bg.formula("y ~ x + (1 | g) + (x | h)", zi="~ x + (1 | g)"),
        zero_inflated_frame(),
        family="zero_inflated_poisson",
        centered=False,
    )
    assert posterior_dims(model.spec) == {
        "b": ("coef",),
        "b_zi": ("coef_zi",),
        "sd_g": ("g_term",),
        "r_g": ("g", "g_term"),
        "sd_h": ("h_term",),
        "r_h": ("h", "h_term"),
        "cor_h": ("h_term", "h_term2"),
        "sd_g__zi": ("g__zi_term",),
        "r_g__zi": ("g__zi", "g__zi_term"),
    }
    assert structural_dims(model.spec) == {
        "g_term",
        "g_term2",
        "h_term",
        "h_term2",
        "g__zi_term",
        "g__zi_term2",
        "cutpoint",
    }
    assert model.graph.public_names == (
        "b",
        "sd_g",
        "r_g",
        "sd_h",
        "cor_h",
        "r_h",
        "b_zi",
        "sd_g__zi",
        "r_g__zi",
    )
    assert names(model.graph.model.free_RVs) == [
        "sd_g",
        "dev_g",
        "proj_g",
        "sd_h",
        "L_h__0",
        "dev_h__0",
        "proj_h__0",
        "Intercept__level",
        "b_slopes__level",
        "sd_g__zi",
        "dev_g__zi",
        "proj_g__zi",
        "Intercept_zi__level",
        "b_zi_slopes",
    ]
    coords = graph_coords(model.spec)
    assert coords["coef_zi"] == ["Intercept", "x"] and coords["slope_zi"] == ["x"]
    assert coords["g__zi"] == ["a", "b", "c", "d"] and coords["g__zi_term"] == ["Intercept"]
    assert "g_term2" not in coords and "g__zi_term2" not in coords
    # every posterior dim is a coordinate of the graph
    assert {dim for dims in posterior_dims(model.spec).values() for dim in dims} <= set(coords)


# --- reserved names -----------------------------------------------------------------------------


@pytest.mark.parametrize("column", ["sigma", "X_centred"])
def test_a_group_named_like_a_variable_of_this_model_is_refused(column):
    frame = pd.DataFrame({"y": [1.0, 2.5, 0.3, 4.1], "x": [0.0, 1, 2, 3], column: list("aabb")})
    model = bg.Model("y ~ x", frame)
    spec = bg.Model("y ~ x + (1 | grp)", frame.rename(columns={column: "grp"})).spec
    assert spec.group("grp").levels == ("a", "b")
    with pytest.raises(bg.DataError) as error:
        bg.Model(f"y ~ x + (1 | {column})", frame)
    assert str(error.value) == (
        f"grouping factor '{column}' gives dimension '{column}', a name bayesglmm uses for a "
        "model variable; rename the column."
    )
    assert model.graph.public_names == ("b", "sigma")


@pytest.mark.parametrize("column", ["obs", "b", "coef", "slope", "chain", "draw", "cutpoint"])
def test_a_group_named_like_a_variable_of_every_model_gets_a_level_dimension(column):
    frame = pd.DataFrame({"y": [1.0, 2.5, 0.3, 4.1], "x": [0.0, 1, 2, 3], column: list("aabb")})
    model = bg.Model(f"y ~ x + (1 | {column})", frame)
    dims = posterior_dims(model.spec)
    assert dims[f"r_{column}"] == (f"{column}_level", f"{column}_term")
    assert sorted(model.graph.model.coords[f"{column}_level"]) == ["a", "b"]
    assert dims["b"] == ("coef",)


# --- log density ------------------------------------------------------------------------------


Z = np.array([0.5, -1.0, 0.2])
"""The standard normal draws of the non-centred effects at POINT, which gives them in the
swept coordinates of bayesglmm.backend.sweep: ``Q' z`` for the Householder reflection ``Q``
whose first column is ``1 / sqrt(3)`` up to sign, and the effects' mean added to the
intercept's level."""

_V = np.array([1.0, 1.0, 1.0]) / np.sqrt(3) - np.array([-1.0, 0.0, 0.0])
_Q = np.eye(3) - 2 * np.outer(_V, _V) / (_V @ _V)
POINT = {
    "sd_g_log__": np.log(np.array([0.7])),
    "dev_g": (_Q.T @ Z)[1:, None],
    "proj_g": (_Q.T @ Z)[:1, None],
    "Intercept__level": 2.0 + 0.7 * Z.mean(),
    "b_slopes": np.array([0.4]),
    "sigma_log__": np.log(1.3),
}


def by_hand_mean(model) -> np.ndarray:
    """The mean at POINT, over the rows and levels in the order the graph has them."""
    x = model.sampled_spec.fixed.matrix[:, 1]
    index = model.sampled_spec.group("g").index
    return 2.0 + 0.4 * (x - x.mean()) + 0.7 * Z[index]


def test_value_variables_of_the_small_model(tiny):
    assert names(tiny.graph.model.value_vars) == list(POINT)
    np.testing.assert_array_equal(tiny.spec.group("g").index, [0, 0, 1, 1, 2, 2])


def test_observed_log_likelihood_equals_scipy(tiny):
    model = tiny.graph.model
    observed = model[tiny.graph.observed_name]
    logp = model.compile_logp(vars=[observed])
    y = tiny.sampled_spec.response.values
    expected = stats.norm.logpdf(y, by_hand_mean(tiny), 1.3).sum()
    assert logp(POINT) == pytest.approx(expected, rel=1e-12)


def test_joint_log_density_equals_scipy(tiny):
    """Priors (with the log-transform Jacobians of sd and sigma) plus the likelihood.

    Agreement is to 1e-8, not 1e-12: PyMC's HalfStudentT logp writes ``pt.log(2)``, which
    pytensor folds to the float32 constant 0.6931471824645996 (off by 1.9e-9 per term)."""
    priors = tiny.priors
    intercept, slope = priors["Intercept"], priors["b[x]"]
    sd_prior, sigma_prior = priors["sd[g][Intercept]"], priors["sigma"]

    def half_t(x, prior):
        return np.log(2) + stats.t.logpdf(x, prior.nu, 0, prior.sigma)

    y = tiny.sampled_spec.response.values
    expected = (
        stats.t.logpdf(2.0, intercept.nu, intercept.mu, intercept.sigma)
        + stats.norm.logpdf(0.4, slope.mu, slope.sigma)
        + half_t(0.7, sd_prior)
        + np.log(0.7)
        + stats.norm.logpdf(Z).sum()
        + half_t(1.3, sigma_prior)
        + np.log(1.3)
        + stats.norm.logpdf(y, by_hand_mean(tiny), 1.3).sum()
    )
    assert tiny.graph.model.compile_logp()(POINT) == pytest.approx(expected, abs=1e-8)


def test_reported_coefficients_and_effects_at_a_point(tiny):
    model = tiny.graph.model
    outputs = model.replace_rvs_by_values([model["b"], model["r_g"]])
    b, r = model.compile_fn(outputs, inputs=model.value_vars, on_unused_input="ignore")(POINT)
    x_mean = tiny.spec.fixed.matrix[:, 1].mean()
    np.testing.assert_allclose(b, [2.0 - 0.4 * x_mean, 0.4], rtol=1e-12)
    np.testing.assert_allclose(r, 0.7 * Z[:, None], rtol=1e-12)


@pytest.mark.parametrize(
    ("other", "name"), [("g_term", "g_term"), ("sd_g", "sd_g"), ("r_g", "r_g"), ("z_g", "z_g")]
)
def test_a_group_named_like_another_groups_variable_is_refused(other, name):
    rng = np.random.default_rng(1)
    frame = pd.DataFrame(
        {
            "y": rng.normal(size=24),
            "x": rng.normal(size=24),
            "g": np.repeat(list("abcdef"), 4),
            other: np.tile(list("pqrs"), 6),
        }
    )
    message = (
        f"grouping factors 'g' and '{other}' both give the name '{name}' to a model variable "
        "or dimension; rename one of the columns."
    )
    with pytest.raises(bg.DataError, match=f"^{re.escape(message)}$"):
        bg.Model(f"y ~ x + (1 | g) + (1 | {other})", frame)
