"""bayesglmm: Bayesian generalized linear mixed models with lme4/brms formulas.

Examples
--------
>>> import bayesglmm as bg
>>> data = bg.datasets.load("cbpp")
>>> model = bg.Model("incidence | trials(size) ~ period + (1 | herd)", data, family="binomial")
>>> model.family.name, model.link.name
('binomial', 'logit')

``bg.formula`` (a function, like brms's ``bf()``) gives family parameters their own
formulas; the formula front-end itself is the subpackage ``bayesglmm.formula``, imported
by its module paths (``from bayesglmm.formula import parse_formula``).
"""

import bayesglmm.compile_cache  # noqa: F401  (first: it prepares PyTensor's compile cache)
from bayesglmm import datasets, priors, templates
from bayesglmm.batch import Batch, fit_many
from bayesglmm.errors import (
    ArgumentError,
    BayesGLMMError,
    CompileCacheError,
    ConvergenceWarning,
    DataError,
    DataWarning,
    FamilyError,
    FormulaError,
    IncompleteSamplingWarning,
    PriorError,
    SamplerError,
    SamplingInterrupted,
    StoreError,
)
from bayesglmm.families import FAMILIES, LINKS, mixture
from bayesglmm.formula.distributional import BayesFormula, MultivariateFormula, formula
from bayesglmm.model import Model
from bayesglmm.multivariate_model import MultivariateModel
from bayesglmm.options import options
from bayesglmm.persistence import load
from bayesglmm.power import PowerResult, power
from bayesglmm.results import Fit, compare
from bayesglmm.results.multivariate import MultivariateFit

__version__ = "0.1.0"

__all__ = [
    "FAMILIES",
    "LINKS",
    "ArgumentError",
    "Batch",
    "BayesFormula",
    "BayesGLMMError",
    "CompileCacheError",
    "ConvergenceWarning",
    "DataError",
    "DataWarning",
    "FamilyError",
    "Fit",
    "FormulaError",
    "IncompleteSamplingWarning",
    "Model",
    "MultivariateFit",
    "MultivariateFormula",
    "MultivariateModel",
    "PowerResult",
    "PriorError",
    "SamplerError",
    "SamplingInterrupted",
    "StoreError",
    "__version__",
    "compare",
    "datasets",
    "fit_many",
    "formula",
    "load",
    "mixture",
    "options",
    "power",
    "priors",
    "templates",
]
