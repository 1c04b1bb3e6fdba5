"""Likelihoods of the classic families: gaussian, Student-t, lognormal, gamma, beta,
bernoulli, binomial, Poisson and negative binomial.

Parametrisations follow brms: gamma has mean ``mu`` and shape; negative binomial has mean
``mu`` and shape (variance ``mu + mu^2/shape``); beta has mean ``mu`` and precision
``phi``; lognormal's ``mu`` and ``sigma`` are the mean and sd of ``log y``. Binary and
binomial densities use the link's stable log-odds, so they never take the log of a
probability rounded to 0 or 1.

Examples
--------
>>> import numpy as np
>>> from bayesglmm.backend.likelihoods import LIKELIHOODS, Mu
>>> from bayesglmm.families import LINKS
>>> mu = Mu.of(np.array([0.0]), LINKS["log"])
>>> LIKELIHOODS["poisson"].logpdf(np.array([0.0]), mu, {}, None).tolist()
[-1.0]
"""

from __future__ import annotations

import numpy as np
import pymc as pm
from scipy import special, stats

from bayesglmm.backend.likelihoods.base import Likelihood, Mu, Params


def nb_p(mu: np.ndarray, shape: np.ndarray) -> np.ndarray:
    """NumPy's and SciPy's success probability of a negative binomial with mean ``mu``."""
    return shape / (shape + mu)


LOG_SQRT_2PI = 0.5 * np.log(2 * np.pi)


def normal_logpdf(y: np.ndarray, mean: np.ndarray, sd: np.ndarray) -> np.ndarray:
    """Normal log density, as ``scipy.stats.norm.logpdf`` but without its argument
    handling, which cost 16x the arithmetic on a 500 x 73,421 array.

    Examples
    --------
    >>> float(normal_logpdf(np.array(1.0), np.array(0.0), np.array(1.0))) == float(
    ...     stats.norm.logpdf(1.0))
    True
    """
    z = (y - mean) / sd
    return -0.5 * z * z - np.log(sd) - LOG_SQRT_2PI


def binary_log_probs(mu: Mu) -> tuple[np.ndarray, np.ndarray]:
    """``log mu`` and ``log(1 - mu)`` from the stable log-odds."""
    log_odds = mu.log_odds
    return -np.logaddexp(0.0, -log_odds), -np.logaddexp(0.0, log_odds)


class Gaussian(Likelihood):
    name = "gaussian"

    def pymc(self, mu, params, trials):
        return pm.Normal.dist(mu=mu.value, sigma=params["sigma"])

    def logpdf(self, y, mu, params, trials):
        return normal_logpdf(y, mu.value, params["sigma"])

    def random(self, rng, mu, params, trials):
        return rng.normal(mu.value, params["sigma"])

    def frozen(self, mu, params, trials):
        return stats.norm(mu.value, params["sigma"])

    def variance(self, mu, params, trials):
        return np.broadcast_to(params["sigma"] ** 2, np.shape(mu.value))


class StudentT(Likelihood):
    name = "student_t"

    def pymc(self, mu, params, trials):
        return pm.StudentT.dist(nu=params["nu"], mu=mu.value, sigma=params["sigma"])

    def logpdf(self, y, mu, params, trials):
        return stats.t.logpdf(y, params["nu"], mu.value, params["sigma"])

    def random(self, rng, mu, params, trials):
        nu = np.broadcast_to(params["nu"], np.shape(mu.eta))
        return mu.value + params["sigma"] * rng.standard_t(nu)

    def frozen(self, mu, params, trials):
        return stats.t(params["nu"], mu.value, params["sigma"])

    def variance(self, mu, params, trials):
        nu, sigma = params["nu"], params["sigma"]
        return np.broadcast_to(
            np.where(nu > 2, sigma**2 * nu / (nu - 2), np.inf), np.shape(mu.value)
        )


class LogNormal(Likelihood):
    name = "lognormal"

    def pymc(self, mu, params, trials):
        return pm.LogNormal.dist(mu=mu.value, sigma=params["sigma"])

    def logpdf(self, y, mu, params, trials):
        return normal_logpdf(np.log(y), mu.value, params["sigma"]) - np.log(y)

    def random(self, rng, mu, params, trials):
        return rng.lognormal(mu.value, params["sigma"])

    def frozen(self, mu, params, trials):
        return stats.lognorm(params["sigma"], scale=np.exp(mu.value))

    def mean(self, mu, params):
        return np.exp(mu.value + params["sigma"] ** 2 / 2)

    def variance(self, mu, params, trials):
        return (np.exp(params["sigma"] ** 2) - 1) * self.mean(mu, params) ** 2


class Gamma(Likelihood):
    name = "gamma"

    def pymc(self, mu, params, trials):
        return pm.Gamma.dist(alpha=params["shape"], beta=params["shape"] / mu.value)

    def logpdf(self, y, mu, params, trials):
        return stats.gamma.logpdf(y, params["shape"], scale=mu.value / params["shape"])

    def random(self, rng, mu, params, trials):
        return rng.gamma(params["shape"], mu.value / params["shape"])

    def frozen(self, mu, params, trials):
        return stats.gamma(params["shape"], scale=mu.value / params["shape"])

    def variance(self, mu, params, trials):
        return mu.value**2 / params["shape"]


class Beta(Likelihood):
    name = "beta"

    def pymc(self, mu, params, trials):
        phi = params["phi"]
        return pm.Beta.dist(alpha=mu.value * phi, beta=mu.complement * phi)

    def logpdf(self, y, mu, params, trials):
        phi = params["phi"]
        return stats.beta.logpdf(y, mu.value * phi, mu.complement * phi)

    def random(self, rng, mu, params, trials):
        return rng.beta(mu.value * params["phi"], mu.complement * params["phi"])

    def variance(self, mu, params, trials):
        return mu.value * (1 - mu.value) / (1 + params["phi"])


class Bernoulli(Likelihood):
    name = "bernoulli"

    def pymc(self, mu, params, trials):
        return pm.Bernoulli.dist(logit_p=mu.log_odds)

    def logpdf(self, y, mu, params, trials):
        log_p, log_q = binary_log_probs(mu)
        return np.where(y > 0.5, log_p, log_q)

    def random(self, rng, mu, params, trials):
        return rng.binomial(1, mu.value)

    def variance(self, mu, params, trials):
        return mu.value * (1 - mu.value)


class Binomial(Likelihood):
    name = "binomial"

    def pymc(self, mu, params, trials):
        return pm.Binomial.dist(n=trials, logit_p=mu.log_odds)

    def logpdf(self, y, mu, params, trials):
        log_p, log_q = binary_log_probs(mu)
        log_choose = (
            special.gammaln(trials + 1) - special.gammaln(y + 1) - special.gammaln(trials - y + 1)
        )
        return log_choose + y * log_p + (trials - y) * log_q

    def random(self, rng, mu, params, trials):
        return rng.binomial(trials.astype(np.int64), mu.value)

    def variance(self, mu, params, trials):
        return mu.value * (1 - mu.value) / trials


class Poisson(Likelihood):
    name = "poisson"

    def pymc(self, mu, params, trials):
        return pm.Poisson.dist(mu=mu.value)

    def logpdf(self, y, mu, params, trials):
        return special.xlogy(y, mu.value) - mu.value - special.gammaln(y + 1)

    def random(self, rng, mu, params, trials):
        return rng.poisson(mu.value)

    def frozen(self, mu, params, trials):
        return stats.poisson(mu.value)

    def variance(self, mu, params, trials):
        return mu.value


class NegativeBinomial(Likelihood):
    name = "negbinomial"

    def pymc(self, mu, params, trials):
        return pm.NegativeBinomial.dist(mu=mu.value, alpha=params["shape"])

    def logpdf(self, y, mu, params, trials):
        return stats.nbinom.logpmf(y, params["shape"], nb_p(mu.value, params["shape"]))

    def random(self, rng, mu, params, trials):
        return rng.negative_binomial(params["shape"], nb_p(mu.value, params["shape"]))

    def frozen(self, mu, params, trials):
        return stats.nbinom(params["shape"], nb_p(mu.value, params["shape"]))

    def variance(self, mu, params, trials):
        return mu.value + mu.value**2 / params["shape"]


STANDARD: list[Likelihood] = [
    Gaussian(),
    StudentT(),
    LogNormal(),
    Gamma(),
    Beta(),
    Bernoulli(),
    Binomial(),
    Poisson(),
    NegativeBinomial(),
]
"""The likelihoods of this module, for the registry."""

__all__ = ["STANDARD", "Params", "binary_log_probs", "nb_p"]
