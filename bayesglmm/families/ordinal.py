"""The cumulative (ordinal) family: ordered categories through ordered thresholds.

With categories ``1..K``, thresholds ``theta_1 < ... < theta_{K-1}`` and a linear
predictor ``eta`` without an intercept (the thresholds take its place),
``P(y <= k) = F(theta_k - eta)`` where ``F`` is the logistic or standard normal
CDF (McCullagh 1980; brms's ``cumulative``, ordinal's ``clmm``). A positive
coefficient moves the response to higher categories. The response is the
category position ``1..K``; :meth:`Family.expected` gives the expected position.

Examples
--------
>>> import numpy as np
>>> from bayesglmm.families import get_family
>>> family, link = get_family("cumulative")
>>> thresholds = {"threshold": np.array([[-1.0, 1.0]])}
>>> np.round(np.exp(family.log_likelihood(np.array([1, 2, 3]), np.zeros(3), link,
...                                        thresholds, None)), 3).tolist()
[[0.269, 0.462, 0.269]]
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pymc as pm
import pytensor.tensor as pt
from pymc.distributions.dist_math import normal_lcdf
from scipy import special

from bayesglmm.families.family import DispersionParameter, Family, PriorSpec
from bayesglmm.families.links import LINKS
from bayesglmm.families.support import SUPPORTS

LOG_CDF: dict[str, tuple[Callable, Callable]] = {
    "logit": (lambda x: -pt.softplus(-x), lambda x: -np.logaddexp(0.0, -x)),
    "probit": (lambda x: normal_lcdf(0.0, 1.0, x), special.log_ndtr),
}
"""Per link: the log CDF ``log F`` on tensors and on NumPy arrays."""

THRESHOLD = DispersionParameter(
    "threshold",
    "thresholds between adjacent categories, on the link scale",
    PriorSpec("StudentT", (3, 0, 2.5)),
    ordered=True,
)


def _tensor_logp(value, eta, thresholds, link_name):
    last = thresholds.shape[0]
    upper = pt.clip(value - 1, 0, last - 1)
    lower = pt.clip(value - 2, 0, last - 1)
    log_cdf = LOG_CDF[link_name][0]
    log_upper = pt.switch(pt.gt(value, last), 0.0, log_cdf(thresholds[upper] - eta))
    log_lower = pt.switch(pt.lt(value, 2), -np.inf, log_cdf(thresholds[lower] - eta))
    return log_upper + pt.log1mexp(log_lower - log_upper)


def _cumulative_probabilities(eta, thresholds, link) -> np.ndarray:
    """``P(y <= k)`` for ``k = 1..K-1``, with a trailing category axis."""
    eta = np.asarray(eta)[..., None]
    return link.inverse_np(np.asarray(thresholds)[..., 0, :][..., None, :] - eta)


def _numpy_thresholds(p) -> np.ndarray:
    """Thresholds as ``(samples, 1, K-1)`` whatever the caller's leading shape."""
    values = np.asarray(p["threshold"])
    return values if values.ndim == 3 else values.reshape(-1, 1, values.shape[-1])


def _log_likelihood(y, eta, link, p, detail):
    thresholds = _numpy_thresholds(p)[:, 0, :]
    positions = np.asarray(y).astype(np.int64)
    last = thresholds.shape[-1]
    log_cdf = LOG_CDF[link.name][1]
    upper = np.take(thresholds, np.clip(positions - 1, 0, last - 1), axis=-1)
    lower = np.take(thresholds, np.clip(positions - 2, 0, last - 1), axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_upper = np.where(positions > last, 0.0, log_cdf(upper - eta))
        log_lower = np.where(positions < 2, -np.inf, log_cdf(lower - eta))
        return log_upper + np.log(-np.expm1(log_lower - log_upper))


def _random(rng, eta, link, p, trials):
    below = _cumulative_probabilities(eta, _numpy_thresholds(p), link)
    uniform = rng.random(below.shape[:-1])[..., None]
    return 1 + np.sum(uniform > below, axis=-1)


def _moments(eta, link, p) -> tuple[np.ndarray, np.ndarray]:
    below = _cumulative_probabilities(eta, _numpy_thresholds(p), link)
    padded = np.concatenate([below, np.ones_like(below[..., :1])], axis=-1)
    probabilities = np.diff(padded, axis=-1, prepend=0.0)
    positions = np.arange(1, probabilities.shape[-1] + 1)
    return probabilities @ positions, probabilities @ positions**2


def _expected(eta, link, p):
    return _moments(eta, link, p)[0]


def _variance(eta, link, p, trials):
    mean, second = _moments(eta, link, p)
    return second - mean**2


def _draw(eta, thresholds, rng=None, size=None, link_name="logit"):
    below = _cumulative_probabilities(eta, thresholds[None, :], LINKS[link_name])
    uniform = rng.random(below.shape[:-1])[..., None]
    return 1 + np.sum(uniform > below, axis=-1)


def _likelihood(name, eta, link, p, observed, detail):
    return pm.CustomDist(
        name,
        eta,
        p["threshold"],
        logp=lambda value, eta_, thresholds: _tensor_logp(value, eta_, thresholds, link.name),
        random=lambda eta_, thresholds, rng=None, size=None: _draw(
            eta_, thresholds, rng, size, link.name
        ),
        observed=observed,
        dims="obs",
        dtype="int64",
    )


CUMULATIVE = Family(
    "cumulative",
    links=("logit", "probit"),
    support=SUPPORTS["ordinal"],
    dispersion=(THRESHOLD,),
    likelihood=_likelihood,
    log_likelihood=_log_likelihood,
    random=_random,
    expected=_expected,
    variance=_variance,
    mean_scale=lambda y, trials: np.zeros(1),
)
