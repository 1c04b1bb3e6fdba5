"""Model spec: fixed design equal to formulaic's, group coding, response helpers, offsets."""

import numpy as np
import pandas as pd
import pytest
from formulaic import model_matrix

import bayesglmm as bg
from bayesglmm.families import get_family
from bayesglmm.formula import FORMULA_CONTEXT, build_spec, parse_formula


def spec_of(formula, data, family="gaussian"):
    return build_spec(parse_formula(formula), data, get_family(family)[0])


@pytest.fixture
def data():
    rng = np.random.default_rng(0)
    n = 60
    return pd.DataFrame(
        {
            "y": rng.normal(size=n),
            "x": rng.normal(size=n),
            "z": rng.uniform(1, 3, size=n),
            "a": pd.Categorical(rng.choice(["lo", "mid", "hi"], n), categories=["lo", "mid", "hi"]),
            "b": rng.choice(["p", "q"], n),
            "g": np.repeat(np.arange(1, 7), 10),
            "h": np.tile(["u", "v"], 30),
            "count": rng.poisson(3, n),
            "size": rng.poisson(3, n) + 10,
        }
    )


@pytest.mark.parametrize(
    "fixed",
    [
        "x",
        "a",
        "a * x",
        "a:x",
        "C(b)",
        "C(a, contr.treatment('hi'))",
        "I(x ** 2) + np.log(z)",
        "scale(x) + b",
        "0 + a",
        "x - 1",
        "a*b",
    ],
)
def test_fixed_design_equals_formulaic(data, fixed):
    spec = spec_of(f"y ~ {fixed} + (1 | g)", data)
    expected = model_matrix(fixed, data, context=FORMULA_CONTEXT)
    assert spec.fixed.names == tuple(expected.columns)
    np.testing.assert_array_equal(spec.fixed.matrix, expected.to_numpy(dtype=float))
    assert spec.fixed.has_intercept == ("Intercept" in expected.columns)


def test_categorical_order_sets_the_reference_level(data):
    reordered = data.assign(a=data["a"].cat.reorder_categories(["mid", "lo", "hi"]))
    assert spec_of("y ~ a", reordered).fixed.names == ("Intercept", "a[T.lo]", "a[T.hi]")


def test_numeric_group_levels_are_labels_sorted_numerically(data):
    shuffled = data.assign(g=data["g"].map({1: 10, 2: 2, 3: 33, 4: 4, 5: 5, 6: 1}))
    group = spec_of("y ~ x + (1 | g)", shuffled).groups[0]
    assert group.levels == ("1", "2", "4", "5", "10", "33")
    np.testing.assert_array_equal(
        np.array(group.levels)[group.index], shuffled["g"].astype(str).to_numpy()
    )


def test_float_group_labels_print_as_integers(data):
    group = spec_of("y ~ (1 | g)", data.assign(g=data["g"].astype(float))).groups[0]
    assert group.levels[:2] == ("1", "2")


def test_nested_groups_give_parent_and_interaction(data):
    spec = spec_of("y ~ (1 | g/h)", data)
    assert [group.name for group in spec.groups] == ["g", "g:h"]
    inner = spec.groups[1]
    assert inner.n_levels == 12
    assert inner.levels[:3] == ("1:u", "1:v", "2:u")
    row = 5
    assert inner.levels[inner.index[row]] == f"{data['g'][row]}:{data['h'][row]}"


def test_random_slopes_are_term_columns_with_blocks(data):
    spec = spec_of("y ~ x + (1 + x | g)", data)
    group = spec.groups[0]
    assert group.terms == ("Intercept", "x")
    assert group.blocks == ((0, 1),)
    np.testing.assert_array_equal(group.values[:, 1], data["x"].to_numpy())
    assert group.constant_terms.tolist() == [True, False]


def test_double_bar_makes_each_term_its_own_block(data):
    group = spec_of("y ~ x + (1 + x || g)", data).groups[0]
    assert group.blocks == ((0,), (1,))
    assert group.correlated_blocks == ()


def test_terms_of_one_group_merge_across_random_terms(data):
    group = spec_of("y ~ x + (1 | g) + (0 + x | g)", data).groups[0]
    assert group.terms == ("Intercept", "x")
    assert group.blocks == ((0,), (1,))


def test_categorical_inside_random_term_gives_one_column_per_level(data):
    group = spec_of("y ~ (0 + a | g)", data).groups[0]
    assert group.terms == ("a[lo]", "a[mid]", "a[hi]")
    assert group.blocks == ((0, 1, 2),)
    np.testing.assert_array_equal(group.values.sum(axis=1), np.ones(len(data)))


def test_no_dense_z_matrix_is_built(data):
    spec = spec_of("y ~ x + (1 + x | g) + (1 | h)", data)
    for group in spec.groups:
        assert group.index.shape == (len(data),)
        assert group.values.shape == (len(data), len(group.terms))


def test_trials_helper_and_cbind_give_the_same_binomial_response(data):
    failures = data.assign(fails=data["size"] - data["count"])
    with_trials = spec_of("count | trials(size) ~ x", failures, "binomial").response
    with_cbind = spec_of("cbind(count, fails) ~ x", failures, "binomial").response
    np.testing.assert_array_equal(with_trials.values, with_cbind.values)
    np.testing.assert_array_equal(with_trials.trials, with_cbind.trials)
    np.testing.assert_array_equal(with_trials.trials, data["size"].to_numpy(dtype=float))


def test_trials_may_be_a_constant(data):
    response = spec_of("count | trials(20) ~ x", data, "binomial").response
    assert response.trials.tolist() == [20.0] * len(data)


def test_offsets_sum_their_expressions(data):
    spec = spec_of("count ~ x + offset(np.log(z)) + offset(x)", data, "poisson")
    np.testing.assert_allclose(spec.offset, np.log(data["z"]) + data["x"])


def test_response_expression_is_evaluated(data):
    spec = spec_of("np.log(z) ~ x", data)
    np.testing.assert_allclose(spec.response.values, np.log(data["z"]))


def test_bernoulli_labels_are_coded_with_the_event_reported(data):
    response = spec_of("b ~ x", data, "bernoulli").response
    assert (response.event_level, response.other_level) == ("q", "p")
    np.testing.assert_array_equal(response.values, (data["b"] == "q").to_numpy(dtype=float))


def test_bernoulli_accepts_booleans(data):
    spec = spec_of("flag ~ x", data.assign(flag=data["x"] > 0), "bernoulli")
    assert spec.response.values.sum() == (data["x"] > 0).sum()


def test_bundled_datasets_load_with_factors():
    cbpp = bg.datasets.load("cbpp")
    assert cbpp["period"].cat.categories.tolist() == [1, 2, 3, 4]
    assert bg.datasets.list() == ["cbpp", "epil", "hsb", "infection", "oats", "sleepstudy"]
    assert bg.datasets.load("infection")["treatment"].cat.categories.tolist() == ["control", "drug"]
    assert "Beitler" in bg.datasets.describe("infection")


def test_an_unknown_group_is_named_with_the_known_ones():
    model = bg.Model("Reaction ~ Days + (Days | Subject)", bg.datasets.load("sleepstudy"))
    with pytest.raises(
        bg.DataError,
        match=r"^'Subjekt' is not a grouping factor of this model\. Did you mean 'Subject'\? "
        r"The grouping factors are: Subject\.$",
    ):
        model.spec.group("Subjekt")
