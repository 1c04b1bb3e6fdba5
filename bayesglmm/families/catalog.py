"""The families bayesglmm ships, each one a :class:`Family` record.

Parametrisations follow brms: gamma has mean ``mu`` and shape; negative binomial has
mean ``mu`` and shape (variance ``mu + mu^2/shape``); beta has mean ``mu`` and precision
``phi``; lognormal's ``mu`` and ``sigma`` are the mean and sd of ``log y``; zero-inflated
and hurdle families add the probability ``zi`` of a structural zero or ``hu`` of a zero;
the beta-binomial's success probability is ``Beta(mu phi, (1 - mu) phi)``; exponential,
Weibull and inverse Gaussian have mean ``mu``; the cumulative family's ordered thresholds
replace the intercept. The likelihoods are :mod:`bayesglmm.backend.likelihoods`.

Examples
--------
>>> from bayesglmm.families.catalog import FAMILIES
>>> sorted(FAMILIES)[:4]
['bernoulli', 'beta', 'beta_binomial', 'binomial']
"""

from __future__ import annotations

from bayesglmm.errors import FamilyError
from bayesglmm.families.common import (
    GAMMA_SHAPE,
    HU,
    NB_SHAPE,
    NU,
    PHI,
    SIGMA,
    VAGUE_GAMMA,
    ZI,
    identity_scale,
    log_scale,
    no_scale,
    proportion_scale,
)
from bayesglmm.families.family import DispersionParameter, Family, PriorSpec
from bayesglmm.families.support import SUPPORTS
from bayesglmm.registry import Registry

WEIBULL_SHAPE = DispersionParameter("shape", "Weibull shape", VAGUE_GAMMA)
IG_SHAPE = DispersionParameter(
    "shape", "inverse Gaussian shape (variance mu^3/shape)", GAMMA_SHAPE.default_prior
)
BETA_BINOMIAL_PHI = DispersionParameter(
    "phi", "beta-binomial precision (smaller is more overdispersed)", PHI.default_prior
)
THRESHOLD = DispersionParameter(
    "threshold",
    "thresholds between adjacent categories, on the link scale",
    PriorSpec("StudentT", (3, 0, 2.5)),
    ordered=True,
)

_BINARY_LINKS = ("logit", "probit", "cloglog")


def _counts(name: str, dispersion: tuple[DispersionParameter, ...]) -> Family:
    return Family(name, ("log",), SUPPORTS["count"], dispersion, identity_scale)


FAMILIES: Registry[Family] = Registry(
    "family",
    [
        Family(
            "gaussian",
            ("identity", "log"),
            SUPPORTS["real"],
            (SIGMA,),
            identity_scale,
            residual_sd=True,
            truncatable=True,
            standard_error=True,
        ),
        Family(
            "student_t",
            ("identity", "log"),
            SUPPORTS["real"],
            (SIGMA, NU),
            identity_scale,
            residual_sd=True,
            truncatable=True,
            standard_error=True,
        ),
        Family(
            "lognormal",
            ("identity",),
            SUPPORTS["positive"],
            (SIGMA,),
            log_scale,
            residual_sd=True,
            truncatable=True,
        ),
        Family(
            "gamma",
            ("log", "inverse", "identity"),
            SUPPORTS["positive"],
            (GAMMA_SHAPE,),
            identity_scale,
            truncatable=True,
        ),
        Family("beta", ("logit",), SUPPORTS["open_unit"], (PHI,), identity_scale),
        Family("bernoulli", _BINARY_LINKS, SUPPORTS["binary"], (), proportion_scale),
        Family("binomial", _BINARY_LINKS, SUPPORTS["binomial"], (), proportion_scale),
        Family("poisson", ("log", "sqrt"), SUPPORTS["count"], (), identity_scale, truncatable=True),
        Family(
            "negbinomial",
            ("log",),
            SUPPORTS["count"],
            (NB_SHAPE,),
            identity_scale,
            truncatable=True,
        ),
        _counts("zero_inflated_poisson", (ZI,)),
        _counts("zero_inflated_negbinomial", (NB_SHAPE, ZI)),
        _counts("hurdle_poisson", (HU,)),
        _counts("hurdle_negbinomial", (NB_SHAPE, HU)),
        Family(
            "beta_binomial",
            _BINARY_LINKS,
            SUPPORTS["binomial"],
            (BETA_BINOMIAL_PHI,),
            proportion_scale,
        ),
        Family(
            "exponential",
            ("log", "identity"),
            SUPPORTS["positive"],
            (),
            identity_scale,
            censorable=True,
            truncatable=True,
        ),
        Family(
            "weibull",
            ("log", "identity"),
            SUPPORTS["positive"],
            (WEIBULL_SHAPE,),
            identity_scale,
            censorable=True,
            truncatable=True,
        ),
        Family(
            "inverse_gaussian",
            ("log", "inverse", "identity"),
            SUPPORTS["positive"],
            (IG_SHAPE,),
            identity_scale,
            truncatable=True,
        ),
        Family("cumulative", ("logit", "probit"), SUPPORTS["ordinal"], (THRESHOLD,), no_scale),
    ],
    FamilyError,
    plural="families",
)
"""Every family bayesglmm knows, by name; an unknown name is a FamilyError."""
