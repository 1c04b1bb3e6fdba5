"""Formula parser: what each piece of lme4/brms syntax becomes, and the caret errors."""

import pytest

from bayesglmm.errors import FormulaError
from bayesglmm.formula import parse_formula


def test_binomial_response_with_trials_and_one_random_intercept():
    parsed = parse_formula("incidence | trials(size) ~ period + (1 | herd)")
    assert parsed.response.outcome == "incidence"
    assert parsed.response.helper("trials") == "size"
    assert parsed.fixed == "period"
    [term] = parsed.random
    assert (term.expr, term.group, term.correlated) == ("1", ("herd",), True)


def test_cbind_response_keeps_successes_and_failures():
    parsed = parse_formula("cbind(s, f) ~ x")
    assert (parsed.response.outcome, parsed.response.failures) == ("s", "f")


@pytest.mark.parametrize(
    ("formula", "expected"),
    [
        ("y ~ (1 + x | g)", [("1 + x", ("g",), True)]),
        ("y ~ (1 + x || g)", [("1 + x", ("g",), False)]),
        ("y ~ (0 + x | g)", [("0 + x", ("g",), True)]),
        ("y ~ (1 | a/b)", [("1", ("a",), True), ("1", ("a", "b"), True)]),
        (
            "y ~ (1 | a/b/c)",
            [("1", ("a",), True), ("1", ("a", "b"), True), ("1", ("a", "b", "c"), True)],
        ),
        ("y ~ (1 | a:b)", [("1", ("a", "b"), True)]),
        ("y ~ (1 | a) + (1 | b)", [("1", ("a",), True), ("1", ("b",), True)]),
        ("y ~ (0 + period | herd)", [("0 + period", ("herd",), True)]),
    ],
)
def test_random_terms_expand_as_in_lme4(formula, expected):
    parsed = parse_formula(formula)
    assert [(t.expr, t.group, t.correlated) for t in parsed.random] == expected


def test_nested_group_names_join_with_colon():
    assert [t.group_name for t in parse_formula("y ~ (1 | site/plot)").random] == [
        "site",
        "site:plot",
    ]


@pytest.mark.parametrize(
    ("formula", "fixed"),
    [
        ("y ~ x - 1", "x - 1"),
        ("y ~ 0 + x", "0 + x"),
        ("y ~ -1 + x", "1 - 1 + x"),
        ("y ~ (1 | g)", "1"),
        ("y ~ 0 + (1 | g)", "0"),
        (
            "y ~ a*b + I(x**2) + np.log(z) + C(f, contr.treatment('b'))",
            "a*b + I(x**2) + np.log(z) + C(f, contr.treatment('b'))",
        ),
    ],
)
def test_fixed_part_is_passed_on_for_formulaic(formula, fixed):
    assert parse_formula(formula).fixed == fixed


def test_offsets_are_taken_out_of_the_fixed_part():
    parsed = parse_formula("y ~ x + offset(np.log(t)) + (1 | g)")
    assert parsed.offsets == ("np.log(t)",)
    assert parsed.fixed == "x"


@pytest.mark.parametrize(
    ("formula", "message"),
    [
        (
            "y ~ x + (1 | )",
            "expected a grouping factor after '|', as in '(1 | subject)'\n"
            "  y ~ x + (1 | )\n"
            "               ^",
        ),
        (
            "y ~ x + (1 + x | g",
            "this '(' is never closed; expected ')' after it\n  y ~ x + (1 + x | g\n          ^",
        ),
        ("y ~ x +", "expected a term after '+'\n  y ~ x +\n         ^"),
        ("y ~ x + + z", "expected a term after '+'\n  y ~ x + + z\n          ^"),
        (
            "y x",
            "expected '~' between the response and the predictors, as in 'y ~ x'\n  y x\n     ^",
        ),
        ("~ x", "expected a response before '~', as in 'y ~ x'\n  ~ x\n  ^"),
        ("y ~ x ~ z", "expected only one '~' in the formula\n  y ~ x ~ z\n        ^"),
        (
            "s | trial(n) ~ x",
            "unknown response helper 'trial'; expected one of: trials(), cens(), weights(), "
            "trunc(), se(), mi()\n"
            "  s | trial(n) ~ x\n"
            "      ^",
        ),
        (
            "y ~ x + (| g)",
            "expected random-effect terms before '|', such as '1' for an intercept\n"
            "  y ~ x + (| g)\n"
            "           ^",
        ),
        (
            "y ~ (1|g)*x",
            "'|' may only appear in a random term standing alone in parentheses, such as "
            "'(1 + x | g)'\n  y ~ (1|g)*x\n        ^",
        ),
        (
            "y ~ x + (1|p|g|h)",
            "expected one '|' in a random term, or two around a correlation ID as in "
            "'(1 | p | g)'\n  y ~ x + (1|p|g|h)\n              ^",
        ),
        (
            "y ~ x + (1|g+h)",
            "expected a column name in the grouping factor (factors combine with ':' and nest "
            "with '/'; a name with spaces or symbols goes in backticks, as in `g+h`)\n"
            "  y ~ x + (1|g+h)\n             ^",
        ),
        ("y ~ x)", "unmatched ')': there is no opening bracket before it\n  y ~ x)\n       ^"),
        ("y ~ (x]", "expected ')' to close '(', found ']'\n  y ~ (x]\n        ^"),
        ("y ~ x + 'abc", "this quote is never closed\n  y ~ x + 'abc\n          ^"),
        (
            "cbind(s) ~ x",
            "expected two columns in cbind(successes, failures)\n  cbind(s) ~ x\n  ^",
        ),
        (
            "y ~ ",
            "expected a term after '~' (use '1' for an intercept-only model)\n  y ~ \n      ^",
        ),
        (
            "y ~ x *",
            "in 'x *': Operator `*` has insufficient arguments and/or is misplaced.\n"
            "  y ~ x *\n"
            "        ^",
        ),
    ],
)
def test_syntax_errors_point_at_the_offending_character(formula, message):
    with pytest.raises(FormulaError) as caught:
        parse_formula(formula)
    assert str(caught.value) == message


def test_non_string_formula_is_refused():
    with pytest.raises(FormulaError, match="the formula must be a string"):
        parse_formula(42)
