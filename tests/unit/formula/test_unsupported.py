"""brms features not supported yet are refused with one FormulaError naming the remedy."""

import numpy as np
import pandas as pd
import pytest

import bayesglmm as bg

DATA = pd.DataFrame({"a": np.arange(6.0), "b": np.arange(6.0), "x": np.arange(6.0)})
MULTIVARIATE = (
    "asks for a multivariate model (several responses fitted jointly, as brms's mvbind() or "
    "bf() + bf()), which bayesglmm does not support yet: fit each response in its own model, "
    "e.g. bg.Model('y1 ~ x + (1 | g)', data) and bg.Model('y2 ~ x + (1 | g)', data)"
)
MISSING = (
    "asks for missing values modelled inside the fit (brms's mi()), which bayesglmm does not "
    "support yet: impute the missing values before fitting, or drop their rows with "
    "na_action='drop' (the fit reports how many)"
)


@pytest.mark.parametrize(
    ("formula", "message"),
    [
        ("mvbind(a, b) ~ x", f"mvbind() in 'mvbind(a, b)' {MULTIVARIATE}"),
        ("a | mi() ~ x", f"mi() {MISSING}"),
        ("a ~ mi(x)", f"mi() in 'mi(x)' {MISSING}"),
        ("a ~ x + mi(x):b", f"mi() in 'mi(x):b' {MISSING}"),
    ],
)
def test_the_formula_is_refused_with_the_remedy(formula, message):
    with pytest.raises(bg.FormulaError) as caught:
        bg.Model(formula, DATA)
    assert caught.value.message == message


def test_adding_formulas_is_refused_as_a_multivariate_model():
    with pytest.raises(bg.FormulaError) as caught:
        bg.formula("a ~ x") + bg.formula("b ~ x")
    assert caught.value.message == (
        f"adding formulas in 'bg.formula('a ~ x') + bg.formula('b ~ x')' {MULTIVARIATE}"
    )
