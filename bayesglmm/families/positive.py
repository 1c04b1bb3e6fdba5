"""Positive continuous families: exponential and Weibull (with right-censoring) and
inverse Gaussian.

As in brms, ``mu`` is the mean of the response. The Weibull with shape ``k`` has
scale ``lambda = mu / Gamma(1 + 1/k)``; the exponential is the Weibull with
``k = 1``. Right-censored rows, written ``time | cens(censored) ~ ...``, add the
log survival function ``log S(y) = -(y / lambda)^k`` instead of the log density
(Klein & Moeschberger 2003, ch. 3). The inverse Gaussian has mean ``mu`` and
shape ``lambda`` (PyMC's Wald), variance ``mu^3 / shape``.

Examples
--------
>>> from bayesglmm.families.positive import POSITIVE_FAMILIES
>>> [family.name for family in POSITIVE_FAMILIES]
['exponential', 'weibull', 'inverse_gaussian']
"""

from __future__ import annotations

import numpy as np
import pymc as pm
import pytensor.tensor as pt
from scipy import special, stats

from bayesglmm.families.common import (
    GAMMA_SHAPE,
    VAGUE_GAMMA,
    identity_scale,
    inverse_link_mean,
)
from bayesglmm.families.family import DispersionParameter, Family
from bayesglmm.families.support import SUPPORTS

WEIBULL_SHAPE = DispersionParameter("shape", "Weibull shape", VAGUE_GAMMA)
IG_SHAPE = DispersionParameter(
    "shape", "inverse Gaussian shape (variance mu^3/shape)", GAMMA_SHAPE.default_prior
)


def _weibull_logp(value, scale, shape, censored):
    """Log density of events and log survival of right-censored rows, on tensors."""
    z = value / scale
    density = pt.log(shape) - pt.log(scale) + (shape - 1) * pt.log(z)
    return (1 - censored) * density - z**shape


def _weibull_draw(scale, shape, censored, rng=None, size=None):
    return scale * rng.weibull(shape, size=size)


def _scale(mu, shape, gamma_ln):
    return mu / np.exp(gamma_ln(1 + 1 / shape))


def _weibull_family(name: str, dispersion: tuple[DispersionParameter, ...]) -> Family:
    def shape_of(p):
        return p["shape"] if dispersion else 1.0

    def likelihood(name_, eta, link, p, observed, censored):
        shape = pt.as_tensor(shape_of(p), dtype="float64")
        scale = link.inverse(eta) / pt.exp(pt.gammaln(1 + 1 / shape))
        flags = pt.zeros(()) if censored is None else censored
        return pm.CustomDist(
            name_,
            scale,
            shape,
            flags,
            logp=_weibull_logp,
            random=_weibull_draw,
            observed=observed,
            dims="obs",
        )

    def log_likelihood(y, eta, link, p, censored):
        shape = shape_of(p)
        scale = _scale(link.inverse_np(eta), shape, special.gammaln)
        z = y / scale
        density = np.log(shape) - np.log(scale) + (shape - 1) * np.log(z)
        events = 1.0 if censored is None else 1.0 - censored
        return events * density - z**shape

    def random(rng, eta, link, p, trials):
        shape = shape_of(p)
        scale = _scale(link.inverse_np(eta), shape, special.gammaln)
        return scale * rng.weibull(np.broadcast_to(shape, np.shape(scale)))

    def variance(eta, link, p, trials):
        shape = shape_of(p)
        scale = _scale(link.inverse_np(eta), shape, special.gammaln)
        return scale**2 * (special.gamma(1 + 2 / shape) - special.gamma(1 + 1 / shape) ** 2)

    return Family(
        name,
        links=("log", "identity"),
        support=SUPPORTS["positive"],
        dispersion=dispersion,
        likelihood=likelihood,
        log_likelihood=log_likelihood,
        random=random,
        expected=inverse_link_mean,
        variance=variance,
        mean_scale=identity_scale,
        censorable=True,
    )


INVERSE_GAUSSIAN = Family(
    "inverse_gaussian",
    links=("log", "inverse", "identity"),
    support=SUPPORTS["positive"],
    dispersion=(IG_SHAPE,),
    likelihood=lambda name, eta, link, p, observed, detail: pm.Wald(
        name, mu=link.inverse(eta), lam=p["shape"], observed=observed, dims="obs"
    ),
    log_likelihood=lambda y, eta, link, p, detail: stats.invgauss.logpdf(
        y, link.inverse_np(eta) / p["shape"], scale=p["shape"]
    ),
    random=lambda rng, eta, link, p, trials: rng.wald(
        link.inverse_np(eta), np.broadcast_to(p["shape"], np.shape(eta))
    ),
    expected=inverse_link_mean,
    variance=lambda eta, link, p, trials: link.inverse_np(eta) ** 3 / p["shape"],
    mean_scale=identity_scale,
)

POSITIVE_FAMILIES = [
    _weibull_family("exponential", ()),
    _weibull_family("weibull", (WEIBULL_SHAPE,)),
    INVERSE_GAUSSIAN,
]
"""The families of this module, for the catalogue."""
