"""The group-level designs: grouping-factor indices and levels, term columns, correlated
blocks, known covariances (``gr(g, cov = A)``) and ``ar1``/``cs`` time structures.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from bayesglmm import naming
from bayesglmm.errors import DataError, FormulaError
from bayesglmm.formula.fixed import check_finite
from bayesglmm.formula.frame import evaluate_expression, materialize
from bayesglmm.formula.spec import (
    GroupDesign,
    TimeStructure,
)
from bayesglmm.formula.syntax import ParsedFormula
from bayesglmm.formula.terms import RandomTermSyntax


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
    """Each row's level and the sorted levels: of the interaction of the term's factors,
    or for ``mm(g1, g2)`` of the levels of all its columns together (the first member's
    level per row)."""
    if term.members:
        stacked = pd.concat([frame[column] for column in term.group], ignore_index=True)
        codes, labels = level_labels(stacked.rename(term.group_name))
        if len(labels) < 2:
            raise DataError(
                f"'{term.text}' has only one level ({labels[0]!r}) across its columns; a "
                "random effect needs at least 2 levels."
            )
        return codes[: len(frame)].astype(np.int64), tuple(labels)
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


def group_designs(
    parsed: ParsedFormula,
    frame: pd.DataFrame,
    parameter: str | None = None,
    covariances: Mapping[str, pd.DataFrame] | None = None,
) -> tuple[GroupDesign, ...]:
    """The groups of ``parsed``; in a parameter's formula they are named ``<g>__<parameter>``."""
    covariances = covariances or {}
    merged: dict[str, dict] = {}
    for term in parsed.random:
        matrix = materialize(term.expr, frame, term.text)
        if matrix.shape[1] == 0:
            raise FormulaError(
                f"'{term.text}' has no columns; write '1' for a random intercept",
                parsed.text,
                term.position,
            )
        check_finite(matrix, f"'{term.text}'")
        index, levels = _grouping(term, frame)
        members = _memberships(term, frame, levels) if term.members else (None, None)
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
        if term.members and term.group_name in merged:
            raise FormulaError(
                f"'{term.text}' gives group '{term.group_name}', which another random term "
                "already uses; write its terms in one mm() term.",
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
                "ids": [],
                "specs": [],
                "factor": factor,
                "members": members,
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
        if not _add_blocks(entry, positions, term):
            raise FormulaError(
                f"'{term.text}' shares correlation ID '{term.correlation_id}' with an earlier "
                f"term of '{term.group_name}' that another term of it follows; write the "
                "terms with that ID next to each other, or as one term such as "
                f"'(1 + x | {term.correlation_id} | {term.group_name})'",
                parsed.text,
                term.position,
            )
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
            block_ids=tuple(entry["ids"]) if any(entry["ids"]) else (),
            formulaic_specs=tuple(entry["specs"]),
            structure=_time_structure(entry["term"], frame),
            parameter=parameter,
            covariance=entry["term"].covariance,
            covariance_factor=entry["factor"],
            member_index=entry["members"][0],
            member_weights=entry["members"][1],
        )
        for name, entry in merged.items()
    )


def _add_blocks(entry: dict, positions: tuple[int, ...], term: RandomTermSyntax) -> bool:
    """Add a term's columns to a group's blocks: one correlated block, a block per column
    for ``||``, or the group's last block when it has the same correlation ID. False when
    an earlier block has that ID (the blocks' columns must stay in order)."""
    if term.correlation_id is not None and term.correlation_id in entry["ids"]:
        if entry["ids"][-1] != term.correlation_id:
            return False
        entry["blocks"][-1] = (*entry["blocks"][-1], *positions)
        return True
    blocks = [positions] if term.correlated else [(i,) for i in positions]
    entry["blocks"].extend(blocks)
    entry["ids"].extend([term.correlation_id] * len(blocks))
    return True


def _memberships(
    term: RandomTermSyntax, frame: pd.DataFrame, levels: tuple[str, ...]
) -> tuple[np.ndarray, np.ndarray]:
    """Each row's level as each member of ``mm()`` and the members' weights: the given
    ones, divided by their row sum with ``scale = TRUE``; equal weights ``1/M`` without
    ``weights =`` (brms's defaults)."""
    labels, weights = member_labels(term, frame)
    position = {level: i for i, level in enumerate(levels)}
    return np.vectorize(position.__getitem__, otypes=[np.int64])(labels), weights


def member_labels(term: RandomTermSyntax, frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """The level label of each row as each member of ``mm()``, ``(rows, members)``, and
    the members' weights (see :func:`_memberships`)."""
    stacked = pd.concat([frame[column] for column in term.group], ignore_index=True)
    codes, names = level_labels(stacked.rename(term.group_name))
    labels = np.asarray(names, dtype=object)[codes.reshape(len(term.group), len(frame)).T]
    if not term.member_weights:
        return labels, np.full(labels.shape, 1.0 / len(term.group))
    weights = np.column_stack(
        [
            evaluate_expression(weight, frame, f"weights of '{term.text}'").to_numpy(float)
            for weight in term.member_weights
        ]
    )
    bad = ~np.isfinite(weights) | (weights < 0)
    if bad.any(axis=None):
        row = frame.index[bad.any(axis=1)][0]
        raise DataError(
            f"the weights of '{term.text}' must be finite and not negative; row {row!r} has "
            f"{weights[bad][0]:g}."
        )
    if term.scale_weights:
        totals = weights.sum(axis=1)
        if (totals == 0).any():
            row = frame.index[totals == 0][0]
            raise DataError(
                f"the weights of '{term.text}' are all 0 in row {row!r}, so they cannot be "
                "scaled to sum to 1; give that row a member, or write scale = FALSE."
            )
        weights = weights / totals[:, None]
    return labels, weights


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
