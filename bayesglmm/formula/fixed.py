"""The fixed-effects design (formulaic's model matrix) and its checks: finite values, factors
with one level, rank; and the offsets.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.linalg

from bayesglmm.errors import DataError
from bayesglmm.formula.columns import expression_variables
from bayesglmm.formula.frame import evaluate_expression, is_factor, materialize
from bayesglmm.formula.spec import (
    FixedDesign,
)
from bayesglmm.formula.syntax import ParsedFormula


def first_non_finite(values: np.ndarray, columns, index) -> tuple[object, list] | None:
    """The first column of ``values`` with a value that is not finite, and up to five of
    the rows (labels from ``index``) that have one; None when every value is finite."""
    bad = ~np.isfinite(values)
    if not bad.any():
        return None
    return columns[np.flatnonzero(bad.any(axis=0))[0]], index[bad.any(axis=1)][:5].tolist()


def check_finite(matrix: pd.DataFrame, where: str) -> None:
    found = first_non_finite(matrix.to_numpy(dtype=float), matrix.columns, matrix.index)
    if found is not None:
        column, rows = found
        raise DataError(
            f"column '{column}' of {where} is not finite in rows {rows}; check the "
            "transformation (for example the log of zero or of a negative number)."
        )


def fixed_design(
    parsed: ParsedFormula, frame: pd.DataFrame, without_intercept: bool
) -> FixedDesign:
    """The fixed design; ``without_intercept`` drops the intercept column (ordinal
    models, whose thresholds replace it) but keeps the coding of the factors."""
    matrix = materialize(parsed.fixed, frame, parsed.fixed)
    formulaic_spec = matrix.model_spec
    if without_intercept and "Intercept" in matrix.columns:
        matrix = matrix.drop(columns="Intercept")
    check_finite(matrix, "the fixed effects")
    values = matrix.to_numpy(dtype=float)
    names = tuple(str(name) for name in matrix.columns)
    if "Intercept" in names:
        _check_single_levels(parsed.fixed, frame)
    check_rank(values, names)
    return FixedDesign(
        matrix=values,
        names=names,
        has_intercept=bool(names) and names[0] == "Intercept",
        formulaic_spec=formulaic_spec,
    )


def _check_single_levels(fixed: str, frame: pd.DataFrame) -> None:
    """Refuse a factor of the fixed part with one level in the data: beside the intercept
    it has no contrast to estimate (formulaic would silently give it no column)."""
    for name in sorted(expression_variables(fixed)):
        column = frame[name]
        if is_factor(column) and column.nunique() == 1:
            raise DataError(
                f"column '{name}' (used in '{fixed}') has one level in the data "
                f"({column.iloc[0]!r}), so it has no effect to estimate beside the intercept; "
                "remove it from the formula, or add data with other levels."
            )


def check_rank(values: np.ndarray, names: tuple[str, ...]) -> None:
    """Refuse a rank-deficient design, naming the columns that add nothing to earlier ones."""
    if values.shape[1] == 0:
        return
    if values.shape[1] > values.shape[0]:
        raise DataError(
            f"the fixed effects have {values.shape[1]} columns but the data has only "
            f"{values.shape[0]} rows, so they cannot all be estimated; remove terms or add data."
        )
    constant = [i for i in range(1, values.shape[1]) if np.ptp(values[:, i]) == 0]
    if names[0] == "Intercept" and constant and values.shape[0] > 1:
        i = constant[0]
        raise DataError(
            f"the fixed effect '{names[i]}' is {values[0, i]:g} in every row, so it cannot be "
            "told apart from the intercept; remove it from the formula."
        )
    r = scipy.linalg.qr(values, mode="r")[0]
    diagonal = np.abs(np.diag(r))
    scale = np.linalg.norm(values, axis=0)
    redundant = diagonal <= 1e-9 * np.maximum(scale, 1.0)
    if redundant.any():
        columns = [f"'{names[i]}'" for i in np.flatnonzero(redundant)]
        verb = "is a combination" if len(columns) == 1 else "are combinations"
        raise DataError(
            f"the fixed effects are collinear: {', '.join(columns)} {verb} of earlier columns. "
            "Remove the redundant term, or check for a predictor that is constant or duplicated."
        )


def offset_values(parsed: ParsedFormula, frame: pd.DataFrame) -> np.ndarray | None:
    if not parsed.offsets:
        return None
    total = np.zeros(len(frame))
    for expression in parsed.offsets:
        values = evaluate_expression(expression, frame, f"offset({expression})").to_numpy(
            dtype=float
        )
        if not np.all(np.isfinite(values)):
            raise DataError(
                f"offset({expression}) is not finite in {int(np.sum(~np.isfinite(values)))} "
                "rows; check the transformation (for example the log of zero)."
            )
        total += values
    return total
