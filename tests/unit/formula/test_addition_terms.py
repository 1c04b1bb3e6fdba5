"""The response's addition terms weights(), trunc() and se(): parsing by position and by
keyword, arithmetic arguments, the values in the response design, and one exact error for
each kind of bad use."""

import numpy as np
import pandas as pd
import pytest

import bayesglmm as bg
from bayesglmm.families import get_family
from bayesglmm.formula import build_spec, parse_formula


@pytest.fixture
def data():
    rng = np.random.default_rng(0)
    return pd.DataFrame(
        {
            "y": rng.uniform(0.5, 2, 10),
            "x": rng.normal(size=10),
            "w": np.arange(1.0, 11.0),
            "s": np.full(10, 0.3),
            "n": np.full(10, 5),
            "k": np.arange(10) % 4 + 1,
        }
    )


def response_of(formula, data, family="gaussian"):
    return build_spec(parse_formula(formula), data, get_family(family)[0]).response


def test_arguments_by_position_and_keyword_and_as_arithmetic(data):
    parsed = parse_formula("y | trunc(0, ub = 3) + se(s, sigma = TRUE) ~ x").response
    assert parsed.arguments("trunc") == {"lb": "0", "ub": "3"}
    assert parsed.arguments("se") == {"x": "s", "sigma": "TRUE"}
    response = response_of("y | weights(2 * w - 1) + trunc(ub = w + 5) ~ x", data)
    np.testing.assert_array_equal(response.weights, 2 * data["w"] - 1)
    np.testing.assert_array_equal(response.upper, data["w"] + 5)
    assert response.lower is None
    response = response_of("y | se(s, sigma = TRUE) ~ x", data)
    np.testing.assert_array_equal(response.se, data["s"])
    assert response.se_sigma


def test_known_standard_errors_replace_sigma_unless_sigma_is_true(data):
    assert bg.Model("y | se(s) ~ x", data).family.dispersion_names == ()
    assert bg.Model("y | se(s, sigma = TRUE) ~ x", data).family.dispersion_names == ("sigma",)
    student = bg.Model("y | se(s) ~ x", data, family="student_t")
    assert student.family.dispersion_names == ("nu",)


@pytest.mark.parametrize(
    ("formula", "family", "error", "message"),
    [
        (
            "y | trunc(lb = 1) ~ x",
            "gaussian",
            bg.DataError,
            "trunc(lb = 1): the response 'y' lies outside its bounds in row 1 (3 such rows): "
            "0.90468 is not in [1, inf].",
        ),
        (
            "y | trunc(lb = 3, ub = 1) ~ x",
            "gaussian",
            bg.DataError,
            "trunc(lb = 3, ub = 1): lb must be below ub, but not in row 0 (10 such rows).",
        ),
        (
            "k | trials(n) + trunc(lb = 1) ~ x",
            "binomial",
            bg.FormulaError,
            "'k | trials(n) + trunc(lb = 1)' truncates the response, but family 'binomial' has "
            "no truncated form here; use one of: gaussian, student_t, lognormal, gamma, "
            "poisson, negbinomial, exponential, weibull, inverse_gaussian.",
        ),
        (
            "k | trunc(lb = 0.5) ~ x",
            "poisson",
            bg.DataError,
            "trunc(lb = 0.5): the bounds of a poisson response are whole numbers (both "
            "included), but row 0 (10 such rows) has a fraction.",
        ),
        (
            "y | weights(w - 2) ~ x",
            "gaussian",
            bg.DataError,
            "weights(w - 2) must be finite and not negative; row 0 (1 such rows) has -1.",
        ),
        (
            "y | weights(w * 0) ~ x",
            "gaussian",
            bg.DataError,
            "weights(w * 0) is 0 in every row, so no row informs the model.",
        ),
        (
            "y | se(s) ~ x",
            "gamma",
            bg.FormulaError,
            "'y | se(s)' gives known standard errors, but family 'gamma' has no residual sd "
            "for them to replace; use one of: gaussian, student_t.",
        ),
        (
            "y | se(s - 1) ~ x",
            "gaussian",
            bg.DataError,
            "se(s - 1) must be finite and greater than 0; row 0 (10 such rows) has -0.7.",
        ),
    ],
)
def test_bad_addition_terms_are_one_error_each(data, formula, family, error, message):
    with pytest.raises(error) as raised:
        bg.Model(formula, data, family=family)
    assert str(raised.value) == message


@pytest.mark.parametrize(
    ("formula", "message"),
    [
        ("y | se(s, sigma = maybe) ~ x", "se(..., sigma = ) takes TRUE or FALSE, not 'maybe'"),
        ("y | trunc(lb = 0, lb = 1) ~ x", "trunc() is given 'lb' twice"),
        ("y | trunc(lo = 0) ~ x", "trunc() has no argument 'lo'; it takes trunc(lb, ub)"),
        ("y | weights(w) + weights(w) ~ x", "weights() is given twice"),
        ("y | se(s, TRUE, 3) ~ x", "too many arguments; se() takes se(x, sigma)"),
    ],
)
def test_bad_helper_syntax_points_at_it(formula, message):
    with pytest.raises(bg.FormulaError) as raised:
        parse_formula(formula)
    assert str(raised.value).splitlines()[0] == message


def test_combinations_that_do_not_apply_are_refused(data):
    with pytest.raises(bg.FormulaError, match=r"^'y \| se\(s\)' fixes the response's sd"):
        bg.Model(bg.formula("y | se(s) ~ x", sigma="~ x"), data)
    grouped = data.assign(t=np.arange(10) % 5, g=np.arange(10) // 5)
    with pytest.raises(bg.FormulaError, match=r"^residual='ar1\(t \| g\)' cannot be combined"):
        bg.Model("y | weights(w) ~ x", grouped, residual="ar1(t | g)")
