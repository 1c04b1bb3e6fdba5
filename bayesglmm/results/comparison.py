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

import contextlib
import warnings
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

import arviz_stats as azs
import numpy as np
import pandas as pd
import xarray as xr
from scipy import special

from bayesglmm import naming
from bayesglmm.errors import ArgumentError, ConvergenceWarning, DataError, DataWarning
from bayesglmm.results.linear_predictor import pointwise_log_likelihood
from bayesglmm.results.predict import conditional_moments
from bayesglmm.results.tables import summarize

if TYPE_CHECKING:
    from bayesglmm.results.fit import Fit

LOG_LIKELIHOOD_MAX_ELEMENTS = 50_000_000
"""Above this many (draw x row) values the log-likelihood is computed only on request."""

WAIC_VARIANCE_LIMIT = 0.4
"""Pointwise WAIC penalties above this make WAIC unreliable (Vehtari et al. 2017)."""


PARETO_WARNING = "Estimated shape parameter of Pareto distribution is greater than"
"""The start of arviz-stats's warning about high Pareto k, which :func:`loo_result` replaces
by one that names the rows and the remedy."""


@contextlib.contextmanager
def _our_pareto_warning_only() -> Iterator[None]:
    """A context in which arviz-stats's own high-Pareto-k warning is silenced."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=PARETO_WARNING, category=UserWarning)
        yield


def loo_result(idata: xr.DataTree, row_labels: pd.Index) -> tuple[azs.ELPDData, str | None]:
    """PSIS-LOO and, when Pareto k values are high, a plain-language warning."""
    with _our_pareto_warning_only():
        result = azs.loo(idata, pointwise=True)
    k = np.asarray(result.pareto_k).ravel()
    bad = np.flatnonzero(k > result.good_k)
    if not bad.size:
        return result, None
    worst = bad[np.argmax(k[bad])]
    label = row_labels[worst : worst + 1].tolist()[0]
    message = (
        f"Pareto k is above {result.good_k:.2f} for {bad.size} of {k.size} rows (worst: row "
        f"{label!r}, k = {k[worst]:.2f}): PSIS-LOO is unreliable there, because "
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
        raise ArgumentError("compare needs at least two fits, given as {'name': fit, ...}.")
    with _our_pareto_warning_only():
        return azs.compare(fits)


def add_log_likelihood(fit: Fit) -> None:
    """Compute the pointwise log-likelihood of ``fit`` into ``fit.idata.log_likelihood``."""
    values = pointwise_log_likelihood(fit.posterior, fit.spec, fit.family, fit.link)
    posterior = fit.idata.posterior
    fit.idata["log_likelihood"] = xr.Dataset(
        {fit.observed_name: ((naming.CHAIN, naming.DRAW, naming.OBS), values)},
        coords={
            naming.CHAIN: posterior[naming.CHAIN].values,
            naming.DRAW: posterior[naming.DRAW].values,
            naming.OBS: np.arange(fit.spec.n_obs),
        },
    )


def store_log_likelihood_if_small(fit: Fit) -> None:
    """Store the log-likelihood of a new fit unless it would be too large, then warn."""
    posterior = fit.idata.posterior
    elements = posterior.sizes[naming.CHAIN] * posterior.sizes[naming.DRAW] * fit.spec.n_obs
    if elements <= LOG_LIKELIHOOD_MAX_ELEMENTS:
        add_log_likelihood(fit)
        return
    warnings.warn(
        f"the pointwise log-likelihood is not stored because it would hold {elements:,} "
        "values; call fit.add_log_likelihood() before LOO if you need it.",
        DataWarning,
        stacklevel=4,
    )


def log_likelihood(fit: Fit) -> np.ndarray:
    """The ``(chain, draw, rows)`` pointwise log-likelihood, computed first if needed."""
    if "log_likelihood" not in fit.idata.children:
        add_log_likelihood(fit)
    values = fit.idata.log_likelihood[fit.observed_name]
    return values.transpose(naming.CHAIN, naming.DRAW, naming.OBS).to_numpy()


def loo(fit: Fit) -> azs.ELPDData:
    """PSIS-LOO of ``fit``, warning once, in plain words, when Pareto k values are high."""
    log_likelihood(fit)
    result, message = loo_result(fit.idata, fit.spec.row_labels)
    if message is not None:
        warnings.warn(message, ConvergenceWarning, stacklevel=3)
    return result


def waic(fit: Fit) -> pd.Series:
    """WAIC of ``fit``, warning when it is unreliable."""
    values = log_likelihood(fit)
    message = waic_warning(values)
    if message is not None:
        warnings.warn(message, ConvergenceWarning, stacklevel=3)
    return waic_table(values)


def r2(fit: Fit, ci_prob: float | None = None) -> pd.DataFrame:
    """Bayesian R^2 of the conditional means, one row ``R2``."""
    posterior = fit.posterior
    chunks = ((mean, variance) for _, mean, variance in conditional_moments(fit))
    draws = bayes_r2_draws(chunks).reshape(
        posterior.sizes[naming.CHAIN], posterior.sizes[naming.DRAW]
    )
    table = summarize(xr.DataArray(draws, dims=(naming.CHAIN, naming.DRAW)), ci_prob)
    return table.set_axis(["R2"])


def compare(fits: dict[str, Fit]) -> pd.DataFrame:
    """Rank fitted models by PSIS-LOO expected log predictive density (arviz-stats).

    Parameters
    ----------
    fits
        ``{"name": fit, ...}``; the models must be fitted to the same rows.

    Returns
    -------
    DataFrame
        One row per model, best first: ``elpd``, ``p``, ``elpd_diff``, ``weight``
        (stacking), ``se``, ``dse`` and whether a warning applies.

    Examples
    --------
    >>> import bayesglmm as bg
    >>> data = bg.datasets.load("epil")
    >>> poisson = bg.Model("y ~ trt + (1 | subject)", data, family="poisson")
    >>> negbin = bg.Model("y ~ trt + (1 | subject)", data, family="negbinomial")
    >>> table = bg.compare({"poisson": poisson.fit(draws=300, tune=300, chains=2, seed=1,
    ...                                             progress=False),
    ...                     "negbinomial": negbin.fit(draws=300, tune=300, chains=2, seed=1,
    ...                                               progress=False)})
    >>> table.index[0]
    'negbinomial'
    """
    rows = {fit.spec.n_obs for fit in fits.values()}
    if len(rows) > 1:
        raise DataError(
            f"the fits use different numbers of rows ({sorted(rows)}); LOO compares models "
            "only on the same data."
        )
    for fit in fits.values():
        log_likelihood(fit)
    return compare_fits({name: fit.idata for name, fit in fits.items()})
