"""brms features not supported yet are refused with one FormulaError naming the remedy."""

import numpy as np
import pandas as pd
import pytest

import bayesglmm as bg

DATA = pd.DataFrame({"a": np.arange(6.0), "b": np.arange(6.0), "x": np.arange(6.0)})
MISSING = (
    "asks for a predictor's missing values modelled inside the fit (brms's mi(x)), which "
    "bayesglmm does not support yet: impute them before fitting, or drop their rows with "
    "na_action='drop' (the fit reports how many); a missing response is imputed with "
    "'y | mi() ~ ...'"
)


@pytest.mark.parametrize(
    ("formula", "message"),
    [
        ("a ~ mi(x)", f"mi() in 'mi(x)' {MISSING}"),
        ("a ~ x + mi(x):b", f"mi() in 'mi(x):b' {MISSING}"),
    ],
)
def test_the_formula_is_refused_with_the_remedy(formula, message):
    with pytest.raises(bg.FormulaError) as caught:
        bg.Model(formula, DATA)
    assert caught.value.message == message
