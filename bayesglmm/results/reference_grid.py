"""The reference grid of estimated marginal means: which factors get cells, the values
covariates are held at, and the weights that average grid rows into cells (equal, as
emmeans's default, or proportional to the observed frequencies).

Examples
--------
>>> parse_specs("a * b", "c")
(['a', 'b'], ['c'])
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import sparse

from bayesglmm.errors import DataError, FormulaError, did_you_mean
from bayesglmm.formula.expressions import expression_use
from bayesglmm.results.effects import is_categorical, levels_of, reference_grid, whole_numbers
from bayesglmm.results.predict import (
    check_choice,
)

WEIGHTS = ("equal", "proportional")
_SEPARATORS = re.compile(r"\s*[*+:]\s*")


def parse_specs(specs: str | Sequence[str], by: str | Sequence[str] | None) -> tuple[list, list]:
    """``(factors, by factors)`` from ``"trt"``, ``["a", "b"]``, ``"a * b"`` or ``"trt | block"``.

    A leading ``~`` is allowed (``"~ trt"``, as emmeans writes it); ``by=`` adds factors
    after those written after ``|``.
    """

    def names(part: str | Sequence[str], where: str) -> list[str]:
        if isinstance(part, str):
            text = part.strip()
            found = _SEPARATORS.split(text) if text else []
        else:
            found = [str(name).strip() for name in part]
        if not found or not all(found):
            raise FormulaError(
                f"expected factor names in {where}, such as 'treatment', ['a', 'b'], "
                "'a * b' or 'treatment | block'"
            )
        return found

    if isinstance(specs, str):
        text = specs.strip().removeprefix("~")
        left, bar, right = text.partition("|")
        factors = names(left, f"specs {specs!r}")
        by_names = names(right, f"specs {specs!r}") if bar else []
    else:
        factors, by_names = names(specs, f"specs {specs!r}"), []
    if by is not None:
        by_names += names(by, f"by {by!r}")
    repeated = [name for name, count in Counter(factors + by_names).items() if count > 1]
    if repeated:
        raise FormulaError(f"'{repeated[0]}' appears twice in specs and by; name each factor once.")
    return factors, by_names


def model_factors(spec) -> dict[str, list]:
    """The categorical columns of the fixed part with their levels, as the fit codes them
    (numeric columns wrapped in ``C()`` included), and the columns of the monotonic terms
    with their categories (``0..D`` for numbers)."""
    formulaic = spec.fixed.formulaic_spec
    contrasts = {factor.expr: state for factor, state in formulaic.factor_contrasts.items()}
    factors: dict[str, list] = {}
    for term in formulaic.terms:
        for factor in term.factors:
            columns = sorted(expression_use(factor.expr).columns)
            if factor.expr in contrasts and len(columns) == 1:
                factors.setdefault(columns[0], list(contrasts[factor.expr].levels))
    whole = whole_numbers(spec)
    for term in spec.monotonic:
        levels = whole.get(term.column) or levels_of(spec.data[term.column])
        factors.setdefault(term.column, levels)
    return factors


def model_covariates(spec, factors: Mapping[str, list]) -> list[str]:
    """The numeric columns of the fixed part and of its smooths (those not used as
    factors)."""
    used = expression_use(spec.formula.fixed).columns | {
        name for smooth in spec.smooths for name in smooth.variables
    }
    return [name for name in spec.data.columns if name in used and name not in factors]


def _not_a_factor(name: str, factors: list[str], covariates: list[str], spec) -> DataError:
    hint = did_you_mean(name, factors + covariates)
    grouping = {column for group in spec.all_groups for column in group.factors}
    if name in grouping:
        role = f" ('{name}' is a grouping factor: its effects are random, not averaged over)"
    elif name in spec.data.columns:
        role = f" ('{name}' is used outside the fixed part)"
    else:
        role = ""
    listed = ", ".join(f"'{known_name}'" for known_name in factors) or "none"
    return DataError(
        f"'{name}' is not a factor of the model's fixed part '{spec.formula.fixed}'{role}."
        f"{hint} Its factors are {listed}."
    )


def _numeric_as_factor(name: str, column: pd.Series) -> DataError:
    low, high = float(column.min()), float(column.max())
    return DataError(
        f"'{name}' is a numeric covariate, not a factor: say at which values to compare it, "
        f"e.g. at={{'{name}': [{low:g}, {high:g}]}}, or use fit.effects('{name}') for a curve."
    )


def _at_values(name: str, values, levels: list | None) -> list:
    """The values of ``at[name]`` as a list, checked against the factor's ``levels``."""
    listed = list(values) if isinstance(values, list | tuple | np.ndarray | pd.Index) else [values]
    if not listed:
        raise DataError(
            f"the reference grid is empty: at={{'{name}': []}} leaves '{name}' no values; "
            "give at least one."
        )
    if levels is not None:
        by_label = {str(level): level for level in levels}
        for value in listed:
            if str(value) not in by_label:
                raise DataError(
                    f"{value!r} in at['{name}'] is not a level of '{name}'; levels are "
                    f"{', '.join(map(str, levels))}."
                )
        return [by_label[str(value)] for value in listed]
    if not all(isinstance(value, int | float | np.number) for value in listed):
        raise DataError(f"at['{name}'] must hold numbers for the numeric column '{name}'.")
    return [float(value) for value in listed]


@dataclass(frozen=True)
class ReferenceGrid:
    """The reference grid of an emmeans call.

    Attributes
    ----------
    frame
        Every grid row (cells of ``factors`` and ``by`` in order, the ``averaged``
        combinations varying fastest within each cell), all model columns set.
    factors, by, averaged
        Names of the cell factors, the by factors and what is averaged over.
    cells
        One row per cell: its levels of ``by`` and ``factors``.
    weights
        ``(grid rows, cells)`` sparse matrix: the weight of each row in its cell's mean.
    fixed
        Covariates held at one value, ``{name: value}``.
    """

    frame: pd.DataFrame
    factors: list[str]
    by: list[str]
    averaged: list[str]
    cells: pd.DataFrame
    weights: sparse.csr_array
    fixed: dict[str, float] = field(default_factory=dict)


def _averaging_weights(
    spec, averaged: list[str], values: dict[str, list], factors: Mapping, kind: str
) -> np.ndarray:
    """Weights of the combinations of ``averaged`` (in product order), summing to 1."""
    combos = list(itertools.product(*(values[name] for name in averaged)))
    if kind == "equal" or not averaged:
        return np.full(len(combos), 1.0 / len(combos))
    counted = [name for name in averaged if name in factors]
    frequencies = Counter(zip(*(spec.data[name].tolist() for name in counted), strict=True))
    positions = [averaged.index(name) for name in counted]
    counts = np.array(
        [frequencies.get(tuple(combo[p] for p in positions), 0) for combo in combos], float
    )
    if counts.sum() == 0:
        raise DataError(
            "weights='proportional' found no fitted rows at the levels of "
            f"{', '.join(counted)} in the grid; use weights='equal'."
        )
    return counts / counts.sum()


def build_grid(
    spec,
    specs: str | Sequence[str],
    by: str | Sequence[str] | None = None,
    at: Mapping[str, object] | None = None,
    weights: str = "equal",
) -> ReferenceGrid:
    """The reference grid, cells and averaging weights of an emmeans call.

    Raises
    ------
    DataError
        For a name that is not a factor of the fixed part (with a suggestion), a numeric
        covariate in ``specs`` without values in ``at``, or an empty grid.

    Examples
    --------
    >>> import bayesglmm as bg
    >>> spec = bg.Model("favorable | trials(n) ~ treatment + (1 | clinic)",
    ...                 bg.datasets.load("infection"), family="binomial").spec
    >>> build_grid(spec, "treatment").cells["treatment"].tolist()
    ['control', 'drug']
    """
    check_choice("weights", weights, WEIGHTS)
    factors = model_factors(spec)
    covariates = model_covariates(spec, factors)
    names, by_names = parse_specs(specs, by)
    at = dict(at or {})
    values: dict[str, list] = {}
    for name, given in at.items():
        if name in factors:
            values[name] = _at_values(name, given, factors[name])
        elif name in spec.data.columns and not is_categorical(spec.data[name]):
            values[name] = _at_values(name, given, None)
        else:
            raise _not_a_factor(name, list(factors), covariates, spec)
    for name in names + by_names:
        if name in values:
            continue
        if name in factors:
            values[name] = factors[name]
        elif name in covariates:
            raise _numeric_as_factor(name, spec.data[name])
        else:
            raise _not_a_factor(name, list(factors), covariates, spec)
    for name, levels in factors.items():
        values.setdefault(name, levels)
    cell_names = by_names + names
    averaged = [name for name in values if name not in cell_names and len(values[name]) > 1]
    fixed = {name: float(spec.data[name].mean()) for name in covariates if name not in values}
    fixed.update(
        (name, float(given[0]))
        for name, given in values.items()
        if name not in factors and name not in cell_names + averaged
    )
    varying = {name: values[name] for name in cell_names + averaged}
    frame = reference_grid(spec.data, varying)
    for name, value in fixed.items():
        frame[name] = value
    for name, levels in values.items():
        if name in factors and name not in varying:
            frame[name] = pd.Series([levels[0]] * len(frame), dtype=spec.data[name].dtype)
    combos = list(itertools.product(*(values[name] for name in cell_names)))
    cells = pd.DataFrame(combos, columns=cell_names)
    for name in cell_names:
        if isinstance(spec.data[name].dtype, pd.CategoricalDtype):
            cells[name] = pd.Categorical(cells[name], categories=values[name])
    shares = _averaging_weights(spec, averaged, values, factors, weights)
    rows = np.arange(len(frame))
    matrix = sparse.csr_array(
        (np.tile(shares, len(combos)), (rows, rows // len(shares))),
        shape=(len(frame), len(combos)),
    )
    return ReferenceGrid(frame, names, by_names, averaged, cells, matrix, fixed)
