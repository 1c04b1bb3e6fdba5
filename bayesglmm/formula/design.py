"""Build a :class:`ModelSpec` from a parsed formula and a DataFrame.

formulaic builds the fixed design and the columns of each random term; this
module adds the response, the grouping-factor indices, offsets, and the checks
on missing columns, missing values and rank.

Examples
--------
>>> import bayesglmm as bg
>>> from bayesglmm.families import get_family
>>> from bayesglmm.formula import build_spec, parse_formula
>>> data = bg.datasets.load("infection")
>>> spec = build_spec(parse_formula("favorable | trials(n) ~ treatment + (1 | clinic)"), data,
...                   get_family("binomial")[0])
>>> spec.fixed.names, spec.groups[0].levels[:3]
(('Intercept', 'treatment[T.drug]'), ('1', '2', '3'))
"""

from __future__ import annotations

import numbers
import re
import warnings
from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd
import scipy.linalg
from formulaic import model_matrix
from formulaic.errors import FactorEvaluationError, FormulaicError

from bayesglmm import naming
from bayesglmm.errors import DataError, DataWarning, FormulaError, did_you_mean
from bayesglmm.families.catalog import FAMILIES
from bayesglmm.families.family import Family
from bayesglmm.formula.degenerate import warn_degenerate
from bayesglmm.formula.expressions import FORMULA_CONTEXT, expression_use
from bayesglmm.formula.spec import (
    FixedDesign,
    GroupDesign,
    ModelSpec,
    ParameterDesign,
    ResidualStructure,
    ResponseDesign,
    TimeStructure,
)
from bayesglmm.formula.syntax import ParsedFormula, RandomTermSyntax
from bayesglmm.frames import as_pandas

NA_ACTIONS = ("error", "drop")

OBSERVATION_FACTOR = "observation"
"""The grouping column of ``Model(..., overdispersion=True)``'s observation-level effect;
new data without it get a new level per row."""

_INTEGER = re.compile(r"^\d+$")


def build_spec(
    parsed: ParsedFormula,
    data: pd.DataFrame,
    family: Family,
    na_action: str = "error",
    parameters: Mapping[str, ParsedFormula] | None = None,
    covariances: Mapping[str, pd.DataFrame] | None = None,
    residual: ParsedFormula | None = None,
) -> ModelSpec:
    """Check ``data`` against the formula and build the model spec.

    Parameters
    ----------
    parsed
        The parsed formula.
    data
        The caller's data; it is never modified.
        A polars DataFrame or another table is converted first
        (:func:`~bayesglmm.frames.as_pandas`).
    family
        The response family, whose support the response must fit.
    na_action
        ``"error"`` (default) refuses missing values in used columns;
        ``"drop"`` drops those rows and reports how many with a DataWarning.
    parameters
        Formulas of modelled family parameters by name (see :func:`bayesglmm.formula`).
    covariances
        Known covariance matrices among the levels of ``gr(g, cov = name)`` terms, by name.
    residual
        A residual structure from :func:`~bayesglmm.formula.syntax.parse_residual`.

    Returns
    -------
    ModelSpec

    Raises
    ------
    DataError, FormulaError
        Naming the column or term at fault and what to do.
    """
    parameters = dict(parameters or {})
    covariances = dict(covariances or {})
    links = modelled_parameter_links(family, parameters)
    others = [*parameters.values(), *([residual] if residual is not None else [])]
    if residual is not None and family.name != "gaussian":
        raise FormulaError(
            f"residual='{residual.random[0].text}' correlates gaussian residuals; family "
            f"'{family.name}' has none. Write the structure in the formula instead, "
            f"'+ {residual.random[0].text}', for correlated effects on the link scale."
        )
    frame, dropped = _used_rows(parsed, data, na_action, others)
    response = _response(parsed, frame, family)
    fixed = _fixed_design(parsed, frame, without_intercept=family.thresholds is not None)
    if not fixed.names and family.thresholds is None:
        raise FormulaError(
            f"'{parsed.text}' has no population-level term; bayesglmm needs at least an "
            "intercept. Write '1' in place of '0' (or drop '- 1')."
        )
    groups = _group_designs(parsed, frame, covariances=covariances)
    offset = offset_values(parsed, frame)
    spec = ModelSpec(
        formula=parsed,
        response=response,
        fixed=fixed,
        groups=groups,
        offset=offset,
        row_labels=frame.index,
        dropped_rows=dropped,
        data=frame,
        parameters=tuple(
            ParameterDesign(
                name=name,
                link=links[name],
                formula=formula,
                fixed=_fixed_design(formula, frame, without_intercept=False),
                groups=_group_designs(formula, frame, parameter=name, covariances=covariances),
                offset=offset_values(formula, frame),
            )
            for name, formula in parameters.items()
        ),
        residual=None if residual is None else residual_structure(residual.random[0], frame),
    )
    warn_degenerate(spec, family)
    return spec


def residual_structure(
    term: RandomTermSyntax, frame: pd.DataFrame, times: tuple[str, ...] | None = None
) -> ResidualStructure:
    """Subjects and time positions of the rows for ``residual="ar1(time | subject)"``;
    ``times`` are the fitted time levels when coding new data."""
    subject_column, time_column = term.group
    subject, subjects = level_labels(frame[subject_column])
    codes, labels = level_labels(frame[time_column])
    known = tuple(labels) if times is None else times
    position = {label: i for i, label in enumerate(known)}
    unknown = [label for label in labels if label not in position]
    if unknown:
        raise DataError(
            f"'{time_column}' has times the fit has not seen: {unknown[:5]}; "
            f"{term.text} places rows by the fitted time levels."
        )
    positions = np.array([position[labels[code]] for code in codes], dtype=np.int64)
    pairs = pd.Series(list(zip(subject, positions, strict=True)))
    if pairs.duplicated().any():
        row = frame.index[pairs.duplicated().to_numpy()][0]
        raise DataError(
            f"{term.text} needs at most one row per '{subject_column}' and "
            f"'{time_column}', but row {row!r} repeats one; average repeated measurements "
            "or add a random effect for them instead."
        )
    return ResidualStructure(
        kind=term.structure,
        subjects=tuple(subjects),
        times=known,
        subject=subject.astype(np.int64),
        position=positions,
        text=term.text,
    )


def modelled_parameter_links(
    family: Family, parameters: Mapping[str, ParsedFormula]
) -> dict[str, str]:
    """The link of each modelled parameter; refuses parameters the family cannot model."""
    links = {}
    for name in parameters:
        parameter = next((p for p in family.dispersion if p.name == name), None)
        if parameter is None:
            having = [f.name for f in FAMILIES.values() if name in f.dispersion_names]
            own = ", ".join(family.dispersion_names) or "none besides the mean"
            hint = f" Families with '{name}': {', '.join(having)}." if having else ""
            raise FormulaError(
                f"family '{family.name}' has no parameter '{name}' to model; its parameters "
                f"are: {own}.{hint}"
            )
        if parameter.ordered:
            raise FormulaError(
                f"'{name}' of family '{family.name}' are ordered thresholds, which cannot have "
                "a formula; put predictors in the model formula instead."
            )
        links[name] = parameter.link
    return links


def required_columns(
    parsed: ParsedFormula, response: bool = True, others: Iterable[ParsedFormula] = ()
) -> dict[str, str]:
    """Data columns the formula uses, each with the first place it is used, in the order of
    the formula's pieces (sorted within a piece, so messages do not depend on hashing).

    With ``response=False`` only the columns of the right-hand side (for predictions).
    ``others`` (parameter formulas, a residual structure) add their right-hand sides.
    """
    pieces: list[tuple[str, Iterable[str]]] = []
    if response:
        pieces.extend(response_columns(parsed))
    for formula in (parsed, *others):
        pieces.extend((where, _variables(text)) for where, text in _predictor_expressions(formula))
        pieces.extend((term.text, term.group) for term in formula.random)
    used: dict[str, str] = {}
    for where, names in pieces:
        for name in sorted(names):
            used.setdefault(name, where)
    return used


def predictor_columns(formulas: Iterable[ParsedFormula]) -> set[str]:
    """Columns the right-hand sides use as predictors: in the fixed parts, the columns of
    random terms and offsets (not the grouping factors)."""
    return {
        name
        for formula in formulas
        for _, text in _predictor_expressions(formula)
        for name in _variables(text)
    }


def _predictor_expressions(parsed: ParsedFormula) -> list[tuple[str, str]]:
    """``(where, expression)`` of every right-hand-side piece formulaic evaluates."""
    return [
        (parsed.fixed, parsed.fixed),
        *((term.text, term.expr) for term in parsed.random),
        *((f"offset({offset})", offset) for offset in parsed.offsets),
    ]


def _response_expressions(parsed: ParsedFormula) -> list[tuple[str, str]]:
    """``(where, expression)`` of the response, its helpers and cbind()'s failures."""
    response = parsed.response
    pieces = [(response.text, response.outcome)]
    for name, argument in response.helpers:
        if not _INTEGER.match(argument):
            pieces.append((f"{name}({argument})", argument))
    if response.failures is not None:
        pieces.append((response.text, response.failures))
    return pieces


def response_columns(parsed: ParsedFormula) -> list[tuple[str, frozenset[str]]]:
    """``(where, columns)`` of the response, its helpers and cbind()'s failures."""
    return [(where, _variables(text)) for where, text in _response_expressions(parsed)]


def _check_shadowing(parsed: ParsedFormula, others: Iterable[ParsedFormula], columns) -> None:
    """Refuse a data column named like a function the formula calls (``log``, ``C``, ``np``):
    formulaic would look the column up instead of the function."""
    pieces = [*_response_expressions(parsed)]
    for formula in (parsed, *others):
        pieces.extend(_predictor_expressions(formula))
    for where, text in pieces:
        for function in sorted(expression_use(text).functions):
            head = function.split(".")[0]
            if head in columns:
                raise DataError(
                    f"the data has a column named '{head}', which hides the function "
                    f"{function}() that '{where}' calls; rename the column, for example "
                    f"data.rename(columns={{'{head}': '{head}_'}})."
                )


def first_missing_column(used: dict[str, str], columns: list[str]) -> tuple[str, str, str] | None:
    """``(column, where it is used, hint)`` of the first used column missing from
    ``columns``, or None when all are present. The hint suggests backticks for a column
    whose name the formula split at a space or symbol, else the closest column."""
    for name, where in used.items():
        if name not in columns:
            written = where.replace(" ", "")
            split = [c for c in columns if not c.isidentifier() and c.replace(" ", "") in written]
            if split:
                return (
                    name,
                    where,
                    (
                        f" The column '{split[0]}' has characters a formula reads as operators; "
                        f"write it in backticks, `{split[0]}`."
                    ),
                )
            return name, where, did_you_mean(name, columns)
    return None


def _column_list(columns: list[str]) -> str:
    return f"The data has columns: {', '.join(columns)}." if columns else "The data has no columns."


def check_flat_columns(data: pd.DataFrame, source: str) -> None:
    """Refuse MultiIndex columns, which a formula cannot name; ``source`` is ``"data"`` or
    ``"newdata"``."""
    if isinstance(data.columns, pd.MultiIndex):
        shown = ", ".join(map(str, data.columns[:3]))
        raise DataError(
            f"{source} has columns on {data.columns.nlevels} levels (a MultiIndex: {shown}, "
            "...); a formula names columns by one label. Flatten them first, for example "
            f"{source}.columns = ['_'.join(map(str, c)) for c in {source}.columns]."
        )


def select_columns(data: pd.DataFrame, used: Mapping[str, str], source: str) -> pd.DataFrame:
    """A copy of the ``used`` columns of ``data``, named as the formula writes them (a
    column labelled ``0`` is written `` `0` ``); refuses repeated column names.

    ``source`` (``"data"`` or ``"newdata"``) starts the error messages.
    """
    columns = [str(label) for label in data.columns]
    repeated = [name for name in used if columns.count(name) > 1]
    if repeated:
        raise DataError(
            f"the {source} has {columns.count(repeated[0])} columns named '{repeated[0]}' "
            f"(used in '{used[repeated[0]]}'); give each column a unique name."
        )
    labels = dict(zip(columns, data.columns, strict=True))
    frame = data.loc[:, [labels[name] for name in used]]
    frame.columns = list(used)
    return frame


def _variables(expression: str) -> frozenset[str]:
    return expression_use(expression).columns


def _used_rows(
    parsed: ParsedFormula, data: pd.DataFrame, na_action: str, others: list[ParsedFormula]
) -> tuple[pd.DataFrame, pd.Index]:
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
            f"column '{name}' (used in '{where}') is not in the data.{hint} {_column_list(columns)}"
        )
    _check_shadowing(parsed, others, set(used))
    frame = select_columns(data, used, "data")
    grouping = {name for formula in (parsed, *others) for t in formula.random for name in t.group}
    predictors = predictor_columns([parsed, *others])
    frame = checked_types(frame, used, predictors, "data")
    _warn_text_numbers(frame, predictors - grouping)
    missing = frame.isna()
    rows_with_na = missing.any(axis=1)
    if not rows_with_na.any():
        return _without_unused_categories(frame, predictors | grouping), data.index[:0]
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
        stacklevel=4,
    )
    kept = _without_unused_categories(kept, predictors | grouping)
    return kept, frame.index[rows_with_na.to_numpy()]


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
    """Value of a one-column expression: a column name, a number or a formulaic expression."""
    if expression in frame.columns:
        return frame[expression]
    if _INTEGER.match(expression):
        return pd.Series(float(expression), index=frame.index, name=expression)
    matrix = _materialize(f"{expression} - 1", frame, where)
    if matrix.shape[1] != 1:
        raise FormulaError(
            f"'{expression}' in '{where}' must give one numeric column, "
            f"but it gives {matrix.shape[1]}: {', '.join(matrix.columns)}"
        )
    return pd.Series(matrix.iloc[:, 0].to_numpy(dtype=float), index=frame.index, name=expression)


def _materialize(formula: str, frame: pd.DataFrame, where: str):
    try:
        with np.errstate(divide="ignore", invalid="ignore"):
            return model_matrix(formula, frame, context=FORMULA_CONTEXT, na_action="ignore")
    except FactorEvaluationError as error:
        raise FormulaError(f"cannot evaluate '{where}': {error}") from None
    except FormulaicError as error:
        raise FormulaError(f"cannot build '{where}': {error}") from None


def _response(parsed: ParsedFormula, frame: pd.DataFrame, family: Family) -> ResponseDesign:
    syntax = parsed.response
    outcome = evaluate_expression(syntax.outcome, frame, syntax.text)
    trials_expression = syntax.helper("trials")
    trials = None
    if syntax.failures is not None:
        failures = evaluate_expression(syntax.failures, frame, syntax.text)
        trials = (outcome.astype(float) + failures.astype(float)).rename(
            f"{syntax.outcome} + {syntax.failures}"
        )
    elif trials_expression is not None:
        trials = evaluate_expression(trials_expression, frame, f"trials({trials_expression})")
    if trials is not None and not family.needs_trials:
        raise FormulaError(
            f"'{syntax.text}' gives trials, but family '{family.name}' has none; "
            "use family='binomial', or write the response alone."
        )
    prepared = family.support.prepare(outcome, trials, syntax.outcome, family.name)
    censoring = syntax.helper("cens")
    censored = None
    if censoring is not None:
        if not family.censorable:
            censorable = ", ".join(name for name, f in FAMILIES.items() if f.censorable)
            raise FormulaError(
                f"'{syntax.text}' censors the response, but family '{family.name}' does not "
                f"support censoring; use one of: {censorable}."
            )
        flags = evaluate_expression(censoring, frame, f"cens({censoring})")
        censored = censoring_flags(flags, f"cens({censoring})")
    return ResponseDesign(
        name=syntax.outcome,
        values=prepared.values,
        trials=prepared.trials,
        trials_name=None if trials is None else str(trials.name),
        event_level=prepared.event_level,
        other_level=prepared.other_level,
        categories=prepared.categories,
        censored=censored,
    )


CENSORING_CODES = {"none": 0.0, "right": 1.0, "0": 0.0, "1": 1.0, "false": 0.0, "true": 1.0}
"""Values ``cens()`` accepts: 0/1, booleans, or brms's ``"none"``/``"right"``."""


def censoring_flags(flags: pd.Series, where: str) -> np.ndarray:
    """1.0 for right-censored rows and 0.0 for events, from the column of ``cens()``.

    Examples
    --------
    >>> censoring_flags(pd.Series(["none", "right", "none"]), "cens(status)").tolist()
    [0.0, 1.0, 0.0]
    """
    if pd.api.types.is_numeric_dtype(flags) and not pd.api.types.is_bool_dtype(flags):
        labels = flags.map(lambda value: f"{value:g}")
    else:
        labels = flags.astype(str).str.lower()
    codes = labels.map(CENSORING_CODES)
    bad = codes.isna().to_numpy()
    if bad.any():
        first = flags[bad].iloc[0]
        raise DataError(
            f"{where} must be 0 (event) or 1 (right-censored), true/false, or 'none'/'right'; "
            f"row {flags.index[bad][0]!r} has {first!r} ({int(bad.sum())} such rows). Left and "
            "interval censoring are not supported."
        )
    return codes.to_numpy(dtype=float)


def _check_finite(matrix: pd.DataFrame, where: str) -> None:
    values = matrix.to_numpy(dtype=float)
    bad = ~np.isfinite(values)
    if bad.any():
        column = matrix.columns[np.flatnonzero(bad.any(axis=0))[0]]
        rows = matrix.index[bad.any(axis=1)][:5].tolist()
        raise DataError(
            f"column '{column}' of {where} is not finite in rows {rows}; check the "
            "transformation (for example the log of zero or of a negative number)."
        )


def _fixed_design(
    parsed: ParsedFormula, frame: pd.DataFrame, without_intercept: bool
) -> FixedDesign:
    """The fixed design; ``without_intercept`` drops the intercept column (ordinal
    models, whose thresholds replace it) but keeps the coding of the factors."""
    matrix = _materialize(parsed.fixed, frame, parsed.fixed)
    formulaic_spec = matrix.model_spec
    if without_intercept and "Intercept" in matrix.columns:
        matrix = matrix.drop(columns="Intercept")
    _check_finite(matrix, "the fixed effects")
    values = matrix.to_numpy(dtype=float)
    names = tuple(str(name) for name in matrix.columns)
    if "Intercept" in names:
        _check_single_levels(parsed.fixed, frame)
    _check_rank(values, names)
    return FixedDesign(
        matrix=values,
        names=names,
        has_intercept=bool(names) and names[0] == "Intercept",
        formulaic_spec=formulaic_spec,
    )


def _check_single_levels(fixed: str, frame: pd.DataFrame) -> None:
    """Refuse a factor of the fixed part with one level in the data: beside the intercept
    it has no contrast to estimate (formulaic would silently give it no column)."""
    for name in sorted(_variables(fixed)):
        column = frame[name]
        if is_factor(column) and column.nunique() == 1:
            raise DataError(
                f"column '{name}' (used in '{fixed}') has one level in the data "
                f"({column.iloc[0]!r}), so it has no effect to estimate beside the intercept; "
                "remove it from the formula, or add data with other levels."
            )


def _check_rank(values: np.ndarray, names: tuple[str, ...]) -> None:
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


def level_labels(column: pd.Series) -> tuple[np.ndarray, list[str]]:
    """Integer codes and sorted string labels of one factor; numbers sort numerically."""
    codes, uniques = pd.factorize(column, sort=True)
    if pd.api.types.is_float_dtype(uniques.dtype) and np.all(np.mod(uniques, 1) == 0):
        labels = [str(int(value)) for value in uniques]
    else:
        labels = [str(value) for value in uniques]
    if len(set(labels)) < len(labels):
        alike = sorted({label for label in labels if labels.count(label) > 1})
        raise DataError(
            f"column '{column.name}' has different values that read the same as labels "
            f"({', '.join(repr(label) for label in alike)}); give the column one type, for "
            f"example data['{column.name}'].astype(str)."
        )
    return codes, labels


def _grouping(term: RandomTermSyntax, frame: pd.DataFrame) -> tuple[np.ndarray, tuple[str, ...]]:
    coded = [level_labels(frame[factor]) for factor in term.group]
    codes = np.column_stack([c for c, _ in coded])
    combos, index = np.unique(codes, axis=0, return_inverse=True)
    levels = tuple(
        ":".join(labels[code] for (_, labels), code in zip(coded, combo, strict=True))
        for combo in combos
    )
    if len(levels) < 2:
        raise DataError(
            f"grouping factor '{term.group_name}' in '{term.text}' has only one level "
            f"({levels[0]!r}); a random effect needs at least 2 levels, and ideally 5 or "
            "more. Remove the term, or model the factor as a fixed effect."
        )
    return index.reshape(-1).astype(np.int64), levels


def _group_designs(
    parsed: ParsedFormula,
    frame: pd.DataFrame,
    parameter: str | None = None,
    covariances: Mapping[str, pd.DataFrame] | None = None,
) -> tuple[GroupDesign, ...]:
    """The groups of ``parsed``; in a parameter's formula they are named ``<g>__<parameter>``."""
    covariances = covariances or {}
    merged: dict[str, dict] = {}
    for term in parsed.random:
        matrix = _materialize(term.expr, frame, term.text)
        if matrix.shape[1] == 0:
            raise FormulaError(
                f"'{term.text}' has no columns; write '1' for a random intercept",
                parsed.text,
                term.position,
            )
        _check_finite(matrix, f"'{term.text}'")
        index, levels = _grouping(term, frame)
        factor = None
        if term.covariance is not None:
            index, levels, factor = _known_covariance(term, index, levels, covariances)
        previous = merged.get(term.group_name)
        if previous is not None and previous["term"].covariance != term.covariance:
            raise FormulaError(
                f"'{term.text}' and '{previous['term'].text}' group by '{term.group_name}' "
                "with different covariances; use the same gr(..., cov = ) in both.",
                parsed.text,
                term.position,
            )
        if term.structure is not None and term.group_name in merged:
            raise FormulaError(
                f"'{term.text}' gives group '{term.group_name}', which another random term "
                "already uses; remove one of them.",
                parsed.text,
                term.position,
            )
        entry = merged.setdefault(
            term.group_name,
            {
                "term": term,
                "index": index,
                "levels": levels,
                "terms": [],
                "columns": [],
                "blocks": [],
                "specs": [],
                "factor": factor,
            },
        )
        for name in matrix.columns:
            if name in entry["terms"]:
                raise FormulaError(
                    f"'{name}' varies by '{term.group_name}' twice (in '{entry['term'].text}' "
                    f"and '{term.text}'); include each column once per grouping factor",
                    parsed.text,
                    term.position,
                )
        start = len(entry["terms"])
        positions = tuple(range(start, start + matrix.shape[1]))
        entry["blocks"].extend([positions] if term.correlated else [(i,) for i in positions])
        entry["terms"].extend(str(name) for name in matrix.columns)
        entry["columns"].append(matrix.to_numpy(dtype=float))
        entry["specs"].append(matrix.model_spec)
    return tuple(
        GroupDesign(
            name=naming.parameter_group(name, parameter),
            factors=entry["term"].group,
            levels=entry["levels"],
            index=entry["index"],
            terms=tuple(entry["terms"]),
            values=np.column_stack(entry["columns"]),
            blocks=tuple(entry["blocks"]),
            formulaic_specs=tuple(entry["specs"]),
            structure=_time_structure(entry["term"], frame),
            parameter=parameter,
            covariance=entry["term"].covariance,
            covariance_factor=entry["factor"],
        )
        for name, entry in merged.items()
    )


def _labels_in_order(values: pd.Index) -> tuple[str, ...]:
    """Labels of ``values`` coded as :func:`level_labels` codes data levels, in their order."""
    codes, labels = level_labels(pd.Series(values))
    return tuple(labels[code] for code in codes)


def _known_covariance(
    term: RandomTermSyntax,
    index: np.ndarray,
    levels: tuple[str, ...],
    covariances: Mapping[str, pd.DataFrame],
) -> tuple[np.ndarray, tuple[str, ...], np.ndarray]:
    """Index into the levels of the covariance of ``gr(g, cov = A)``, those levels, and
    the Cholesky factor of ``A``; refuses a matrix that does not fit the data."""
    name, where = term.covariance, f"'{term.text}'"
    if name not in covariances:
        given = ", ".join(covariances) or "none"
        raise DataError(
            f"{where} uses the covariance '{name}', but it was not given (given: {given}); "
            f"pass Model(..., covariances={{'{name}': A}}) with A a DataFrame whose index and "
            f"columns are the levels of '{term.group_name}'."
        )
    matrix = covariances[name]
    if not isinstance(matrix, pd.DataFrame):
        raise DataError(
            f"covariance '{name}' must be a pandas DataFrame whose index and columns are the "
            f"levels of '{term.group_name}', not {type(matrix).__name__}."
        )
    labels, columns = _labels_in_order(matrix.index), _labels_in_order(matrix.columns)
    if labels != columns or len(set(labels)) != len(labels):
        raise DataError(
            f"covariance '{name}' must have the same unique labels, in the same order, as its "
            "index and its columns."
        )
    values = matrix.to_numpy(dtype=float)
    if not np.allclose(values, values.T, rtol=1e-8, atol=1e-10):
        raise DataError(f"covariance '{name}' is not symmetric; check the matrix.")
    try:
        factor = np.linalg.cholesky(values)
    except np.linalg.LinAlgError:
        raise DataError(
            f"covariance '{name}' is not positive definite; a relationship matrix with "
            "duplicated or linearly dependent levels is singular: remove the duplicates, or "
            "add a small value to its diagonal."
        ) from None
    position = {label: i for i, label in enumerate(labels)}
    missing = [level for level in levels if level not in position]
    if missing:
        shown = ", ".join(repr(level) for level in missing[:5])
        raise DataError(
            f"{len(missing)} levels of '{term.group_name}' in the data are not in covariance "
            f"'{name}': {shown}{' ...' if len(missing) > 5 else ''}. Add them to the matrix."
        )
    remap = np.array([position[level] for level in levels], dtype=np.int64)
    return remap[index], labels, factor


def _time_structure(term: RandomTermSyntax, frame: pd.DataFrame) -> TimeStructure | None:
    """Subjects, times and the position of each ``subject:time`` level of a structured term."""
    if term.structure is None:
        return None
    (subject_codes, subjects), (time_codes, times) = (
        level_labels(frame[column]) for column in term.group
    )
    if len(times) < 2:
        raise DataError(
            f"'{term.text}' needs at least 2 time levels in '{term.group[1]}', found {len(times)}."
        )
    combos = np.unique(np.column_stack([subject_codes, time_codes]), axis=0)
    return TimeStructure(
        kind=term.structure,
        subjects=tuple(subjects),
        times=tuple(times),
        subject_of_level=combos[:, 0].astype(np.int64),
        time_of_level=combos[:, 1].astype(np.int64),
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
