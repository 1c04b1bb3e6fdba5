"""Formula front-end: lme4/brms formula text and a DataFrame in, a :class:`ModelSpec` out.

Examples
--------
>>> from bayesglmm.formula import parse_formula
>>> [term.group_name for term in parse_formula("y ~ x + (1 | site/plot)").random]
['site', 'site:plot']
"""

from bayesglmm.formula.design import build_spec
from bayesglmm.formula.expressions import FORMULA_CONTEXT, FORMULA_FUNCTIONS, expression_use
from bayesglmm.formula.spec import FixedDesign, GroupDesign, ModelSpec, ResponseDesign
from bayesglmm.formula.syntax import ParsedFormula, ResponseSyntax, parse_formula
from bayesglmm.formula.terms import RandomTermSyntax

__all__ = [
    "FORMULA_CONTEXT",
    "FORMULA_FUNCTIONS",
    "FixedDesign",
    "GroupDesign",
    "ModelSpec",
    "ParsedFormula",
    "RandomTermSyntax",
    "ResponseDesign",
    "ResponseSyntax",
    "build_spec",
    "expression_use",
    "parse_formula",
]
