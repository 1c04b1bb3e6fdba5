"""The model spec: what the formula front-end hands to the PyMC backend.

Everything is plain arrays plus names. Random terms are stored as a group
index per row and the term's columns, never as a dense Z matrix, so memory is
O(rows x columns).

Examples
--------
>>> import bayesglmm as bg
>>> spec = bg.Model("Reaction ~ Days + (Days | Subject)", bg.datasets.load("sleepstudy")).spec
>>> spec.fixed.names, spec.groups[0].terms, spec.groups[0].n_levels
(('Intercept', 'Days'), ('Intercept', 'Days'), 18)
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import pandas as pd
from formulaic import ModelSpec as FormulaicSpec

from bayesglmm import naming
from bayesglmm.errors import DataError, did_you_mean
from bayesglmm.formula.imputed_spec import ImputedPredictor
from bayesglmm.formula.linked import LinkedBlock, linked_blocks
from bayesglmm.formula.smooth_spec import GPDesign, SmoothDesign
from bayesglmm.formula.syntax import ParsedFormula


@dataclass(frozen=True)
class FixedDesign:
    """The fixed-effects design.

    Attributes
    ----------
    matrix
        ``(rows, coefficients)`` float64 design matrix.
    names
        Coefficient names as formulaic gives them, e.g. ``treatment[T.drug]``.
    has_intercept
        True when the first column is the intercept.
    formulaic_spec
        formulaic's spec, which rebuilds the same columns on new data.
    smooth_columns
        The names of the last columns, which are the null spaces of the smooths (see
        :class:`SmoothDesign`) rather than formulaic's.
    row_means
        The means of the columns over the rows the design stands for, when its rows stand
        for several each (see :mod:`~bayesglmm.formula.collapse`); None: over its rows.
    """

    matrix: np.ndarray
    names: tuple[str, ...]
    has_intercept: bool
    formulaic_spec: FormulaicSpec
    smooth_columns: tuple[str, ...] = ()
    row_means: np.ndarray | None = None

    @property
    def column_means(self) -> np.ndarray:
        """The means of the columns over the rows the design stands for."""
        return self.matrix.mean(axis=0) if self.row_means is None else self.row_means

    @property
    def formulaic_names(self) -> tuple[str, ...]:
        """The names of the columns formulaic codes."""
        return self.names[: len(self.names) - len(self.smooth_columns)]


@dataclass(frozen=True)
class MonotonicDesign:
    """A monotonic term ``mo(x)`` (Bürkner & Charpentier 2020): row ``i`` adds
    ``bsp * D * sum(zeta[:codes[i]])`` to the mean's linear predictor.

    Attributes
    ----------
    column
        The data column.
    categories
        Its ``D + 1`` category labels, lowest first.
    codes
        The category of each row, ``0..D``.

    Examples
    --------
    >>> import bayesglmm as bg, pandas as pd
    >>> data = pd.DataFrame({"y": [1.0, 2.0, 2.5, 4.0], "x": [0, 1, 2, 3]})
    >>> term = bg.Model("y ~ mo(x)", data).spec.monotonic[0]
    >>> term.name, term.n_increments, term.transitions
    ('mo(x)', 3, ('0->1', '1->2', '2->3'))
    """

    column: str
    categories: tuple[str, ...]
    codes: np.ndarray

    @property
    def name(self) -> str:
        """The term's label, ``mo(<column>)``."""
        return naming.monotonic_term(self.column)

    @property
    def n_increments(self) -> int:
        """``D``: the number of steps between adjacent categories."""
        return len(self.categories) - 1

    @property
    def transitions(self) -> tuple[str, ...]:
        """Labels of the increments, ``"<low>-><high>"``: coordinates of the simplex."""
        return tuple(
            naming.transition(low, high) for low, high in itertools.pairwise(self.categories)
        )


@dataclass(frozen=True)
class TimeStructure:
    """The correlation over time within subject of a structured term such as
    ``ar1(time | subject)``.

    Attributes
    ----------
    kind
        ``"ar1"``: ``cor(u_s,t, u_s,t') = rho^|i - i'|`` with ``i`` the position of the
        time level; ``"cs"``: ``rho`` for any two times.
    subjects, times
        Labels of the subject levels and of the time levels, in order.
    subject_of_level, time_of_level
        For each level ``subject:time`` of the group, its subject and time positions.
    """

    kind: str
    subjects: tuple[str, ...]
    times: tuple[str, ...]
    subject_of_level: np.ndarray
    time_of_level: np.ndarray


@dataclass(frozen=True)
class ResidualStructure:
    """Correlated residuals within subject over time, from ``residual="ar1(time | subject)"``.

    Attributes
    ----------
    kind
        ``"ar1"`` or ``"cs"``.
    subjects, times
        Labels of the subject levels and of the time levels, in order.
    subject, position
        Per row: its subject and the position of its time among ``times``.
    text
        The structure as written.
    """

    kind: str
    subjects: tuple[str, ...]
    times: tuple[str, ...]
    subject: np.ndarray
    position: np.ndarray
    text: str


def memberships(
    index: np.ndarray,
    values: np.ndarray,
    member_index: np.ndarray | None,
    member_weights: np.ndarray | None,
) -> tuple[tuple[np.ndarray, np.ndarray], ...]:
    """``(index, values)`` per membership of a group's rows (see
    :attr:`GroupDesign.memberships`)."""
    if member_index is None:
        return ((index, values),)
    return tuple(
        (member_index[:, m], values * member_weights[:, m, None])
        for m in range(member_index.shape[1])
    )


@dataclass(frozen=True)
class GroupDesign:
    """All random terms that share one grouping factor.

    Attributes
    ----------
    name
        The grouping factor, ``"herd"`` or ``"g1:g2"`` for an interaction.
    factors
        Data columns that make up the factor.
    levels
        Level labels, sorted; coordinates of the group dimension.
    index
        Level of each row, as integers into ``levels``.
    terms
        Names of the term columns, e.g. ``("Intercept", "Days")``.
    values
        ``(rows, terms)`` values of the term columns.
    blocks
        Term indices that are correlated with each other; uncorrelated terms
        (from ``||`` or separate random terms) form blocks of one.
    formulaic_specs
        One formulaic spec per random term merged into this group, for new data.
    structure
        For ``ar1(time | subject)`` and ``cs(...)``: the correlation over time; the
        group is then ``subject:time`` with one intercept per level.
    parameter
        For a group in a family parameter's formula (``zi = "~ (1 | site)"``): that
        parameter. Its name is then ``site__zi``, so its variables (``sd_site__zi``,
        ``r_site__zi``) stay apart from the mean's.
    covariance
        For ``(1 | gr(animal, cov = A))``: the name of the known covariance ``A`` among the
        levels, whose labels (in ``A``'s order, including levels without rows) are then
        ``levels``.
    covariance_factor
        The lower Cholesky factor of ``A``, ``(levels, levels)``.
    member_index, member_weights
        For a multi-membership group ``(1 | mm(g1, g2))``: each row's level as member
        ``m`` (column ``m`` of ``(rows, members)``) and that member's weight; ``index`` is
        then the first member's level. None for other groups.
    block_ids
        The correlation ID of each block (``(1 | p | g)``), None for a block without one;
        empty when no block has one.
    """

    name: str
    factors: tuple[str, ...]
    levels: tuple[str, ...]
    index: np.ndarray
    terms: tuple[str, ...]
    values: np.ndarray
    blocks: tuple[tuple[int, ...], ...]
    formulaic_specs: tuple[FormulaicSpec, ...]
    structure: TimeStructure | None = None
    parameter: str | None = None
    covariance: str | None = None
    covariance_factor: np.ndarray | None = None
    member_index: np.ndarray | None = None
    member_weights: np.ndarray | None = None
    block_ids: tuple[str | None, ...] = ()

    def block_id(self, block: int) -> str | None:
        """The correlation ID of block ``block``, or None."""
        return self.block_ids[block] if self.block_ids else None

    @property
    def memberships(self) -> tuple[tuple[np.ndarray, np.ndarray], ...]:
        """``(index, values)`` of each membership of the rows: the group's own pair, or per
        member of ``mm()`` its level and the term values times its weight, so that the
        group adds ``sum over pairs of rowsum(values * r[index])`` to the linear predictor.
        """
        return memberships(self.index, self.values, self.member_index, self.member_weights)

    @property
    def n_levels(self) -> int:
        """Number of levels of the grouping factor."""
        return len(self.levels)

    @property
    def correlated_blocks(self) -> tuple[tuple[int, ...], ...]:
        """Blocks with more than one term, which carry correlations."""
        return tuple(block for block in self.blocks if len(block) > 1)

    @property
    def constant_terms(self) -> np.ndarray:
        """Boolean mask of term columns that are all ones (intercepts)."""
        return np.all(self.values == 1.0, axis=0)


@dataclass(frozen=True)
class ResponseDesign:
    """The response, checked against the family's support.

    Attributes
    ----------
    name
        Label of the outcome, used as the observed variable's name.
    values
        Outcome as float64 (successes for binomial families).
    trials
        Trials per row for binomial families, else None.
    trials_name
        Label of the trials, for printouts.
    event_level, other_level
        For a bernoulli response given as labels: which label is 1 and which is 0.
    categories
        For an ordinal response: the category labels; ``values`` are positions ``1..K``.
    censored
        For ``y | cens(c)``: 1.0 for right-censored rows, 0.0 for observed events.
    weights
        For ``y | weights(w)``: each row's weight, which multiplies its log-likelihood.
    lower, upper
        For ``y | trunc(lb = , ub = )``: each row's bounds (``-inf`` or ``inf`` where a
        bound is not given); the response is known to lie in ``[lower, upper]``.
    se
        For ``y | se(s)``: each row's known standard error.
    se_sigma
        For ``se(s, sigma = TRUE)``: True when a residual sd is estimated besides the known
        standard errors (the response's sd is then ``sqrt(sigma^2 + se^2)``).
    replicates, within_squares
        For gaussian rows collapsed to their sufficient statistics
        (:mod:`~bayesglmm.formula.collapse`): how many rows each row stands for (its value
        is their mean), and the sum over rows of their squared deviations from their mean.
        None and 0 for rows as observed.
    """

    name: str
    values: np.ndarray
    trials: np.ndarray | None = None
    trials_name: str | None = None
    event_level: str | None = None
    other_level: str | None = None
    categories: tuple[str, ...] | None = None
    censored: np.ndarray | None = None
    weights: np.ndarray | None = None
    lower: np.ndarray | None = None
    upper: np.ndarray | None = None
    se: np.ndarray | None = None
    se_sigma: bool = False
    replicates: np.ndarray | None = None
    within_squares: float = 0.0

    @property
    def truncated(self) -> bool:
        """True when the response is truncated (``trunc()``)."""
        return self.lower is not None

    @property
    def thresholds(self) -> list[str]:
        """Names of the boundaries between adjacent ordinal categories, ``"1|2"`` etc."""
        levels = self.categories or ()
        return [f"{low}|{high}" for low, high in itertools.pairwise(levels)]


@dataclass(frozen=True)
class ParameterDesign:
    """The linear predictor of a modelled family parameter (distributional regression).

    The parameter is ``link^-1(offset + X b_<name> + group effects)`` per row; its
    variables carry the suffix ``_<name>``: ``Intercept_zi``, ``b_zi`` over dim
    ``coef_zi``, groups ``<g>__zi``.

    Attributes
    ----------
    name
        The family parameter, e.g. ``"zi"``.
    link
        Name of its link: ``"log"`` or ``"logit"``.
    formula
        Its parsed formula (the response is the parameter's name).
    fixed, groups, offset, smooths
        As for the mean in :class:`ModelSpec`.
    """

    name: str
    link: str
    formula: ParsedFormula
    fixed: FixedDesign
    groups: tuple[GroupDesign, ...]
    offset: np.ndarray | None
    smooths: tuple[SmoothDesign | GPDesign, ...] = ()

    @property
    def suffix(self) -> str:
        """What its variable and dimension names end with: ``"_zi"``."""
        return naming.parameter_suffix(self.name)

    @property
    def monotonic(self) -> tuple[MonotonicDesign, ...]:
        """None: monotonic terms are refused in a parameter's formula (mean's only)."""
        return ()

    @property
    def imputed_predictors(self) -> tuple[ImputedPredictor, ...]:
        """None: ``mi()`` predictors are refused in a parameter's formula (mean's only)."""
        return ()


@dataclass(frozen=True)
class ModelSpec:
    """Everything the backend needs to build the PyMC graph.

    Attributes
    ----------
    formula
        The parsed formula.
    response
        The response.
    fixed
        The fixed-effects design.
    groups
        One entry per grouping factor.
    offset
        Sum of the ``offset()`` terms per row, or None.
    row_labels
        Index labels of the caller's rows that were used.
    dropped_rows
        Index labels of rows dropped for missing values (``na_action="drop"``).
    data
        A copy of the used rows and the columns the formula names, enough to rebuild
        the spec (for example after saving a fit).
    parameters
        The modelled family parameters, each with its own linear predictor.
    residual
        Correlated residuals within subject (gaussian family), or None.
    smooths
        The mean's penalised smooths: their null spaces are the last fixed-effect columns,
        their penalised parts dense blocks of random-effect columns; then its Gaussian
        processes (:class:`GPDesign`), one block each.
    monotonic
        The monotonic terms ``mo(x)`` of the mean's formula.
    imputed_rows
        For ``y | mi()``: the rows whose response is missing, with the columns of ``data``
        and the caller's labels; the model is fitted to the other rows and draws these
        responses from the posterior predictive distribution. None otherwise.
    imputed_predictors
        The predictors ``mi(z)`` of the mean's formula, whose missing values other
        responses of a multivariate model impute.
    """

    formula: ParsedFormula
    response: ResponseDesign
    fixed: FixedDesign
    groups: tuple[GroupDesign, ...]
    offset: np.ndarray | None
    row_labels: pd.Index
    dropped_rows: pd.Index
    data: pd.DataFrame
    parameters: tuple[ParameterDesign, ...] = ()
    residual: ResidualStructure | None = None
    smooths: tuple[SmoothDesign | GPDesign, ...] = ()
    monotonic: tuple[MonotonicDesign, ...] = ()
    imputed_rows: pd.DataFrame | None = None
    imputed_predictors: tuple[ImputedPredictor, ...] = ()

    suffix = ""
    """The mean's variables have no suffix: ``b``, ``Intercept``, dim ``coef``."""

    @property
    def n_obs(self) -> int:
        """Number of rows used in the fit."""
        return len(self.response.values)

    @property
    def linear_parts(self) -> tuple[ModelSpec | ParameterDesign, ...]:
        """Every linear predictor: the mean's (this spec) and each modelled parameter's."""
        return (self, *self.parameters)

    @property
    def all_groups(self) -> tuple[GroupDesign, ...]:
        """The groups of the mean and of every modelled parameter."""
        return tuple(group for part in self.linear_parts for group in part.groups)

    @property
    def linked(self) -> tuple[LinkedBlock, ...]:
        """The blocks that correlation IDs join across the linear predictors."""
        return linked_blocks(self.all_groups)

    @property
    def linked_members(self) -> frozenset[tuple[str, int]]:
        """``(group, block)`` of every block that a correlation ID joins to another."""
        return frozenset(member for link in self.linked for member in link.members)

    @property
    def levels_per_group(self) -> dict[str, int]:
        """Number of levels of each grouping factor of the mean, by name."""
        return {group.name: group.n_levels for group in self.groups}

    @property
    def all_smooths(self) -> tuple[SmoothDesign | GPDesign, ...]:
        """The smooths and Gaussian processes of the mean and of every modelled parameter."""
        return tuple(smooth for part in self.linear_parts for smooth in part.smooths)

    @property
    def all_gps(self) -> tuple[GPDesign, ...]:
        """The Gaussian processes of the mean and of every modelled parameter."""
        return tuple(term for term in self.all_smooths if isinstance(term, GPDesign))

    @property
    def parameter_names(self) -> tuple[str, ...]:
        """Names of the modelled family parameters."""
        return tuple(parameter.name for parameter in self.parameters)

    def group(self, name: str) -> GroupDesign:
        """The grouping factor called ``name`` (``site__zi`` for a parameter's group)."""
        for group in self.all_groups:
            if group.name == name:
                return group
        names = [group.name for group in self.all_groups]
        raise DataError(
            f"'{name}' is not a grouping factor of this model.{did_you_mean(name, names)} "
            f"The grouping factors are: {', '.join(names) or 'none'}."
        )
