"""Monotonic terms mo(x): parsing, the coding into categories, the default priors and the
graph, and the exact messages of what is refused."""

from unittest import mock

import numpy as np
import pandas as pd
import pymc as pm
import pytest
from scipy import stats

import bayesglmm as bg
from bayesglmm import naming
from bayesglmm.backend.contract import graph_coords, posterior_dims, structural_dims
from bayesglmm.errors import DataError, FormulaError, PriorError, SamplerError
from bayesglmm.formula import parse_formula
from bayesglmm.formula.monotonic import category_codes
from bayesglmm.formula.newdata import new_data_design
from bayesglmm.results.linear_predictor import combined, monotonic_effect
from bayesglmm.samplers import ModelParts, prepare_auto

DOSES = ["none", "low", "mid", "high"]


@pytest.fixture
def data():
    rng = np.random.default_rng(0)
    n = 40
    return pd.DataFrame(
        {
            "y": rng.normal(size=n),
            "x": np.tile([0, 1, 2, 3], n // 4),
            "z": rng.normal(size=n),
            "dose": pd.Categorical(np.tile(DOSES, n // 4), categories=DOSES, ordered=True),
            "g": np.repeat(np.arange(4), n // 4),
        }
    )


def message(error) -> str:
    return error.value.message if isinstance(error.value, FormulaError) else str(error.value)


def test_mo_terms_are_parsed_apart_from_the_fixed_part():
    parsed = parse_formula("y ~ z + mo(x) + mo(`dose level`) + (1 | g)")
    assert parsed.fixed == "z"
    assert [(t.text, t.column, t.term) for t in parsed.monotonic] == [
        ("mo(x)", "x", "mo(x)"),
        ("mo(`dose level`)", "dose level", "mo(dose level)"),
    ]
    assert parse_formula("y ~ mo(x)").fixed == "1"


@pytest.mark.parametrize(
    ("formula", "expected"),
    [
        (
            "y ~ mo(x):z",
            "mo() inside the term 'mo(x):z' is not supported: bayesglmm fits monotonic main "
            "effects only, not their interactions or transformations. Write 'mo(x)' as a term "
            "of its own (for an interaction with a monotonic predictor, use the column as a "
            "factor or a number in that interaction instead)",
        ),
        (
            "y ~ mo(x) * z",
            "mo() inside the term 'mo(x) * z' is not supported: bayesglmm fits monotonic main "
            "effects only, not their interactions or transformations. Write 'mo(x)' as a term "
            "of its own (for an interaction with a monotonic predictor, use the column as a "
            "factor or a number in that interaction instead)",
        ),
        (
            "y ~ (mo(x) | g)",
            "mo() inside the random term '(mo(x) | g)' is not supported; monotonic effects are "
            "population-level only. Move 'mo(...)' to the fixed part, and use the column as a "
            "number or a factor in the random term",
        ),
        (
            "y ~ mo(log(x))",
            "mo() takes one data column, as in 'mo(x)' (a name with spaces or symbols in "
            "backticks), not 'log(x)'; brms's 'id' argument is not supported",
        ),
        (
            "y ~ mo(x, id = 'a')",
            "mo() takes one data column, as in 'mo(x)' (a name with spaces or symbols in "
            "backticks), not 'x, id = 'a''; brms's 'id' argument is not supported",
        ),
        (
            "y ~ 1 - mo(x)",
            "'- mo(x)' removes a monotonic term, which only '+' can add; delete the term",
        ),
        ("y ~ mo(x) + mo(x)", "'mo(x)' appears twice in the formula; keep one"),
    ],
)
def test_unsupported_mo_syntax_is_refused_naming_the_term(formula, expected):
    with pytest.raises(FormulaError) as error:
        parse_formula(formula)
    assert message(error) == expected


def test_numbers_code_as_their_own_categories(data):
    term = bg.Model("y ~ z + mo(x)", data).spec.monotonic[0]
    assert (term.name, term.column, term.categories, term.n_increments) == (
        "mo(x)",
        "x",
        ("0", "1", "2", "3"),
        3,
    )
    assert term.transitions == ("0->1", "1->2", "2->3")
    np.testing.assert_array_equal(term.codes, data["x"].to_numpy())


def test_an_ordered_factor_codes_by_its_order(data):
    term = bg.Model("y ~ mo(dose)", data).spec.monotonic[0]
    assert term.categories == tuple(DOSES)
    assert term.transitions == ("none->low", "low->mid", "mid->high")
    np.testing.assert_array_equal(term.codes, np.tile([0, 1, 2, 3], 10))


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (
            [0, 1, 2.5, 1],
            "mo(x) needs whole numbers 0, 1, 2, ... or an ordered factor, but column 'x' holds "
            "2.5; recode it to whole numbers from 0, or make it an ordered factor with "
            "pd.Categorical(data['x'], ordered=True).",
        ),
        (
            [0, 1, -1, 1],
            "mo(x) needs whole numbers 0, 1, 2, ... or an ordered factor, but column 'x' holds "
            "-1; recode it to whole numbers from 0, or make it an ordered factor with "
            "pd.Categorical(data['x'], ordered=True).",
        ),
        (
            [1, 2, 3, 2],
            "mo(x) needs consecutive whole numbers starting at 0, but column 'x' has no rows "
            "with 0; recode it to 0, 1, ..., D (for example data['x'] - data['x'].min() when "
            "it starts at 1), or make it an ordered factor of the values it takes.",
        ),
        (
            [0, 1, 3, 1],
            "mo(x) needs consecutive whole numbers starting at 0, but column 'x' has no rows "
            "with 2; recode it to 0, 1, ..., D (for example data['x'] - data['x'].min() when "
            "it starts at 1), or make it an ordered factor of the values it takes.",
        ),
        (
            ["a", "b", "a", "b"],
            "mo(x) needs an ordered factor or whole numbers 0, 1, 2, ..., but column 'x' holds "
            "an unordered factor; make it ordered with pd.Categorical(data['x'], "
            "categories=[...in order...], ordered=True).",
        ),
        (
            [True, False, True, True],
            "mo(x) needs an ordered factor or whole numbers 0, 1, 2, ..., but column 'x' holds "
            "True/False values; make it ordered with pd.Categorical(data['x'], "
            "categories=[...in order...], ordered=True).",
        ),
        (
            [2, 2, 2, 2],
            "mo(x) needs consecutive whole numbers starting at 0, but column 'x' has no rows "
            "with 0, 1; recode it to 0, 1, ..., D (for example data['x'] - data['x'].min() "
            "when it starts at 1), or make it an ordered factor of the values it takes.",
        ),
        (
            [0, 0, 0, 0],
            "mo(x) has one category ('0') in the data, so it has no effect to estimate; remove "
            "the term, or add data with other categories.",
        ),
    ],
)
def test_columns_that_are_not_ordinal_are_refused(values, expected):
    with pytest.raises(DataError) as error:
        category_codes(pd.Series(values, name="x"), "mo(x)")
    assert str(error.value) == expected


def test_mo_in_a_parameter_formula_is_refused(data):
    with pytest.raises(FormulaError) as error:
        bg.Model(bg.formula("y ~ z", sigma="~ mo(x)"), data)
    assert message(error) == (
        "'mo(x)' in the formula of 'sigma' is not supported; monotonic terms are supported in "
        "the mean's formula only. Use the column as a number or a factor in 'sigma's formula."
    )


def test_default_priors_and_prior_keys(data):
    model = bg.Model("y ~ z + mo(x)", data)
    codes_sd = float(np.std(data["x"]))
    slope = model.priors["b[z]"].sigma * float(np.std(data["z"]))
    assert model.priors["b[mo(x)]"] == bg.priors.Normal(0, slope / codes_sd)
    assert model.priors["simo[mo(x)]"] == bg.priors.Dirichlet((1.0, 1.0, 1.0))
    assert str(model.priors["simo[mo(x)]"]) == "dirichlet(1, 1, 1)"
    broad = bg.Model(
        "y ~ mo(x)",
        data,
        priors={"b": bg.priors.Normal(0, 1), "simo": bg.priors.Dirichlet(2)},
    ).priors
    assert broad["b[mo(x)]"] == bg.priors.Normal(0, 1)
    assert broad["simo[mo(x)]"] == bg.priors.Dirichlet((2.0, 2.0, 2.0))
    assert broad.source("simo[mo(x)]") == "user"


def test_a_dirichlet_of_the_wrong_length_or_on_another_parameter_is_refused(data):
    with pytest.raises(PriorError) as error:
        bg.Model("y ~ mo(x)", data, priors={"simo[mo(x)]": bg.priors.Dirichlet([1, 1])})
    assert str(error.value) == (
        "priors['simo[mo(x)]'] is dirichlet(1, 1), a prior on 2 increments, but the simplex "
        "has 3; give 3 concentrations, or one number for all."
    )
    with pytest.raises(PriorError) as error:
        bg.Model("y ~ mo(x)", data, priors={"simo[mo(x)]": bg.priors.Normal(0, 1)})
    assert str(error.value) == (
        "priors['simo[mo(x)]'] is Normal(mu=0, sigma=1), a prior on real values, but "
        "'simo[mo(x)]' is simplex; use Dirichlet."
    )
    with pytest.raises(PriorError) as error:
        bg.priors.Dirichlet([1, 0])
    assert str(error.value) == (
        "Dirichlet: alpha must be positive numbers, one per increment or one for all, got [1, 0]"
    )


def test_names_dims_and_coords_of_the_graph(data):
    model = bg.Model("y ~ z + mo(x) + mo(dose)", data)
    spec = model.spec
    assert model.graph.public_names == ("b", "bsp", "simo_x", "simo_dose", "sigma")
    dims = posterior_dims(spec)
    assert dims["bsp"] == ("sp",)
    assert dims["simo_x"] == ("x_increment",)
    coords = graph_coords(spec)
    assert coords["sp"] == ["mo(x)", "mo(dose)"]
    assert coords["dose_increment"] == ["none->low", "low->mid", "mid->high"]
    assert {"sp", "x_increment", "dose_increment"} <= structural_dims(spec)
    assert naming.graph_data("simo_x", "codes") in model.graph.row_data


def test_the_effect_is_bsp_times_d_times_the_cumulated_increments():
    bsp = np.array([2.0, -1.0])
    simplex = np.array([[0.1, 0.2, 0.3, 0.4], [0.25, 0.25, 0.25, 0.25]])
    codes = np.array([0, 1, 2, 3, 4])
    expected = np.array([[0.0, 0.8, 2.4, 4.8, 8.0], [0.0, -1.0, -2.0, -3.0, -4.0]])
    np.testing.assert_allclose(monotonic_effect(bsp, simplex, codes), expected)
    b = np.array([[1.0], [0.0]])
    eta = combined(b, np.ones((5, 1)), None, [], monotonic=[(bsp, simplex, codes)])
    np.testing.assert_allclose(eta, expected + b)


def test_the_graph_computes_the_same_effect(data):
    with mock.patch("bayesglmm.model.collapsible", return_value=False):
        model = bg.Model("y ~ mo(x)", data)
    point = {
        "Intercept": 0.5,
        "bsp": np.array([2.0]),
        "simo_x": np.array([0.2, 0.3, 0.5]),
        "sigma": 1.0,
    }
    log_likelihood = pm.do(model.graph.model, point).compile_logp()({})
    steps = np.array([0.0, 0.2, 0.5, 1.0])
    mu = 0.5 + 2.0 * 3 * steps[data["x"].to_numpy()]
    assert log_likelihood == pytest.approx(stats.norm.logpdf(data["y"], mu, 1.0).sum())


def test_new_data_are_coded_by_the_fitted_categories(data):
    spec = bg.Model("y ~ mo(dose) + mo(x)", data).spec
    new = pd.DataFrame(
        {
            "dose": pd.Categorical(["high", "none"], categories=DOSES, ordered=True),
            "x": [3, 0],
        }
    )
    design = new_data_design(spec, new)
    assert [column for column, _ in design.monotonic] == ["dose", "x"]
    np.testing.assert_array_equal(design.monotonic[0][1], [3, 0])
    np.testing.assert_array_equal(design.monotonic[1][1], [3, 0])
    subset = pd.Categorical(["mid"], categories=["low", "mid"], ordered=True)
    design = new_data_design(spec, pd.DataFrame({"dose": subset, "x": [1]}))
    np.testing.assert_array_equal(design.monotonic[0][1], [2])
    labels = new_data_design(spec, pd.DataFrame({"dose": ["mid", "none"], "x": [1, 2]}))
    np.testing.assert_array_equal(labels.monotonic[0][1], [2, 0])


@pytest.mark.parametrize(
    ("dose", "x", "expected"),
    [
        (
            pd.Categorical(["huge"], categories=["none", "huge"], ordered=True),
            [1],
            "newdata column 'dose' has categories that mo(dose) was not fitted with: 'huge'; "
            "the fitted categories are none, low, mid, high.",
        ),
        (
            pd.Categorical(["mid"], categories=DOSES, ordered=True),
            [4],
            "newdata column 'x' has categories that mo(x) was not fitted with: '4'; the fitted "
            "categories are 0, 1, 2, 3.",
        ),
        (
            pd.Categorical(["mid", "low"], categories=["mid", "low"], ordered=True),
            [1, 1],
            "newdata column 'dose' orders its categories differently from the fitted mo(dose) "
            "(none, low, mid, high); give it the fitted order.",
        ),
    ],
)
def test_new_data_with_unseen_or_reordered_categories_are_refused(data, dose, x, expected):
    spec = bg.Model("y ~ mo(dose) + mo(x)", data).spec
    with pytest.raises(DataError) as error:
        new_data_design(spec, pd.DataFrame({"dose": dose, "x": x}))
    assert str(error.value) == expected


def test_gibbs_refuses_a_monotonic_term_and_auto_chooses_nuts(data):
    model = bg.Model("y ~ z + mo(x) + (1 | g)", data)
    with pytest.raises(SamplerError) as error:
        model.fit(sampler="gibbs", draws=10, tune=10, chains=1, progress=False)
    assert str(error.value) == (
        "sampler='gibbs' cannot fit this model: the monotonic term 'mo(x)' has a simplex of "
        "increments, which the Gibbs updates do not handle. Use sampler='nutpie'."
    )
    parts = ModelParts(model.graph, model.spec, model.family, model.link, model.priors)
    assert prepare_auto(parts).reason == (
        "no Gibbs sampler applies: the monotonic term 'mo(x)' has a simplex of increments, "
        "which the Gibbs updates do not handle. Use sampler='nutpie'."
    )


def test_set_data_refuses_other_categories(data):
    model = bg.Model("y ~ mo(x)", data)
    with pytest.raises(DataError) as error:
        model.set_data(data[data["x"] < 3])
    assert str(error.value) == (
        "the new data change the model's monotonic categories ([('0', '1', '2', '3')] before, "
        "[('0', '1', '2')] now); build a new bg.Model for these data instead."
    )


def test_power_refuses_a_monotonic_term(data):
    from bayesglmm.errors import ArgumentError
    from bayesglmm.power.simulate import truth_draw

    model = bg.Model("y ~ mo(x)", data)
    with pytest.raises(ArgumentError) as error:
        truth_draw(model, {"b[Intercept]": 0.0, "sigma": 1.0}, np.random.default_rng(0))
    assert str(error.value) == (
        "bg.power does not simulate monotonic terms such as 'mo(x)'; simulate the data "
        "yourself and fit them with bg.fit_many, or use the column as a number or a factor."
    )


def test_a_grouping_factor_may_be_called_sp_without_monotonic_terms(data):
    model = bg.Model("y ~ z + (1 | sp)", data.assign(sp=data["g"]))
    assert model.graph.public_names == ("b", "sd_sp", "r_sp", "sigma")
