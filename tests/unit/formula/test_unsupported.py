"""brms features not supported yet are refused with one FormulaError naming the remedy, and
mi() predictors outside a multivariate model that imputes them name the model to write."""

import numpy as np
import pandas as pd
import pytest

import bayesglmm as bg

DATA = pd.DataFrame({"a": np.arange(6.0), "b": np.arange(6.0), "x": np.arange(6.0)})
MEASUREMENT_ERROR = (
    "asks for a predictor measured with known error (brms's me(x, sdx)), which bayesglmm "
    "does not support yet: model the true values as a response of a multivariate model, "
    "'x | mi() ~ ...', or average repeated measurements before fitting; a response measured "
    "with known error is 'y | se(s) ~ ...'"
)


def imputed(formula: str, column: str) -> str:
    return (
        f"mi({column}) in '{formula}' reads predictor '{column}' with its missing values "
        f"imputed, which makes '{column}' a response of a multivariate model that imputes "
        f"them: bg.formula('{formula}') + bg.formula('{column} | mi() ~ ...'). Otherwise "
        f"impute '{column}' before fitting, or drop its rows with na_action='drop'."
    )


@pytest.mark.parametrize(
    ("formula", "message"),
    [
        ("a ~ me(x, b)", f"me() in 'me(x, b)' {MEASUREMENT_ERROR}"),
        ("a ~ mi(x)", imputed("a ~ mi(x)", "x")),
        ("a ~ x + mi(x):b", imputed("a ~ x + mi(x):b", "x")),
        (
            "a ~ log(mi(x))",
            "mi() in 'log(mi(x))' takes one column, as mi(z), and stands alone as a term or "
            "in an interaction (x * mi(z)), not inside another expression; transform the "
            "column in its own formula instead.",
        ),
        (
            "a ~ x + (mi(b) | x)",
            "mi() in '(mi(b) | x)' is allowed among the population-level terms only, as in "
            "'y ~ x * mi(z) + (1 | g)'.",
        ),
    ],
)
def test_the_formula_is_refused_with_the_remedy(formula, message):
    with pytest.raises(bg.FormulaError) as caught:
        bg.Model(formula, DATA)
    assert caught.value.message == message
