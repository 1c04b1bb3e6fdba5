"""Priors: distributions users can set, the autoscaled defaults and how keys resolve.

Examples
--------
>>> import bayesglmm as bg
>>> print(bg.priors.StudentT(3, 0, 2.5))
student_t(3, 0, 2.5)
"""

from bayesglmm.priors.defaults import default_priors, response_location_and_spread
from bayesglmm.priors.distributions import (
    LKJ,
    PRIORS,
    Beta,
    Dirichlet,
    Exponential,
    Gamma,
    HalfCauchy,
    HalfNormal,
    HalfStudentT,
    InverseGamma,
    Normal,
    Prior,
    StudentT,
    prior_vector,
)
from bayesglmm.priors.resolve import Priors, resolve_priors

__all__ = [
    "LKJ",
    "PRIORS",
    "Beta",
    "Dirichlet",
    "Exponential",
    "Gamma",
    "HalfCauchy",
    "HalfNormal",
    "HalfStudentT",
    "InverseGamma",
    "Normal",
    "Prior",
    "Priors",
    "StudentT",
    "default_priors",
    "prior_vector",
    "resolve_priors",
    "response_location_and_spread",
]
