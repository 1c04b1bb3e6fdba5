"""Warnings for data a model can fit but not learn from: degenerate designs.

Each check names the column or term at fault and what to do. They run once, on the
built :class:`~bayesglmm.formula.spec.ModelSpec`:

* a response with one value in every row;
* (quasi-)complete separation of a binary or binomial response by one fixed effect
  (Albert & Anderson 1984): its coefficient is then identified by its prior alone;
* near-collinear fixed effects, by the condition number of the design scaled to
  unit-length columns (Belsley, Kuh & Welsch 1980 flag values above 30);
* a random slope that does not vary within any level of its grouping factor, which
  the group's intercept already absorbs;
* a grouping factor with one row per level in a family with its own residual variation
  (or 0/1 data), which the group's effects cannot be told apart from.

Examples
--------
>>> import warnings, pandas as pd, bayesglmm as bg
>>> data = pd.DataFrame({"y": [0, 0, 0, 1, 1, 1], "x": [1.0, 2, 3, 4, 5, 6]})
>>> with warnings.catch_warnings(record=True) as caught:
...     warnings.simplefilter("always")
...     model = bg.Model("y ~ x", data, family="bernoulli")
>>> print(caught[0].message)  # doctest: +ELLIPSIS
'x' separates the outcomes completely: every row with x > 3 has y = 1 ...
"""

from __future__ import annotations

import warnings

import numpy as np

from bayesglmm.errors import DataWarning
from bayesglmm.families.family import Family
from bayesglmm.formula.spec import FixedDesign, GroupDesign, ModelSpec

CONDITION_LIMIT = 30.0
"""Condition number of the scaled fixed-effects design above which its columns are called
near-collinear."""


def warn_degenerate(spec: ModelSpec, family: Family) -> None:
    """Warn (DataWarning) about each degenerate feature of ``spec``'s data for ``family``."""
    for message in degenerate_data(spec, family):
        warnings.warn(message, DataWarning, stacklevel=4)


def degenerate_data(spec: ModelSpec, family: Family) -> list[str]:
    """The warnings :func:`warn_degenerate` gives, as text."""
    messages = []
    constant = _constant_response(spec)
    if constant is not None:
        messages.append(constant)
    elif family.support.separable:
        messages.extend(_separation(spec))
    messages.extend(_collinearity(spec.fixed))
    for group in spec.all_groups:
        messages.extend(_slopes_without_variation(group))
    messages.extend(_one_row_per_level(spec, family))
    return messages


def _one_row_per_level(spec: ModelSpec, family: Family) -> list[str]:
    """Grouping factors of the mean with a row per level, where the family's own variation
    (its scale parameter, or the bernoulli variation of 0/1 data) absorbs their effects.
    Poisson and binomial data have no such parameter: there it is an observation-level
    effect, and neither has a response whose sd is known (``se()``). Structured terms and
    known covariances are left alone."""
    scale = next((p.name for p in family.dispersion if p.link == "log" and not p.ordered), None)
    if spec.response.se is not None and not spec.response.se_sigma:
        return []
    if family.support.name == "binary":
        confounded = "the bernoulli variation of the 0/1 outcome"
    elif scale is not None:
        confounded = f"the residual variation ('{scale}' of family '{family.name}')"
    else:
        return []
    return [
        f"grouping factor '{group.name}' has one row per level ({group.n_levels} levels in "
        f"{spec.n_obs} rows), so its effects cannot be told apart from {confounded}: only "
        f"their sum is identified, by the priors. Check that '{group.name}' is the grouping "
        "factor you meant (a continuous predictor is not one); an observation-level effect "
        "belongs in a poisson or binomial model."
        for group in spec.groups
        if group.structure is None
        and group.covariance is None
        and group.member_index is None
        and group.n_levels == spec.n_obs
        and spec.n_obs > 1
    ]


def _constant_response(spec: ModelSpec) -> str | None:
    response = spec.response
    values = response.values if response.trials is None else response.values / response.trials
    if np.ptp(values) > 0 or len(values) < 2:
        return None
    return (
        f"the response '{response.name}' is {values[0]:g} in every row, so the data say "
        "nothing about how it varies: the spread and every effect are identified by their "
        "priors alone. Check that the right column is the response."
    )


def _separation(spec: ModelSpec) -> list[str]:
    response = spec.response
    trials = response.trials if response.trials is not None else np.ones_like(response.values)
    events, non_events = response.values > 0, response.values < trials
    messages = []
    for name, column in zip(spec.fixed.names, spec.fixed.matrix.T, strict=True):
        if np.ptp(column) == 0:
            continue
        for high, low, outcome in ((events, non_events, 1), (non_events, events, 0)):
            top_of_low, bottom_of_high = column[low].max(), column[high].min()
            if top_of_low <= bottom_of_high:
                kind = "completely" if top_of_low < bottom_of_high else "quasi-completely"
                messages.append(
                    f"'{name}' separates the outcomes {kind}: every row with {name} > "
                    f"{top_of_low:g} has {response.name} = {outcome} ((quasi-)complete "
                    f"separation). Its coefficient b[{name}] is identified by its prior alone; "
                    "set an informative prior on it, or merge the levels that have only one "
                    "outcome."
                )
                break
    return messages


def _collinearity(fixed: FixedDesign) -> list[str]:
    """Condition number of the design with unit-length columns; with an intercept, of the
    centred predictors, since bayesglmm centres them and only their mutual collinearity
    matters."""
    varying = [i for i, column in enumerate(fixed.matrix.T) if np.ptp(column) > 0]
    columns = varying if fixed.has_intercept else list(range(len(fixed.names)))
    if len(columns) < 2:
        return []
    design = fixed.matrix[:, columns]
    if fixed.has_intercept:
        design = design - design.mean(axis=0)
    design = design / np.linalg.norm(design, axis=0)
    _, singular, right = np.linalg.svd(design, full_matrices=False)
    condition = float(singular[0] / max(singular[-1], 1e-300))
    if condition <= CONDITION_LIMIT:
        return []
    involved = [fixed.names[columns[i]] for i in np.flatnonzero(np.abs(right[-1]) > 0.3)]
    return [
        f"the fixed effects are nearly collinear (condition number {condition:.0f}, above "
        f"{CONDITION_LIMIT:g}), mainly {', '.join(repr(name) for name in involved)}: their "
        "coefficients are poorly determined and strongly correlated. Drop or combine one of "
        "them; for interactions and polynomials, centring the predictor (center(x)) helps."
    ]


def _slopes_without_variation(group: GroupDesign) -> list[str]:
    """Term columns that are constant within every level of a group with an intercept."""
    if group.structure is not None or group.member_index is not None:
        return []
    if not group.constant_terms.any():
        return []
    messages = []
    intercept = int(np.flatnonzero(group.constant_terms)[0])
    order = np.argsort(group.index, kind="stable")
    starts = np.flatnonzero(np.r_[True, np.diff(group.index[order]) != 0])
    for position, term in enumerate(group.terms):
        if position == intercept:
            continue
        values = group.values[order, position]
        spread = np.maximum.reduceat(values, starts) - np.minimum.reduceat(values, starts)
        if np.all(spread == 0):
            messages.append(
                f"'{term}' does not vary within any level of '{group.name}', so its random "
                f"slope cannot be told apart from the random intercept of '{group.name}'; "
                f"drop it from the random term, e.g. (1 | {group.name}), and keep '{term}' "
                "as a fixed effect."
            )
    return messages
