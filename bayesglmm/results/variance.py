"""Variance components on the latent (link) scale, intraclass correlations and the
marginal and conditional R^2 of Nakagawa & Schielzeth (2013, Methods in Ecology and
Evolution 4:133-142) and Nakagawa, Johnson & Schielzeth (2017, J. R. Soc. Interface
14:20170213).

Per posterior draw the total latent-scale variance is

``sigma2_f + sum_l sigma2_l + sigma2_e + sigma2_d``

* ``sigma2_f``: the variance over the fitted rows of the fixed part ``X b`` and its
  monotonic terms (offsets left out), smooths included (their penalised part describes the
  mean curve, not groups);
* ``sigma2_l``: for each grouping factor, the mean over the fitted rows of ``z' Sigma z``
  (its variance for intercept-only terms; Johnson 2014, Methods Ecol. Evol. 5:944-946, for
  random slopes), times the mean diagonal of a known covariance ``A``;
* ``sigma2_e``: an observation-level effect (``overdispersion=True``), additive
  overdispersion;
* ``sigma2_d``: the distribution-specific variance: ``sigma^2`` for gaussian; ``pi^2/3``,
  1 and ``pi^2/6`` for binomial and bernoulli with logit, probit and cloglog links;
  ``log(1 + 1/lambda)`` for poisson and ``log(1 + 1/lambda + 1/shape)`` for negative
  binomial (log link, the lognormal approximation of Nakagawa et al. 2017), with
  ``lambda = exp(mean(X b + offset) + (sum_l sigma2_l + sigma2_e) / 2)`` the mean count.

Reported: each component's share of the total; the adjusted intraclass correlation of
each grouping factor, ``sigma2_l / (sum_l sigma2_l + sigma2_e + sigma2_d)`` (the
correlation on the latent scale of two rows sharing only that level); ``R2_marginal =
sigma2_f / total`` and ``R2_conditional = (sigma2_f + sum_l sigma2_l) / total``.

:meth:`bayesglmm.Fit.r2` is different: Gelman et al.'s (2019) Bayesian R^2 of the
conditional means on the response scale, with no latent-scale residual.

Examples
--------
>>> import bayesglmm as bg
>>> model = bg.Model("favorable | trials(n) ~ treatment + (1 | clinic)",
...                  bg.datasets.load("infection"), family="binomial")
>>> fit = model.fit(draws=300, tune=300, chains=2, seed=1, progress=False)
>>> components = fit.variance_components()
>>> components.table.index.tolist()
['fixed effects', 'clinic', 'residual (logit: pi^2/3)']
>>> components.r2.index.tolist()
['R2_marginal', 'R2_conditional']
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass

import numpy as np
import pandas as pd

from bayesglmm import naming
from bayesglmm.errors import DataError
from bayesglmm.formula.design import OBSERVATION_FACTOR
from bayesglmm.results.emmeans import draw_summary
from bayesglmm.results.intervals import interval_bounds, interval_columns, resolve_ci_prob
from bayesglmm.results.linear_predictor import (
    combined,
    imputed_terms,
    monotonic_terms,
    smooth_terms,
    stacked_draws,
)
from bayesglmm.results.predict import group_covariance

LATENT_BINOMIAL = {"logit": np.pi**2 / 3, "probit": 1.0, "cloglog": np.pi**2 / 6}
"""Distribution-specific variance of binomial and bernoulli models by link: the variance
of the standard logistic, normal and Gumbel distributions."""
_BINOMIAL_LABELS = {"logit": "pi^2/3", "probit": "1", "cloglog": "pi^2/6"}
SUPPORTED = "gaussian (identity), binomial and bernoulli, poisson and negbinomial (log)"


def _group_variance(posterior, group) -> np.ndarray:
    """Draws of the mean over fitted rows of ``z' Sigma z`` for one grouping factor."""
    covariance = group_covariance(posterior, group.name)
    variance = sum(
        np.einsum("ni,sij,nj->sn", values, covariance, values, optimize=True).mean(axis=1)
        for _, values in group.memberships
    )
    if group.covariance_factor is not None:
        diagonal = np.sum(group.covariance_factor**2, axis=1)
        variance = variance * diagonal[group.index].mean()
    return variance


def _distribution_variance(fit, mean_fixed, random_total) -> tuple[np.ndarray, str]:
    """Draws of the distribution-specific variance and its label."""
    family, link, posterior = fit.family.name, fit.link.name, fit.posterior
    if family == "gaussian" and link == "identity":
        return stacked_draws(posterior, "sigma") ** 2, "residual (sigma^2)"
    if family in ("binomial", "bernoulli") and link in LATENT_BINOMIAL:
        value = np.full(mean_fixed.shape, LATENT_BINOMIAL[link])
        return value, f"residual ({link}: {_BINOMIAL_LABELS[link]})"
    if family in ("poisson", "negbinomial") and link == "log":
        inverse_mean = np.exp(-(mean_fixed + random_total / 2))
        if family == "poisson":
            return np.log1p(inverse_mean), "residual (poisson: log(1 + 1/lambda))"
        shape = stacked_draws(posterior, "shape")
        return np.log1p(
            inverse_mean + 1 / shape
        ), "residual (negbinomial: log(1 + 1/lambda + 1/shape))"
    raise DataError(
        f"variance_components() has no latent-scale residual variance for the {family} "
        f"family with the {link} link; it covers {SUPPORTED}. fit.r2() gives a Bayesian R^2 "
        "for any family."
    )


@dataclass(frozen=True)
class VarianceComponents:
    """Latent-scale variance components, intraclass correlations and R^2.

    Attributes
    ----------
    table
        One row per component (fixed effects, each grouping factor, an observation-level
        effect, the residual): posterior mean ``variance``, its ``share`` of the total
        with a 95% interval, and for grouping factors the adjusted ``icc`` with a 95%
        interval.
    r2
        Rows ``R2_marginal`` and ``R2_conditional``: posterior mean, median, sd, 95%
        interval, bulk ESS and R-hat.
    draws
        ``(samples, components)`` draws of each variance, columns as ``table``'s rows.
    """

    table: pd.DataFrame
    r2: pd.DataFrame
    draws: pd.DataFrame

    def _lines(self) -> list[str]:
        return [
            "Variance components on the latent (link) scale (Nakagawa & Schielzeth 2013; "
            "Nakagawa, Johnson & Schielzeth 2017); icc: adjusted intraclass correlation, "
            "the factor's share of the non-fixed variance.",
            "R2_marginal: fixed effects over the total; R2_conditional: fixed and group "
            "effects over the total. fit.r2() is Gelman et al.'s Bayesian R^2 on the response "
            "scale instead.",
        ]

    def __repr__(self) -> str:
        notes = "\n".join(textwrap.fill(line, width=88) for line in self._lines())
        return (
            f"{notes}\n\n{self.table.round(4).to_string()}\n\n"
            f"{self.r2.drop(columns=['ess_bulk', 'rhat']).round(4).to_string()}"
        )

    def _repr_html_(self) -> str:
        notes = "".join(f"<p>{line}</p>" for line in self._lines())
        return (
            notes
            + self.table.to_html(classes="bayesglmm", float_format="%.4g")
            + self.r2.to_html(classes="bayesglmm", float_format="%.4g")
        )


def _share_columns(ci_prob: float) -> list[str]:
    """``variance``, then the mean share and ICC, each with its interval."""
    low, high = interval_columns(ci_prob)
    return [
        "variance",
        "share",
        f"share_{low}",
        f"share_{high}",
        "icc",
        f"icc_{low}",
        f"icc_{high}",
    ]


def variance_components(fit, ci_prob: float | None = None) -> VarianceComponents:
    """Variance components of ``fit``; see :meth:`bayesglmm.Fit.variance_components`."""
    ci_prob = resolve_ci_prob(ci_prob)
    modelled = [name for name in fit.spec.parameter_names if name in ("sigma", "shape")]
    if modelled:
        raise DataError(
            f"variance_components() needs one residual variance, but '{modelled[0]}' has a "
            "formula of its own; fit it without one, or use fit.r2()."
        )
    posterior = fit.posterior
    monotonic = monotonic_terms(posterior, [(t.column, t.codes) for t in fit.spec.monotonic])
    b = stacked_draws(posterior, naming.coefficients())
    smooths = smooth_terms(posterior, fit.spec)
    imputed = imputed_terms(posterior, b, fit.spec.imputed_predictors)
    fixed = combined(b, fit.spec.fixed.matrix, None, [], smooths, monotonic, imputed)
    columns = {"fixed effects": fixed.var(axis=1, ddof=1)}
    overdispersion = np.zeros(fixed.shape[0])
    for group in fit.spec.groups:
        if group.name == OBSERVATION_FACTOR:
            overdispersion = _group_variance(posterior, group)
        else:
            columns[group.name] = _group_variance(posterior, group)
    random = [name for name in columns if name != "fixed effects"]
    random_total = sum((columns[name] for name in random), np.zeros(fixed.shape[0]))
    if any(group.name == OBSERVATION_FACTOR for group in fit.spec.groups):
        columns["observation-level (overdispersion)"] = overdispersion
    offset = 0.0 if fit.spec.offset is None else fit.spec.offset.mean()
    residual, label = _distribution_variance(
        fit, fixed.mean(axis=1) + offset, random_total + overdispersion
    )
    columns[label] = residual
    draws = pd.DataFrame(columns)
    total = draws.sum(axis=1).to_numpy()
    unexplained = total - columns["fixed effects"]
    rows = []
    for name in draws.columns:
        share = draws[name].to_numpy() / total
        icc = (
            draws[name].to_numpy() / unexplained if name in random else np.full(len(total), np.nan)
        )
        rows.append(
            [
                draws[name].mean(),
                share.mean(),
                *interval_bounds(share, ci_prob),
                icc.mean(),
                *interval_bounds(icc, ci_prob),
            ]
        )
    table = pd.DataFrame(
        rows, index=pd.Index(draws.columns, name="component"), columns=_share_columns(ci_prob)
    )
    r2 = np.column_stack(
        [columns["fixed effects"] / total, (columns["fixed effects"] + random_total) / total]
    )
    summary = draw_summary(r2, posterior.sizes["chain"], ci_prob)
    summary.index = ["R2_marginal", "R2_conditional"]
    return VarianceComponents(table, summary, draws)
