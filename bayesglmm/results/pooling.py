"""Separate (no-pooling) estimates per group level, to set against partial pooling.

For an identity link each level's terms are fitted by least squares to the response
within that level (as separate ``lm(Reaction ~ Days)`` fits per subject). For other
links only an intercept can be estimated from a level's own data without iteration:
the link of the level's mean response, with half an observation added to each side
of proportions and counts so empty or full levels stay finite.

Examples
--------
>>> import bayesglmm as bg
>>> model = bg.Model("Reaction ~ Days + (Days | Subject)", bg.datasets.load("sleepstudy"))
>>> table = no_pooling_estimates(model.spec, model.family, model.link, "Subject")
>>> table.shape
(18, 2)
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from bayesglmm.errors import DataError
from bayesglmm.families.family import Family
from bayesglmm.families.links import Link
from bayesglmm.formula.spec import ModelSpec


def _level_mean(y: np.ndarray, trials: np.ndarray | None, support: str) -> float:
    if trials is not None:
        return (y.sum() + 0.5) / (trials.sum() + 1.0)
    if support == "binary":
        return (y.sum() + 0.5) / (y.size + 1.0)
    if support == "count":
        return (y.sum() + 0.5) / y.size
    return float(y.mean())


def no_pooling_estimates(spec: ModelSpec, family: Family, link: Link, group: str) -> pd.DataFrame:
    """Per-level estimates of ``group``'s terms from that level's rows alone.

    Returns
    -------
    DataFrame
        Indexed by level, one column per estimated term.
    """
    chosen = next((g for g in spec.groups if g.name == group), None)
    if chosen is None:
        names = ", ".join(g.name for g in spec.groups)
        raise DataError(f"'{group}' is not a grouping factor of this model; choose from {names}.")
    if chosen.member_index is not None:
        raise DataError(
            f"the rows of '{group}' belong to several levels each, so no level has rows of "
            "its own to estimate from; the pooling plot needs an ordinary grouping factor."
        )
    y, trials = spec.response.values, spec.response.trials
    identity = link.name == "identity"
    intercepts = [
        t for t, constant in zip(chosen.terms, chosen.constant_terms, strict=True) if constant
    ]
    if not identity and not intercepts:
        raise DataError(
            f"'{group}' has no intercept term; separate estimates for a non-identity link "
            "exist only for intercepts."
        )
    terms = list(chosen.terms) if identity else intercepts[:1]
    columns = [chosen.terms.index(t) for t in terms]
    rows = {}
    for position, level in enumerate(chosen.levels):
        mine = chosen.index == position
        if identity:
            values = chosen.values[mine][:, columns]
            if mine.sum() <= len(columns) or np.linalg.matrix_rank(values) < len(columns):
                continue
            rows[level] = np.linalg.lstsq(values, y[mine], rcond=None)[0]
        else:
            level_trials = None if trials is None else trials[mine]
            mean = _level_mean(y[mine], level_trials, family.support.name)
            rows[level] = [float(link.forward_np(np.asarray(mean)))]
    return pd.DataFrame.from_dict(rows, orient="index", columns=terms)
