"""The response design: values, trials, the addition terms (censoring, weights, truncation,
known standard errors), and the family's support check.

Examples
--------
>>> import pandas as pd
>>> censoring_flags(pd.Series(["none", "right"]), "cens(c)").tolist()
[0.0, 1.0]
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from bayesglmm.errors import DataError, FormulaError
from bayesglmm.families.catalog import FAMILIES
from bayesglmm.families.family import Family
from bayesglmm.formula.frame import evaluate_expression
from bayesglmm.formula.spec import (
    ResponseDesign,
)
from bayesglmm.formula.syntax import LOGICALS, ParsedFormula, ResponseSyntax


def response_design(parsed: ParsedFormula, frame: pd.DataFrame, family: Family) -> ResponseDesign:
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
        _check_family(
            syntax, family, "censorable", "censors the response", "does not support censoring"
        )
        flags = evaluate_expression(censoring, frame, f"cens({censoring})")
        censored = censoring_flags(flags, f"cens({censoring})")
    lower, upper = truncation_bounds(syntax, frame, family, prepared.values)
    se, se_sigma = standard_errors(syntax, frame, family)
    return ResponseDesign(
        name=syntax.outcome,
        values=prepared.values,
        trials=prepared.trials,
        trials_name=None if trials is None else str(trials.name),
        event_level=prepared.event_level,
        other_level=prepared.other_level,
        categories=prepared.categories,
        censored=censored,
        weights=row_weights(syntax, frame),
        lower=lower,
        upper=upper,
        se=se,
        se_sigma=se_sigma,
    )


def _check_family(
    syntax: ResponseSyntax, family: Family, capability: str, action: str, lack: str
) -> None:
    """Refuse an addition term the family cannot take: the families whose ``capability``
    flag is set are the ones to use."""
    if not getattr(family, capability):
        able = ", ".join(name for name, f in FAMILIES.items() if getattr(f, capability))
        raise FormulaError(
            f"'{syntax.text}' {action}, but family '{family.name}' {lack}; use one of: {able}."
        )


def _values(expression: str, frame: pd.DataFrame, where: str) -> np.ndarray:
    """A helper argument's value per row, checked to be a number (infinities allowed)."""
    values = evaluate_expression(expression, frame, where)
    if not pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
        raise DataError(
            f"{where} needs numbers, but '{expression}' holds {values.dtype} values; convert "
            "the column to numbers."
        )
    values = values.to_numpy(dtype=float)
    if np.isnan(values).any():
        first = frame.index[np.isnan(values)][0]
        raise DataError(
            f"{where} is missing in row {first!r} ({int(np.isnan(values).sum())} such rows); "
            "fill it in or drop those rows."
        )
    return values


def _first_bad(frame: pd.DataFrame, bad: np.ndarray) -> str:
    return f"row {frame.index[bad][0]!r} ({int(bad.sum())} such rows)"


def row_weights(syntax: ResponseSyntax, frame: pd.DataFrame) -> np.ndarray | None:
    """The weights of ``y | weights(w)``: finite and not negative, not all 0."""
    expression = syntax.helper("weights")
    if expression is None:
        return None
    where = f"weights({expression})"
    weights = _values(expression, frame, where)
    bad = ~np.isfinite(weights) | (weights < 0)
    if bad.any():
        raise DataError(
            f"{where} must be finite and not negative; {_first_bad(frame, bad)} has "
            f"{weights[bad][0]:g}."
        )
    if not weights.any():
        raise DataError(f"{where} is 0 in every row, so no row informs the model.")
    return weights


def truncation_bounds(
    syntax: ResponseSyntax, frame: pd.DataFrame, family: Family, y: np.ndarray
) -> tuple[np.ndarray | None, np.ndarray | None]:
    """The bounds of ``y | trunc(lb = , ub = )`` per row (None for a bound not given),
    checked against the family and the response."""
    arguments = syntax.arguments("trunc")
    if arguments is None:
        return None, None
    where = f"trunc({', '.join(f'{key} = {text}' for key, text in arguments.items())})"
    _check_family(
        syntax, family, "truncatable", "truncates the response", "has no truncated form here"
    )
    lower, upper = (
        _values(arguments[key], frame, where) if key in arguments else None for key in ("lb", "ub")
    )
    low = np.full(len(frame), -np.inf) if lower is None else lower
    high = np.full(len(frame), np.inf) if upper is None else upper
    if family.support.discrete:
        bad = np.isfinite(low) & (low != np.round(low))
        bad |= np.isfinite(high) & (high != np.round(high))
        if bad.any():
            raise DataError(
                f"{where}: the bounds of a {family.name} response are whole numbers (both "
                f"included), but {_first_bad(frame, bad)} has a fraction."
            )
    bad = ~(low < high)
    if bad.any():
        raise DataError(f"{where}: lb must be below ub, but not in {_first_bad(frame, bad)}.")
    bad = (y < low) | (y > high)
    if bad.any():
        raise DataError(
            f"{where}: the response '{syntax.outcome}' lies outside its bounds in "
            f"{_first_bad(frame, bad)}: {y[bad][0]:g} is not in [{low[bad][0]:g}, "
            f"{high[bad][0]:g}]."
        )
    return lower, upper


def standard_errors(
    syntax: ResponseSyntax, frame: pd.DataFrame, family: Family
) -> tuple[np.ndarray | None, bool]:
    """The known standard errors of ``y | se(s)`` and whether a residual sd is estimated
    on top (``se(s, sigma = TRUE)``)."""
    arguments = syntax.arguments("se")
    if arguments is None:
        return None, False
    where = f"se({arguments['x']})"
    _check_family(
        syntax,
        family,
        "standard_error",
        "gives known standard errors",
        "has no residual sd for them to replace",
    )
    sigma = arguments.get("sigma", "FALSE")
    se = _values(arguments["x"], frame, where)
    bad = ~np.isfinite(se) | (se < 0) | ((se == 0) & (not LOGICALS[sigma]))
    if bad.any():
        need = "not negative" if LOGICALS[sigma] else "greater than 0"
        raise DataError(
            f"{where} must be finite and {need}; {_first_bad(frame, bad)} has {se[bad][0]:g}."
        )
    return se, LOGICALS[sigma]


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
