"""Likelihoods of the positive continuous families: exponential, Weibull and inverse
Gaussian.

As in brms, ``mu`` is the mean of the response. The Weibull with shape ``k`` has scale
``lambda = mu / Gamma(1 + 1/k)``; the exponential is the Weibull with ``k = 1``. Both
give their hazard ``h(y) = (k / lambda) (y / lambda)^(k-1)`` and cumulative hazard
``H(y) = (y / lambda)^k``, from which :mod:`~bayesglmm.backend.likelihoods.additions`
scores right-censored rows (Klein & Moeschberger 2003, ch. 3). The inverse Gaussian has mean ``mu``
and shape ``lambda`` (PyMC's Wald), variance ``mu^3 / shape``.

Examples
--------
>>> import numpy as np
>>> from bayesglmm.backend.likelihoods import LIKELIHOODS, Mu
>>> from bayesglmm.families import LINKS
>>> mu = Mu.of(np.array([0.0]), LINKS["log"])
>>> LIKELIHOODS["exponential"].hazards(np.array([2.0]), mu, {}, None)
(array([0.]), array([2.]))
"""

from __future__ import annotations

import numpy as np
import pymc as pm
import pytensor.tensor as pt
from scipy import special, stats

from bayesglmm.backend.likelihoods.base import Likelihood, Mu, Params, Survival


def _hazards(value, scale, shape, log):
    """Log hazard ``log k - log lambda + (k - 1) log z`` and cumulative hazard ``z^k``, with
    ``z = y / lambda`` computed once and ``log`` NumPy's or PyTensor's."""
    z = value / scale
    return log(shape) - log(scale) + (shape - 1) * log(z), z**shape


class Weibull(Survival):
    """The Weibull with mean ``mu`` and shape ``shape``, or the exponential (shape 1).

    Its log density is the log hazard minus the cumulative hazard ``(y / lambda)^k``.
    """

    def __init__(self, name: str, fixed_shape: float | None = None):
        self.name, self.fixed_shape = name, fixed_shape

    def shape(self, params: Params):
        """The shape: the parameter ``shape``, or the fixed one of the exponential."""
        return params["shape"] if self.fixed_shape is None else self.fixed_shape

    def scale(self, mu: Mu, params: Params):
        """``lambda = mu / Gamma(1 + 1/k)`` on NumPy arrays."""
        return mu.value / np.exp(special.gammaln(1 + 1 / self.shape(params)))

    def pymc_parameters(self, mu, params, trials):
        shape = pt.as_tensor(self.shape(params), dtype="float64")
        return mu.value / pt.exp(pt.gammaln(1 + 1 / shape)), shape

    def pymc_hazards(self, value, scale, shape):
        return _hazards(value, scale, shape, pt.log)

    def draw(self, rng, size, scale, shape):
        return scale * rng.weibull(shape, size=size)

    def hazards(self, y, mu, params, trials):
        return _hazards(y, self.scale(mu, params), self.shape(params), np.log)

    def random(self, rng, mu, params, trials):
        shape, scale = self.shape(params), self.scale(mu, params)
        return scale * rng.weibull(np.broadcast_to(shape, np.shape(scale)))

    def frozen(self, mu, params, trials):
        return stats.weibull_min(self.shape(params), scale=self.scale(mu, params))

    def variance(self, mu, params, trials):
        shape, scale = self.shape(params), self.scale(mu, params)
        return scale**2 * (special.gamma(1 + 2 / shape) - special.gamma(1 + 1 / shape) ** 2)


class InverseGaussian(Likelihood):
    name = "inverse_gaussian"

    def pymc(self, mu, params, trials):
        return pm.Wald.dist(mu=mu.value, lam=params["shape"])

    def logpdf(self, y, mu, params, trials):
        return stats.invgauss.logpdf(y, mu.value / params["shape"], scale=params["shape"])

    def random(self, rng, mu, params, trials):
        return rng.wald(mu.value, np.broadcast_to(params["shape"], np.shape(mu.eta)))

    def frozen(self, mu, params, trials):
        return stats.invgauss(mu.value / params["shape"], scale=params["shape"])

    def variance(self, mu, params, trials):
        return mu.value**3 / params["shape"]


POSITIVE: list[Likelihood] = [
    Weibull("exponential", fixed_shape=1.0),
    Weibull("weibull"),
    InverseGaussian(),
]
"""The likelihoods of this module, for the registry."""

__all__ = ["POSITIVE", "InverseGaussian", "Weibull"]
