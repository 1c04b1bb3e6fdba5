"""The formulas of a mixture's components: ``mu2..muK`` take the model formula's terms
unless given their own, as in brms, and once one ``theta<k>`` has a formula the others
get an intercept.

Examples
--------
>>> import bayesglmm as bg
>>> formula, family = mixture_formula(bg.formula("y ~ x", "theta2 ~ x"), bg.mixture(
...     "gaussian", nmix=3))
>>> formula.parameters
(('theta2', 'x'), ('mu2', 'x'), ('mu3', 'x'), ('theta3', '1'))
>>> family.dispersion_names[-2:]
('theta2', 'theta3')
"""

from __future__ import annotations

from bayesglmm import naming
from bayesglmm.families.family import Family
from bayesglmm.families.mixture import Mixture, for_formulas
from bayesglmm.formula.distributional import BayesFormula


def mixture_formula(formula: BayesFormula, family: Family) -> tuple[BayesFormula, Family]:
    """The formula with every component's defaults filled in, and the family with the
    parameters it models (:func:`~bayesglmm.families.mixture.for_formulas`); other
    families' formulas come back as they are."""
    given = dict(formula.parameters)
    family = for_formulas(family, list(given))
    if not isinstance(family, Mixture):
        return formula, family
    terms = formula.mean.split("~", 1)[1].strip()
    added = [
        (naming.component("mu", k), terms)
        for k in range(2, family.n_components + 1)
        if naming.component("mu", k) not in given
    ]
    if family.proportions_modelled:
        added += [
            (naming.component(naming.MIXING, k), "1")
            for k in range(2, family.n_components + 1)
            if naming.component(naming.MIXING, k) not in given
        ]
    return BayesFormula(formula.mean, (*formula.parameters, *added)), family
