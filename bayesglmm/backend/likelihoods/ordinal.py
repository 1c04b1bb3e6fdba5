"""The likelihood of the cumulative (ordinal) family.

With categories ``1..K``, thresholds ``theta_1 < ... < theta_{K-1}`` and a linear
predictor ``eta`` without an intercept (the thresholds take its place),
``P(y <= k) = F(theta_k - eta)`` where ``F``, the link's CDF, is the logistic or the
standard normal (McCullagh 1980; brms's ``cumulative``, ordinal's ``clmm``). A positive
coefficient moves the response to higher categories. The response is the category
position ``1..K``; :meth:`Cumulative.mean` is the expected position.

Examples
--------
>>> import numpy as np
>>> from bayesglmm.backend.likelihoods import LIKELIHOODS, Mu
>>> from bayesglmm.families import LINKS
>>> thresholds = {"threshold": np.array([[-1.0, 1.0]])}
>>> mu = Mu.of(np.zeros(3), LINKS["logit"])
>>> log_p = LIKELIHOODS["cumulative"].logpdf(np.array([1, 2, 3]), mu, thresholds, None)
>>> np.round(np.exp(log_p), 3).tolist()
[[0.269, 0.462, 0.269]]
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pymc as pm
import pytensor.tensor as pt
from pymc.distributions.dist_math import normal_lcdf
from scipy import special

from bayesglmm.backend.likelihoods.base import Likelihood, Mu, Params
from bayesglmm.families.links import LINKS

LOG_CDF: dict[str, tuple[Callable, Callable]] = {
    "logit": (lambda x: -pt.softplus(-x), lambda x: -np.logaddexp(0.0, -x)),
    "probit": (lambda x: normal_lcdf(0.0, 1.0, x), special.log_ndtr),
}
"""Per link: the log CDF ``log F`` on tensors and on NumPy arrays."""


def _tensor_logp(value, eta, thresholds, link_name):
    last = thresholds.shape[0]
    upper = pt.clip(value - 1, 0, last - 1)
    lower = pt.clip(value - 2, 0, last - 1)
    log_cdf = LOG_CDF[link_name][0]
    log_upper = pt.switch(pt.gt(value, last), 0.0, log_cdf(thresholds[upper] - eta))
    log_lower = pt.switch(pt.lt(value, 2), -np.inf, log_cdf(thresholds[lower] - eta))
    return log_upper + pt.log1mexp(log_lower - log_upper)


def _cumulative_probabilities(eta, thresholds, link_name: str) -> np.ndarray:
    """``P(y <= k)`` for ``k = 1..K-1``, with a trailing category axis."""
    eta = np.asarray(eta)[..., None]
    return LINKS[link_name].inverse_np(np.asarray(thresholds)[..., 0, :][..., None, :] - eta)


def _numpy_thresholds(params: Params) -> np.ndarray:
    """Thresholds as ``(samples, 1, K-1)`` whatever the caller's leading shape."""
    values = np.asarray(params["threshold"])
    return values if values.ndim == 3 else values.reshape(-1, 1, values.shape[-1])


def _draw(eta, thresholds, rng=None, size=None, link_name="logit"):
    below = _cumulative_probabilities(eta, thresholds[None, :], link_name)
    uniform = rng.random(below.shape[:-1])[..., None]
    return 1 + np.sum(uniform > below, axis=-1)


class Cumulative(Likelihood):
    """Ordered categories through ordered thresholds on the latent scale of ``mu.eta``."""

    name = "cumulative"

    def pymc(self, mu, params, trials):
        link_name = mu.link
        return pm.CustomDist.dist(
            mu.eta,
            params["threshold"],
            logp=lambda value, eta_, thresholds: _tensor_logp(value, eta_, thresholds, link_name),
            random=lambda eta_, thresholds, rng=None, size=None: _draw(
                eta_, thresholds, rng, size, link_name
            ),
            dtype="int64",
            class_name=self.name,
        )

    def logpdf(self, y, mu, params, trials):
        thresholds = _numpy_thresholds(params)[:, 0, :]
        positions = np.asarray(y).astype(np.int64)
        last = thresholds.shape[-1]
        log_cdf = LOG_CDF[mu.link][1]
        upper = np.take(thresholds, np.clip(positions - 1, 0, last - 1), axis=-1)
        lower = np.take(thresholds, np.clip(positions - 2, 0, last - 1), axis=-1)
        eta = mu.eta
        with np.errstate(divide="ignore", invalid="ignore"):
            log_upper = np.where(positions > last, 0.0, log_cdf(upper - eta))
            log_lower = np.where(positions < 2, -np.inf, log_cdf(lower - eta))
            return log_upper + np.log(-np.expm1(log_lower - log_upper))

    def random(self, rng, mu, params, trials):
        below = _cumulative_probabilities(mu.eta, _numpy_thresholds(params), mu.link)
        uniform = rng.random(below.shape[:-1])[..., None]
        return 1 + np.sum(uniform > below, axis=-1)

    def _moments(self, mu: Mu, params: Params) -> tuple[np.ndarray, np.ndarray]:
        below = _cumulative_probabilities(mu.eta, _numpy_thresholds(params), mu.link)
        padded = np.concatenate([below, np.ones_like(below[..., :1])], axis=-1)
        probabilities = np.diff(padded, axis=-1, prepend=0.0)
        positions = np.arange(1, probabilities.shape[-1] + 1)
        return probabilities @ positions, probabilities @ positions**2

    def mean(self, mu, params):
        return self._moments(mu, params)[0]

    def variance(self, mu, params, trials):
        mean, second = self._moments(mu, params)
        return second - mean**2


ORDINAL: list[Likelihood] = [Cumulative()]
"""The likelihoods of this module, for the registry."""

__all__ = ["LOG_CDF", "ORDINAL", "Cumulative"]
