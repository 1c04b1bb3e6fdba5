"""Exact fast paths: rows that share every covariate, level and offset have one linear
predictor, so the sampler may see them as one row.

- Bernoulli rows with the same linear predictor are one binomial row: ``k`` successes of
  ``n`` trials. The likelihood of the parameters differs only by ``log C(n, k)``.
- Poisson rows (log link) with the same linear predictor are one poisson row of their sum
  with ``log n`` added to the offset: ``sum y ~ Poisson(n mu)``, again up to a constant.
- Gaussian rows (any link) with the same linear predictor are one row of their mean
  ``ybar`` with sd ``sigma / sqrt(n)``; with the sum ``S`` of squared deviations from the
  means over all rows, ``sum_i log N(y_i | mu, sigma) = sum_cells log N(ybar | mu,
  sigma / sqrt(n)) - (N - C) log sigma - S / (2 sigma^2)`` up to a constant, for ``N``
  rows in ``C`` cells (the sufficient statistics ``(n, ybar, S)``).

The posterior is therefore unchanged: the slopes are still centred at their means over the
original rows (:attr:`~bayesglmm.formula.spec.FixedDesign.row_means`). Only the sampler
sees the collapsed rows; the fit's log-likelihood, LOO and predictive checks stay per
original row, computed from the model's own spec.

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
from collections.abc import Callable
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
    response
        The collapsed rows' spec from the first row of each cell, each original row's
        cell and the original response: ``(spec, cell, values) -> spec``.
    links
        Links for which the collapse is exact; empty for any link.
    """

    family: str
    sampled_family: str
    response: Callable[[ModelSpec, np.ndarray, np.ndarray], ModelSpec]
    links: tuple[str, ...] = ()


def _successes(rows: ModelSpec, cell: np.ndarray, values: np.ndarray) -> ModelSpec:
    """Bernoulli rows as one binomial row: successes of trials."""
    response = dataclasses.replace(
        rows.response,
        values=np.bincount(cell, weights=values),
        trials=np.bincount(cell).astype(float),
    )
    return dataclasses.replace(rows, response=response)


def _total(rows: ModelSpec, cell: np.ndarray, values: np.ndarray) -> ModelSpec:
    """Poisson rows as one row of their sum, with ``log n`` in the offset."""
    offset = np.log(np.bincount(cell)) + (0.0 if rows.offset is None else rows.offset)
    response = dataclasses.replace(rows.response, values=np.bincount(cell, weights=values))
    return dataclasses.replace(rows, response=response, offset=offset)


def _sufficient_statistics(rows: ModelSpec, cell: np.ndarray, values: np.ndarray) -> ModelSpec:
    """Gaussian rows as one row of their mean, with their count and the sum of squared
    deviations from the means."""
    counts = np.bincount(cell).astype(float)
    means = np.bincount(cell, weights=values) / counts
    response = dataclasses.replace(
        rows.response,
        values=means,
        replicates=counts,
        within_squares=float(np.sum((values - means[cell]) ** 2)),
    )
    return dataclasses.replace(rows, response=response)


COLLAPSE_RULES: Registry[CollapseRule] = Registry(
    "collapse rule",
    [
        CollapseRule("bernoulli", "binomial", _successes),
        CollapseRule("poisson", "poisson", _total, links=("log",)),
        CollapseRule("gaussian", "gaussian", _sufficient_statistics),
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
        and response.se is None
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
    rows = reordered_spec(spec, first[order], {})
    fixed = dataclasses.replace(rows.fixed, row_means=spec.fixed.column_means)
    rows = rule.response(
        dataclasses.replace(rows, fixed=fixed), position[key], spec.response.values
    )
    same = rule.sampled_family == family.name
    return rows, family if same else FAMILIES[rule.sampled_family]


def _predictor_content(spec: ModelSpec) -> np.ndarray:
    """What decides a row's linear predictor: everything but the response."""
    return row_content(spec, list(spec.all_groups), response=False)
