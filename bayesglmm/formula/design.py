"""Build a :class:`ModelSpec` from a parsed formula and a DataFrame.

This module orchestrates; each part has its own: the columns a formula uses
(:mod:`~bayesglmm.formula.columns`), the rows and types of the frame
(:mod:`~bayesglmm.formula.frame`), the response (:mod:`~bayesglmm.formula.response`),
the fixed design and offsets (:mod:`~bayesglmm.formula.fixed`, formulaic's model matrix)
and the group-level designs (:mod:`~bayesglmm.formula.groups`).

Examples
--------
>>> import bayesglmm as bg
>>> from bayesglmm.families import get_family
>>> from bayesglmm.formula import build_spec, parse_formula
>>> data = bg.datasets.load("infection")
>>> spec = build_spec(parse_formula("favorable | trials(n) ~ treatment + (1 | clinic)"), data,
...                   get_family("binomial")[0])
>>> spec.fixed.names, spec.groups[0].levels[:3]
(('Intercept', 'treatment[T.drug]'), ('1', '2', '3'))
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from bayesglmm.errors import DataError, FormulaError
from bayesglmm.families.catalog import FAMILIES
from bayesglmm.families.family import Family
from bayesglmm.formula.degenerate import warn_degenerate
from bayesglmm.formula.fixed import fixed_design, offset_values
from bayesglmm.formula.frame import used_rows
from bayesglmm.formula.gp import gp_designs
from bayesglmm.formula.groups import group_designs, level_labels
from bayesglmm.formula.linked import linked_blocks
from bayesglmm.formula.monotonic import category_codes
from bayesglmm.formula.response import response_design
from bayesglmm.formula.smooths import smooth_designs
from bayesglmm.formula.spec import ModelSpec, MonotonicDesign, ParameterDesign, ResidualStructure
from bayesglmm.formula.syntax import ParsedFormula
from bayesglmm.formula.terms import RandomTermSyntax

OBSERVATION_FACTOR = "observation"
"""The grouping column of ``Model(..., overdispersion=True)``'s observation-level effect;
new data without it get a new level per row."""


def with_observation_effect(
    formula: str, data: pd.DataFrame, family: str
) -> tuple[str, pd.DataFrame]:
    """The formula with ``+ (1 | observation)`` and a copy of the data with that column."""
    if family not in ("poisson", "binomial"):
        raise DataError(
            f"overdispersion=True adds an observation-level effect to poisson or binomial "
            f"models; family '{family}' "
            + (
                "has 0/1 data, where such an effect is not identified."
                if family == "bernoulli"
                else "has its own dispersion or is not a count family."
            )
        )
    if OBSERVATION_FACTOR in data.columns:
        raise DataError(
            f"overdispersion=True adds a column '{OBSERVATION_FACTOR}', but the data already "
            f"have one; write '+ (1 | {OBSERVATION_FACTOR})' in the formula instead, or "
            "rename the column."
        )
    rows = data.assign(**{OBSERVATION_FACTOR: np.arange(len(data))})
    return f"{formula} + (1 | {OBSERVATION_FACTOR})", rows


def build_spec(
    parsed: ParsedFormula,
    data: pd.DataFrame,
    family: Family,
    na_action: str = "error",
    parameters: Mapping[str, ParsedFormula] | None = None,
    covariances: Mapping[str, pd.DataFrame] | None = None,
    residual: ParsedFormula | None = None,
) -> ModelSpec:
    """Check ``data`` against the formula and build the model spec.

    Parameters
    ----------
    parsed
        The parsed formula.
    data
        The caller's data; it is never modified.
        A polars DataFrame or another table is converted first
        (:func:`~bayesglmm.frames.as_pandas`).
    family
        The response family, whose support the response must fit.
    na_action
        ``"error"`` (default) refuses missing values in used columns;
        ``"drop"`` drops those rows and reports how many with a DataWarning.
    parameters
        Formulas of modelled family parameters by name (see :func:`bayesglmm.formula`).
    covariances
        Known covariance matrices among the levels of ``gr(g, cov = name)`` terms, by name.
    residual
        A residual structure from :func:`~bayesglmm.formula.syntax.parse_residual`.

    Returns
    -------
    ModelSpec

    Raises
    ------
    DataError, FormulaError
        Naming the column or term at fault and what to do.
    """
    parameters = dict(parameters or {})
    covariances = dict(covariances or {})
    links = modelled_parameter_links(family, parameters)
    others = [*parameters.values(), *([residual] if residual is not None else [])]
    if residual is not None and family.name != "gaussian":
        raise FormulaError(
            f"residual='{residual.random[0].text}' correlates gaussian residuals; family "
            f"'{family.name}' has none. Write the structure in the formula instead, "
            f"'+ {residual.random[0].text}', for correlated effects on the link scale."
        )
    additions = {name for name, _ in parsed.response.helpers} & {"weights", "trunc", "se"}
    if residual is not None and additions:
        raise FormulaError(
            f"residual='{residual.random[0].text}' cannot be combined with "
            f"{', '.join(f'{name}()' for name in sorted(additions))} on the response; drop one "
            "of them."
        )
    for name, formula in parameters.items():
        if formula.monotonic:
            raise FormulaError(
                f"'{formula.monotonic[0].text}' in the formula of '{name}' is not supported; "
                "monotonic terms are supported in the mean's formula only. Use the column as a "
                f"number or a factor in '{name}'s formula."
            )
    frame, dropped, imputed = used_rows(parsed, data, na_action, others)
    response = response_design(parsed, frame, family)
    if response.se is not None and not response.se_sigma and "sigma" in parameters:
        raise FormulaError(
            f"'{parsed.response.text}' fixes the response's sd at the known standard errors, "
            "so sigma has no formula of its own; write se(..., sigma = TRUE) to model a "
            "residual sd on top."
        )
    fixed = fixed_design(parsed, frame, without_intercept=family.thresholds is not None)
    if not fixed.names and family.thresholds is None:
        raise FormulaError(
            f"'{parsed.text}' has no population-level term; bayesglmm needs at least an "
            "intercept. Write '1' in place of '0' (or drop '- 1')."
        )
    fixed, smooths = smooth_designs(parsed, frame, fixed)
    groups = group_designs(parsed, frame, covariances=covariances)
    offset = offset_values(parsed, frame)
    spec = ModelSpec(
        formula=parsed,
        response=response,
        fixed=fixed,
        groups=groups,
        offset=offset,
        row_labels=frame.index,
        dropped_rows=dropped,
        data=frame,
        imputed_rows=imputed,
        parameters=tuple(
            _parameter_design(name, links[name], formula, frame, covariances)
            for name, formula in parameters.items()
        ),
        residual=None if residual is None else residual_structure(residual.random[0], frame),
        smooths=(*smooths, *gp_designs(parsed, frame)),
        monotonic=monotonic_designs(parsed, frame),
    )
    linked_blocks(spec.all_groups)
    warn_degenerate(spec, family)
    return spec


def _parameter_design(
    name: str,
    link: str,
    formula: ParsedFormula,
    frame: pd.DataFrame,
    covariances: Mapping[str, pd.DataFrame],
) -> ParameterDesign:
    """The linear predictor of modelled parameter ``name``."""
    fixed = fixed_design(formula, frame, without_intercept=False)
    fixed, smooths = smooth_designs(formula, frame, fixed, parameter=name)
    return ParameterDesign(
        name=name,
        link=link,
        formula=formula,
        fixed=fixed,
        groups=group_designs(formula, frame, parameter=name, covariances=covariances),
        offset=offset_values(formula, frame),
        smooths=(*smooths, *gp_designs(formula, frame, parameter=name)),
    )


def monotonic_designs(parsed: ParsedFormula, frame: pd.DataFrame) -> tuple[MonotonicDesign, ...]:
    """The categories and per-row codes of each ``mo(x)`` term."""
    designs = []
    for term in parsed.monotonic:
        codes, categories = category_codes(frame[term.column], term.term)
        designs.append(MonotonicDesign(term.column, categories, codes))
    return tuple(designs)


def residual_structure(
    term: RandomTermSyntax, frame: pd.DataFrame, times: tuple[str, ...] | None = None
) -> ResidualStructure:
    """Subjects and time positions of the rows for ``residual="ar1(time | subject)"``;
    ``times`` are the fitted time levels when coding new data."""
    subject_column, time_column = term.group
    subject, subjects = level_labels(frame[subject_column])
    codes, labels = level_labels(frame[time_column])
    known = tuple(labels) if times is None else times
    position = {label: i for i, label in enumerate(known)}
    unknown = [label for label in labels if label not in position]
    if unknown:
        raise DataError(
            f"'{time_column}' has times the fit has not seen: {unknown[:5]}; "
            f"{term.text} places rows by the fitted time levels."
        )
    positions = np.array([position[labels[code]] for code in codes], dtype=np.int64)
    pairs = pd.Series(list(zip(subject, positions, strict=True)))
    if pairs.duplicated().any():
        row = frame.index[pairs.duplicated().to_numpy()][0]
        raise DataError(
            f"{term.text} needs at most one row per '{subject_column}' and "
            f"'{time_column}', but row {row!r} repeats one; average repeated measurements "
            "or add a random effect for them instead."
        )
    return ResidualStructure(
        kind=term.structure,
        subjects=tuple(subjects),
        times=known,
        subject=subject.astype(np.int64),
        position=positions,
        text=term.text,
    )


def modelled_parameter_links(
    family: Family, parameters: Mapping[str, ParsedFormula]
) -> dict[str, str]:
    """The link of each modelled parameter; refuses parameters the family cannot model."""
    links = {}
    for name in parameters:
        parameter = next((p for p in family.dispersion if p.name == name), None)
        if parameter is None:
            having = [f.name for f in FAMILIES.values() if name in f.dispersion_names]
            own = ", ".join(family.dispersion_names) or "none besides the mean"
            hint = f" Families with '{name}': {', '.join(having)}." if having else ""
            raise FormulaError(
                f"family '{family.name}' has no parameter '{name}' to model; its parameters "
                f"are: {own}.{hint}"
            )
        if parameter.ordered:
            raise FormulaError(
                f"'{name}' of family '{family.name}' are ordered thresholds, which cannot have "
                "a formula; put predictors in the model formula instead."
            )
        links[name] = parameter.link
    return links
