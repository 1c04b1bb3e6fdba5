"""The likelihood of a finite mixture family: ``log f(y) = logsumexp_k(log theta_k +
log f_k(y | mu_k, ...))`` (McLachlan & Peel 2000), from each component's own likelihood.

The likelihood is given ``mu`` of component 1 and, among the parameters, the linear
predictors ``mu2..muK`` of the other components (on the same link), each component's
parameters by their numbered names (``sigma1``, ``sigma2``) and either the simplex
``theta`` (last axis over the components) or the log odds ``theta2..thetaK`` against
component 1, which a softmax turns into proportions.

Examples
--------
>>> import numpy as np
>>> from bayesglmm.backend.likelihoods import likelihood_of
>>> from bayesglmm.families import LINKS, mixture
>>> from bayesglmm.backend.likelihoods.base import Mu
>>> mixed = likelihood_of(mixture("poisson", nmix=2))
>>> params = {"mu2": np.log(4.0), "theta": np.array([0.5, 0.5])}
>>> float(mixed.mean(Mu.of(np.log(2.0), LINKS["log"]), params))
3.0
"""

from __future__ import annotations

import numpy as np
import pymc as pm
import pytensor.tensor as pt
from scipy import special

from bayesglmm import naming
from bayesglmm.backend.likelihoods.base import Likelihood, Mu, Params
from bayesglmm.families.mixture import Mixture


class MixtureLikelihood(Likelihood):
    """The mixture of the components' likelihoods ``components``, in order."""

    def __init__(self, family: Mixture, components: list[Likelihood]):
        self.family, self.components = family, components
        self.name = family.name

    def _parts(self, mu: Mu, params: Params) -> list[tuple[Likelihood, Mu, Params]]:
        """Per component: its likelihood, its ``mu`` and its own parameters by name."""
        parts = []
        for k, likelihood in enumerate(self.components, start=1):
            own = {base: params[name] for base, name in self.family.component_names(k).items()}
            at = mu if k == 1 else mu.at(params[naming.component("mu", k)])
            parts.append((likelihood, at, own))
        return parts

    def _log_weights(self, params: Params, tensors: bool) -> list:
        """``log theta_k`` per component, arrays or tensors that broadcast over rows."""
        count = self.family.n_components
        lib = pt if tensors else np
        if naming.MIXING in params:
            theta = params[naming.MIXING]
            return [lib.log(theta[..., k]) for k in range(count)]
        odds = [params[naming.component(naming.MIXING, k)] for k in range(2, count + 1)]
        odds = [0.0 * odds[0], *odds]
        if tensors:
            normaliser = pt.logsumexp(pt.stack(odds, axis=-1), axis=-1)
        else:
            normaliser = special.logsumexp(np.stack(np.broadcast_arrays(*odds), -1), axis=-1)
        return [value - normaliser for value in odds]

    def _weights(self, params: Params) -> list[np.ndarray]:
        return [np.exp(value) for value in self._log_weights(params, tensors=False)]

    def pymc(self, mu, params, trials):
        parts = self._parts(mu, params)
        dists = [likelihood.pymc(at, own, trials) for likelihood, at, own in parts]
        log_w = pt.stack(
            [pt.broadcast_to(w, mu.eta.shape) for w in self._log_weights(params, True)], -1
        )
        return pm.Mixture.dist(w=pt.exp(log_w), comp_dists=dists)

    def logpdf(self, y, mu, params, trials):
        terms = [
            log_w + likelihood.logpdf(y, at, own, trials)
            for log_w, (likelihood, at, own) in zip(
                self._log_weights(params, False), self._parts(mu, params), strict=True
            )
        ]
        return special.logsumexp(np.stack(np.broadcast_arrays(*terms), axis=0), axis=0)

    def random(self, rng, mu, params, trials):
        parts = self._parts(mu, params)
        draws = [likelihood.random(rng, at, own, trials) for likelihood, at, own in parts]
        draws = np.stack(np.broadcast_arrays(*draws), axis=0)
        shape = draws.shape[1:]
        weights = [np.broadcast_to(w, shape) for w in self._weights(params)]
        cumulative = np.cumsum(np.stack(weights, axis=0), axis=0)
        u = rng.random(shape)
        chosen = np.minimum((u[None] > cumulative).sum(axis=0), len(parts) - 1)
        return np.take_along_axis(draws, chosen[None], axis=0)[0]

    def component_means(self, mu: Mu, params: Params) -> list[np.ndarray]:
        """The mean of each component's response."""
        return [likelihood.mean(at, own) for likelihood, at, own in self._parts(mu, params)]

    def mean(self, mu, params):
        means = self.component_means(mu, params)
        return sum(w * m for w, m in zip(self._weights(params), means, strict=True))

    def variance(self, mu, params, trials):
        weights, parts = self._weights(params), self._parts(mu, params)
        mean = self.mean(mu, params)
        second = sum(
            w * (likelihood.variance(at, own, trials) + likelihood.mean(at, own) ** 2)
            for w, (likelihood, at, own) in zip(weights, parts, strict=True)
        )
        return second - mean**2


__all__ = ["MixtureLikelihood"]
