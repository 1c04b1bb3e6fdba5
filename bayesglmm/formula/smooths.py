"""The designs of a formula's smooths: each basis fitted to the data, centred and split into
fixed null-space columns (appended to the fixed design) and penalised blocks
(:mod:`bayesglmm.smooths`); and the same columns on new data, from the stored knots and
transforms.

Examples
--------
>>> import bayesglmm as bg
>>> data = bg.datasets.load("sleepstudy")
>>> spec = bg.Model("Reaction ~ s(Days, k = 5)", data).spec
>>> spec.fixed.names, spec.smooths[0].blocks, spec.smooths[0].values[0].shape
(('Intercept', 'sDays_1'), ('sDays_1',), (180, 3))
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from bayesglmm import naming
from bayesglmm.errors import DataError
from bayesglmm.formula.fixed import check_rank
from bayesglmm.formula.frame import is_factor
from bayesglmm.formula.groups import level_labels
from bayesglmm.formula.smooth_spec import SmoothDesign
from bayesglmm.formula.smooth_syntax import SmoothSyntax
from bayesglmm.formula.spec import FixedDesign
from bayesglmm.formula.syntax import ParsedFormula
from bayesglmm.naming import smooth_naming
from bayesglmm.smooths.bases import distinct_needed, marginal_basis, thin_plate_basis
from bayesglmm.smooths.mixed import mixed_form, tensor_mixed_form


def _check_covariate(smooth: SmoothSyntax, frame: pd.DataFrame, name: str) -> np.ndarray:
    column = frame[name]
    if is_factor(column):
        raise DataError(
            f"'{name}' in {smooth.text} is a factor, but a smooth needs a numeric covariate; "
            f"convert it with pd.to_numeric(data['{name}']), or use it as a factor term."
        )
    values = column.to_numpy(dtype=float)
    needed = distinct_needed(smooth.bs, smooth.k)
    distinct = len(np.unique(values))
    if distinct < needed:
        raise DataError(
            f"'{name}' has {distinct} distinct values, fewer than the {needed} that "
            f"{smooth.text} (k = {smooth.k}) needs; give a smaller k, such as "
            f"{smooth.function}({name}, k = {max(3, distinct)}), or use '{name}' as a "
            "linear term."
        )
    return values


def _check_points(smooth: SmoothSyntax, frame: pd.DataFrame) -> np.ndarray:
    """The ``(rows, 2)`` covariates of ``s(x, z)``, with at least ``k`` distinct points."""
    for name in smooth.variables:
        if is_factor(frame[name]):
            raise DataError(
                f"'{name}' in {smooth.text} is a factor, but a smooth needs a numeric "
                f"covariate; convert it with pd.to_numeric(data['{name}']), or use it as a "
                "factor term."
            )
    points = frame[list(smooth.variables)].to_numpy(dtype=float)
    distinct = len(np.unique(points, axis=0))
    if distinct < smooth.k:
        raise DataError(
            f"{smooth.text} has {distinct} distinct points of "
            f"({', '.join(smooth.variables)}), fewer than its k = {smooth.k}; give a smaller "
            f"k, such as s({', '.join(smooth.variables)}, k = {max(4, distinct)})."
        )
    return points


def _levels(smooth: SmoothSyntax, frame: pd.DataFrame) -> list[str | None]:
    """The levels of a ``by`` factor, one smooth each; ``[None]`` without ``by`` or for a
    numeric ``by``, which multiplies one smooth."""
    if smooth.by is None or not is_factor(frame[smooth.by]):
        return [None]
    return list(level_labels(frame[smooth.by])[1])


def _multiplier(smooth: SmoothSyntax, frame: pd.DataFrame) -> np.ndarray | None:
    """The values of a numeric ``by``, checked, or None."""
    if smooth.by is None or is_factor(frame[smooth.by]):
        return None
    values = frame[smooth.by].to_numpy(dtype=float)
    if not np.all(np.isfinite(values)):
        raise DataError(
            f"by = {smooth.by} in {smooth.text} has values that are not finite; a smooth "
            "varying with a numeric by needs finite values."
        )
    if np.ptp(values) == 0:
        raise DataError(
            f"by = {smooth.by} in {smooth.text} is constant, so the smooth would only be "
            f"scaled; write s({smooth.variables[0]}) instead."
        )
    return values


def _designs(
    smooth: SmoothSyntax, frame: pd.DataFrame, parameter: str | None
) -> list[tuple[SmoothDesign, np.ndarray]]:
    """The designs of one smooth term (one per level of ``by``), each with its fixed
    columns at the data rows."""
    if smooth.function == "s" and len(smooth.variables) == 2:
        points = _check_points(smooth, frame)
        bases = (thin_plate_basis(points, smooth.k),)
        marginals, values = [bases[0].evaluate(points)], [points[:, 0]]
    else:
        values = [_check_covariate(smooth, frame, name) for name in smooth.variables]
        bases = tuple(marginal_basis(smooth.bs, x, smooth.k) for x in values)
        marginals = [basis.evaluate(x) for basis, x in zip(bases, values, strict=True)]
    if smooth.function == "t2" and smooth.by is not None:
        raise DataError(
            f"{smooth.text}: by = is supported for s() only, not for a tensor product; fit "
            f"one smooth per level of '{smooth.by}' with s(<covariate>, by = {smooth.by}), "
            "or t2() without by."
        )
    multiplier = _multiplier(smooth, frame)
    designs = []
    for level in _levels(smooth, frame):
        inside = None if level is None else (frame[smooth.by].astype(str) == level).to_numpy()
        if smooth.function == "t2":
            form = tensor_mixed_form(marginals, [basis.penalty for basis in bases])
        else:
            form = mixed_form(
                marginals[0], bases[0].penalty, inside, orient=values[0], multiplier=multiplier
            )
        label_level = smooth_naming.by_level(smooth.by, level) if level is not None else None
        if multiplier is not None:
            label_level = smooth_naming.by_variable(smooth.by)
        label = smooth_naming.smooth_label(smooth.function, smooth.variables, label_level)
        design = SmoothDesign(
            term=smooth.key,
            label=label,
            variables=smooth.variables,
            by=smooth.by,
            level=level,
            bases=bases,
            form=form,
            fixed_names=tuple(
                smooth_naming.smooth_column(label, i + 1) for i in range(len(form.fixed_maps))
            ),
            blocks=tuple(
                naming.parameter_group(smooth_naming.smooth_block(label, i + 1), parameter)
                for i in range(len(form.blocks))
            ),
            values=(),
            varying=multiplier is not None,
        )
        fixed, blocks = design.columns_of(marginals, frame)
        designs.append((replace(design, values=tuple(blocks)), fixed))
    return designs


def smooth_designs(
    parsed: ParsedFormula, frame: pd.DataFrame, fixed: FixedDesign, parameter: str | None = None
) -> tuple[FixedDesign, tuple[SmoothDesign, ...]]:
    """The smooths of ``parsed`` on the data ``frame``, and ``fixed`` with their null-space
    columns appended (checked for collinearity with the other columns).

    Raises
    ------
    DataError
        For a covariate that is a factor or has too few distinct values, a numeric ``by``
        that is constant or not finite, or a null space that duplicates a fixed effect (as
        ``x + s(x)`` does).
    """
    if not parsed.smooths:
        return fixed, ()
    pairs = [pair for smooth in parsed.smooths for pair in _designs(smooth, frame, parameter)]
    designs = tuple(design for design, _ in pairs)
    labels = [d.label for d in designs]
    repeated = next((label for label in labels if labels.count(label) > 1), None)
    if repeated is not None:
        raise DataError(
            f"two smooths get the label '{repeated}' (from the levels of a by factor whose "
            "labels differ only in symbols); rename the levels."
        )
    columns = [fixed_columns for _, fixed_columns in pairs]
    names = tuple(name for d in designs for name in d.fixed_names)
    clash = set(names) & set(fixed.names)
    if clash:
        raise DataError(
            f"the fixed effect '{sorted(clash)[0]}' has the name of a smooth's column; "
            "rename that data column."
        )
    matrix = np.column_stack([fixed.matrix, *columns])
    all_names = (*fixed.names, *names)
    try:
        check_rank(matrix, all_names)
    except DataError as error:
        varying = (
            " A smooth varying with a numeric by = z holds z and its line times z, so "
            "'y ~ z + s(x, by = z)' has z twice: drop the z term."
            if any(design.varying for design in designs)
            else ""
        )
        raise DataError(
            f"{error} A smooth's fixed columns hold its straight line, so a formula such as "
            f"'y ~ x + s(x)' has the line twice: drop the linear term.{varying}"
        ) from None
    return replace(fixed, matrix=matrix, names=all_names, smooth_columns=names), designs


def new_smooth_columns(
    smooths: tuple[SmoothDesign, ...], frame: pd.DataFrame
) -> tuple[np.ndarray, tuple[tuple[str, np.ndarray], ...]]:
    """The null-space columns ``(rows, m)`` and the ``(block, values)`` of every penalised
    block of ``smooths`` on new rows ``frame``, coded with the fitted bases."""
    _check_new_rows(smooths, frame)
    fixed, blocks = [np.zeros((len(frame), 0))], []
    for smooth in smooths:
        columns, values = smooth.columns(frame)
        fixed.append(columns)
        blocks.extend(zip(smooth.blocks, values, strict=True))
    return np.column_stack(fixed), tuple(blocks)


def _check_new_rows(smooths: tuple[SmoothDesign, ...], frame: pd.DataFrame) -> None:
    """Refuse covariates that are not finite, and levels of a ``by`` factor the fit has no
    smooth for (their rows would get none, silently)."""
    for smooth in smooths:
        for name in smooth.variables:
            values = frame[name].to_numpy(dtype=float)
            if not np.all(np.isfinite(values)):
                rows = frame.index[~np.isfinite(values)][:5].tolist()
                raise DataError(
                    f"newdata gives '{name}' (in {smooth.term}) values that are not finite in "
                    f"rows {rows}; a smooth needs finite values."
                )
    for smooth in smooths:
        if smooth.varying:
            values = frame[smooth.by].to_numpy(dtype=float)
            if not np.all(np.isfinite(values)):
                rows = frame.index[~np.isfinite(values)][:5].tolist()
                raise DataError(
                    f"newdata gives '{smooth.by}' (by = in {smooth.term}) values that are not "
                    f"finite in rows {rows}; the smooth is multiplied by them."
                )
        if smooth.by is None or smooth.varying:
            continue
        fitted = {s.level for s in smooths if s.term == smooth.term}
        unseen = sorted(set(frame[smooth.by].astype(str)) - fitted)
        if unseen:
            raise DataError(
                f"newdata has levels of '{smooth.by}' that {smooth.term} has no smooth for: "
                f"{unseen[:5]}; predict at the fitted levels, {sorted(fitted)}."
            )
