"""gp() terms: syntax, exact errors, designs, names and priors."""

import numpy as np
import pandas as pd
import pytest

import bayesglmm as bg
from bayesglmm import naming
from bayesglmm.errors import DataError, FormulaError, SamplerError
from bayesglmm.formula.syntax import parse_formula
from bayesglmm.naming import smooth_naming
from bayesglmm.priors.distributions import HalfStudentT, InverseGamma


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 10, 60)
    return pd.DataFrame(
        {"x": x, "y": np.sin(x) + rng.normal(0, 0.3, 60), "f": np.repeat(["a", "b"], 30)}
    )


def test_defaults_follow_brms():
    term = parse_formula("y ~ gp(x, k = 20)").gps[0]
    assert (term.k, term.c, term.cov, term.scale, term.by, term.label) == (
        20,
        1.25,
        "exp_quad",
        True,
        None,
        "gpx",
    )
    term = parse_formula('y ~ gp(x, k = 5, c = 1.5, cov = "matern52", scale = FALSE, by = f)').gps[
        0
    ]
    assert (term.k, term.c, term.cov, term.scale, term.by) == (5, 1.5, "matern52", False, "f")


@pytest.mark.parametrize(
    ("formula", "message"),
    [
        (
            "y ~ gp(x)",
            "gp(x) needs k, the number of basis functions: bayesglmm fits the approximate "
            "(Hilbert-space) GP only, as in 'gp(x, k = 20)'",
        ),
        (
            "y ~ gp(x, k = 0)",
            "k = 0 in gp() must be a whole number from 1 to 200 (the number of basis "
            "functions), as in k = 20",
        ),
        ("y ~ gp(x, k = 2.5)", r"k = 2.5 in gp() must be a whole number from 1 to 200"),
        (
            "y ~ gp(x, k = 10, c = 1)",
            r"c = 1 in gp() must be a number above 1 (the boundary factor), as in c = 5/4",
        ),
        ("y ~ gp(x, k = 10, c = 0.5)", r"c = 0.5 in gp() must be a number above 1"),
        (
            'y ~ gp(x, k = 10, cov = "rbf")',
            'cov = "rbf" is not a kernel bayesglmm knows; write one of: "exp_quad", '
            '"matern32", "matern52"',
        ),
        ("y ~ gp(x, k = 10, scale = yes)", r"scale = yes in gp() must be TRUE or FALSE"),
        (
            "y ~ gp(x, z, k = 10)",
            "gp(x, z, k = 10): a Gaussian process of several covariates is not supported; "
            "write one gp() per covariate",
        ),
        ("y ~ gp(k = 10)", r"expected a covariate in gp(), as in 'gp(x, k = 20)'"),
        ("y ~ gp(x, k = 10, m = 3)", r"gp() has no argument 'm'"),
        ("y ~ gp(log(x), k = 10)", r"gp() takes data column names as covariates"),
        ("y ~ gp(x, k = 5) + gp(x, k = 9)", r"the formula has two gp() terms of x; keep one"),
        ("y ~ x - gp(x, k = 5)", r"a gp() term cannot be removed with '-'"),
    ],
)
def test_syntax_errors_name_the_argument(formula, message):
    with pytest.raises(FormulaError) as error:
        parse_formula(formula)
    assert str(error.value).startswith(message)


def test_gp_in_a_random_term_or_expression_is_refused(data):
    message = "gp() in '{}' is a Gaussian-process term, which is a term of its own"
    with pytest.raises(FormulaError) as error:
        bg.Model("y ~ (gp(x, k = 5) | f)", data)
    assert str(error.value).startswith(message.format("gp(x, k = 5)"))
    with pytest.raises(FormulaError, match=r"is a Gaussian-process term, which is a term"):
        bg.Model("y ~ f:gp(x, k = 5)", data)


def test_arguments_are_never_evaluated():
    with pytest.raises(FormulaError, match=r"^c = __import__\('os'\) in gp\(\) must be"):
        parse_formula("y ~ gp(x, k = 5, c = __import__('os'))")


@pytest.mark.parametrize(
    ("formula", "message"),
    [
        (
            "y ~ gp(f, k = 5)",
            "'f' in gp(f, k = 5) is a factor, but a Gaussian process needs a numeric covariate",
        ),
        (
            "y ~ gp(x, k = 5, by = x)",
            "by = x in gp(x, k = 5, by = x) must be a factor (one GP per level)",
        ),
        ("y ~ gp(one, k = 5)", "'one' in gp(one, k = 5) takes a single value"),
    ],
)
def test_data_errors_name_the_term_and_the_fix(data, formula, message):
    with pytest.raises(DataError) as error:
        bg.Model(formula, data.assign(one=1.0))
    assert str(error.value).startswith(message)


def test_design_is_one_dense_block_and_new_rows_use_the_stored_basis(data):
    model = bg.Model("y ~ gp(x, k = 12, c = 1.5)", data)
    term = model.spec.smooths[0]
    assert term.values[0].shape == (60, 12)
    assert model.spec.fixed.names == ("Intercept",)
    x = data["x"].to_numpy()
    assert term.basis.centre == pytest.approx(x.mean())
    assert term.basis.L == pytest.approx(1.5 * np.abs((x - x.mean()) / np.ptp(x)).max())
    new = pd.DataFrame({"x": [0.5, 20.0]})
    np.testing.assert_allclose(term.columns(new)[1][0], term.basis.evaluate(new["x"]))


def test_names_priors_and_keys(data):
    model = bg.Model(
        "y ~ gp(x, k = 8, by = f)", data, priors={"lscale[gpx:fb]": InverseGamma(2, 1)}
    )
    labels = [term.label for term in model.spec.smooths]
    assert labels == ["gpx:fa", "gpx:fb"]
    assert isinstance(model.priors["sdgp[gpx:fa]"], HalfStudentT)
    assert isinstance(model.priors["lscale[gpx:fa]"], InverseGamma)
    assert model.priors["lscale[gpx:fb]"] == InverseGamma(2, 1)
    assert set(model.graph.public_names) >= {
        "sdgp_gpx:fa",
        "lscale_gpx:fa",
        "zgp_gpx:fa",
        "bgp_gpx:fa",
        "sdgp_gpx:fb",
    }
    assert model.graph.model.coords[smooth_naming.gp_dim("gpx:fa")] == tuple(range(8))
    broad = bg.Model("y ~ gp(x, k = 8)", data, priors={"sdgp": HalfStudentT(3, 1.0)})
    assert broad.priors["sdgp[gpx]"] == HalfStudentT(3, 1.0)


def test_a_parameter_gp_has_its_own_names(data):
    model = bg.Model(bg.formula("y ~ gp(x, k = 6)", sigma="~ gp(x, k = 5)"), data)
    assert "sdgp_gpx__sigma" in model.graph.public_names
    assert "lscale[gpx__sigma]" in model.priors


def test_name_builders():
    assert smooth_naming.gp_label("x") == "gpx"
    assert smooth_naming.gp_sd("gpx") == "sdgp_gpx"
    assert smooth_naming.gp_lscale("gpx") == "lscale_gpx"
    assert smooth_naming.gp_standard_normal("gpx") == "zgp_gpx"
    assert smooth_naming.gp_sd_key("gpx") == "sdgp[gpx]"
    assert naming.broader_keys("sdgp[gpx]") == ["sdgp"]
    assert smooth_naming.gp_sd_label("gpx") == "sdgp(gpx)"
    assert smooth_naming.gp_lscale_label("gpx") == "lscale(gpx)"


def test_gibbs_refuses_a_gp(data):
    model = bg.Model("y ~ gp(x, k = 6)", data)
    with pytest.raises(SamplerError, match=r"Gaussian process \(gp\(x,k=6\)\), whose length scale"):
        model.fit(sampler="gibbs", draws=10, tune=10, chains=1, progress=False)


def test_power_refuses_a_gp(data):
    from bayesglmm.errors import ArgumentError
    from bayesglmm.power.simulate import truth_draw

    model = bg.Model("y ~ gp(x, k = 6)", data)
    with pytest.raises(ArgumentError, match=r"^bg\.power cannot simulate gp\(x,k=6\): a smooth or"):
        truth_draw(model, {"Intercept": 1.0}, np.random.default_rng(0))


@pytest.mark.parametrize("kernel", ["exp_quad", "matern32", "matern52"])
def test_graph_weights_are_the_spectral_density(data, kernel):
    from bayesglmm.smooths.hsgp import spectral_density

    model = bg.Model(f'y ~ gp(x, k = 6, cov = "{kernel}")', data)
    graph = model.graph.model
    z = np.linspace(-1, 1, 6)
    values = {graph["sdgp_gpx"]: 1.7, graph["lscale_gpx"]: 0.3, graph["zgp_gpx"]: z}
    coefficients = graph["bgp_gpx"].eval(values)
    omega = model.spec.smooths[0].basis.sqrt_eigenvalues
    expected = np.sqrt(spectral_density(kernel, omega, 1.7, 0.3)) * z
    np.testing.assert_allclose(coefficients, expected, rtol=1e-10)
