"""Exact fast paths: rows that share every covariate, level and offset have one linear
predictor, so the sampler may see them as one row.

- Bernoulli rows with the same linear predictor are one binomial row: ``k`` successes of
  ``n`` trials. The likelihood of the parameters differs only by ``log C(n, k)``.
- Poisson rows (log link) with the same linear predictor are one poisson row of their sum
  with ``log n`` added to the offset: ``sum y ~ Poisson(n mu)``, again up to a constant.

The posterior is therefore unchanged: the slopes are still centred at their means over the
original rows (:attr:`~bayesglmm.formula.spec.FixedDesign.row_means`). Only the sampler
sees the collapsed rows; the fit's log-likelihood, LOO and predictive checks stay per
original row, computed from the model's own spec. Gaussian rows have the sufficient
statistics ``(n, mean, sum of squares)``, but the graph's likelihood takes one row per
observation, so they are not collapsed.

Examples
--------
>>> import numpy as np, pandas as pd
>>> import bayesglmm as bg
>>> from bayesglmm.families import get_family
>>> data = pd.DataFrame({"y": [1, 0, 1, 1, 0, 0], "x": ["a", "a", "a", "b", "b", "b"]})
>>> spec = bg.Model("y ~ x", data, family="bernoulli").spec
>>> rows, family = collapse(spec, get_family("bernoulli")[0])
>>> family.name, rows.response.values.tolist(), rows.response.trials.tolist()
('binomial', [2.0, 1.0], [3.0, 3.0])
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from bayesglmm.errors import FamilyError
from bayesglmm.families.catalog import FAMILIES
from bayesglmm.families.family import Family
from bayesglmm.families.links import Link
from bayesglmm.formula.canonical import ranks, reordered_spec, row_content
from bayesglmm.formula.spec import ModelSpec
from bayesglmm.registry import Registry


@dataclass(frozen=True)
class CollapseRule:
    """How rows of one family with a shared linear predictor become one row.

    Attributes
    ----------
    family
        The family of the rows.
    sampled_family
        The family of the collapsed rows.
    links
        Links for which the collapse is exact; empty for any link.
    """

    family: str
    sampled_family: str
    links: tuple[str, ...] = ()


COLLAPSE_RULES: Registry[CollapseRule] = Registry(
    "collapse rule",
    [
        CollapseRule("bernoulli", "binomial"),
        CollapseRule("poisson", "poisson", links=("log",)),
    ],
    FamilyError,
    key=lambda rule: rule.family,
)

WORTHWHILE_SHARE = 0.9
"""Rows are collapsed when the distinct linear predictors are at most this share of them."""


def collapsible(spec: ModelSpec, family: Family, link: Link) -> bool:
    """Whether collapsing ``spec``'s rows is exact and removes enough of them."""
    rule = COLLAPSE_RULES[family.name] if family.name in COLLAPSE_RULES else None
    response = spec.response
    plain_rows = (
        response.weights is None
        and response.lower is None
        and response.censored is None
        and spec.residual is None
        and not spec.parameters
    )
    if rule is None or (rule.links and link.name not in rule.links) or not plain_rows:
        return False
    distinct = ranks(_predictor_content(spec)).max() + 1
    return distinct <= WORTHWHILE_SHARE * spec.n_obs


def collapse(spec: ModelSpec, family: Family) -> tuple[ModelSpec, Family]:
    """The spec with one row per distinct linear predictor (in order of first appearance),
    and the family of those rows."""
    rule = COLLAPSE_RULES[family.name]
    key = ranks(_predictor_content(spec))
    first = np.full(key.max() + 1, spec.n_obs)
    np.minimum.at(first, key, np.arange(spec.n_obs))
    order = np.argsort(first)
    position = np.empty_like(order)
    position[order] = np.arange(len(order))
    row = position[key]
    counts = np.bincount(row).astype(float)
    totals = np.bincount(row, weights=spec.response.values)
    rows = reordered_spec(spec, first[order], {})
    fixed = dataclasses.replace(rows.fixed, row_means=spec.fixed.column_means)
    rows = dataclasses.replace(rows, fixed=fixed)
    if rule.sampled_family == "binomial":
        response = dataclasses.replace(rows.response, values=totals, trials=counts)
        return dataclasses.replace(rows, response=response), FAMILIES[rule.sampled_family]
    offset = np.log(counts) + (0.0 if rows.offset is None else rows.offset)
    response = dataclasses.replace(rows.response, values=totals)
    return dataclasses.replace(rows, response=response, offset=offset), family


def _predictor_content(spec: ModelSpec) -> np.ndarray:
    """What decides a row's linear predictor: everything but the response."""
    return row_content(spec, list(spec.all_groups), response=False)
