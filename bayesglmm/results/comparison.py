"""Predictive accuracy and fit: PSIS-LOO, WAIC, model comparison and Bayesian R^2.

* LOO is Pareto-smoothed importance sampling leave-one-out cross-validation (Vehtari,
  Gelman & Gabry 2017, Statistics and Computing 27:1413-1432) through arviz-stats.
* WAIC is Watanabe's (2010) widely applicable information criterion on the same
  pointwise log-likelihood: ``elpd_waic = sum_i (lppd_i - V_s log p(y_i | theta_s))``.
* Bayesian R^2 is ``Var(mu) / (Var(mu) + E[Var(y | mu)])`` per draw, with the
  family's model-based residual variance (Gelman, Goodrich, Gabry & Vehtari 2019,
  The American Statistician 73:307-309).

Examples
--------
>>> import numpy as np
>>> log_lik = np.log(np.full((2, 100, 3), 0.5))
>>> waic_table(log_lik)["elpd_waic"].round(3)
np.float64(-2.079)
"""

from __future__ import annotations

from collections.abc import Iterable

import arviz_stats as azs
import numpy as np
import pandas as pd
import xarray as xr
from scipy import special

WAIC_VARIANCE_LIMIT = 0.4
"""Pointwise WAIC penalties above this make WAIC unreliable (Vehtari et al. 2017)."""


def loo_result(idata: xr.DataTree, row_labels: pd.Index) -> tuple[azs.ELPDData, str | None]:
    """PSIS-LOO and, when Pareto k values are high, a plain-language warning."""
    result = azs.loo(idata, pointwise=True)
    k = np.asarray(result.pareto_k).ravel()
    bad = np.flatnonzero(k > result.good_k)
    if not bad.size:
        return result, None
    worst = bad[np.argmax(k[bad])]
    message = (
        f"Pareto k is above {result.good_k:.2f} for {bad.size} of {k.size} rows (worst: row "
        f"{row_labels[worst]!r}, k = {k[worst]:.2f}): PSIS-LOO is unreliable there, because "
        "leaving one of those rows out changes the posterior a lot. This is common when "
        "groups have few rows. Compare models with K-fold cross-validation instead, or "
        "check whether the model misfits those rows (for example overdispersion)."
    )
    return result, message


def waic_table(log_likelihood: np.ndarray) -> pd.Series:
    """WAIC from a ``(chain, draw, rows)`` pointwise log-likelihood.

    Returns
    -------
    Series with ``elpd_waic``, ``se``, ``p_waic`` and ``waic`` (``-2 elpd_waic``).
    """
    draws = log_likelihood.reshape(-1, log_likelihood.shape[-1])
    lppd = special.logsumexp(draws, axis=0) - np.log(draws.shape[0])
    penalty = draws.var(axis=0, ddof=1)
    pointwise = lppd - penalty
    elpd = float(pointwise.sum())
    return pd.Series(
        {
            "elpd_waic": elpd,
            "se": float(np.sqrt(pointwise.size * pointwise.var(ddof=1))),
            "p_waic": float(penalty.sum()),
            "waic": -2.0 * elpd,
        }
    )


def waic_warning(log_likelihood: np.ndarray) -> str | None:
    """A warning when some pointwise penalty exceeds :data:`WAIC_VARIANCE_LIMIT`."""
    draws = log_likelihood.reshape(-1, log_likelihood.shape[-1])
    high = int(np.sum(draws.var(axis=0, ddof=1) > WAIC_VARIANCE_LIMIT))
    if not high:
        return None
    return (
        f"{high} of {draws.shape[1]} rows have a WAIC penalty above {WAIC_VARIANCE_LIMIT}: "
        "WAIC is unreliable for this model; use fit.loo() instead."
    )


def bayes_r2_draws(chunks: Iterable[tuple[np.ndarray, np.ndarray]]) -> np.ndarray:
    """Bayesian R^2 per draw from chunks of ``(samples, rows)`` means and residual variances.

    Sums are accumulated chunk by chunk, so the rows never need to be held at once.
    """
    rows, total, squares, residual = 0, 0.0, 0.0, 0.0
    for mean, residual_variance in chunks:
        rows += mean.shape[1]
        total = total + mean.sum(axis=1)
        squares = squares + (mean**2).sum(axis=1)
        residual = residual + residual_variance.sum(axis=1)
    explained = (squares - total**2 / rows) / (rows - 1)
    return explained / (explained + residual / rows)


def compare_fits(fits: dict[str, xr.DataTree]) -> pd.DataFrame:
    """Rank fits by expected log predictive density (PSIS-LOO), with stacking weights."""
    if len(fits) < 2:
        raise ValueError("compare needs at least two fits, given as {'name': fit, ...}.")
    return azs.compare(fits)
