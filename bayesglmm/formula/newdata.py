"""New data for predictions, coded exactly as the data the model was fitted to.

Fixed-effect columns come from formulaic's stored spec, so categorical codings, reference
levels and stateful transforms such as ``scale(x)`` (with the fitted mean and sd) carry
over. Group levels are matched by label; a level the fit has not seen gets index -1 and
is listed in ``new_levels``.

Examples
--------
>>> import bayesglmm as bg
>>> data = bg.datasets.load("sleepstudy")
>>> spec = bg.Model("Reaction ~ Days + (Days | Subject)", data).spec
>>> new = new_data_design(spec, pd.DataFrame({"Days": [0, 9], "Subject": [308, 999]}))
>>> new.fixed.tolist(), new.groups[0].index.tolist(), new.groups[0].new_levels
([[1.0, 0.0], [1.0, 9.0]], [0, -1], ('999',))
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
from formulaic.errors import FormulaicError

from bayesglmm.errors import DataError
from bayesglmm.formula.columns import (
    check_flat_columns,
    first_missing_column,
    predictor_columns,
    required_columns,
    response_columns,
    select_columns,
)
from bayesglmm.formula.design import OBSERVATION_FACTOR, residual_structure
from bayesglmm.formula.expressions import FORMULA_CONTEXT
from bayesglmm.formula.fixed import first_non_finite, offset_values
from bayesglmm.formula.frame import checked_types, evaluate_expression, is_factor
from bayesglmm.formula.groups import level_labels
from bayesglmm.formula.monotonic import category_codes
from bayesglmm.formula.spec import GroupDesign, ModelSpec, ParameterDesign, ResidualStructure
from bayesglmm.formula.syntax import parse_residual
from bayesglmm.frames import as_pandas

_UNSEEN_CATEGORIES = re.compile(r"categories outside of the nominated levels.*?: (\{.*?\})")


@dataclass(frozen=True)
class NewGroupDesign:
    """One grouping factor on new rows.

    Attributes
    ----------
    name
        The grouping factor.
    index
        Position of each row's level among the fitted levels; -1 for a new level.
    values
        ``(rows, terms)`` values of the term columns.
    new_levels
        Labels of the levels the fit has not seen, in order of appearance.
    new_index
        For rows of a new level, its position in ``new_levels``; -1 elsewhere.
    """

    name: str
    index: np.ndarray
    values: np.ndarray
    new_levels: tuple[str, ...]
    new_index: np.ndarray


@dataclass(frozen=True)
class NewDataDesign:
    """Everything needed to evaluate the linear predictor on new rows.

    Attributes
    ----------
    fixed
        ``(rows, coefficients)`` fixed-effects design.
    groups
        One entry per fitted grouping factor.
    offset
        Offset per row, or None.
    trials
        Trials per row for binomial families when known, else None.
    row_labels
        Index labels of the rows.
    parameters
        The same rows coded for each modelled family parameter's formula, by name.
    suffix
        ``""`` for the mean's design, ``"_zi"`` for the design of parameter ``zi``.
    link
        For a parameter's design, the name of the parameter's link.
    residual
        Subjects and time positions of the rows for correlated gaussian residuals, when the
        model has them and the rows carry the subject and time columns; else None.
    monotonic
        Per monotonic term ``mo(x)``: its column and each row's position among the fitted
        categories.
    """

    fixed: np.ndarray
    groups: tuple[NewGroupDesign, ...]
    offset: np.ndarray | None
    trials: np.ndarray | None
    row_labels: pd.Index
    parameters: Mapping[str, NewDataDesign] = field(default_factory=dict)
    suffix: str = ""
    link: str | None = None
    residual: ResidualStructure | None = None
    monotonic: tuple[tuple[str, np.ndarray], ...] = ()

    @property
    def n_rows(self) -> int:
        """Number of rows."""
        return self.fixed.shape[0]

    @classmethod
    def from_spec(cls, spec: ModelSpec) -> NewDataDesign:
        """The fitted rows themselves."""

        def fitted(part: ModelSpec | ParameterDesign) -> NewDataDesign:
            groups = tuple(
                NewGroupDesign(
                    group.name,
                    group.index,
                    group.values,
                    (),
                    np.full(spec.n_obs, -1, dtype=np.int64),
                )
                for group in part.groups
            )
            link = getattr(part, "link", None)
            return cls(
                part.fixed.matrix,
                groups,
                part.offset,
                None,
                spec.row_labels,
                suffix=part.suffix,
                link=link,
            )

        return replace(
            fitted(spec),
            trials=spec.response.trials,
            residual=spec.residual,
            monotonic=tuple((term.column, term.codes) for term in spec.monotonic),
            parameters={part.name: fitted(part) for part in spec.parameters},
        )


def new_data_design(spec: ModelSpec, data: pd.DataFrame, trials: bool = False) -> NewDataDesign:
    """Code ``data`` like the fitted data.

    Parameters
    ----------
    spec
        The fitted model's spec.
    data
        New rows with the predictor, grouping and offset columns; it is never modified.
        A polars DataFrame or another table is converted first
        (:func:`~bayesglmm.frames.as_pandas`).
    trials
        Also read the binomial trials (needed to draw new responses).

    Raises
    ------
    DataError
        For a missing column, missing values, or a categorical level the fit has not seen.
    """
    data = as_pandas(data, "newdata")
    if len(data) == 0:
        raise DataError("newdata has no rows; give at least one row to predict.")
    check_flat_columns(data, "newdata")
    parsed = spec.formula
    used = required_columns(
        parsed, response=False, others=[part.formula for part in spec.parameters]
    )
    if OBSERVATION_FACTOR in used and OBSERVATION_FACTOR not in data.columns:
        data = data.assign(**{OBSERVATION_FACTOR: [f"new {i}" for i in range(len(data))]})
    if trials and spec.response.trials is not None:
        used.update(
            {name: where for where, names in response_columns(parsed)[1:] for name in names}
        )
        if parsed.response.failures is not None:
            used.update({name: parsed.response.text for name in response_columns(parsed)[0][1]})
    missing = first_missing_column(used, [str(column) for column in data.columns])
    if missing is not None:
        name, where, hint = missing
        raise DataError(
            f"newdata has no column '{name}' (used in '{where}').{hint} "
            "Add it: predictions need every predictor, grouping factor and offset."
        )
    predictors = predictor_columns(part.formula for part in spec.linear_parts)
    frame = checked_types(select_columns(data, used, "newdata"), used, predictors, "newdata")
    _check_kinds(frame, spec.data, used, predictors)
    missing = frame.isna().sum()
    if missing.any():
        report = ", ".join(f"'{name}' ({count})" for name, count in missing.items() if count)
        raise DataError(
            f"newdata has missing values in {report}; drop or fill those rows before predicting."
        )
    return NewDataDesign(
        fixed=_matrix(spec.fixed.formulaic_spec, frame, parsed.fixed, spec.fixed.names),
        groups=tuple(_new_group(group, frame) for group in spec.groups),
        offset=offset_values(parsed, frame),
        trials=_trials(spec, frame) if trials else None,
        row_labels=data.index,
        residual=_new_residual(spec, data),
        monotonic=tuple(
            (term.column, category_codes(frame[term.column], term.name, term.categories)[0])
            for term in spec.monotonic
        ),
        parameters={
            part.name: NewDataDesign(
                fixed=_matrix(
                    part.fixed.formulaic_spec, frame, part.formula.fixed, part.fixed.names
                ),
                groups=tuple(_new_group(group, frame) for group in part.groups),
                offset=offset_values(part.formula, frame),
                trials=None,
                row_labels=data.index,
                suffix=part.suffix,
                link=part.link,
            )
            for part in spec.parameters
        },
    )


def _check_kinds(
    frame: pd.DataFrame, fitted: pd.DataFrame, used: dict[str, str], predictors: set[str]
) -> None:
    """Refuse a predictor of numbers in newdata where the fit had a factor, or the reverse."""
    for name in sorted(predictors & set(fitted.columns)):
        was, now = is_factor(fitted[name]), is_factor(frame[name])
        if was and not now:
            levels = ", ".join(sorted(map(str, fitted[name].unique())))
            raise DataError(
                f"newdata column '{name}' (used in '{used[name]}') holds numbers, but the fit "
                f"used it as a factor with levels {levels}; give it those labels, for "
                f"example newdata['{name}'].astype(str)."
            )
        if now and not was and pd.api.types.is_numeric_dtype(fitted[name]):
            example = frame[name].dropna().iloc[0] if frame[name].notna().any() else None
            raise DataError(
                f"newdata column '{name}' (used in '{used[name]}') holds labels such as "
                f"{example!r}, but the fit used it as a number; convert it with "
                f"pd.to_numeric(newdata['{name}'])."
            )


def _new_residual(spec: ModelSpec, data: pd.DataFrame) -> ResidualStructure | None:
    """The residual structure of new rows that carry its subject and time columns."""
    if spec.residual is None:
        return None
    term = parse_residual(spec.residual.text).random[0]
    if not set(term.group) <= set(data.columns):
        return None
    return residual_structure(term, data, times=spec.residual.times)


def _matrix(
    formulaic_spec, frame: pd.DataFrame, where: str, columns: tuple[str, ...] | None = None
) -> np.ndarray:
    """The columns of ``formulaic_spec`` on ``frame`` (only ``columns`` when given)."""
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            matrix = formulaic_spec.get_model_matrix(frame, context=FORMULA_CONTEXT)
    except FormulaicError as error:
        raise DataError(f"cannot code newdata for '{where}': {error}.") from None
    for warning in caught:
        found = _UNSEEN_CATEGORIES.search(str(warning.message))
        if found:
            raise DataError(
                f"newdata has categories in '{where}' that the fit has not seen: "
                f"{found.group(1)}. A fixed effect has no estimate for them; use levels "
                "from the fitted data."
            )
    chosen = matrix if columns is None else matrix.loc[:, list(columns)]
    values = chosen.to_numpy(dtype=float)
    found = first_non_finite(values, chosen.columns, frame.index)
    if found is not None:
        column, rows = found
        raise DataError(
            f"newdata gives '{column}' (in '{where}') values that are not finite in rows "
            f"{rows}; check those values and the transformation (for example the log of zero)."
        )
    return values


def _new_group(group: GroupDesign, frame: pd.DataFrame) -> NewGroupDesign:
    labels = [level_labels(frame[factor]) for factor in group.factors]
    combined = [
        ":".join(names[code] for (_, names), code in zip(labels, codes, strict=True))
        for codes in zip(*(codes for codes, _ in labels), strict=True)
    ]
    position = {level: i for i, level in enumerate(group.levels)}
    index = np.array([position.get(label, -1) for label in combined], dtype=np.int64)
    unseen = tuple(dict.fromkeys(label for label in combined if label not in position))
    new_position = {level: i for i, level in enumerate(unseen)}
    new_index = np.array([new_position.get(label, -1) for label in combined], dtype=np.int64)
    values = np.column_stack([_matrix(spec, frame, group.name) for spec in group.formulaic_specs])
    return NewGroupDesign(group.name, index, values, unseen, new_index)


def _trials(spec: ModelSpec, frame: pd.DataFrame) -> np.ndarray | None:
    syntax = spec.formula.response
    if syntax.failures is not None:
        outcome = evaluate_expression(syntax.outcome, frame, syntax.text)
        failures = evaluate_expression(syntax.failures, frame, syntax.text)
        return (outcome + failures).to_numpy(dtype=float)
    expression = syntax.helper("trials")
    if expression is None:
        return None
    return evaluate_expression(expression, frame, f"trials({expression})").to_numpy(dtype=float)
