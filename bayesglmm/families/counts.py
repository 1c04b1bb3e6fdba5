"""Count families beyond Poisson and binomial: zero-inflated, hurdle and beta-binomial.

Parametrisations follow brms (Bürkner 2017). A zero-inflated model mixes a
structural zero, with probability ``zi``, and a Poisson or negative binomial
count with mean ``mu``: ``E[y] = (1 - zi) mu``. A hurdle model draws a zero with
probability ``hu`` and otherwise a zero-truncated count whose untruncated mean
is ``mu``: ``E[y] = (1 - hu) mu / (1 - P(0 | mu))``. The beta-binomial has mean
``mu`` per trial and precision ``phi``: the success probability varies between
rows as ``Beta(mu phi, (1 - mu) phi)``, so the variance of a proportion is
``mu (1 - mu) / n * (1 + (n - 1) / (phi + 1))``.

Examples
--------
>>> from bayesglmm.families.counts import COUNT_FAMILIES
>>> [family.name for family in COUNT_FAMILIES][:2]
['zero_inflated_poisson', 'zero_inflated_negbinomial']
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pymc as pm
import pytensor.tensor as pt
from scipy import stats

from bayesglmm.families.common import (
    HU,
    NB_SHAPE,
    PHI,
    ZI,
    identity_scale,
    inverse_link_mean,
    nb_p,
    proportion_scale,
)
from bayesglmm.families.family import DispersionParameter, Family
from bayesglmm.families.support import SUPPORTS


@dataclass(frozen=True)
class CountBase:
    """The count distribution under a zero-inflated or hurdle family.

    Attributes
    ----------
    name
        ``poisson`` or ``negbinomial``.
    dispersion
        Its parameters besides the mean.
    log_pmf, log_p0, variance, quantile
        ``f(y, mu, params)``-style NumPy functions: log probability, log probability of
        a zero, variance, and the quantile function (for zero-truncated draws).
    draw
        ``draw(rng, mu, params)``: one count per element.
    zero_inflated
        The PyMC zero-inflated distribution, called with ``psi`` (the probability of the
        count process), ``mu`` and the parameters.
    dist, tensor_log_p0
        The count distribution as an unregistered PyMC variable, ``dist(mu, params)``, and
        its log probability of a zero on tensors, for the hurdle likelihood.
    """

    name: str
    dispersion: tuple[DispersionParameter, ...]
    log_pmf: Callable[..., np.ndarray]
    log_p0: Callable[..., np.ndarray]
    variance: Callable[..., np.ndarray]
    quantile: Callable[..., np.ndarray]
    draw: Callable[..., np.ndarray]
    zero_inflated: Callable[..., object]
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
    zero_inflated=lambda name, psi, mu, p, **kw: pm.ZeroInflatedPoisson(name, psi=psi, mu=mu, **kw),
    dist=lambda mu, p: pm.Poisson.dist(mu=mu),
    tensor_log_p0=lambda mu, p: -mu,
)
NEGBINOMIAL = CountBase(
    "negbinomial",
    (NB_SHAPE,),
    log_pmf=lambda y, mu, p: stats.nbinom.logpmf(y, p["shape"], nb_p(mu, p["shape"])),
    log_p0=lambda mu, p: p["shape"] * np.log(nb_p(mu, p["shape"])),
    variance=lambda mu, p: mu + mu**2 / p["shape"],
    quantile=lambda q, mu, p: stats.nbinom.ppf(q, p["shape"], nb_p(mu, p["shape"])),
    draw=lambda rng, mu, p: rng.negative_binomial(p["shape"], nb_p(mu, p["shape"])),
    zero_inflated=lambda name, psi, mu, p, **kw: pm.ZeroInflatedNegativeBinomial(
        name, psi=psi, mu=mu, alpha=p["shape"], **kw
    ),
    dist=lambda mu, p: pm.NegativeBinomial.dist(mu=mu, alpha=p["shape"]),
    tensor_log_p0=lambda mu, p: -p["shape"] * pt.log1p(mu / p["shape"]),
)


def zero_inflated(base: CountBase) -> Family:
    """The zero-inflated family over ``base``: a structural zero with probability ``zi``."""

    def log_likelihood(y, eta, link, p, detail):
        mu, zi = link.inverse_np(eta), p["zi"]
        zero = np.logaddexp(np.log(zi), np.log1p(-zi) + base.log_p0(mu, p))
        return np.where(y == 0, zero, np.log1p(-zi) + base.log_pmf(y, mu, p))

    def random(rng, eta, link, p, trials):
        mu = link.inverse_np(eta)
        counts = base.draw(rng, mu, p)
        return np.where(rng.random(np.shape(counts)) < p["zi"], 0, counts)

    def variance(eta, link, p, trials):
        mu, zi = link.inverse_np(eta), p["zi"]
        second_moment = (1 - zi) * (base.variance(mu, p) + mu**2)
        return second_moment - ((1 - zi) * mu) ** 2

    return Family(
        f"zero_inflated_{base.name}",
        links=("log",),
        support=SUPPORTS["count"],
        dispersion=(*base.dispersion, ZI),
        likelihood=lambda name, eta, link, p, observed, detail: base.zero_inflated(
            name, 1 - p["zi"], link.inverse(eta), p, observed=observed, dims="obs"
        ),
        log_likelihood=log_likelihood,
        random=random,
        expected=lambda eta, link, p: (1 - p["zi"]) * link.inverse_np(eta),
        variance=variance,
        mean_scale=identity_scale,
    )


def _hurdle_draws(base: CountBase, rng: np.random.Generator, mu, p) -> np.ndarray:
    """Hurdle counts: zero with probability ``hu``, else a zero-truncated count by inversion."""
    p0 = np.exp(base.log_p0(mu, p))
    uniform = rng.random(np.broadcast_shapes(np.shape(mu), np.shape(p0), np.shape(p["hu"])))
    truncated = base.quantile(p0 + uniform * (1 - p0), mu, p)
    positive = np.maximum(np.nan_to_num(truncated, nan=1.0, posinf=1.0), 1.0)
    return np.where(rng.random(np.shape(positive)) < p["hu"], 0, positive)


def _hurdle_likelihood(base: CountBase) -> Callable[..., pt.TensorVariable]:
    """The observed hurdle variable, with the zero-truncated count's normaliser in closed
    form (``1 - P(0 | mu)``) rather than PyMC's generic truncation, whose incomplete-beta
    gradients make large negative-binomial fits several times slower."""
    names = [parameter.name for parameter in base.dispersion]

    def logp(value, mu, hu, *extra):
        p = dict(zip(names, extra, strict=True))
        counts = pm.logp(base.dist(mu, p), value) - pt.log1mexp(base.tensor_log_p0(mu, p))
        return pt.switch(pt.eq(value, 0), pt.log(hu), pt.log1p(-hu) + counts)

    def random(mu, hu, *extra, rng=None, size=None):
        p = {"hu": hu, **dict(zip(names, extra, strict=True))}
        return _hurdle_draws(base, rng, np.broadcast_to(mu, size or np.shape(mu)), p)

    def likelihood(name, eta, link, p, observed, detail):
        extra = [p[name_] for name_ in names]
        return pm.CustomDist(
            name,
            link.inverse(eta),
            p["hu"],
            *extra,
            logp=logp,
            random=random,
            dtype="int64",
            observed=observed,
            dims="obs",
        )

    return likelihood


def hurdle(base: CountBase) -> Family:
    """The hurdle family over ``base``: a zero with probability ``hu``, else a zero-truncated
    count (Mullahy 1986)."""

    def log_likelihood(y, eta, link, p, detail):
        mu, hu = link.inverse_np(eta), p["hu"]
        log_positive = np.log(-np.expm1(base.log_p0(mu, p)))
        counts = np.log1p(-hu) + base.log_pmf(y, mu, p) - log_positive
        return np.where(y == 0, np.log(hu), counts)

    def expected(eta, link, p):
        mu = link.inverse_np(eta)
        return (1 - p["hu"]) * mu / -np.expm1(base.log_p0(mu, p))

    def variance(eta, link, p, trials):
        mu = link.inverse_np(eta)
        positive = -np.expm1(base.log_p0(mu, p))
        second_moment = (1 - p["hu"]) * (base.variance(mu, p) + mu**2) / positive
        return second_moment - expected(eta, link, p) ** 2

    return Family(
        f"hurdle_{base.name}",
        links=("log",),
        support=SUPPORTS["count"],
        dispersion=(*base.dispersion, HU),
        likelihood=_hurdle_likelihood(base),
        log_likelihood=log_likelihood,
        random=lambda rng, eta, link, p, trials: _hurdle_draws(base, rng, link.inverse_np(eta), p),
        expected=expected,
        variance=variance,
        mean_scale=identity_scale,
    )


BETA_BINOMIAL = Family(
    "beta_binomial",
    links=("logit", "probit", "cloglog"),
    support=SUPPORTS["binomial"],
    dispersion=(
        DispersionParameter(
            "phi", "beta-binomial precision (smaller is more overdispersed)", PHI.default_prior
        ),
    ),
    likelihood=lambda name, eta, link, p, observed, trials: pm.BetaBinomial(
        name,
        alpha=link.inverse(eta) * p["phi"],
        beta=link.complement(eta) * p["phi"],
        n=trials,
        observed=observed,
        dims="obs",
    ),
    log_likelihood=lambda y, eta, link, p, trials: stats.betabinom.logpmf(
        y, trials, link.inverse_np(eta) * p["phi"], link.complement_np(eta) * p["phi"]
    ),
    random=lambda rng, eta, link, p, trials: rng.binomial(
        trials.astype(np.int64),
        rng.beta(link.inverse_np(eta) * p["phi"], link.complement_np(eta) * p["phi"]),
    ),
    expected=inverse_link_mean,
    variance=lambda eta, link, p, trials: (
        link.inverse_np(eta)
        * link.complement_np(eta)
        / trials
        * (1 + (trials - 1) / (p["phi"] + 1))
    ),
    mean_scale=proportion_scale,
)

COUNT_FAMILIES = [
    zero_inflated(POISSON),
    zero_inflated(NEGBINOMIAL),
    hurdle(POISSON),
    hurdle(NEGBINOMIAL),
    BETA_BINOMIAL,
]
"""The families of this module, for the catalogue."""
