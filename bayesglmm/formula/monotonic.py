"""Monotonic terms ``mo(x)`` of ordinal predictors (Bürkner & Charpentier 2020, "Modelling
monotonic effects of ordinal predictors in Bayesian regression models", BJMSP 73:420-451):
their syntax and the coding of their column into categories.

A monotonic predictor is an ordered factor (a pandas ordered ``Categorical``) or a column
of whole numbers ``0, 1, ..., D``; it has ``D + 1`` categories and ``D`` increments. Row
``i`` in category ``c_i`` adds ``bsp * D * sum(zeta[:c_i])`` to the linear predictor, with
``zeta`` a simplex (the share of the whole effect each step takes) and ``bsp`` the average
difference between adjacent categories, as in brms.

Examples
--------
>>> import pandas as pd
>>> codes, categories = category_codes(pd.Series([0, 2, 1, 2], name="x"), "mo(x)")
>>> codes.tolist(), categories
([0, 2, 1, 2], ('0', '1', '2'))
>>> level = pd.Categorical(["lo", "hi"], categories=["lo", "mid", "hi"], ordered=True)
>>> category_codes(pd.Series(level, name="dose"), "mo(dose)")
(array([0, 2]), ('lo', 'mid', 'hi'))
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from bayesglmm import naming
from bayesglmm.errors import DataError, FormulaError
from bayesglmm.formula.scanner import NAME, call_arguments, call_name

MONOTONIC = "mo"
"""The function that marks a monotonic term, as in brms."""

_CALL = re.compile(rf"(?<![A-Za-z0-9_.]){MONOTONIC}\s*\(")


@dataclass(frozen=True)
class MonotonicSyntax:
    """One ``mo(x)`` term of a formula.

    Attributes
    ----------
    text
        The term as written.
    column
        The data column it takes (without backticks).
    position
        Offset of the term in the formula, for error messages.
    """

    text: str
    column: str
    position: int

    @property
    def term(self) -> str:
        """Its label: ``mo(<column>)``, the coordinate of ``bsp`` and its prior key's coef."""
        return naming.monotonic_term(self.column)


def monotonic_call_at(formula: str, depth: list[int], start: int, end: int) -> int | None:
    """Offset of the first ``mo(`` in ``formula[start:end]`` outside quotes, or None."""
    for match in _CALL.finditer(formula, start, end):
        if depth[match.start()] >= 0:
            return match.start()
    return None


def parse_monotonic(
    formula: str, depth: list[int], start: int, end: int, sign: str
) -> MonotonicSyntax:
    """The ``mo(x)`` term ``formula[start:end]``, which must be the whole term.

    Raises
    ------
    FormulaError
        For ``mo()`` inside an interaction or another call, a removed ``- mo(x)``, or an
        argument that is not one column name.
    """
    text = formula[start:end]
    if call_name(text) != MONOTONIC:
        raise FormulaError(
            f"mo() inside the term '{text}' is not supported: bayesglmm fits monotonic main "
            "effects only, not their interactions or transformations. Write 'mo(x)' as a term "
            "of its own (for an interaction with a monotonic predictor, use the column as a "
            "factor or a number in that interaction instead)",
            formula,
            start,
        )
    if sign != "+":
        raise FormulaError(
            f"'- {text}' removes a monotonic term, which only '+' can add; delete the term",
            formula,
            start,
        )
    arguments = call_arguments(formula, depth, start, end)
    argument = arguments[0][2]
    if len(arguments) != 1 or not NAME.match(argument):
        raise FormulaError(
            f"mo() takes one data column, as in 'mo(x)' (a name with spaces or symbols in "
            f"backticks), not '{', '.join(piece for _, _, piece in arguments)}'; brms's 'id' "
            "argument is not supported",
            formula,
            arguments[0][0] if len(arguments) == 1 else start,
        )
    return MonotonicSyntax(text=text, column=argument.strip("`"), position=start)


def category_codes(
    column: pd.Series, term: str, categories: tuple[str, ...] | None = None
) -> tuple[np.ndarray, tuple[str, ...]]:
    """The category of each row (``0..D``) and the category labels of a monotonic column.

    Parameters
    ----------
    column
        An ordered categorical column, or whole numbers ``0..D`` with each value present.
    term
        The term, for messages: ``"mo(x)"``.
    categories
        The fitted categories when coding new data: rows must fall among them (text labels
        are then matched to them too).

    Raises
    ------
    DataError
        For an unordered factor, numbers that are not whole, negative or skip a value, a
        single category, or (new data) a category the fit has not seen.
    """
    name = column.name
    if isinstance(column.dtype, pd.CategoricalDtype) and column.cat.ordered:
        codes = column.cat.codes.to_numpy().astype(np.int64)
        labels = tuple(str(label) for label in column.cat.categories)
    elif categories is not None and is_unordered(column):
        codes, uniques = pd.factorize(column.astype(str), sort=True)
        labels = tuple(uniques)
    elif pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column):
        values = column.to_numpy(dtype=float)
        if not np.all(np.mod(values, 1) == 0) or values.min() < 0:
            odd = column[(np.mod(values, 1) != 0) | (values < 0)].iloc[0]
            raise DataError(
                f"{term} needs whole numbers 0, 1, 2, ... or an ordered factor, but column "
                f"'{name}' holds {float(odd):g}; recode it to whole numbers from 0, or make it "
                f"an ordered factor with pd.Categorical(data['{name}'], ordered=True)."
            )
        codes = values.astype(np.int64)
        labels = tuple(str(value) for value in range(int(codes.max()) + 1))
        absent = sorted(set(range(len(labels))) - set(codes.tolist()))
        if absent and categories is None:
            raise DataError(
                f"{term} needs consecutive whole numbers starting at 0, but column '{name}' "
                f"has no rows with {', '.join(map(str, absent[:5]))}; recode it to 0, 1, ..., "
                f"D (for example data['{name}'] - data['{name}'].min() when it starts at 1), or "
                "make it an ordered factor of the values it takes."
            )
    else:
        kind = "True/False values" if pd.api.types.is_bool_dtype(column) else "an unordered factor"
        raise DataError(
            f"{term} needs an ordered factor or whole numbers 0, 1, 2, ..., but column '{name}' "
            f"holds {kind}; make it ordered with pd.Categorical(data['{name}'], "
            "categories=[...in order...], ordered=True)."
        )
    if categories is None:
        if len(labels) < 2:
            raise DataError(
                f"{term} has one category ({labels[0]!r}) in the data, so it has no effect to "
                "estimate; remove the term, or add data with other categories."
            )
        return codes, labels
    ordered = isinstance(column.dtype, pd.CategoricalDtype) and column.cat.ordered
    return _fitted_codes(codes, labels, categories, term, name, ordered)


def is_unordered(column: pd.Series) -> bool:
    """True for text, objects, booleans or an unordered categorical column."""
    return isinstance(column.dtype, pd.CategoricalDtype) or column.dtype.kind in "OUTSb"


def _fitted_codes(
    codes: np.ndarray,
    labels: tuple[str, ...],
    categories: tuple[str, ...],
    term: str,
    name: object,
    ordered: bool,
) -> tuple[np.ndarray, tuple[str, ...]]:
    """``codes`` (positions in ``labels``) as positions among the fitted ``categories``;
    an ``ordered`` column must also order them as the fit did."""
    position = {label: i for i, label in enumerate(categories)}
    used = dict.fromkeys(labels[code] for code in codes)
    unseen = [label for label in used if label not in position]
    if unseen:
        raise DataError(
            f"newdata column '{name}' has categories that {term} was not fitted with: "
            f"{', '.join(map(repr, unseen[:5]))}; the fitted categories are "
            f"{', '.join(categories)}."
        )
    order = [position[label] for label in labels if label in used]
    if ordered and order != sorted(order):
        raise DataError(
            f"newdata column '{name}' orders its categories differently from the fitted "
            f"{term} ({', '.join(categories)}); give it the fitted order."
        )
    lookup = np.array([position.get(label, -1) for label in labels], dtype=np.int64)
    return lookup[codes], categories
