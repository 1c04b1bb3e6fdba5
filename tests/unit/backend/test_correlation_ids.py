"""The graph of blocks that a correlation ID joins across formulas: one LKJ correlation
over all their terms, each block scaled by its own sds, and new levels drawn jointly."""

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from scipy import stats

import bayesglmm as bg
from bayesglmm import naming
from bayesglmm.formula.newdata import new_data_design
from bayesglmm.results.predict import _joint_covariance, _new_level_effects


@pytest.fixture(scope="module")
def model() -> bg.Model:
    rng = np.random.default_rng(4)
    rows = 60
    data = pd.DataFrame(
        {
            "y": rng.normal(size=rows),
            "x": rng.normal(size=rows),
            "g": np.repeat([f"g{i}" for i in range(6)], 10),
        }
    )
    formula = bg.formula("y ~ x + (1 + x | p | g)", sigma="~ 1 + (1 | p | g)")
    return bg.Model(formula, data, centered=False)


def at_point(model: bg.Model, z: np.ndarray) -> dict:
    return {
        "Intercept": 0.3,
        "b_slopes": np.array([0.5]),
        "Intercept_sigma": -0.2,
        "sd_g_log__": np.log([0.8, 0.4]),
        "sd_g__sigma_log__": np.log([0.6]),
        "L_g__id_p__0_unit_rows__": np.array([0.4, -0.3, 0.2]),
        "z_g__id_p": z,
    }


def test_joined_effects_are_one_correlated_draw_scaled_by_each_groups_sds(model):
    graph = model.graph.model
    names = ["r_g", "r_g__sigma", "cor_g__id_p", "cor_g", "L_g__id_p__0"]
    outputs = graph.replace_rvs_by_values([graph[name] for name in names])
    values = graph.compile_fn(outputs, inputs=graph.value_vars, on_unused_input="ignore")
    z = np.random.default_rng(0).normal(size=(6, 3))
    r_g, r_sigma, joint, own, chol = values(at_point(model, z))
    unit = z @ chol.T
    np.testing.assert_allclose(r_g, unit[:, :2] * [0.8, 0.4], atol=1e-12)
    np.testing.assert_allclose(r_sigma, unit[:, 2:] * 0.6, atol=1e-12)
    np.testing.assert_allclose(joint, chol @ chol.T, atol=1e-12)
    np.testing.assert_allclose(own, joint[:2, :2], atol=1e-12)
    assert graph.coords["g__id_p_term"] == ("Intercept", "x", "sigma_Intercept")


def test_the_log_density_moves_with_the_joint_draws_as_the_model_says(model):
    """Between two points that differ in ``z`` only, the log density changes by the
    standard normal prior of ``z`` and the gaussian likelihood at the implied effects."""
    graph = model.graph.model
    logp = graph.compile_logp()
    chol = graph.compile_fn(
        graph.replace_rvs_by_values([graph["L_g__id_p__0"]])[0],
        inputs=graph.value_vars,
        on_unused_input="ignore",
    )
    spec = model.sampled_spec
    index, y, x = spec.groups[0].index, spec.response.values, spec.fixed.matrix[:, 1]

    def by_hand(z: np.ndarray) -> float:
        unit = z @ chol(at_point(model, z)).T
        mean = 0.3 + 0.5 * (x - x.mean()) + unit[index, 0] * 0.8 + unit[index, 1] * 0.4 * x
        sigma = np.exp(-0.2 + unit[index, 2] * 0.6)
        return stats.norm.logpdf(z).sum() + stats.norm.logpdf(y, mean, sigma).sum()

    rng = np.random.default_rng(1)
    first, second = rng.normal(size=(6, 3)), rng.normal(size=(6, 3))
    change = float(logp(at_point(model, second)) - logp(at_point(model, first)))
    assert change == pytest.approx(by_hand(second) - by_hand(first), abs=1e-9)


def posterior_at(correlation: np.ndarray) -> xr.Dataset:
    """One draw: sds (0.8, 0.4) for the mean's terms and 0.6 for sigma's."""

    def one(values, dims):
        return xr.DataArray(np.asarray(values)[None, None], dims=("chain", "draw", *dims))

    return xr.Dataset(
        {
            "sd_g": one([0.8, 0.4], ["g_term"]),
            "cor_g": one(correlation[:2, :2], ["g_term", "g_term2"]),
            "sd_g__sigma": one([0.6], ["g__sigma_term"]),
            "cor_g__id_p": one(correlation, ["g__id_p_term", "g__id_p_term2"]),
        }
    )


CORRELATION = np.array([[1.0, 0.3, 0.5], [0.3, 1.0, -0.4], [0.5, -0.4, 1.0]])


def test_the_joint_covariance_of_new_levels_holds_the_cross_correlations(model):
    covariance = _joint_covariance(posterior_at(CORRELATION), model.spec.linked, ["g", "g__sigma"])[
        0
    ]
    sd = np.array([0.8, 0.4, 0.6])
    np.testing.assert_allclose(covariance, np.outer(sd, sd) * CORRELATION, atol=1e-12)


def test_new_levels_are_drawn_jointly_across_the_joined_groups(model):
    new = pd.DataFrame({"x": np.zeros(20000), "g": [f"new{i}" for i in range(20000)]})
    design = new_data_design(model.spec, new)
    effects = _new_level_effects(
        posterior_at(CORRELATION), design, "population", np.random.default_rng(2)
    )
    joint = np.concatenate([effects["g"][0], effects["g__sigma"][0]], axis=1)
    # the sample correlation of 20,000 draws has sd (1 - rho^2) / sqrt(n) < 0.01
    np.testing.assert_allclose(np.corrcoef(joint.T), CORRELATION, atol=0.03)
    np.testing.assert_allclose(joint.std(axis=0), [0.8, 0.4, 0.6], rtol=0.03)
    assert naming.group_correlation(model.spec.linked[0].name) == "cor_g__id_p"
