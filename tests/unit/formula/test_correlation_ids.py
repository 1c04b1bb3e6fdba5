"""Correlation IDs, ``(1 | p | g)``: parsing, the blocks they merge within a formula and
join across a model's formulas, their priors, the printout and the errors for uses that
are not supported."""

import numpy as np
import pandas as pd
import pytest

import bayesglmm as bg
from bayesglmm.formula import parse_formula


@pytest.fixture(scope="module")
def data() -> pd.DataFrame:
    rng = np.random.default_rng(1)
    rows = 120
    return pd.DataFrame(
        {
            "y": rng.normal(size=rows),
            "x": rng.normal(size=rows),
            "z": rng.normal(size=rows),
            "g": np.repeat([f"g{i}" for i in range(12)], 10),
            "h": np.tile([f"h{i}" for i in range(6)], 20),
        }
    )


def test_the_id_is_read_between_the_bars():
    (term,) = parse_formula("y ~ x + (1 + x | p | g)").random
    assert (term.expr, term.group, term.correlation_id, term.correlated) == (
        "1 + x",
        ("g",),
        "p",
        True,
    )


@pytest.mark.parametrize(
    ("formula", "message"),
    [
        (
            "y ~ (1 | p || g)",
            "a correlation ID correlates the term's columns, which '||' keeps apart; write "
            "'(1 + x | p | g)', or '(1 + x || g)' without the ID\n  y ~ (1 | p || g)\n"
            "             ^",
        ),
        (
            "y ~ (1 | 2p | g)",
            "expected a correlation ID between the bars: letters, digits and '_', starting "
            "with a letter, as in '(1 | p | g)'\n  y ~ (1 | 2p | g)\n           ^",
        ),
        (
            "y ~ (1 | p | mm(g, h))",
            "a correlation ID needs a plain grouping factor, as in '(1 | p | g)'; it is not "
            "supported with mm(), gr() or nesting '/'\n  y ~ (1 | p | mm(g, h))\n"
            "               ^",
        ),
        (
            "y ~ (1 | p | g/h)",
            "a correlation ID needs a plain grouping factor, as in '(1 | p | g)'; it is not "
            "supported with mm(), gr() or nesting '/'\n  y ~ (1 | p | g/h)\n"
            "               ^",
        ),
    ],
)
def test_unsupported_ids_are_refused_at_the_term(formula, message):
    with pytest.raises(bg.FormulaError) as caught:
        parse_formula(formula)
    assert str(caught.value) == message


def test_terms_with_one_id_in_one_formula_form_one_correlated_block(data):
    (group,) = bg.Model("y ~ x + (1 | p | g) + (0 + x | p | g) + (0 + z | g)", data).spec.groups
    assert group.terms == ("Intercept", "x", "z")
    assert group.blocks == ((0, 1), (2,))
    assert group.block_ids == ("p", None)


def test_terms_of_one_id_must_be_written_together(data):
    with pytest.raises(bg.FormulaError) as caught:
        bg.Model("y ~ (1 | p | g) + (0 + x || g) + (0 + z | p | g)", data)
    assert str(caught.value).startswith(
        "'(0 + z | p | g)' shares correlation ID 'p' with an earlier term of 'g' that another "
        "term of it follows; write the terms with that ID next to each other, or as one term "
        "such as '(1 + x | p | g)'"
    )


def test_an_id_joins_blocks_across_the_formulas_of_a_model(data):
    formula = bg.formula("y ~ x + (1 + x | p | g) + (1 | h)", sigma="~ 1 + (1 | p | g)")
    model = bg.Model(formula, data)
    (link,) = model.spec.linked
    assert link.name == "g__id_p"
    assert link.members == (("g", 0), ("g__sigma", 0))
    assert link.terms == ("Intercept", "x", "sigma_Intercept")
    assert link.cross_pairs == [("Intercept", "sigma_Intercept"), ("x", "sigma_Intercept")]
    assert "cor[g]" in model.priors and "cor[g__sigma]" not in model.priors
    assert (
        "ID 'p' correlates Intercept, x, sigma_Intercept across 'g' and 'g__sigma' "
        "(cor_g__id_p)" in str(model)
    )
    assert model.spec.groups[1].name == "h" and not model.spec.groups[1].block_ids


def test_one_id_cannot_join_different_grouping_factors(data):
    with pytest.raises(bg.FormulaError) as caught:
        bg.Model(bg.formula("y ~ (1 | p | g)", sigma="~ (1 | p | h)"), data)
    assert str(caught.value) == (
        "correlation ID 'p' is used with different grouping factors (g, h); an ID correlates "
        "the terms of one factor, so give each factor its own ID."
    )


def test_joined_groups_are_non_centred_and_cannot_be_centred(data):
    model = bg.Model(bg.formula("y ~ (1 | p | g)", sigma="~ (1 | p | g)"), data)
    assert "g (12 levels): Intercept [intercept, non-centred: its terms share a correlation " in (
        str(model)
    )
    with pytest.raises(bg.DataError) as caught:
        bg.Model(bg.formula("y ~ (1 | p | g)", sigma="~ (1 | p | g)"), data, centered=["g"])
    assert str(caught.value) == (
        "grouping factor 'g' has only terms that a correlation ID joins to another formula's, "
        "and joined effects are always non-centred; leave it out of centered=."
    )
