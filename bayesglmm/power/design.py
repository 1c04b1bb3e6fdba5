"""The design of a power analysis: a grid of sizes, and the rows of one grid point.

A design maps names to values:

* a grouping factor of the formula to its number of levels (``"site": 8``), or a list of
  numbers to try (``"site": [4, 8, 16]``);
* ``"rows_per_<group>"`` to the rows in each level of the first grouping factor (a number,
  or a list to try); by default each combination of the treatment levels once;
* a treatment factor to its levels (``"trt": ["control", "drug"]``); treatment factors are
  crossed and balanced within every level of the first grouping factor, unless listed in
  ``"between"``, which assigns them to whole levels in turn (a cluster-randomised design);
* ``"trials"`` to the trials of each row of a binomial response.

Further grouping factors get their levels in turn over the rows.

Examples
--------
>>> grid = design_grid({"site": [4, 8], "rows_per_site": 4, "trt": ["a", "b"]}, ["site"])
>>> [(point["site"], point["rows_per_site"]) for point in grid]
[(4, 4), (8, 4)]
>>> design_frame({"site": 2, "rows_per_site": 4, "trt": ["a", "b"]}, ["site"])["trt"].tolist()
['a', 'b', 'a', 'b', 'a', 'b', 'a', 'b']
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from bayesglmm.errors import ArgumentError

ROWS_PREFIX = "rows_per_"
"""Design keys that give the rows per level of the first grouping factor."""


def _sizes(name: str, value: object) -> list[int]:
    values = list(value) if isinstance(value, list | tuple) else [value]
    whole = all(isinstance(v, int | np.integer) and not isinstance(v, bool) for v in values)
    if not values or not whole or min(values) < 1:
        raise ArgumentError(
            f"design['{name}'] is a whole number of at least 1 or a list of them, such as "
            f"[4, 8, 16], not {value!r}."
        )
    return [int(v) for v in values]


def is_size(name: str, groups: Sequence[str]) -> bool:
    """Whether design entry ``name`` is a size: a grouping factor's levels, rows per level,
    or trials."""
    return name in groups or name.startswith(ROWS_PREFIX) or name == "trials"


def treatment_names(design: Mapping[str, object]) -> set[str]:
    """The design entries that list levels (names), which are treatment factors."""
    return {
        name
        for name, value in design.items()
        if isinstance(value, list | tuple) and value and all(isinstance(v, str) for v in value)
    }


def design_grid(design: Mapping[str, object], groups: Sequence[str]) -> list[dict]:
    """Every combination of the sizes in ``design``, one design with single sizes each."""
    sized = [name for name in design if is_size(name, groups)]
    values = [_sizes(name, design[name]) for name in sized]
    return [
        {**design, **dict(zip(sized, combination, strict=True))}
        for combination in itertools.product(*values)
    ]


def _treatments(point: Mapping[str, object], groups: Sequence[str]) -> dict[str, list]:
    factors = {
        name: value
        for name, value in point.items()
        if name != "between" and not is_size(name, groups)
    }
    for name, levels in factors.items():
        if not isinstance(levels, list | tuple) or len(levels) < 2:
            raise ArgumentError(
                f"design['{name}'] lists the levels of a treatment factor, at least two such "
                f"as ['control', 'drug'], not {levels!r}."
            )
    return {name: [str(level) for level in levels] for name, levels in factors.items()}


def design_frame(point: Mapping[str, object], groups: Sequence[str]) -> pd.DataFrame:
    """The rows of one grid point (a design with one size per entry)."""
    if not groups:
        raise ArgumentError(
            "bg.power simulates grouped designs; the formula needs a grouping factor, such "
            "as '(1 | site)'."
        )
    missing = [group for group in groups if group not in point]
    if missing:
        raise ArgumentError(
            f"the design gives no number of levels for grouping factor '{missing[0]}'; add "
            f"'{missing[0]}': 8 (or a list of sizes) to design."
        )
    factors = _treatments(point, groups)
    between = list(point.get("between", []))
    unknown = [name for name in between if name not in factors]
    if unknown:
        raise ArgumentError(
            f"design['between'] names '{unknown[0]}', which is not a treatment factor of the "
            f"design; treatment factors: {', '.join(factors) or 'none'}."
        )
    within = {name: levels for name, levels in factors.items() if name not in between}
    cells = list(itertools.product(*within.values()))
    first = groups[0]
    per_level = _sizes(f"{ROWS_PREFIX}{first}", point.get(f"{ROWS_PREFIX}{first}", len(cells)))[0]
    levels = _sizes(first, point[first])[0]
    level = np.repeat(np.arange(levels), per_level)
    row = np.tile(np.arange(per_level), levels)
    columns: dict[str, object] = {first: [f"{first}{i + 1}" for i in level]}
    for position, name in enumerate(within):
        columns[name] = [cells[i % len(cells)][position] for i in row]
    for name in between:
        columns[name] = [factors[name][i % len(factors[name])] for i in level]
    for group in groups[1:]:
        size = _sizes(group, point[group])[0]
        columns[group] = [f"{group}{i % size + 1}" for i in range(len(level))]
    if "trials" in point:
        columns["trials"] = _sizes("trials", point["trials"])[0]
    return pd.DataFrame(columns)
