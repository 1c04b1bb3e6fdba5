"""The families bayesglmm ships, each one a :class:`Family` record.

Parametrisations follow brms: gamma has mean ``mu`` and shape; negative
binomial has mean ``mu`` and shape (variance ``mu + mu^2/shape``); beta has
mean ``mu`` and precision ``phi``; lognormal's ``mu`` and ``sigma`` are the
mean and sd of ``log y``. Zero-inflated, hurdle and beta-binomial families live in
:mod:`~bayesglmm.families.counts`, exponential, Weibull and inverse Gaussian in
:mod:`~bayesglmm.families.positive`, the cumulative family in
:mod:`~bayesglmm.families.ordinal`.

Examples
--------
>>> from bayesglmm.families.catalog import FAMILIES
>>> sorted(FAMILIES)[:4]
['bernoulli', 'beta', 'beta_binomial', 'binomial']
"""

from __future__ import annotations

import numpy as np
import pymc as pm
from scipy import special, stats

from bayesglmm.families.common import (
    GAMMA_SHAPE,
    NB_SHAPE,
    NU,
    PHI,
    SIGMA,
    identity_scale,
    inverse_link_mean,
    log_scale,
    nb_p,
    of_mean,
    proportion_scale,
)
from bayesglmm.families.counts import COUNT_FAMILIES
from bayesglmm.families.family import Family
from bayesglmm.families.ordinal import CUMULATIVE
from bayesglmm.families.positive import POSITIVE_FAMILIES
from bayesglmm.families.support import SUPPORTS


def _binary_log_probs(eta: np.ndarray, link) -> tuple[np.ndarray, np.ndarray]:
    log_odds = link.log_odds_np(eta)
    return -np.logaddexp(0.0, -log_odds), -np.logaddexp(0.0, log_odds)


def _binomial_loglik(y, eta, link, params, trials):
    log_p, log_q = _binary_log_probs(eta, link)
    log_choose = (
        special.gammaln(trials + 1) - special.gammaln(y + 1) - special.gammaln(trials - y + 1)
    )
    return log_choose + y * log_p + (trials - y) * log_q


def _bernoulli_loglik(y, eta, link, params, trials):
    log_p, log_q = _binary_log_probs(eta, link)
    return np.where(y > 0.5, log_p, log_q)


FAMILIES: dict[str, Family] = {
    family.name: family
    for family in [
        Family(
            "gaussian",
            links=("identity", "log"),
            support=SUPPORTS["real"],
            dispersion=(SIGMA,),
            likelihood=lambda name, eta, link, p, observed, trials: pm.Normal(
                name, mu=link.inverse(eta), sigma=p["sigma"], observed=observed, dims="obs"
            ),
            log_likelihood=lambda y, eta, link, p, trials: stats.norm.logpdf(
                y, link.inverse_np(eta), p["sigma"]
            ),
            random=lambda rng, eta, link, p, trials: rng.normal(link.inverse_np(eta), p["sigma"]),
            expected=inverse_link_mean,
            variance=of_mean(
                lambda mean, p, trials: np.broadcast_to(p["sigma"] ** 2, np.shape(mean))
            ),
            mean_scale=identity_scale,
            residual_sd=True,
        ),
        Family(
            "student_t",
            links=("identity", "log"),
            support=SUPPORTS["real"],
            dispersion=(SIGMA, NU),
            likelihood=lambda name, eta, link, p, observed, trials: pm.StudentT(
                name,
                nu=p["nu"],
                mu=link.inverse(eta),
                sigma=p["sigma"],
                observed=observed,
                dims="obs",
            ),
            log_likelihood=lambda y, eta, link, p, trials: stats.t.logpdf(
                y, p["nu"], link.inverse_np(eta), p["sigma"]
            ),
            random=lambda rng, eta, link, p, trials: (
                link.inverse_np(eta)
                + p["sigma"] * rng.standard_t(np.broadcast_to(p["nu"], np.shape(eta)))
            ),
            expected=inverse_link_mean,
            variance=of_mean(
                lambda mean, p, trials: np.broadcast_to(
                    np.where(p["nu"] > 2, p["sigma"] ** 2 * p["nu"] / (p["nu"] - 2), np.inf),
                    np.shape(mean),
                )
            ),
            mean_scale=identity_scale,
            residual_sd=True,
        ),
        Family(
            "lognormal",
            links=("identity",),
            support=SUPPORTS["positive"],
            dispersion=(SIGMA,),
            likelihood=lambda name, eta, link, p, observed, trials: pm.LogNormal(
                name, mu=link.inverse(eta), sigma=p["sigma"], observed=observed, dims="obs"
            ),
            log_likelihood=lambda y, eta, link, p, trials: (
                stats.norm.logpdf(np.log(y), link.inverse_np(eta), p["sigma"]) - np.log(y)
            ),
            random=lambda rng, eta, link, p, trials: rng.lognormal(
                link.inverse_np(eta), p["sigma"]
            ),
            expected=lambda eta, link, p: np.exp(link.inverse_np(eta) + p["sigma"] ** 2 / 2),
            variance=lambda eta, link, p, trials: (
                (np.exp(p["sigma"] ** 2) - 1)
                * np.exp(link.inverse_np(eta) + p["sigma"] ** 2 / 2) ** 2
            ),
            mean_scale=log_scale,
            residual_sd=True,
        ),
        Family(
            "gamma",
            links=("log", "inverse", "identity"),
            support=SUPPORTS["positive"],
            dispersion=(GAMMA_SHAPE,),
            likelihood=lambda name, eta, link, p, observed, trials: pm.Gamma(
                name,
                alpha=p["shape"],
                beta=p["shape"] / link.inverse(eta),
                observed=observed,
                dims="obs",
            ),
            log_likelihood=lambda y, eta, link, p, trials: stats.gamma.logpdf(
                y, p["shape"], scale=link.inverse_np(eta) / p["shape"]
            ),
            random=lambda rng, eta, link, p, trials: rng.gamma(
                p["shape"], link.inverse_np(eta) / p["shape"]
            ),
            expected=inverse_link_mean,
            variance=of_mean(lambda mean, p, trials: mean**2 / p["shape"]),
            mean_scale=identity_scale,
        ),
        Family(
            "beta",
            links=("logit",),
            support=SUPPORTS["open_unit"],
            dispersion=(PHI,),
            likelihood=lambda name, eta, link, p, observed, trials: pm.Beta(
                name,
                alpha=link.inverse(eta) * p["phi"],
                beta=link.complement(eta) * p["phi"],
                observed=observed,
                dims="obs",
            ),
            log_likelihood=lambda y, eta, link, p, trials: stats.beta.logpdf(
                y, link.inverse_np(eta) * p["phi"], link.complement_np(eta) * p["phi"]
            ),
            random=lambda rng, eta, link, p, trials: rng.beta(
                link.inverse_np(eta) * p["phi"], link.complement_np(eta) * p["phi"]
            ),
            expected=inverse_link_mean,
            variance=of_mean(lambda mean, p, trials: mean * (1 - mean) / (1 + p["phi"])),
            mean_scale=identity_scale,
        ),
        Family(
            "bernoulli",
            links=("logit", "probit", "cloglog"),
            support=SUPPORTS["binary"],
            dispersion=(),
            likelihood=lambda name, eta, link, p, observed, trials: pm.Bernoulli(
                name, logit_p=link.log_odds(eta), observed=observed, dims="obs"
            ),
            log_likelihood=_bernoulli_loglik,
            random=lambda rng, eta, link, p, trials: rng.binomial(1, link.inverse_np(eta)),
            expected=inverse_link_mean,
            variance=of_mean(lambda mean, p, trials: mean * (1 - mean)),
            mean_scale=proportion_scale,
        ),
        Family(
            "binomial",
            links=("logit", "probit", "cloglog"),
            support=SUPPORTS["binomial"],
            dispersion=(),
            likelihood=lambda name, eta, link, p, observed, trials: pm.Binomial(
                name, n=trials, logit_p=link.log_odds(eta), observed=observed, dims="obs"
            ),
            log_likelihood=_binomial_loglik,
            random=lambda rng, eta, link, p, trials: rng.binomial(
                trials.astype(np.int64), link.inverse_np(eta)
            ),
            expected=inverse_link_mean,
            variance=of_mean(lambda mean, p, trials: mean * (1 - mean) / trials),
            mean_scale=proportion_scale,
        ),
        Family(
            "poisson",
            links=("log", "sqrt"),
            support=SUPPORTS["count"],
            dispersion=(),
            likelihood=lambda name, eta, link, p, observed, trials: pm.Poisson(
                name, mu=link.inverse(eta), observed=observed, dims="obs"
            ),
            log_likelihood=lambda y, eta, link, p, trials: stats.poisson.logpmf(
                y, link.inverse_np(eta)
            ),
            random=lambda rng, eta, link, p, trials: rng.poisson(link.inverse_np(eta)),
            expected=inverse_link_mean,
            variance=of_mean(lambda mean, p, trials: mean),
            mean_scale=identity_scale,
        ),
        Family(
            "negbinomial",
            links=("log",),
            support=SUPPORTS["count"],
            dispersion=(NB_SHAPE,),
            likelihood=lambda name, eta, link, p, observed, trials: pm.NegativeBinomial(
                name, mu=link.inverse(eta), alpha=p["shape"], observed=observed, dims="obs"
            ),
            log_likelihood=lambda y, eta, link, p, trials: stats.nbinom.logpmf(
                y, p["shape"], nb_p(link.inverse_np(eta), p["shape"])
            ),
            random=lambda rng, eta, link, p, trials: rng.negative_binomial(
                p["shape"], nb_p(link.inverse_np(eta), p["shape"])
            ),
            expected=inverse_link_mean,
            variance=of_mean(lambda mean, p, trials: mean + mean**2 / p["shape"]),
            mean_scale=identity_scale,
        ),
        *COUNT_FAMILIES,
        *POSITIVE_FAMILIES,
        CUMULATIVE,
    ]
}
"""Every family bayesglmm knows, by name."""
