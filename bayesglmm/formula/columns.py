"""The columns a formula uses: which ones, where they appear, and the checks that they
exist and are flat.

Examples
--------
>>> from bayesglmm.formula import parse_formula
>>> sorted(predictor_columns([parse_formula("y ~ log(x) + z + (1 | g)")]))
['x', 'z']
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import pandas as pd

from bayesglmm.errors import DataError, did_you_mean
from bayesglmm.formula.expressions import expression_use
from bayesglmm.formula.scanner import numeric_expression
from bayesglmm.formula.syntax import (
    ParsedFormula,
    ResponseSyntax,
    is_literal,
)


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
        pieces.extend(
            (where, expression_variables(text)) for where, text in _predictor_expressions(formula)
        )
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
        for name in expression_variables(text)
    }


def _predictor_expressions(parsed: ParsedFormula) -> list[tuple[str, str]]:
    """``(where, expression)`` of every right-hand-side piece formulaic evaluates."""
    return [
        (parsed.fixed, parsed.fixed),
        *((term.text, term.expr) for term in parsed.random),
        *((f"offset({offset})", numeric_expression(offset)) for offset in parsed.offsets),
        *(
            (term.text, numeric_expression(weight))
            for term in parsed.random
            for weight in term.member_weights
        ),
        *((smooth.text, f"`{column}`") for smooth in parsed.smooths for column in smooth.columns),
        *((term.text, f"`{term.column}`") for term in parsed.monotonic),
        *((term.text, f"`{column}`") for term in parsed.gps for column in term.columns),
    ]


def _response_expressions(parsed: ParsedFormula) -> list[tuple[str, str]]:
    """``(where, expression)`` of the response, its helpers and cbind()'s failures."""
    response = parsed.response
    pieces = [(response.text, response.outcome)]
    for name, arguments in response.helpers:
        written = f"{name}({', '.join(text for _, text in arguments)})"
        pieces.extend(
            (written, numeric_expression(text)) for _, text in arguments if not is_literal(text)
        )
    if response.failures is not None:
        pieces.append((response.text, response.failures))
    return pieces


def helper_columns(response: ResponseSyntax, helpers: Iterable[str]) -> dict[str, str]:
    """The columns the arguments of the response's ``helpers`` use (those it has), each
    with where it is used; ``cbind()``'s failures count as trials."""
    used: dict[str, str] = {}
    for name in helpers:
        for text in (response.arguments(name) or {}).values():
            if not is_literal(text):
                for column in sorted(expression_variables(numeric_expression(text))):
                    used.setdefault(column, f"{name}({text})")
    if "trials" in helpers and response.failures is not None:
        for column in sorted(expression_variables(response.outcome)):
            used.setdefault(column, response.text)
        for column in sorted(expression_variables(response.failures)):
            used.setdefault(column, response.text)
    return used


def response_columns(parsed: ParsedFormula) -> list[tuple[str, frozenset[str]]]:
    """``(where, columns)`` of the response, its helpers and cbind()'s failures."""
    return [(where, expression_variables(text)) for where, text in _response_expressions(parsed)]


def check_shadowing(parsed: ParsedFormula, others: Iterable[ParsedFormula], columns) -> None:
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


def column_list(columns: list[str]) -> str:
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


def expression_variables(expression: str) -> frozenset[str]:
    return expression_use(expression).columns
