"""The rows and columns of the data a model uses: missing values, column types, factor
levels, and the evaluation of formula expressions on the frame.

Examples
--------
>>> import pandas as pd
>>> evaluate_expression("n", pd.DataFrame({"n": [3, 4]}), "trials(n)").tolist()
[3, 4]
"""

from __future__ import annotations

import numbers
import warnings
from collections.abc import Mapping

import numpy as np
import pandas as pd
from formulaic import model_matrix
from formulaic.errors import FactorEvaluationError, FormulaicError

from bayesglmm.errors import DataError, DataWarning, FormulaError
from bayesglmm.formula.columns import (
    check_flat_columns,
    check_shadowing,
    column_list,
    first_missing_column,
    predictor_columns,
    required_columns,
    select_columns,
)
from bayesglmm.formula.expressions import FORMULA_CONTEXT
from bayesglmm.formula.scanner import numeric_expression
from bayesglmm.formula.syntax import ParsedFormula, is_literal
from bayesglmm.frames import as_pandas

NA_ACTIONS = ("error", "drop")
"""What ``na_action`` may be: refuse rows with missing values, or drop them."""


def used_rows(
    parsed: ParsedFormula, data: pd.DataFrame, na_action: str, others: list[ParsedFormula]
) -> tuple[pd.DataFrame, pd.Index, pd.DataFrame | None]:
    """The rows a model is fitted to, the labels of those dropped for missing values, and
    the rows whose response ``y | mi()`` imputes (None without ``mi()``)."""
    data = as_pandas(data, "data")
    if na_action not in NA_ACTIONS:
        raise DataError(f"na_action must be one of {NA_ACTIONS}, not {na_action!r}.")
    if len(data) == 0:
        raise DataError("data has no rows; a model needs at least one observation.")
    check_flat_columns(data, "data")
    used = required_columns(parsed, others=others)
    columns = [str(column) for column in data.columns]
    missing = first_missing_column(used, columns)
    if missing is not None:
        name, where, hint = missing
        raise DataError(
            f"column '{name}' (used in '{where}') is not in the data.{hint} {column_list(columns)}"
        )
    check_shadowing(parsed, others, set(used))
    frame = select_columns(data, used, "data")
    grouping = {name for formula in (parsed, *others) for t in formula.random for name in t.group}
    predictors = predictor_columns([parsed, *others])
    frame = checked_types(frame, used, predictors, "data")
    _warn_text_numbers(frame, predictors - grouping)
    missing = frame.isna()
    if parsed.response.imputed:
        _check_imputed_outcome(parsed, frame)
        missing[parsed.response.outcome] = False
    rows_with_na = missing.any(axis=1)
    dropped = frame.index[rows_with_na.to_numpy()]
    if rows_with_na.any():
        frame = _complete_rows(frame, missing, rows_with_na, used, na_action)
    if not parsed.response.imputed:
        return _without_unused_categories(frame, predictors | grouping), dropped, None
    absent = frame[parsed.response.outcome].isna().to_numpy()
    if absent.all():
        raise DataError(
            f"every row's response '{parsed.response.outcome}' is missing; mi() imputes "
            "missing responses from a model fitted to the observed ones, and there are none."
        )
    kept = _without_unused_categories(frame.loc[~absent], predictors | grouping)
    return kept, dropped, frame.loc[absent].copy() if absent.any() else None


def _check_imputed_outcome(parsed: ParsedFormula, frame: pd.DataFrame) -> None:
    """Refuse ``mi()`` on a response that is an expression rather than a column."""
    if parsed.response.outcome not in frame.columns:
        raise FormulaError(
            f"'{parsed.response.text}' imputes the response, which must then be a column of "
            f"the data, not the expression '{parsed.response.outcome}'; add it as a column, "
            f"e.g. data.assign(y_new={parsed.response.outcome}), and write 'y_new | mi()'."
        )


def _complete_rows(
    frame: pd.DataFrame,
    missing: pd.DataFrame,
    rows_with_na: pd.Series,
    used: Mapping[str, str],
    na_action: str,
) -> pd.DataFrame:
    """``frame`` without its rows with missing values (``na_action="drop"``, with a
    warning), or the error that names them (``"error"``)."""
    counts = missing.sum()
    report = ", ".join(f"'{name}' ({counts[name]})" for name in used if counts[name] > 0)
    if na_action == "error":
        first = frame.index[rows_with_na.to_numpy()][:5].tolist()
        raise DataError(
            f"missing values in {report}; first rows with missing values: {first}. "
            "Fill or remove them, or pass na_action='drop' to drop those "
            f"{int(rows_with_na.sum())} of {len(frame)} rows."
        )
    kept = frame.loc[~rows_with_na].copy()
    if len(kept) == 0:
        raise DataError(f"every row has a missing value in {report}; nothing is left to fit.")
    warnings.warn(
        f"dropped {int(rows_with_na.sum())} of {len(frame)} rows with missing values in {report}.",
        DataWarning,
        stacklevel=5,
    )
    return kept


TEXT_NUMBER_LEVELS = 10
"""A text predictor whose values all read as numbers, with fractions or more levels than
this, is probably numbers stored as text: it is used as a factor, with a warning."""

MAX_FIXED_LEVELS = 1000
"""A factor with more levels than this is refused as a predictor: its dense design would
hold a column per level. Such a factor is a grouping factor, ``(1 | f)``."""

_CONTAINERS = (list, tuple, dict, set, frozenset, np.ndarray)


def _value_kind(value: object) -> str:
    """``"number"``, ``"bool"``, ``"text"`` or the type name of one non-missing value."""
    if isinstance(value, bool | np.bool_):
        return "bool"
    if isinstance(value, numbers.Number):
        return "number"
    if isinstance(value, str):
        return "text"
    return type(value).__name__


def checked_types(
    frame: pd.DataFrame, used: Mapping[str, str], predictors: set[str], source: str
) -> pd.DataFrame:
    """``frame`` with object columns of numbers as numbers and text columns as objects,
    refusing values a formula cannot use: dates, complex numbers, bytes, lists and other
    containers, and (in ``predictors``) other objects, numbers mixed with text and factors
    of more than :data:`MAX_FIXED_LEVELS` levels.

    ``source`` (``"data"`` or ``"newdata"``) starts the error messages.
    """
    if "Intercept" in used:
        raise DataError(
            f"column 'Intercept' (used in '{used['Intercept']}') has the name bayesglmm gives "
            "the intercept; rename the column, e.g. data.rename(columns={'Intercept': "
            "'intercept_column'})."
        )
    converted = {}
    for name, column in frame.items():
        where = f"{source} column '{name}' (used in '{used[name]}')"
        kind = column.dtype.kind
        if kind in "mM" or isinstance(column.dtype, pd.PeriodDtype | pd.IntervalDtype):
            raise DataError(
                f"{where} holds {column.dtype} values, which a formula cannot use; convert it "
                f"to a number (e.g. days since the first date, (data['{name}'] - "
                f"data['{name}'].min()).dt.days) or to a category."
            )
        if kind == "c":
            raise DataError(
                f"{where} holds complex numbers, which a model cannot use; give their real "
                f"and imaginary parts as two columns (np.real, np.imag) or their size (np.abs)."
            )
        if isinstance(column.dtype, pd.StringDtype) and name in predictors:
            converted[name] = column.astype(object)
        if kind != "O" or isinstance(column.dtype, pd.CategoricalDtype | pd.StringDtype):
            continue
        values = column.dropna()
        kinds = values.map(_value_kind)
        for odd in kinds.unique():
            first = values[kinds == odd].iloc[0]
            if odd == "bytes":
                raise DataError(
                    f"{where} holds bytes such as {first!r}; decode them to text first, "
                    f"data['{name}'].str.decode('utf-8')."
                )
            if isinstance(first, _CONTAINERS):
                raise DataError(
                    f"{where} holds {odd} values such as {first!r}, but a formula needs one "
                    "number or label per row; spread the values over columns of their own, "
                    "or join them into text."
                )
            if odd not in ("number", "bool", "text") and name in predictors:
                raise DataError(
                    f"{where} holds {odd} values such as {first!r}, which a formula cannot "
                    f"use; convert them to numbers or to text, data['{name}'].astype(str)."
                )
        present = set(kinds.unique())
        if {"number", "text"} <= present and name in predictors:
            number = values[kinds == "number"].iloc[0]
            text = values[kinds == "text"].iloc[0]
            raise DataError(
                f"{where} mixes numbers and text (such as {number!r} and {text!r}); give it one "
                f"type: pd.to_numeric(data['{name}'], errors='coerce') makes the text missing, "
                f"data['{name}'].astype(str) makes the column a factor."
            )
        if present == {"number"}:
            converted[name] = pd.to_numeric(column)
    frame = frame.assign(**converted) if converted else frame
    for name in predictors:
        column = frame[name]
        if is_factor(column) and column.nunique() > MAX_FIXED_LEVELS:
            raise DataError(
                f"{source} column '{name}' (used in '{used[name]}') is a factor with "
                f"{column.nunique()} levels, more than {MAX_FIXED_LEVELS}: as a predictor it "
                f"needs a coefficient and a design column per level. Model it as a grouping "
                f"factor instead, '(1 | {name})', or merge its levels."
            )
    return frame


def is_factor(column: pd.Series) -> bool:
    """True for a column a formula codes as a factor: categorical, text, objects or bool."""
    return isinstance(column.dtype, pd.CategoricalDtype) or column.dtype.kind in "OUTSb"


def _warn_text_numbers(frame: pd.DataFrame, predictors: set[str]) -> None:
    """Warn about predictors of numbers stored as text (grouping factors' labels are often
    numbers), and about numbers mixed with a few text values such as ``'n/a'``."""
    for name in predictors:
        column = frame[name]
        if column.dtype.kind not in "OUT" or isinstance(column.dtype, pd.CategoricalDtype):
            continue
        levels = column.dropna().unique()
        numbers = pd.to_numeric(pd.Series(levels, dtype=object), errors="coerce")
        fractional = bool((numbers % 1 != 0).any())
        text = [str(level) for level in levels[numbers.isna().to_numpy()]]
        if not text and (fractional or len(levels) > TEXT_NUMBER_LEVELS):
            warnings.warn(
                f"column '{name}' holds numbers stored as text, so it is used as a factor "
                f"with {len(levels)} levels; convert it with pd.to_numeric(data['{name}']) "
                "to use it as a number, or make it a pandas Categorical to keep the factor.",
                DataWarning,
                stacklevel=5,
            )
        elif text and len(text) <= 2 and len(text) < numbers.notna().sum():
            shown = ", ".join(repr(value) for value in text)
            warnings.warn(
                f"column '{name}' holds numbers stored as text and the text {shown}, so it is "
                f"used as a factor with {len(levels)} levels; if {shown} marks missing "
                f"values, use pd.to_numeric(data['{name}'], errors='coerce') to read it as "
                "missing and the rest as numbers.",
                DataWarning,
                stacklevel=5,
            )


def _without_unused_categories(frame: pd.DataFrame, columns: set[str]) -> pd.DataFrame:
    """A copy of ``frame`` in which categorical ``columns`` keep only the categories their
    rows use (as brms's ``drop_unused_levels``): a category without rows has nothing to
    estimate, and as the reference it would make every level's contrast collinear."""
    frame = frame.copy()
    for name in columns:
        if isinstance(frame[name].dtype, pd.CategoricalDtype):
            frame[name] = frame[name].cat.remove_unused_categories()
    return frame


def evaluate_expression(expression: str, frame: pd.DataFrame, where: str) -> pd.Series:
    """Value of a one-column expression: a column name, a number, or arithmetic on columns
    (``n - 1``, ``log(n)``), evaluated as formulaic's ``I()`` does, so that ``-`` and ``*``
    are arithmetic rather than formula operators."""
    if expression in frame.columns:
        return frame[expression]
    if is_literal(expression):
        return pd.Series(float(expression), index=frame.index, name=expression)
    matrix = materialize(f"{numeric_expression(expression)} - 1", frame, where)
    if matrix.shape[1] != 1:
        raise FormulaError(
            f"'{expression}' in '{where}' must give one numeric column, "
            f"but it gives {matrix.shape[1]}: {', '.join(matrix.columns)}"
        )
    return pd.Series(matrix.iloc[:, 0].to_numpy(dtype=float), index=frame.index, name=expression)


def materialize(formula: str, frame: pd.DataFrame, where: str):
    try:
        with np.errstate(divide="ignore", invalid="ignore"):
            return model_matrix(formula, frame, context=FORMULA_CONTEXT, na_action="ignore")
    except FactorEvaluationError as error:
        raise FormulaError(f"cannot evaluate '{where}': {error}") from None
    except FormulaicError as error:
        raise FormulaError(f"cannot build '{where}': {error}") from None
