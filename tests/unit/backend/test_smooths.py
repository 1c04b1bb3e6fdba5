"""The penalised blocks of smooths in the graph: centred where the data inform a
coefficient well, non-centred elsewhere, the same model either way."""

import numpy as np
import pandas as pd
import pytest

import bayesglmm as bg
from bayesglmm.backend.parameterisation import smooth_centring


@pytest.fixture
def data():
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 1, 300)
    return pd.DataFrame(
        {
            "x": x,
            "wiggly": np.sin(2 * np.pi * x) + rng.normal(0, 0.2, 300),
            "straight": 0.3 * x + rng.normal(0, 0.3, 300),
            "grade": rng.integers(1, 4, 300),
        }
    )


def test_a_well_informed_curve_centres_its_smooth_directions(data):
    model = bg.Model("wiggly ~ s(x)", data)
    mask = smooth_centring(model.spec, model.family, model.link)["sx_1"]
    assert mask.any()
    names = {v.name for v in model.graph.model.free_RVs}
    assert "zs_sx_1__centred" in names
    assert ("zs_sx_1__noncentred" in names) == (not mask.all())
    assert "zs_sx_1" in model.graph.public_names


def test_a_straight_line_and_other_linear_predictors_stay_non_centred(data):
    for formula, family in [("straight ~ s(x)", "gaussian"), ("grade ~ s(x)", "cumulative")]:
        model = bg.Model(formula, data, family=family)
        assert not smooth_centring(model.spec, model.family, model.link)["sx_1"].any()
        assert "zs_sx_1" in {v.name for v in model.graph.model.free_RVs}
    model = bg.Model(bg.formula("wiggly ~ x", sigma="~ s(x)"), data)
    assert not smooth_centring(model.spec, model.family, model.link)["sx_1__sigma"].any()


def test_centred_coefficients_are_reported_standardised(data):
    model = bg.Model("wiggly ~ s(x, k = 6)", data)
    graph = model.graph.model
    point = graph.initial_point()
    mask = smooth_centring(model.spec, model.family, model.link)["sx_1"]
    assert mask.any()
    sds = float(np.exp(point["sds_sx_1_log__"]))
    zs = np.linspace(-1.0, 1.0, len(mask))
    point["zs_sx_1__centred"] = zs[mask] * sds
    if (~mask).any():
        point["zs_sx_1__noncentred"] = zs[~mask]
    [output] = graph.replace_rvs_by_values([graph["zs_sx_1"]])
    computed = graph.compile_fn(output, inputs=graph.value_vars, on_unused_input="ignore")(point)
    assert np.allclose(computed, zs)
