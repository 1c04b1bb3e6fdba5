"""Likelihoods of the count families beyond Poisson and binomial: zero-inflated, hurdle
and beta-binomial.

Parametrisations follow brms (Bürkner 2017). A zero-inflated model mixes a structural
zero, with probability ``zi``, and a Poisson or negative binomial count with mean ``mu``:
``E[y] = (1 - zi) mu``. A hurdle model draws a zero with probability ``hu`` and otherwise
a zero-truncated count whose untruncated mean is ``mu``: ``E[y] = (1 - hu) mu / (1 - P(0 |
mu))`` (Mullahy 1986). The beta-binomial has mean ``mu`` per trial and precision ``phi``:
the success probability varies between rows as ``Beta(mu phi, (1 - mu) phi)``, so the
variance of a proportion is ``mu (1 - mu) / n * (1 + (n - 1) / (phi + 1))``.

Examples
--------
>>> import numpy as np
>>> from bayesglmm.backend.likelihoods import LIKELIHOODS, Mu
>>> from bayesglmm.families import LINKS
>>> mu = Mu.of(np.log(np.array([2.0])), LINKS["log"])
>>> LIKELIHOODS["zero_inflated_poisson"].mean(mu, {"zi": np.array(0.25)}).tolist()
[1.5]
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pymc as pm
import pytensor.tensor as pt
from scipy import stats

from bayesglmm.backend.likelihoods.base import Likelihood, Mu, Params
from bayesglmm.backend.likelihoods.standard import nb_p


@dataclass(frozen=True)
class CountBase:
    """The count distribution under a zero-inflated or hurdle family.

    Attributes
    ----------
    name
        ``poisson`` or ``negbinomial``.
    dispersion
        The names of its parameters besides the mean.
    log_pmf, log_p0, variance, quantile
        ``f(y, mu, params)``-style NumPy functions: log probability, log probability of
        a zero, variance, and the quantile function (for zero-truncated draws).
    draw
        ``draw(rng, mu, params)``: one count per element.
    zero_inflated
        The PyMC zero-inflated distribution (``.dist``), called with ``psi`` (the
        probability of the count process), ``mu`` and the parameters.
    dist, tensor_log_p0
        The count distribution as an unregistered PyMC variable, ``dist(mu, params)``, and
        its log probability of a zero on tensors, for the hurdle likelihood.
    """

    name: str
    dispersion: tuple[str, ...]
    log_pmf: Callable[..., np.ndarray]
    log_p0: Callable[..., np.ndarray]
    variance: Callable[..., np.ndarray]
    quantile: Callable[..., np.ndarray]
    draw: Callable[..., np.ndarray]
    zero_inflated: Callable[..., pt.TensorVariable]
    dist: Callable[..., pt.TensorVariable]
    tensor_log_p0: Callable[..., pt.TensorVariable]


POISSON = CountBase(
    "poisson",
    (),
    log_pmf=lambda y, mu, p: stats.poisson.logpmf(y, mu),
    log_p0=lambda mu, p: -mu,
    variance=lambda mu, p: mu,
    quantile=lambda q, mu, p: stats.poisson.ppf(q, mu),
    draw=lambda rng, mu, p: rng.poisson(mu),
    zero_inflated=lambda psi, mu, p: pm.ZeroInflatedPoisson.dist(psi=psi, mu=mu),
    dist=lambda mu, p: pm.Poisson.dist(mu=mu),
    tensor_log_p0=lambda mu, p: -mu,
)
NEGBINOMIAL = CountBase(
    "negbinomial",
    ("shape",),
    log_pmf=lambda y, mu, p: stats.nbinom.logpmf(y, p["shape"], nb_p(mu, p["shape"])),
    log_p0=lambda mu, p: p["shape"] * np.log(nb_p(mu, p["shape"])),
    variance=lambda mu, p: mu + mu**2 / p["shape"],
    quantile=lambda q, mu, p: stats.nbinom.ppf(q, p["shape"], nb_p(mu, p["shape"])),
    draw=lambda rng, mu, p: rng.negative_binomial(p["shape"], nb_p(mu, p["shape"])),
    zero_inflated=lambda psi, mu, p: pm.ZeroInflatedNegativeBinomial.dist(
        psi=psi, mu=mu, alpha=p["shape"]
    ),
    dist=lambda mu, p: pm.NegativeBinomial.dist(mu=mu, alpha=p["shape"]),
    tensor_log_p0=lambda mu, p: -p["shape"] * pt.log1p(mu / p["shape"]),
)


class ZeroInflated(Likelihood):
    """A structural zero with probability ``zi``, else a count of ``base``."""

    def __init__(self, base: CountBase):
        self.base = base
        self.name = f"zero_inflated_{base.name}"

    def pymc(self, mu, params, trials):
        return self.base.zero_inflated(1 - params["zi"], mu.value, params)

    def logpdf(self, y, mu, params, trials):
        mean, zi = mu.value, params["zi"]
        zero = np.logaddexp(np.log(zi), np.log1p(-zi) + self.base.log_p0(mean, params))
        return np.where(y == 0, zero, np.log1p(-zi) + self.base.log_pmf(y, mean, params))

    def random(self, rng, mu, params, trials):
        counts = self.base.draw(rng, mu.value, params)
        return np.where(rng.random(np.shape(counts)) < params["zi"], 0, counts)

    def mean(self, mu, params):
        return (1 - params["zi"]) * mu.value

    def variance(self, mu, params, trials):
        mean, zi = mu.value, params["zi"]
        second_moment = (1 - zi) * (self.base.variance(mean, params) + mean**2)
        return second_moment - ((1 - zi) * mean) ** 2


def hurdle_draws(base: CountBase, rng: np.random.Generator, mu, params: Params) -> np.ndarray:
    """Hurdle counts: zero with probability ``hu``, else a zero-truncated count by inversion."""
    p0 = np.exp(base.log_p0(mu, params))
    shape = np.broadcast_shapes(np.shape(mu), np.shape(p0), np.shape(params["hu"]))
    uniform = rng.random(shape)
    truncated = base.quantile(p0 + uniform * (1 - p0), mu, params)
    positive = np.maximum(np.nan_to_num(truncated, nan=1.0, posinf=1.0), 1.0)
    return np.where(rng.random(np.shape(positive)) < params["hu"], 0, positive)


class Hurdle(Likelihood):
    """A zero with probability ``hu``, else a zero-truncated count of ``base``.

    The graph's zero-truncated count has its normaliser in closed form (``1 - P(0 |
    mu)``) rather than PyMC's generic truncation, whose incomplete-beta gradients make
    large negative-binomial fits several times slower.
    """

    def __init__(self, base: CountBase):
        self.base = base
        self.name = f"hurdle_{base.name}"

    def pymc(self, mu, params, trials):
        base, names = self.base, self.base.dispersion

        def logp(value, mean, hu, *extra):
            p = dict(zip(names, extra, strict=True))
            counts = pm.logp(base.dist(mean, p), value) - pt.log1mexp(base.tensor_log_p0(mean, p))
            return pt.switch(pt.eq(value, 0), pt.log(hu), pt.log1p(-hu) + counts)

        def random(mean, hu, *extra, rng=None, size=None):
            p = {"hu": hu, **dict(zip(names, extra, strict=True))}
            return hurdle_draws(base, rng, np.broadcast_to(mean, size or np.shape(mean)), p)

        return pm.CustomDist.dist(
            mu.value,
            params["hu"],
            *[params[name] for name in names],
            logp=logp,
            random=random,
            dtype="int64",
            class_name=self.name,
        )

    def logpdf(self, y, mu, params, trials):
        mean, hu = mu.value, params["hu"]
        log_positive = np.log(-np.expm1(self.base.log_p0(mean, params)))
        counts = np.log1p(-hu) + self.base.log_pmf(y, mean, params) - log_positive
        return np.where(y == 0, np.log(hu), counts)

    def random(self, rng, mu, params, trials):
        return hurdle_draws(self.base, rng, mu.value, params)

    def mean(self, mu, params):
        mean = mu.value
        return (1 - params["hu"]) * mean / -np.expm1(self.base.log_p0(mean, params))

    def variance(self, mu, params, trials):
        mean = mu.value
        positive = -np.expm1(self.base.log_p0(mean, params))
        second_moment = (1 - params["hu"]) * (self.base.variance(mean, params) + mean**2) / positive
        return second_moment - self.mean(mu, params) ** 2


class BetaBinomial(Likelihood):
    name = "beta_binomial"

    def pymc(self, mu, params, trials):
        phi = params["phi"]
        return pm.BetaBinomial.dist(alpha=mu.value * phi, beta=mu.complement * phi, n=trials)

    def logpdf(self, y, mu, params, trials):
        phi = params["phi"]
        return stats.betabinom.logpmf(y, trials, mu.value * phi, mu.complement * phi)

    def random(self, rng, mu, params, trials):
        phi = params["phi"]
        return rng.binomial(trials.astype(np.int64), rng.beta(mu.value * phi, mu.complement * phi))

    def variance(self, mu, params, trials):
        return mu.value * mu.complement / trials * (1 + (trials - 1) / (params["phi"] + 1))


COUNTS: list[Likelihood] = [
    ZeroInflated(POISSON),
    ZeroInflated(NEGBINOMIAL),
    Hurdle(POISSON),
    Hurdle(NEGBINOMIAL),
    BetaBinomial(),
]
"""The likelihoods of this module, for the registry."""

__all__ = ["COUNTS", "NEGBINOMIAL", "POISSON", "CountBase", "Mu", "hurdle_draws"]
