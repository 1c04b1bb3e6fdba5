"""Multivariate formulas written ``mvbind(y1, y2) ~ ...`` (brms's), read as one formula per
response, as ``bg.formula("y1 ~ ...") + bg.formula("y2 ~ ...")`` gives them
(:class:`~bayesglmm.formula.distributional.MultivariateFormula`).

Each response has its own formula and may have its own family
(``bg.formula("y2 ~ x", family="poisson")``). Group-level terms of one grouping factor
with the same correlation ID (``(1 | p | g)``) are correlated across the responses.

Examples
--------
>>> import bayesglmm as bg
>>> both = bg.formula("y1 ~ x + (1 | p | g)") + bg.formula("y2 ~ x + (1 | p | g)")
>>> both.names
('y1', 'y2')
>>> print(multivariate_formula("mvbind(y1, y2) ~ x + (1 | p | g)"))
y1 ~ x + (1 | p | g)
y2 ~ x + (1 | p | g)
"""

from __future__ import annotations

import re

from bayesglmm.errors import FormulaError
from bayesglmm.formula.distributional import (
    RESPONSE_NAME,
    BayesFormula,
    MultivariateFormula,
    joined,
)

_MVBIND = re.compile(r"^\s*mvbind\s*\((?P<names>[^()]*)\)\s*~(?P<rhs>.*)$", re.DOTALL)


def multivariate_formula(formula: str) -> MultivariateFormula | None:
    """``mvbind(y1, y2) ~ rhs`` as one formula per response, or None for another formula.

    Raises
    ------
    FormulaError
        When ``mvbind()`` holds fewer than two column names.
    """
    match = _MVBIND.match(formula)
    if match is None:
        return None
    names = [name.strip() for name in match.group("names").split(",")]
    if len(names) < 2 or not all(RESPONSE_NAME.fullmatch(name) for name in names):
        raise FormulaError(
            "mvbind() takes two or more response columns, as in 'mvbind(y1, y2) ~ x'",
            formula,
            match.start("names"),
        )
    rhs = match.group("rhs").strip()
    formulas = [BayesFormula(f"{name} ~ {rhs}") for name in names]
    return joined(
        MultivariateFormula(tuple(formulas[:1])), MultivariateFormula(tuple(formulas[1:]))
    )


def is_multivariate(formula: object) -> bool:
    """Whether ``formula`` asks for a multivariate model: a multivariate formula, or an
    ``mvbind()`` formula (as text or in ``bg.formula``)."""
    if isinstance(formula, MultivariateFormula):
        return True
    if isinstance(formula, BayesFormula):
        formula = formula.mean
    return isinstance(formula, str) and _MVBIND.match(formula) is not None
