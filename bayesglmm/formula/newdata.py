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
    helper_columns,
    predictor_columns,
    required_columns,
    select_columns,
)
from bayesglmm.formula.design import OBSERVATION_FACTOR, residual_structure
from bayesglmm.formula.expressions import FORMULA_CONTEXT
from bayesglmm.formula.fixed import first_non_finite, offset_values
from bayesglmm.formula.frame import checked_types, evaluate_expression, is_factor
from bayesglmm.formula.groups import level_labels, member_labels
from bayesglmm.formula.imputed_spec import ImputedPredictor
from bayesglmm.formula.monotonic import category_codes
from bayesglmm.formula.smooths import new_smooth_columns
from bayesglmm.formula.spec import (
    GroupDesign,
    LinkedBlock,
    ModelSpec,
    ParameterDesign,
    ResidualStructure,
    memberships,
)
from bayesglmm.formula.syntax import ParsedFormula, parse_residual
from bayesglmm.formula.terms import RandomTermSyntax
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
    member_index, member_new_index, member_weights
        For ``mm()``: ``index`` and ``new_index`` of each member, ``(rows, members)``, and
        the members' weights; None for other groups.
    """

    name: str
    index: np.ndarray
    values: np.ndarray
    new_levels: tuple[str, ...]
    new_index: np.ndarray
    member_index: np.ndarray | None = None
    member_new_index: np.ndarray | None = None
    member_weights: np.ndarray | None = None

    @property
    def memberships(self) -> tuple[tuple[np.ndarray, np.ndarray, np.ndarray], ...]:
        """``(index, new_index, values)`` per membership, as
        :attr:`~bayesglmm.formula.spec.GroupDesign.memberships`."""
        if self.member_index is None:
            return ((self.index, self.new_index, self.values),)
        return tuple(
            (index, self.member_new_index[:, m], values)
            for m, (index, values) in enumerate(
                memberships(self.index, self.values, self.member_index, self.member_weights)
            )
        )


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
    response_rows
        The rows' values of the response's addition terms that predictions need, by the
        name of their field of :class:`~bayesglmm.formula.spec.ResponseDesign`: the
        truncation bounds ``lower`` and ``upper``, and the known standard errors ``se``
        when drawing responses.
    smooths
        ``(block, values)`` of every penalised block of the smooths, values
        ``(rows, columns)``; their null spaces are the last columns of ``fixed``.
    monotonic
        Per monotonic term ``mo(x)``: its column and each row's position among the fitted
        categories.
    linked
        The blocks that correlation IDs join across formulas, whose effects at new levels
        are drawn together.
    imputed_predictors
        For the fitted rows, the predictors ``mi(z)`` whose values a multivariate model
        imputes where they are missing; new rows give ``z``.
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
    response_rows: Mapping[str, np.ndarray] = field(default_factory=dict)
    smooths: tuple[tuple[str, np.ndarray], ...] = ()
    monotonic: tuple[tuple[str, np.ndarray], ...] = ()
    linked: tuple[LinkedBlock, ...] = ()
    imputed_predictors: tuple[ImputedPredictor, ...] = ()

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
                    group.member_index,
                    None
                    if group.member_index is None
                    else np.full(group.member_index.shape, -1, dtype=np.int64),
                    group.member_weights,
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
                smooths=tuple(
                    (block, values)
                    for smooth in part.smooths
                    for block, values in zip(smooth.blocks, smooth.values, strict=True)
                ),
            )

        response = spec.response
        return replace(
            fitted(spec),
            trials=response.trials,
            response_rows={
                name: getattr(response, name)
                for name in PREDICTION_ROWS
                if getattr(response, name) is not None
            },
            residual=spec.residual,
            monotonic=tuple((term.column, term.codes) for term in spec.monotonic),
            parameters={part.name: fitted(part) for part in spec.parameters},
            imputed_predictors=spec.imputed_predictors,
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
    helpers = ("trunc", "trials", "se") if trials else ("trunc",)
    used.update(helper_columns(parsed.response, helpers))
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
    fixed, smooths = _fixed(spec, frame)
    return NewDataDesign(
        fixed=fixed,
        smooths=smooths,
        groups=tuple(
            _new_group(group, frame, _terms_by_group(parsed).get(group.name))
            for group in spec.groups
        ),
        offset=offset_values(parsed, frame),
        trials=_trials(spec, frame) if trials else None,
        row_labels=data.index,
        residual=_new_residual(spec, data),
        response_rows=_response_rows(spec, frame, trials),
        monotonic=tuple(
            (term.column, category_codes(frame[term.column], term.name, term.categories)[0])
            for term in spec.monotonic
        ),
        parameters={
            part.name: _parameter_design(part, frame, data.index) for part in spec.parameters
        },
        linked=spec.linked,
    )


def _parameter_design(part: ParameterDesign, frame: pd.DataFrame, index: pd.Index) -> NewDataDesign:
    """The new rows coded for a modelled parameter's formula."""
    fixed, smooths = _fixed(part, frame)
    return NewDataDesign(
        fixed=fixed,
        smooths=smooths,
        groups=tuple(
            _new_group(group, frame, _terms_by_group(part.formula).get(group.name))
            for group in part.groups
        ),
        offset=offset_values(part.formula, frame),
        trials=None,
        row_labels=index,
        suffix=part.suffix,
        link=part.link,
    )


def _fixed(
    part: ModelSpec | ParameterDesign, frame: pd.DataFrame
) -> tuple[np.ndarray, tuple[tuple[str, np.ndarray], ...]]:
    """The fixed design of one linear predictor on new rows (formulaic's columns, then the
    smooths' null spaces) and the smooths' penalised blocks."""
    fixed = part.fixed
    matrix = _matrix(fixed.formulaic_spec, frame, part.formula.fixed, fixed.formulaic_names)
    if not part.smooths:
        return matrix, ()
    columns, blocks = new_smooth_columns(part.smooths, frame)
    return np.column_stack([matrix, columns]), blocks


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


def _new_group(
    group: GroupDesign, frame: pd.DataFrame, term: RandomTermSyntax | None = None
) -> NewGroupDesign:
    """A grouping factor on new rows; ``term`` is the ``mm()`` term of a multi-membership
    group."""
    if term is not None and term.members:
        member, weights = member_labels(term, frame)
        combined = list(member.ravel())
    else:
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
    if term is None or not term.members:
        return NewGroupDesign(group.name, index, values, unseen, new_index)
    shape = member.shape
    index, new_index = index.reshape(shape), new_index.reshape(shape)
    return NewGroupDesign(
        group.name, index[:, 0], values, unseen, new_index[:, 0], index, new_index, weights
    )


def _terms_by_group(parsed: ParsedFormula) -> dict[str, RandomTermSyntax]:
    return {term.group_name: term for term in parsed.random}


PREDICTION_ROWS = ("lower", "upper", "se")
"""The addition terms of the response that predictions use: the truncation bounds for
means and draws, the known standard errors for draws."""


def _response_rows(spec: ModelSpec, frame: pd.DataFrame, draws: bool) -> dict[str, np.ndarray]:
    """The truncation bounds (and for ``draws`` the known standard errors) of new rows."""
    syntax, rows = spec.formula.response, {}
    bounds = syntax.arguments("trunc") or {}
    for name, key in (("lower", "lb"), ("upper", "ub")):
        if key in bounds:
            where = f"trunc({key} = {bounds[key]})"
            rows[name] = evaluate_expression(bounds[key], frame, where).to_numpy(dtype=float)
    se = syntax.helper("se")
    if draws and se is not None:
        rows["se"] = evaluate_expression(se, frame, f"se({se})").to_numpy(dtype=float)
    return rows


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
