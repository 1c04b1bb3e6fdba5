"""Group effects swept into the fixed effects (bayesglmm.backend.sweep): which covariates and
terms are swept, and that the swept graph is the same model in other coordinates (equal log
density at corresponding points, up to the Jacobian of the change of variables)."""

from unittest import mock

import numpy as np
import pandas as pd
import pytest

import bayesglmm as bg
from bayesglmm import naming
from bayesglmm.backend.contract import graph_data
from bayesglmm.backend.sweep import Sweep, sweep_plan

SLEEPSTUDY = "Reaction ~ Days + (Days | Subject)"


def frame() -> pd.DataFrame:
    rng = np.random.default_rng(3)
    data = pd.DataFrame({"x": rng.normal(size=24), "g": np.repeat(list("abcdef"), 4)})
    data["y"] = 1.0 + 0.5 * data["x"] + rng.normal(size=24)
    data["h"] = np.tile(list("pq"), 12)
    data["trt"] = np.where(data["g"].isin(["a", "c", "e"]), "drug", "placebo")
    data["age"] = data["g"].map(dict(zip("abcdef", [30.0, 41, 35, 52, 47, 38], strict=True)))
    return data


@pytest.mark.parametrize(
    ("formula", "expected"),
    [
        ("y ~ x + (1 | g)", {"g": Sweep((0,), ((0,),))}),
        ("y ~ x + (x | g)", {"g": Sweep((0,), ((0, 1),))}),
        ("y ~ x + (0 + x | g)", {"g": Sweep((0,), ((1,),))}),
        ("y ~ x + (1 | g) + (1 | h)", {"g": Sweep((0,), ((0,),)), "h": Sweep((0,), ((0,),))}),
        ("y ~ 0 + x + (1 | g)", {}),
        ("y ~ 1 + (x | g)", {"g": Sweep((0,), ((0, None),))}),
        ("y ~ x + (1 | mm(g, h))", {}),
        # trt and age are constant within g, so g's intercepts shadow their coefficients
        ("y ~ x + trt + age + (1 | g)", {"g": Sweep((0, 2, 3), ((0,), (2,), (3,)))}),
        # x:trt takes in the slopes' part along trt
        ("y ~ x * trt + (x | g)", {"g": Sweep((0, 2), ((0, 1), (2, 3)))}),
        # h varies within g; g is constant within h only with one level of g per h
        ("y ~ x + h + (1 | g)", {"g": Sweep((0,), ((0,),))}),
    ],
)
def test_the_covariates_and_terms_swept_into_fixed_effects(formula, expected):
    assert sweep_plan(bg.Model(formula, frame()).sampled_spec) == expected


def test_a_factor_with_no_level_left_over_is_not_swept():
    data = frame()
    rng = np.random.default_rng(4)
    for name in ("c1", "c2", "c3", "c4"):
        data[name] = data["g"].map(dict(zip("abcdef", rng.normal(size=6), strict=True)))
    formula = "y ~ trt + c1 + c2 + c3 + c4 + (1 | g)"
    assert sweep_plan(bg.Model(formula, data).sampled_spec) == {}


def unswept(formula: str, data: pd.DataFrame, **options) -> bg.Model:
    with mock.patch("bayesglmm.backend.pymc_model.sweep_plan", return_value={}):
        model = bg.Model(formula, data, **options)
        model.graph  # noqa: B018 - built inside the patch
    return model


def rotation(model: bg.Model, group: str) -> np.ndarray:
    """The orthogonal ``Q`` of the group's sweep, ``I - V T V'``."""
    data = graph_data(model.sampled_spec, model.family, model.priors)
    vectors = data[naming.graph_data(group, "sweep_vectors")]
    q = np.eye(len(vectors)) - vectors @ data[naming.graph_data(group, "sweep_t")] @ vectors.T
    np.testing.assert_allclose(q.T @ q, np.eye(len(q)), atol=1e-12)
    return q


def log_density(model: bg.Model, point: dict) -> float:
    return float(model.graph.model.compile_logp()(point))


def test_swept_non_centred_intercepts_with_covariates_have_the_same_log_density():
    formula = "y ~ x + trt + age + (1 | g)"
    data = frame()
    swept, plain = bg.Model(formula, data, centered=False), unswept(formula, data, centered=False)
    sd, z = 0.7, np.array([0.5, -1.0, 0.2, 1.1, -0.3, 0.4])[:, None]
    b = np.array([0.4, -0.3, 0.05])
    common = {"sd_g_log__": np.log([sd]), "sigma_log__": 0.1}
    point = {**common, "z_g": z, "Intercept": 2.0, "b_slopes": b}
    coordinates = rotation(swept, "g").T @ z
    spec = swept.sampled_spec
    per_level = spec.fixed.matrix[np.unique(spec.group("g").index, return_index=True)[1]]
    gamma = np.linalg.lstsq(per_level[:, [0, 2, 3]], sd * z[:, 0], rcond=None)[0]
    x_means = spec.fixed.column_means[1:]
    slopes = b + np.array([0.0, gamma[1], gamma[2]])
    moved = {
        **common,
        "dev_g": coordinates[3:],
        "proj_g": coordinates[:3],
        "Intercept__level": 2.0 + gamma[0] + x_means @ (slopes - b),
        "b_slopes__level": slopes,
    }
    assert log_density(swept, moved) == pytest.approx(log_density(plain, point), abs=1e-10)


@pytest.mark.parametrize("centered", [False, True])
def test_swept_correlated_effects_have_the_same_log_density(centered):
    data = bg.datasets.load("sleepstudy")
    swept = bg.Model(SLEEPSTUDY, data, centered=centered)
    plain = unswept(SLEEPSTUDY, data, centered=centered)
    rng = np.random.default_rng(0)
    sd, chol_value = np.array([25.0, 6.0]), np.array([0.3])
    graph = plain.graph.model
    chol = graph.compile_fn(
        graph.replace_rvs_by_values([graph["L_Subject__0"]])[0],
        inputs=[graph.rvs_to_values[graph["L_Subject__0"]]],
        on_unused_input="ignore",
    )({"L_Subject__0_unit_rows__": chol_value})
    z = rng.normal(size=(18, 2))
    effects = z @ chol.T * sd
    common = {
        "sd_Subject_log__": np.log(sd),
        "L_Subject__0_unit_rows__": chol_value,
        "sigma_log__": np.log(25.0),
    }
    intercept, slope = 300.0, np.array([10.0])
    point = {**common, "Intercept": intercept, "b_slopes": slope}
    point["r_Subject__0" if centered else "z_Subject__0"] = effects if centered else z
    q = rotation(swept, "Subject")
    mean = effects.mean(axis=0)
    days_mean = plain.sampled_spec.fixed.column_means[1]
    moved = {
        **common,
        "dev_Subject__0": (q.T @ (effects if centered else z))[1:],
        "proj_Subject__0": (q.T @ z)[:1],
        "Intercept__level": intercept + mean[0] + days_mean * mean[1],
        "b_slopes__level": slope + mean[1],
    }
    # centred: the part along the covariates is standardised, w = W (diag(sd) L)'^-1, so
    # the densities differ by the Jacobian log|diag(sd) L|
    jacobian = np.log(sd).sum() + np.log(np.diag(chol)).sum() if centered else 0.0
    assert log_density(swept, moved) == pytest.approx(
        log_density(plain, point) + jacobian, abs=1e-9
    )


def test_effects_and_coefficients_are_reported_unswept():
    model = bg.Model("y ~ x + (1 | g)", frame(), centered=True)
    graph = model.graph.model
    q = rotation(model, "g")
    effects = np.array([0.5, -1.0, 0.2, 1.1, -0.3, 0.6])
    coordinates = q.T @ effects
    point = {
        "sd_g_log__": np.log([0.7]),
        "dev_g": coordinates[1:, None],
        "proj_g": np.array([[coordinates[0] / 0.7]]),
        "Intercept__level": 2.0,
        "b_slopes": np.array([0.4]),
        "sigma_log__": 0.1,
    }
    outputs = graph.replace_rvs_by_values([graph["b"], graph["r_g"]])
    b, r = graph.compile_fn(outputs, inputs=graph.value_vars, on_unused_input="ignore")(point)
    x_mean = model.sampled_spec.fixed.column_means[1]
    np.testing.assert_allclose(b, [2.0 - effects.mean() - 0.4 * x_mean, 0.4], rtol=1e-12)
    np.testing.assert_allclose(r[:, 0], effects, rtol=1e-12)


def test_set_data_refuses_data_that_change_the_sweep():
    data = frame()
    model = bg.Model("y ~ x + trt + (1 | g)", data)
    shuffled = data.assign(trt=data["trt"].sample(frac=1.0, random_state=1).to_numpy())
    with pytest.raises(bg.DataError) as error:
        model.set_data(shuffled)
    assert str(error.value) == (
        "the new data change which fixed effects are constant within the levels of 'g', which "
        "shapes the graph (bayesglmm.backend.sweep); build a new Model for them."
    )
    model.set_data(data.iloc[::-1])
    assert model.spec.n_obs == 24
