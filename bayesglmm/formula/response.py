"""The response design: values, trials, censoring, and the family's support check.

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
from bayesglmm.formula.syntax import ParsedFormula


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
