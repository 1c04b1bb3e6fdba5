"""Smooth terms in a formula: the syntax, their designs (null space among the fixed
effects, penalised blocks), priors, graph and the errors for what is not supported."""

import numpy as np
import pandas as pd
import pytest

import bayesglmm as bg
from bayesglmm.backend.contract import graph_coords, posterior_dims
from bayesglmm.errors import DataError, FormulaError, SamplerError
from bayesglmm.formula import parse_formula
from bayesglmm.formula.newdata import NewDataDesign, new_data_design
from bayesglmm.priors.distributions import HalfStudentT


@pytest.fixture
def data():
    rng = np.random.default_rng(0)
    n = 80
    x = rng.uniform(0, 1, n)
    return pd.DataFrame(
        {
            "x": x,
            "z": rng.uniform(0, 1, n),
            "g": np.where(np.arange(n) % 2 == 0, "a", "b"),
            "few": np.arange(n) % 4 * 1.0,
            "num": rng.normal(size=n),
            "one": np.ones(n),
            "y": np.sin(2 * np.pi * x) + rng.normal(0, 0.3, n),
        }
    )


def test_defaults_follow_mgcv():
    s, t2 = parse_formula("y ~ s(x) + t2(x, z)").smooths
    assert (s.k, s.bs, s.by, s.label) == (10, "tp", None, "sx")
    assert (t2.k, t2.bs, t2.variables, t2.label) == (5, "cr", ("x", "z"), "t2xz")


def test_arguments_are_read_as_literals():
    parsed = parse_formula("y ~ a + s(`my x`, k = 6, bs = 'ps', by = g) + (1 | h)")
    [smooth] = parsed.smooths
    assert (smooth.variables, smooth.k, smooth.bs, smooth.by) == (("my x",), 6, "ps", "g")
    assert parsed.fixed == "a" and smooth.key == "s(`myx`,k=6,bs='ps',by=g)"


@pytest.mark.parametrize(
    ("formula", "message"),
    [
        (
            "y ~ s(x, q = 1)",
            "s() has no argument 'q'; it takes k (the basis size, a whole "
            "number), bs (the basis), by (a factor or numeric column)",
        ),
        (
            "y ~ s(x, k = 2)",
            "k = 2 in s() must be a whole number from 3 to 200 (the basis size), as in k = 10",
        ),
        (
            "y ~ s(x, k = 3.5)",
            "k = 3.5 in s() must be a whole number from 3 to 200 (the basis size), as in k = 10",
        ),
        (
            "y ~ s(x, bs = 'ps', k = 3)",
            "k = 3 in s() must be a whole number from 4 to 200 (the basis size), as in k = 10",
        ),
        (
            "y ~ s(log(x))",
            "s() takes data column names as covariates; transform the column "
            "in the data first, for example data['log_x'] = np.log(data['x'])",
        ),
        (
            "y ~ s(x, z, num)",
            "s() smooths one or two covariates here; for a smooth of x, z, num together write "
            "a tensor product, t2(x, z, num)",
        ),
        (
            'y ~ s(x, z, bs = "cr")',
            'bs = "cr" is a basis of one covariate; s(x, z) is a thin plate spline (bs = '
            '"tp"), or write a tensor product, t2(x, z, bs = "cr")',
        ),
        (
            "y ~ s(x, z, k = 3)",
            "k = 3 in s() must be a whole number from 4 to 200 (the basis size), as in k = 10",
        ),
        ("y ~ t2(x)", "t2() needs two or more covariates, as in 't2(x, z)'; for one write s(x)"),
        ("y ~ s(k = 3)", "expected a covariate in s(), as in 's(x)'"),
        (
            "y ~ s(k = 3, x)",
            "in s(), the covariates come before the named arguments, as in 's(x, k = 5)'",
        ),
        ("y ~ s(x, k = 3, k = 4)", "'k' is given twice in s()"),
        (
            "y ~ s(x, by = log(g))",
            "by = log(g) must name a column, as in 's(x, by = group)'",
        ),
        ("y ~ x - s(x)", "a smooth cannot be removed with '-'"),
        ("y ~ s(x) + s(x, k = 4)", "the formula has two smooths of x; keep one"),
    ],
)
def test_syntax_errors_name_the_argument(formula, message):
    with pytest.raises(FormulaError) as caught:
        parse_formula(formula)
    assert caught.value.message == message


@pytest.mark.parametrize(
    ("formula", "message"),
    [
        (
            "y ~ (s(x) | g)",
            "s() in 's(x)' is a smooth, which is a term of its own: add it to the formula, as "
            "in 'y ~ x + s(z)', not inside another expression, an interaction or a random term",
        ),
        (
            "y ~ s(x) * z",
            "s() in 's(x) * z' is a smooth, which is a term of its own: add it to the formula, "
            "as in 'y ~ x + s(z)', not inside another expression, an interaction or a random "
            "term",
        ),
        (
            "y ~ te(x, z)",
            "te() in 'te(x, z)' is a smooth, which is a term of its own: add it to the formula, "
            "as in 'y ~ x + s(z)', not inside another expression, an interaction or a random "
            "term; te() is not supported, write t2()",
        ),
    ],
)
def test_a_smooth_inside_an_expression_is_refused(formula, message):
    with pytest.raises(FormulaError) as caught:
        parse_formula(formula)
    assert caught.value.message == message


def test_smooth_arguments_are_never_evaluated():
    with pytest.raises(FormulaError, match=r"^bs = __import__\('os'\)\.system\('echo'\) is not"):
        parse_formula("y ~ s(x, bs = __import__('os').system('echo'))")
    with pytest.raises(FormulaError, match=r"^k = open\('f'\) in s\(\) must be a whole number"):
        parse_formula("y ~ s(x, k = open('f'))")


def test_unknown_basis_lists_the_known_ones():
    with pytest.raises(
        FormulaError,
        match=r'bs = "zz" is not a basis bayesglmm knows; write '
        r'one of: "tp" \(thin plate',
    ):
        parse_formula('y ~ s(x, bs = "zz")')


def test_null_space_joins_the_fixed_effects_and_the_rest_is_one_block(data):
    spec = bg.Model("y ~ s(x, k = 8)", data).spec
    assert spec.fixed.names == ("Intercept", "sx_1")
    assert spec.fixed.smooth_columns == ("sx_1",)
    [smooth] = spec.smooths
    assert smooth.blocks == ("sx_1",) and smooth.values[0].shape == (80, 6)
    assert posterior_dims(spec)["zs_sx_1"] == ("sx_1_basis",)
    assert graph_coords(spec)["sx_1_basis"] == list(range(6))


def test_a_thin_plate_spline_of_two_covariates_has_the_plane_as_null_space(data):
    spec = bg.Model("y ~ s(x, z)", data).spec
    [smooth] = spec.smooths
    assert (smooth.label, smooth.variables, len(smooth.bases)) == ("sxz", ("x", "z"), 1)
    assert spec.fixed.names == ("Intercept", "sxz_1", "sxz_2")
    fixed = spec.fixed.matrix[:, 1:]
    plane = np.column_stack([np.ones(80), data["x"], data["z"]])
    assert np.allclose(plane @ np.linalg.lstsq(plane, fixed, rcond=None)[0], fixed)
    assert smooth.values[0].shape == (80, 27)
    assert np.allclose(fixed.T @ smooth.values[0], 0, atol=1e-8)
    new = new_data_design(spec, data.iloc[::-1])
    assert np.allclose(new.fixed, spec.fixed.matrix[::-1])
    assert np.allclose(new.smooths[0][1], smooth.values[0][::-1])


def test_a_thin_plate_spline_needs_k_distinct_points(data):
    with pytest.raises(DataError) as caught:
        bg.Model("y ~ s(x, few, k = 90)", data)
    assert str(caught.value) == (
        "s(x, few, k = 90) has 80 distinct points of (x, few), fewer than its k = 90; give a "
        "smaller k, such as s(x, few, k = 80)."
    )


def test_new_rows_map_through_the_stored_basis(data):
    spec = bg.Model("y ~ g + s(x, by = g) + t2(z, num)", data).spec
    fitted = NewDataDesign.from_spec(spec)
    new = new_data_design(spec, data)
    assert np.allclose(new.fixed, fitted.fixed)
    assert [name for name, _ in new.smooths] == [name for name, _ in fitted.smooths]
    for (_, a), (_, b) in zip(new.smooths, fitted.smooths, strict=True):
        assert np.allclose(a, b)
    assert spec.fixed.names[2:] == ("sx:ga_1", "sx:gb_1", "t2znum_1", "t2znum_2", "t2znum_3")
    assert [s.blocks for s in spec.smooths] == [
        ("sx:ga_1",),
        ("sx:gb_1",),
        ("t2znum_1", "t2znum_2", "t2znum_3"),
    ]


def test_a_by_level_is_zero_outside_its_rows(data):
    spec = bg.Model("y ~ g + s(x, by = g)", data).spec
    level_a = spec.smooths[0]
    outside = (data["g"] != "a").to_numpy()
    assert level_a.level == "a" and np.all(level_a.values[0][outside] == 0.0)


def test_sds_prior_defaults_like_a_group_sd_and_has_keys(data):
    model = bg.Model("y ~ s(x)", data)
    sd_y = float(np.std(data["y"]))
    prior = model.priors["sds[sx_1]"]
    assert isinstance(prior, HalfStudentT)
    assert (prior.nu, prior.sigma) == (3, pytest.approx(2.5 * sd_y, rel=1e-14))
    chosen = bg.Model("y ~ s(x)", data, priors={"sds": bg.priors.HalfNormal(1.0)})
    assert chosen.priors.source("sds[sx_1]") == "user"


def test_a_parameter_smooth_has_its_own_names(data):
    model = bg.Model(bg.formula("y ~ s(x)", sigma="~ s(x)"), data)
    [part] = model.spec.parameters
    assert part.fixed.names == ("Intercept", "sx_1")
    assert part.smooths[0].blocks == ("sx_1__sigma",)
    assert "sds[sx_1__sigma]" in model.priors


def test_the_graph_holds_a_dense_block_not_a_rows_by_rows_matrix(data):
    graph = bg.Model("y ~ s(x, k = 8)", data).graph
    assert {"sds_sx_1", "zs_sx_1"} <= set(graph.public_names)
    shapes = {v.name: v.get_value().shape for v in graph.model.data_vars}
    assert shapes["zs_sx_1__values"] == (80, 6)
    assert all(shape != (80, 80) for shape in shapes.values())


@pytest.mark.parametrize(
    ("formula", "message"),
    [
        (
            "y ~ x + s(x)",
            "the fixed effects are collinear: 'sx_1' is a combination of earlier columns. "
            "Remove the redundant term, or check for a predictor that is constant or "
            "duplicated. A smooth's fixed columns hold its straight line, so a formula such "
            "as 'y ~ x + s(x)' has the line twice: drop the linear term.",
        ),
        (
            "y ~ s(g)",
            "'g' in s(g) is a factor, but a smooth needs a numeric covariate; convert it with "
            "pd.to_numeric(data['g']), or use it as a factor term.",
        ),
        (
            "y ~ s(few)",
            "'few' has 4 distinct values, fewer than the 10 that s(few) (k = 10) needs; give "
            "a smaller k, such as s(few, k = 4), or use 'few' as a linear term.",
        ),
        (
            "y ~ s(x, by = one)",
            "by = one in s(x, by = one) is constant, so the smooth would only be scaled; "
            "write s(x) instead.",
        ),
        (
            "y ~ num + s(x, by = num)",
            "the fixed effects are collinear: 'sx:num_1' is a combination of earlier columns. "
            "Remove the redundant term, or check for a predictor that is constant or "
            "duplicated. A smooth's fixed columns hold its straight line, so a formula such as "
            "'y ~ x + s(x)' has the line twice: drop the linear term. A smooth varying with a "
            "numeric by = z holds z and its line times z, so 'y ~ z + s(x, by = z)' has z "
            "twice: drop the z term.",
        ),
        (
            "y ~ t2(x, z, by = g)",
            "t2(x, z, by = g): by = is supported for s() only, not for a tensor product; fit "
            "one smooth per level of 'g' with s(<covariate>, by = g), or t2() without by.",
        ),
    ],
)
def test_unsupported_data_errors_name_the_term_and_the_fix(data, formula, message):
    with pytest.raises(DataError) as caught:
        bg.Model(formula, data).spec  # noqa: B018
    assert str(caught.value) == message


def test_newdata_needs_the_smooth_covariate(data):
    spec = bg.Model("y ~ s(x)", data).spec
    with pytest.raises(DataError, match=r"newdata has no column 'x' \(used in 's\(x\)'\)"):
        new_data_design(spec, pd.DataFrame({"z": [1.0]}))


def test_newdata_with_an_unfitted_by_level_or_an_infinite_covariate_is_refused(data):
    spec = bg.Model("y ~ s(x, by = g)", data).spec
    with pytest.raises(DataError) as caught:
        new_data_design(spec, pd.DataFrame({"x": [0.5, 0.2], "g": ["a", "c"]}))
    assert str(caught.value) == (
        "newdata has levels of 'g' that s(x,by=g) has no smooth for: ['c']; predict at the "
        "fitted levels, ['a', 'b']."
    )
    with pytest.raises(DataError) as caught:
        new_data_design(spec, pd.DataFrame({"x": [0.5, np.inf], "g": ["a", "b"]}))
    assert "newdata gives 'x' (in s(x,by=g)) values that are not finite in rows [1]" in str(
        caught.value
    )


def test_gibbs_refuses_a_smooth(data):
    with pytest.raises(SamplerError) as caught:
        bg.Model("y ~ s(x)", data).fit(sampler="gibbs", progress=False)
    assert str(caught.value) == (
        "sampler='gibbs' cannot fit this model: the formula has a penalised smooth (s(x)), "
        "which the Gibbs updates do not handle. Use sampler='nutpie'."
    )


def test_power_refuses_a_smooth(data):
    from bayesglmm.errors import ArgumentError
    from bayesglmm.power.simulate import truth_draw

    model = bg.Model("y ~ s(x)", data)
    with pytest.raises(ArgumentError) as caught:
        truth_draw(model, {"b[sx_1]": 1.0}, np.random.default_rng(0))
    assert str(caught.value) == (
        "bg.power cannot simulate s(x): a smooth or Gaussian process has no known values to "
        "simulate from; write the curve's shape as fixed terms (for example 'poly(x, 2)') for "
        "the power analysis."
    )
