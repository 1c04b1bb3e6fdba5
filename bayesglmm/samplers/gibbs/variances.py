"""Updates of standard deviations, correlations and dispersion in the Gibbs sampler.

Each update targets exactly the prior the NUTS backend uses:

* A half-Student-t(nu, A) prior on a standard deviation (half-Cauchy: nu = 1) is
  written with an auxiliary variable, ``s^2 | a ~ IG(nu/2, nu/a)``,
  ``a ~ IG(1/2, 1/A^2)`` (Wand, Ormerod, Padoan & Fruhwirth 2011), so both
  conditionals are inverse-gamma draws.
* Any other prior on a standard deviation is updated by slice sampling its
  logarithm (Neal 2003).
* A correlated block with sds ``s`` and correlation ``R ~ LKJ(eta)`` is updated by an
  independence Metropolis-Hastings step whose proposal is the inverse-Wishart full
  conditional under an improper reference prior; the acceptance ratio swaps that
  prior for the LKJ-and-sd prior, so the chain targets the NUTS model exactly.
* A Student-t(nu, m, s) prior on a fixed effect is a normal with precision scaled by
  ``lambda ~ Gamma(nu/2, nu/2)``, drawn given the coefficient.

Examples
--------
>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> draws = [slice_sample(lambda t: -0.5 * t * t, 0.0, 1.0, rng) for _ in range(2000)]
>>> abs(float(np.mean(draws))) < 0.1
True
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from bayesglmm.priors.distributions import HalfCauchy, HalfStudentT, Prior


def inverse_gamma(shape: float, scale: float, rng: np.random.Generator) -> float:
    """One draw from IG(shape, scale)."""
    return scale / rng.gamma(shape)


def inverse_wishart(dof: float, scale: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One draw from IW(dof, scale), the inverse of a Wishart(dof, scale^-1) (Bartlett 1933)."""
    k = scale.shape[0]
    factor = np.linalg.cholesky(np.linalg.inv(scale))
    bartlett = np.tril(rng.standard_normal((k, k)), -1)
    bartlett[np.diag_indices(k)] = np.sqrt(rng.chisquare(dof - np.arange(k)))
    half = factor @ bartlett
    return np.linalg.inv(half @ half.T)


def slice_sample(
    log_density: Callable[[float], float],
    start: float,
    width: float,
    rng: np.random.Generator,
    max_steps: int = 50,
) -> float:
    """One univariate slice-sampling update with stepping out and shrinkage (Neal 2003)."""
    level = log_density(start) - rng.exponential()
    left = start - width * rng.uniform()
    right = left + width
    steps = max_steps
    while steps > 0 and log_density(left) > level:
        left -= width
        steps -= 1
    steps = max_steps
    while steps > 0 and log_density(right) > level:
        right += width
        steps -= 1
    while True:
        proposal = rng.uniform(left, right)
        if log_density(proposal) > level:
            return proposal
        if proposal < start:
            left = proposal
        else:
            right = proposal


def half_t_parameters(prior: Prior) -> tuple[float, float] | None:
    """``(nu, A)`` when the prior is half-t or half-Cauchy (conjugate via expansion), else None."""
    if isinstance(prior, HalfStudentT):
        return prior.nu, prior.sigma
    if isinstance(prior, HalfCauchy):
        return 1.0, prior.beta
    return None


class ScaleUpdate:
    """Update one standard deviation given a sum of squares over ``count`` normal terms."""

    def __init__(self, prior: Prior):
        self.prior = prior
        self.expansion = half_t_parameters(prior)
        self.auxiliary = 1.0

    def draw(
        self, sum_squares: float, count: float, current: float, rng: np.random.Generator
    ) -> float:
        """A new standard deviation given ``sum_squares`` of ``count`` N(0, sd^2) terms."""
        if self.expansion is not None:
            nu, scale = self.expansion
            variance = inverse_gamma((nu + count) / 2, nu / self.auxiliary + sum_squares / 2, rng)
            self.auxiliary = inverse_gamma((nu + 1) / 2, nu / variance + 1 / scale**2, rng)
            return float(np.sqrt(variance))

        def log_density(log_sd: float) -> float:
            return float(
                -count * log_sd
                - sum_squares * np.exp(-2 * log_sd) / 2
                + self.prior.logpdf(np.exp(log_sd))
                + log_sd
            )

        return float(np.exp(slice_sample(log_density, np.log(current), 1.0, rng)))


class CorrelatedBlockUpdate:
    """Independence Metropolis-Hastings for the covariance of a correlated block.

    The proposal is the full conditional ``IW(J - 1, S)`` of the covariance under the
    improper prior ``|Sigma|^(-k/2)`` (``S`` the sum of squares and products of the J
    levels' effects). Against the target prior (sds with their own priors, correlation
    matrix ``R ~ LKJ(eta)``) the importance weight is
    ``prod_i p(sd_i) * |R|^(eta - 1 + k/2)``, nearly flat where the data put the
    posterior, so most proposals are accepted.
    """

    def __init__(self, priors: tuple[Prior, ...], eta: float):
        self.priors = priors
        self.eta = eta
        self.size = len(priors)

    def _log_weight(self, covariance: np.ndarray) -> float:
        sd = np.sqrt(np.diag(covariance))
        _, log_det = np.linalg.slogdet(covariance / np.outer(sd, sd))
        prior = sum(float(p.logpdf(s)) for p, s in zip(self.priors, sd, strict=True))
        return prior + (self.eta - 1 + self.size / 2) * log_det

    def draw(
        self, effects: np.ndarray, current: np.ndarray, rng: np.random.Generator
    ) -> tuple[np.ndarray, bool]:
        """A new covariance given the block's effects ``(levels, k)``; and if it was accepted."""
        squares = effects.T @ effects
        if effects.shape[0] <= self.size or np.linalg.eigvalsh(squares)[0] <= 0:
            return current, False
        proposal = inverse_wishart(effects.shape[0] - 1, squares, rng)
        if np.log(rng.uniform()) < self._log_weight(proposal) - self._log_weight(current):
            return proposal, True
        return current, False


def student_t_precision_scales(
    coefficients: np.ndarray,
    mean: np.ndarray,
    scale: np.ndarray,
    nu: np.ndarray,
    rng: np.random.Generator,
) -> np.ndarray:
    """Prior variances of fixed effects, ``scale^2 / lambda`` with ``lambda`` drawn for t priors."""
    variance = scale**2
    heavy = np.isfinite(nu)
    if heavy.any():
        z = (coefficients[heavy] - mean[heavy]) / scale[heavy]
        shape = (nu[heavy] + 1) / 2
        rate = (nu[heavy] + z**2) / 2
        variance = variance.copy()
        variance[heavy] = scale[heavy] ** 2 / rng.gamma(shape, 1 / rate)
    return variance
