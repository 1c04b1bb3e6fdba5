"""Each response of a multivariate model read as a model of its own (its "view"): its
formula, family, default priors and parameterisation, checked for what the joint graph
takes, and its designs at the model's rows (with the predictors ``mi(z)`` it reads and, for
a response ``z | mi()``, the rows where it is observed).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from bayesglmm import naming
from bayesglmm.errors import ArgumentError, FamilyError, FormulaError
from bayesglmm.families.mixture import Mixture
from bayesglmm.formula.canonical import reordered_spec
from bayesglmm.formula.distributional import BayesFormula, MultivariateFormula
from bayesglmm.formula.imputed import check_imputed_columns, imputed_predictor
from bayesglmm.formula.smooth_spec import GPDesign
from bayesglmm.formula.spec import ModelSpec, ParameterDesign
from bayesglmm.formula.syntax import parse_formula
from bayesglmm.naming import multivariate_naming


def read_response(
    model: type,
    formula,
    data: pd.DataFrame,
    family,
    link,
    centered,
    na_action,
    covariances,
    imputing: tuple[str, ...] = (),
):
    """One response read as a ``model`` of its own, checked for what the joint graph takes;
    its formula may read the responses ``imputing`` as ``mi(z)`` (their missing values at 0
    in its data, see :func:`with_imputed_predictors`)."""
    if formula.parameters:
        raise FormulaError(
            f"'{formula.mean}' has formulas for its family parameters "
            f"({', '.join(name for name, _ in formula.parameters)}); distributional formulas "
            "are not supported in a multivariate model yet: fit that response alone."
        )
    response = parse_formula(formula.mean).response
    others = [name for name, _ in response.helpers if name != "mi"]
    if response.imputed and others:
        raise FormulaError(
            f"'{response.text}' gives mi() with {others[0]}(), which a multivariate model "
            "does not combine yet: fit that response alone, where mi() works with it."
        )
    own = formula.family if formula.family is not None else family
    view = model(
        BayesFormula(formula.mean, imputed=imputing),
        with_imputed_predictors(data, imputing),
        family=own,
        link=None if formula.family is not None else link,
        centered=centered,
        na_action=na_action,
        covariances=covariances,
    )
    family_name = view.family.name
    if isinstance(view.family, Mixture) or view.family.thresholds is not None:
        raise FamilyError(
            f"response '{view.spec.response.name}' has family '{family_name}', which a "
            "multivariate model does not support yet (mixtures and ordinal families); fit "
            "that response alone."
        )
    if view.spec.monotonic:
        raise FormulaError(
            f"'{formula.mean}' has a monotonic term ({view.spec.monotonic[0].name}), which a "
            "multivariate model does not support yet; fit that response alone."
        )
    if response.imputed and view.family.support.discrete:
        raise FamilyError(
            f"'{response.text}' imputes the missing values of a {family_name} response, "
            "which a multivariate model draws as parameters with the others: that needs a "
            "continuous family. Fit that response alone, where mi() draws them after the fit."
        )
    return view


def imputed_reads(formula: MultivariateFormula) -> dict[str, tuple[str, ...]]:
    """The responses each response reads as ``mi(z)``, by name.

    Raises
    ------
    FormulaError
        For ``mi(z)`` whose ``z`` is not a response that imputes its missing values, or
        responses that read each other in a cycle.
    """
    parsed = [parse_formula(f.mean) for f in formula.responses]
    imputing = {name for name, p in zip(formula.names, parsed, strict=True) if p.response.imputed}
    reads = {
        name: check_imputed_columns(p, imputing)
        for name, p in zip(formula.names, parsed, strict=True)
    }

    def visit(name: str, path: tuple[str, ...]) -> None:
        for other in reads[name]:
            if other in path:
                cycle = " -> ".join((*path[path.index(other) :], other))
                raise FormulaError(
                    f"the responses read each other's imputed values in a cycle ({cycle}, "
                    "each reading the next as mi()); drop mi() from one of these formulas."
                )
            visit(other, (*path, other))

    for name in formula.names:
        visit(name, (name,))
    return reads


def with_imputed_predictors(frame: pd.DataFrame, columns: tuple[str, ...]) -> pd.DataFrame:
    """``frame`` with the missing values of the predictors ``mi(z)`` at 0, where the
    linear predictor takes the imputed values in (a copy; the caller's frame is kept)."""
    return frame.assign(**{column: frame[column].fillna(0.0) for column in columns})


def view_rows(view) -> pd.Index:
    """The rows a view covers: those it is fitted to and those whose response it imputes."""
    rows = view.spec.imputed_rows
    labels = view.spec.row_labels
    return labels if rows is None else labels.append(rows.index)


@dataclass(frozen=True)
class ResponseDesigns:
    """One response's designs in a multivariate model.

    Attributes
    ----------
    every
        At every row of the model (the graph's), with its predictors ``mi(z)``.
    fitted
        At the rows where it is observed (its :class:`ResponseView`'s).
    observed
        Positions of those rows; None when it is observed on all.
    missing
        The labels of the rows whose response the model imputes.
    """

    every: ModelSpec
    fitted: ModelSpec
    observed: np.ndarray | None
    missing: pd.Index

    def reading(self, missing: Mapping[str, pd.Index], columns: tuple[str, ...]):
        """The same with its predictors ``mi(z)`` of the responses ``z`` in ``missing``
        (the labels of the rows where they are missing)."""
        predictors = tuple(
            imputed_predictor(
                self.every, column, multivariate_naming.imputed_response(column), missing[column]
            )
            for column in columns
            if column in missing
        )
        if not predictors:
            return self
        observed = slice(None) if self.observed is None else self.observed
        return dataclasses.replace(
            self,
            every=dataclasses.replace(self.every, imputed_predictors=predictors),
            fitted=dataclasses.replace(
                self.fitted, imputed_predictors=tuple(p.rows(observed) for p in predictors)
            ),
        )


def response_designs(
    model: type, formula, view, frame: pd.DataFrame, covariances, reads: tuple[str, ...]
) -> ResponseDesigns:
    """A response's :class:`ResponseDesigns` on ``frame``, the model's rows. With missing
    values imputed, ``every`` codes the rows as ``fitted`` is coded, on the response with
    its observed median in place of the missing values (which the graph never reads)."""
    spec: ModelSpec = view.spec
    frame = with_imputed_predictors(frame, reads)
    if spec.imputed_rows is None:
        every, fitted, observed, missing = spec, spec, None, pd.Index([])
    else:
        outcome = spec.formula.response.outcome
        present = frame[outcome].notna().to_numpy()
        filled = frame.assign(**{outcome: frame[outcome].fillna(frame[outcome][present].median())})
        every = model(
            BayesFormula(f"{outcome} ~{formula.mean.split('~', 1)[1]}", imputed=reads),
            filled,
            family=view.family.name,
            link=view.link.name,
            centered=False,
            covariances=covariances,
        ).spec
        observed, missing = np.flatnonzero(present), spec.imputed_rows.index
        fitted = dataclasses.replace(
            reordered_spec(every, observed, {}),
            formula=spec.formula,
            imputed_rows=spec.imputed_rows,
        )
    return ResponseDesigns(every, fitted, observed, missing)


def response_design(spec: ModelSpec, link, name: str) -> ParameterDesign:
    """A response's linear predictor under its names (groups ``<g>__<name>``, smooth
    blocks and GP labels ending with it)."""

    def renamed_smooth(smooth):
        if isinstance(smooth, GPDesign):
            return dataclasses.replace(smooth, label=naming.parameter_group(smooth.label, name))
        blocks = tuple(naming.parameter_group(block, name) for block in smooth.blocks)
        return dataclasses.replace(smooth, blocks=blocks)

    return ParameterDesign(
        name=name,
        link=link.name,
        formula=spec.formula,
        fixed=spec.fixed,
        groups=tuple(
            dataclasses.replace(g, name=naming.parameter_group(g.name, name), parameter=name)
            for g in spec.groups
        ),
        offset=spec.offset,
        smooths=tuple(renamed_smooth(smooth) for smooth in spec.smooths),
    )


def centred_per_response(centered, names: tuple[str, ...]) -> dict:
    """The ``centered=`` of each response: one setting for all, or (as a saved fit
    records them) a mapping from response to its setting.

    Raises
    ------
    ArgumentError
        For a mapping that does not give every response."""
    if not isinstance(centered, Mapping):
        return dict.fromkeys(names, centered)
    if set(centered) != set(names):
        raise ArgumentError(
            f"centered= as a mapping gives each response its setting; it must name the "
            f"responses {', '.join(names)}, not {', '.join(map(str, centered))}."
        )
    return dict(centered)
