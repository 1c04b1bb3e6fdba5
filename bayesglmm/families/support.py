"""Response supports: what values a family accepts, checked with errors that teach.

Each support turns the raw response column into float64 values the likelihood
can use, or raises a :class:`~bayesglmm.errors.DataError` that names the column,
shows the first offending rows and suggests a fix.

Examples
--------
>>> import pandas as pd
>>> from bayesglmm.families.support import SUPPORTS
>>> labels = pd.Series(["no", "yes", "no"])
>>> prepared = SUPPORTS["binary"].prepare(labels, None, "remission", "bernoulli")
>>> prepared.values.tolist(), prepared.event_level
([0.0, 1.0, 0.0], 'yes')
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from bayesglmm.errors import DataError, FamilyError
from bayesglmm.registry import Registry


@dataclass(frozen=True)
class PreparedResponse:
    """A response in the form the likelihood uses.

    Attributes
    ----------
    values
        The response as float64.
    trials
        Number of trials per row for binomial families, else None.
    event_level
        For a bernoulli response given as labels: the label counted as 1.
    other_level
        For a bernoulli response given as labels: the label counted as 0.
    categories
        For an ordinal response: the category labels in order; ``values`` holds
        their positions ``1..K``.
    """

    values: np.ndarray
    trials: np.ndarray | None = None
    event_level: str | None = None
    other_level: str | None = None
    categories: tuple[str, ...] | None = None


def _offending_rows(bad: np.ndarray, labels: pd.Index, values: np.ndarray) -> str:
    rows = np.flatnonzero(bad)
    shown = ", ".join(f"row {labels[i]!r} has {values[i]:g}" for i in rows[:3])
    more = f" ({rows.size} rows in all)" if rows.size > 3 else ""
    return shown + more


def _numeric(raw: pd.Series, column: str, family: str) -> np.ndarray:
    if pd.api.types.is_bool_dtype(raw):
        raise DataError(
            f"response '{column}' holds true/false values, but family '{family}' models "
            "numbers; use family='bernoulli' for a yes/no outcome, or convert the column "
            f"with data['{column}'].astype(int) if you mean the numbers 0 and 1."
        )
    if isinstance(raw.dtype, pd.CategoricalDtype) or not pd.api.types.is_numeric_dtype(raw):
        raise DataError(
            f"response '{column}' must be numeric for family '{family}', but it holds "
            f"{raw.dtype} values such as {raw.iloc[0]!r}. Convert the column to numbers, "
            "or use family='bernoulli' for a two-level outcome."
        )
    return raw.to_numpy(dtype=float)


def _check(
    bad: np.ndarray, raw: pd.Series, values: np.ndarray, requirement: str, advice: str
) -> None:
    if bad.any():
        raise DataError(f"{requirement}; {_offending_rows(bad, raw.index, values)}. {advice}")


def _real(raw: pd.Series, trials: pd.Series | None, column: str, family: str) -> PreparedResponse:
    values = _numeric(raw, column, family)
    _check(
        ~np.isfinite(values),
        raw,
        values,
        f"response '{column}' must be finite for family '{family}'",
        "Remove or correct those rows.",
    )
    return PreparedResponse(values)


def _positive(
    raw: pd.Series, trials: pd.Series | None, column: str, family: str
) -> PreparedResponse:
    values = _numeric(raw, column, family)
    _check(
        ~(values > 0) | ~np.isfinite(values),
        raw,
        values,
        f"response '{column}' must be greater than 0 for family '{family}'",
        "Zeros need another family (for example a hurdle model) or a shifted response.",
    )
    return PreparedResponse(values)


def _open_unit(
    raw: pd.Series, trials: pd.Series | None, column: str, family: str
) -> PreparedResponse:
    values = _numeric(raw, column, family)
    _check(
        ~((values > 0) & (values < 1)),
        raw,
        values,
        f"response '{column}' must lie strictly between 0 and 1 for family '{family}'",
        "Exact 0s and 1s are impossible under a beta distribution: squeeze the values, "
        "for example (y * (n - 1) + 0.5) / n (Smithson & Verkuilen 2006), or model them "
        "with a zero/one-inflated family.",
    )
    return PreparedResponse(values)


def _count(raw: pd.Series, trials: pd.Series | None, column: str, family: str) -> PreparedResponse:
    values = _numeric(raw, column, family)
    _check(
        ~((values >= 0) & (values == np.round(values))),
        raw,
        values,
        f"response '{column}' must hold whole counts of 0 or more for family '{family}'",
        "Fix those values, or choose a family for real-valued data such as 'gaussian'.",
    )
    return PreparedResponse(values)


def _binomial(
    raw: pd.Series, trials: pd.Series | None, column: str, family: str
) -> PreparedResponse:
    if trials is None:
        raise DataError(
            f"family '{family}' needs the number of trials: write the response as "
            f"'{column} | trials(n)' or 'cbind({column}, failures)'."
        )
    successes = _count(raw, None, column, family).values
    n = _numeric(trials, str(trials.name), family)
    _check(
        ~((n >= 0) & (n == np.round(n))),
        trials,
        n,
        f"trials '{trials.name}' must be whole numbers of 0 or more",
        "Fix those values.",
    )
    too_many = successes > n
    if too_many.any():
        i = int(np.flatnonzero(too_many)[0])
        raise DataError(
            f"successes '{column}' exceed trials '{trials.name}' in {int(too_many.sum())} rows; "
            f"row {raw.index[i]!r} has {successes[i]:g} successes in {n[i]:g} trials. "
            "Check that the columns are not swapped (cbind() takes successes and failures)."
        )
    empty = n == 0
    if empty.any():
        rows = raw.index[empty][:5].tolist()
        raise DataError(
            f"trials '{trials.name}' is 0 in {int(empty.sum())} of {len(n)} rows (first: {rows}); "
            "a row with no trials carries no information and has no proportion to predict. "
            f"Remove those rows, e.g. data[data['{trials.name}'] > 0]."
        )
    return PreparedResponse(successes, trials=n)


def _binary(raw: pd.Series, trials: pd.Series | None, column: str, family: str) -> PreparedResponse:
    if pd.api.types.is_bool_dtype(raw):
        return PreparedResponse(raw.to_numpy(dtype=float))
    if isinstance(raw.dtype, pd.CategoricalDtype):
        levels = [str(level) for level in raw.cat.categories if (raw == level).any()]
        labels = raw.astype(str)
    elif pd.api.types.is_numeric_dtype(raw):
        values = raw.to_numpy(dtype=float)
        _check(
            ~np.isin(values, [0.0, 1.0]),
            raw,
            values,
            f"response '{column}' must be 0 or 1 for family '{family}'",
            "Use family='binomial' with trials() for counts of successes.",
        )
        return PreparedResponse(values)
    else:
        labels = raw.astype(str)
        levels = sorted(labels.unique())
    if len(levels) != 2:
        shown = ", ".join(repr(level) for level in levels[:5])
        raise DataError(
            f"response '{column}' must have exactly two levels for family '{family}', "
            f"found {len(levels)}: {shown}. Recode it to two levels or 0/1."
        )
    other, event = levels
    return PreparedResponse(
        (labels == event).to_numpy(dtype=float), event_level=event, other_level=other
    )


def _ordinal(
    raw: pd.Series, trials: pd.Series | None, column: str, family: str
) -> PreparedResponse:
    if isinstance(raw.dtype, pd.CategoricalDtype) and raw.cat.ordered:
        categories = tuple(str(level) for level in raw.cat.categories)
        values = raw.cat.codes.to_numpy(dtype=float) + 1
    elif pd.api.types.is_numeric_dtype(raw) and not pd.api.types.is_bool_dtype(raw):
        numbers = raw.to_numpy(dtype=float)
        _check(
            ~(np.isfinite(numbers) & (numbers == np.round(numbers))),
            raw,
            numbers,
            f"response '{column}' must hold whole numbers (ordered categories) for "
            f"family '{family}'",
            "Round or recode those values, or give an ordered categorical.",
        )
        low, high = int(numbers.min()), int(numbers.max())
        categories = tuple(str(value) for value in range(low, high + 1))
        values = numbers - low + 1
    else:
        raise DataError(
            f"response '{column}' must be ordered for family '{family}', but it holds "
            f"{raw.dtype} values such as {raw.iloc[0]!r} in no declared order. Make it an "
            f"ordered categorical, e.g. pd.Categorical(data['{column}'], categories=[...], "
            "ordered=True), or code the categories as integers 1, 2, ..."
        )
    if len(categories) < 2:
        raise DataError(
            f"response '{column}' has a single category ({categories[0]!r}); an ordinal "
            "model needs at least 2."
        )
    return PreparedResponse(values, categories=categories)


@dataclass(frozen=True)
class Support:
    """A set of response values a family accepts.

    Attributes
    ----------
    name
        Short name of the support.
    description
        What the values must be, in words.
    prepare
        ``prepare(raw, trials, column, family)`` validates and converts the response.
    separable
        True for responses of events and non-events (binary, binomial), which a predictor
        can separate.
    discrete
        True for whole-number responses (counts, events, categories), held as integers.
    """

    name: str
    description: str
    prepare: Callable[[pd.Series, pd.Series | None, str, str], PreparedResponse]
    separable: bool = False
    discrete: bool = False


SUPPORTS: Registry[Support] = Registry(
    "response support",
    [
        Support("real", "any finite number", _real),
        Support("positive", "numbers greater than 0", _positive),
        Support("open_unit", "numbers strictly between 0 and 1", _open_unit),
        Support("count", "whole counts 0, 1, 2, ...", _count, discrete=True),
        Support("binomial", "successes out of trials", _binomial, separable=True, discrete=True),
        Support("binary", "0/1, true/false or two labels", _binary, separable=True, discrete=True),
        Support("ordinal", "ordered categories, or integers 1, 2, ...", _ordinal, discrete=True),
    ],
    FamilyError,
)
"""Every response support by name."""
