"""The designs of a formula's Gaussian-process terms: each covariate's Hilbert-space basis
(:mod:`bayesglmm.smooths.hsgp`) at the data rows, one per level of ``by``; new data reuse
the stored centre, scale and ``L``.

Examples
--------
>>> import bayesglmm as bg
>>> data = bg.datasets.load("sleepstudy")
>>> term = bg.Model("Reaction ~ gp(Days, k = 8)", data).spec.smooths[0]
>>> term.label, term.blocks, term.values[0].shape, term.basis.L
('gpDays', ('gpDays',), (180, 8), 0.625)
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from bayesglmm import naming
from bayesglmm.errors import DataError
from bayesglmm.formula.frame import is_factor
from bayesglmm.formula.gp_syntax import GPSyntax
from bayesglmm.formula.groups import level_labels
from bayesglmm.formula.smooth_spec import GPDesign
from bayesglmm.formula.syntax import ParsedFormula
from bayesglmm.naming import smooth_naming
from bayesglmm.smooths.hsgp import hsgp_basis


def _covariate(term: GPSyntax, frame: pd.DataFrame) -> np.ndarray:
    column = frame[term.variable]
    if is_factor(column):
        raise DataError(
            f"'{term.variable}' in {term.text} is a factor, but a Gaussian process needs a "
            f"numeric covariate; convert it with pd.to_numeric(data['{term.variable}']), or "
            "use it as a factor term."
        )
    values = column.to_numpy(dtype=float)
    if len(np.unique(values)) < 2:
        raise DataError(
            f"'{term.variable}' in {term.text} takes a single value; a Gaussian process "
            "needs a covariate that varies."
        )
    return values


def _levels(term: GPSyntax, frame: pd.DataFrame) -> list[str | None]:
    if term.by is None:
        return [None]
    column = frame[term.by]
    if not is_factor(column):
        raise DataError(
            f"by = {term.by} in {term.text} must be a factor (one GP per level), but "
            f"'{term.by}' holds numbers; convert it with data['{term.by}'].astype(str)."
        )
    return list(level_labels(column)[1])


def gp_designs(
    parsed: ParsedFormula, frame: pd.DataFrame, parameter: str | None = None
) -> tuple[GPDesign, ...]:
    """The Gaussian processes of ``parsed`` on the data ``frame``; in a modelled
    parameter's formula their labels end with the parameter (``gpx__sigma``).

    Raises
    ------
    DataError
        For a covariate that is a factor or constant, or a numeric ``by``.
    """
    designs = []
    for term in parsed.gps:
        x = _covariate(term, frame)
        for level in _levels(term, frame):
            inside = np.ones(len(x), bool)
            if level is not None:
                inside = (frame[term.by].astype(str) == level).to_numpy()
            basis = hsgp_basis(x[inside], term.k, term.c, term.scale)
            label_level = None if level is None else smooth_naming.by_level(term.by, level)
            label = naming.parameter_group(
                smooth_naming.gp_label(term.variable, label_level), parameter
            )
            design = GPDesign(
                term=term.key,
                label=label,
                variables=(term.variable,),
                by=term.by,
                level=level,
                kernel=term.cov,
                basis=basis,
                values=(),
            )
            _, values = design.columns(frame)
            designs.append(replace(design, values=tuple(values)))
    labels = [d.label for d in designs]
    repeated = next((label for label in labels if labels.count(label) > 1), None)
    if repeated is not None:
        raise DataError(
            f"two Gaussian processes get the label '{repeated}' (from the levels of a by "
            "factor whose labels differ only in symbols); rename the levels."
        )
    return tuple(designs)
