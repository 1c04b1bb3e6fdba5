"""Responses with residual correlations: each row's responses are one multivariate normal
(or t) draw, ``y_i ~ MvN(mu_i, L L')`` with ``L = diag(sigma) chol(R)``.

PyMC's ``MvNormal`` solves one small triangular system per row; here the whole ``N x K``
residual matrix is solved against ``L`` in one call, and the per-row log density is, with
``z_i = L^{-1} (y_i - mu_i)`` and ``q_i = z_i' z_i``,

- normal: ``-q_i / 2 - log|L| - K log(2 pi) / 2``;
- t with ``nu`` degrees of freedom: ``lgamma((nu + K) / 2) - lgamma(nu / 2) - K log(nu pi) / 2
  - log|L| - (nu + K) log(1 + q_i / nu) / 2`` (Kotz & Nadarajah 2004, eq. 1.1).

The rows stay one observed variable over ``(obs, response)``, so pointwise log-likelihoods
(LOO) and posterior predictive draws come per row, as from PyMC's own distributions.

Examples
--------
>>> import numpy as np
>>> from scipy import stats
>>> chol = np.array([[1.0, 0.0], [0.6, 0.8]])
>>> value, mean = np.array([[0.3, -1.2], [1.5, 0.4]]), np.zeros((2, 2))
>>> ours = mv_normal_logp(value, mean, chol).eval()
>>> bool(np.allclose(ours, stats.multivariate_normal(np.zeros(2), chol @ chol.T).logpdf(value)))
True
"""

from __future__ import annotations

import numpy as np
import pymc as pm
import pytensor.tensor as pt
from pytensor.tensor.linalg import solve_triangular

RESCOR_FAMILIES = ("gaussian", "student_t")
"""The families whose responses may have residual correlations."""

_SIGNATURE = "(k),(k,k)->(k)"


def _mahalanobis(value, mean, chol):
    """Per-row squared Mahalanobis distance and ``log|L|``, from one triangular solve."""
    standardised = solve_triangular(chol, (value - mean).T, lower=True, b_ndim=2)
    return (standardised**2).sum(axis=0), pt.log(pt.diag(chol)).sum()


def mv_normal_logp(value, mean, chol):
    """Per-row log density of multivariate normal rows with Cholesky factor ``chol``."""
    distance, log_det = _mahalanobis(value, mean, chol)
    return -0.5 * distance - log_det - 0.5 * chol.shape[0] * np.log(2 * np.pi)


def mv_student_t_logp(value, nu, mean, chol):
    """Per-row log density of multivariate t rows with ``nu`` degrees of freedom."""
    distance, log_det = _mahalanobis(value, mean, chol)
    k = chol.shape[0]
    return (
        pt.gammaln((nu + k) / 2)
        - pt.gammaln(nu / 2)
        - 0.5 * k * pt.log(nu * np.pi)
        - log_det
        - 0.5 * (nu + k) * pt.log1p(distance / nu)
    )


def correlated_rows(name, family: str, mean, chol, observed, dims, nu=None):
    """Observe the rows ``observed`` (``N x K``) as correlated ``family`` draws."""
    if family == "student_t":
        return pm.CustomDist(
            name,
            nu,
            mean,
            chol,
            dist=lambda nu, mean, chol, size: pm.MvStudentT.dist(
                nu=nu, mu=mean, scale=chol @ chol.T, size=size
            ),
            logp=mv_student_t_logp,
            signature="()," + _SIGNATURE,
            observed=observed,
            dims=dims,
        )
    return normal_rows(name, mean, chol, observed=observed, dims=dims)


def normal_rows(name, mean, chol, **kwargs):
    """Rows ``~ MvN(mean, chol chol')`` with the one-solve log density
    :func:`mv_normal_logp`, drawn forward as PyMC's ``MvNormal``; ``kwargs`` (``observed``,
    ``dims``, ``shape``) go to ``pm.CustomDist``. Centred correlated group effects are
    such rows too."""
    return pm.CustomDist(
        name,
        mean,
        chol,
        dist=lambda mean, chol, size: pm.MvNormal.dist(mu=mean, chol=chol, size=size),
        logp=mv_normal_logp,
        signature=_SIGNATURE,
        **kwargs,
    )
