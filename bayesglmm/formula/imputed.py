"""Predictors ``mi(z)`` whose missing values the model imputes: where a formula may use
them, and their design (:class:`~bayesglmm.formula.imputed_spec.ImputedPredictor`).

``mi(z)`` is brms's: ``z`` is then a response of the same multivariate model,
``bg.formula("y ~ x * mi(z)") + bg.formula("z | mi() ~ w")``, whose missing values are
parameters drawn with the rest, and ``y``'s linear predictor sees each draw of them.

Examples
--------
>>> from bayesglmm.formula.syntax import parse_formula
>>> imputed_columns(parse_formula("y | mi() ~ x * mi(z) + (1 | g)"))
('z',)
"""

from __future__ import annotations

from collections.abc import Collection

import numpy as np
import pandas as pd

from bayesglmm.errors import DataError, FormulaError
from bayesglmm.formula.expressions import expression_use
from bayesglmm.formula.imputed_spec import ImputedPredictor
from bayesglmm.formula.newdata import new_data_design
from bayesglmm.formula.spec import ModelSpec
from bayesglmm.formula.syntax import ParsedFormula


def imputed_columns(parsed: ParsedFormula) -> tuple[str, ...]:
    """The columns the population-level part reads as ``mi(column)``, sorted.

    Raises
    ------
    FormulaError
        For ``mi()`` in a group-level term.
    """
    for term in parsed.random:
        if expression_use(term.expr, term.text).imputed:
            raise FormulaError(
                f"mi() in '{term.text}' is allowed among the population-level terms only, "
                "as in 'y ~ x * mi(z) + (1 | g)'."
            )
    return tuple(sorted(expression_use(parsed.fixed).imputed))


def check_imputed_columns(parsed: ParsedFormula, imputing: Collection[str]) -> tuple[str, ...]:
    """:func:`imputed_columns`, each of which must be among ``imputing``: the other
    responses of the model that impute their missing values.

    Raises
    ------
    FormulaError
        Naming the first ``mi(z)`` whose ``z`` is not such a response.
    """
    columns = imputed_columns(parsed)
    for column in columns:
        if column not in imputing or column == parsed.response.outcome:
            raise FormulaError(
                f"mi({column}) in '{parsed.text}' reads predictor '{column}' with its missing "
                f"values imputed, which makes '{column}' a response of a multivariate model "
                f"that imputes them: bg.formula('{parsed.text}') + "
                f"bg.formula('{column} | mi() ~ ...'). Otherwise impute '{column}' before "
                "fitting, or drop its rows with na_action='drop'."
            )
    return columns


def imputed_predictor(
    spec: ModelSpec, column: str, variable: str, missing: pd.Index
) -> ImputedPredictor:
    """The design of ``mi(column)`` at the rows of ``spec``, whose data hold 0 at the rows
    ``missing`` (labels, in the order of the imputed values)."""
    rows = spec.data
    zero = new_data_design(spec, rows.assign(**{column: 0.0})).fixed
    change = new_data_design(spec, rows.assign(**{column: 1.0})).fixed - zero
    columns = np.flatnonzero(np.any(change != 0.0, axis=0))
    positions = missing.get_indexer(spec.row_labels)
    multipliers = np.where(positions[:, None] >= 0, change[:, columns], 0.0)
    return ImputedPredictor(column, variable, columns, multipliers, positions)


def check_imputed_rows(spec: ModelSpec) -> None:
    """Refuse a model whose rows with a response ``mi()`` imputes cannot be predicted as
    new data (their predictors must be complete), with the reason."""
    if spec.imputed_rows is None:
        return
    try:
        new_data_design(spec, spec.imputed_rows, trials=True)
    except DataError as error:
        raise DataError(
            f"the rows whose response mi() imputes are predicted as new data, and {error}"
        ) from None
