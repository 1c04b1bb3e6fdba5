"""bayesglmm: Bayesian generalized linear mixed models with lme4/brms formulas.

Examples
--------
>>> import bayesglmm as bg
>>> data = bg.datasets.load("cbpp")
>>> model = bg.Model("incidence | trials(size) ~ period + (1 | herd)", data, family="binomial")
>>> model.family.name, model.link.name
('binomial', 'logit')
"""

from bayesglmm import datasets, priors, templates
from bayesglmm.errors import (
    BayesGLMMError,
    ConvergenceWarning,
    DataError,
    DataWarning,
    FamilyError,
    FormulaError,
    PriorError,
    SamplerError,
)
from bayesglmm.families import FAMILIES, LINKS
from bayesglmm.model import Model
from bayesglmm.persist import load
from bayesglmm.results import Fit, compare

__version__ = "0.1.0"

__all__ = [
    "FAMILIES",
    "LINKS",
    "BayesGLMMError",
    "ConvergenceWarning",
    "DataError",
    "DataWarning",
    "FamilyError",
    "Fit",
    "FormulaError",
    "Model",
    "PriorError",
    "SamplerError",
    "__version__",
    "compare",
    "datasets",
    "load",
    "priors",
    "templates",
]
