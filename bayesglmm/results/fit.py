"""The fitted model: draws in an ArviZ DataTree plus lme4/brms-style tables and printout.

Examples
--------
>>> import bayesglmm as bg
>>> model = bg.Model("favorable | trials(n) ~ treatment + (1 | clinic)",
...                  bg.datasets.load("infection"), family="binomial")
>>> fit = model.fit(draws=500, tune=500, chains=2, seed=1, progress=False)
>>> fit.fixef().index.tolist()
['Intercept', 'treatment[T.drug]']
>>> sorted(fit.idata.children)
['log_likelihood', 'observed_data', 'posterior', 'sample_stats']
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from functools import cached_property
from pathlib import Path

import arviz_plots as azp
import arviz_stats as azs
import numpy as np
import pandas as pd
import xarray as xr

from bayesglmm.errors import (
    ConvergenceWarning,
    DataError,
    DataWarning,
    FormulaError,
    IncompleteSamplingWarning,
)
from bayesglmm.families.family import Family
from bayesglmm.families.links import Link
from bayesglmm.formula.design import predictor_columns
from bayesglmm.formula.newdata import NewDataDesign, new_data_design
from bayesglmm.formula.spec import ModelSpec
from bayesglmm.priors.resolve import Priors
from bayesglmm.results.comparison import (
    bayes_r2_draws,
    compare_fits,
    loo_result,
    waic_table,
    waic_warning,
)
from bayesglmm.results.diagnostics import (
    OVERDISPERSION_REMEDIES,
    Diagnosis,
    convergence_messages,
    diagnosis,
    pearson_dispersion,
)
from bayesglmm.results.display import Printout, model_header
from bayesglmm.results.effects import (
    CONTRAST_SCALES,
    evaluate_expression,
    hypothesis_parts,
    is_categorical,
    levels_of,
    parse_contrast,
    reference_grid,
    variable_values,
)
from bayesglmm.results.emmeans import Contrasts, EMMeans, estimated_means
from bayesglmm.results.emmeans_plot import plot_emmeans
from bayesglmm.results.linear_predictor import (
    modelled_parameters,
    parameter_draws,
    pointwise_log_likelihood,
)
from bayesglmm.results.plots import caterpillar, effects_plot, shrinkage
from bayesglmm.results.pooling import no_pooling_estimates
from bayesglmm.results.ppc import PredictiveCheck, response_scale
from bayesglmm.results.predict import (
    check_choice,
    predict_draws,
    prediction_summary,
    prediction_tree,
    thinned_draws,
)
from bayesglmm.results.report import write_report
from bayesglmm.results.tables import (
    STAT_COLUMNS,
    correlation_pairs,
    diagnostic_stats,
    pair_draws,
    summarize,
)
from bayesglmm.results.variance import VarianceComponents, variance_components

LOG_LIKELIHOOD_MAX_ELEMENTS = 50_000_000
"""Above this many (draw x row) values the log-likelihood is computed only on request."""


class Fit:
    """Posterior draws of a GLMM with summaries shaped like lme4's and brms's.

    Parameters
    ----------
    idata
        DataTree with ``posterior`` and ``sample_stats``; sampler settings in
        ``posterior.attrs``.
    spec, family, link, priors
        What the model was built from.
    observed_name
        Name of the observed variable.
    centered
        Grouping factors parametrised centred, recorded so a saved fit can be rebuilt.
    warn_convergence
        Raise the convergence messages as :class:`ConvergenceWarning`; a loaded fit
        passes False, as its messages were raised when it was fitted.

    Attributes
    ----------
    idata : xarray.DataTree
        ``posterior``, ``sample_stats``, ``observed_data`` and ``log_likelihood``.
    warnings : list of str
        Convergence problems, also raised as :class:`ConvergenceWarning`.
    """

    def __init__(
        self,
        idata: xr.DataTree,
        spec: ModelSpec,
        family: Family,
        link: Link,
        priors: Priors,
        observed_name: str,
        centered: frozenset[str] = frozenset(),
        warn_convergence: bool = True,
    ):
        self.spec = spec
        self.centered = centered
        self.family = family
        self.link = link
        self.priors = priors
        self.observed_name = observed_name
        obs = {"obs": np.arange(spec.n_obs)}
        groups = {name: idata[name].to_dataset() for name in idata.children}
        groups["observed_data"] = xr.Dataset(
            {observed_name: ("obs", spec.response.values)}, coords=obs
        )
        self.idata = xr.DataTree.from_dict(groups)
        posterior = self.idata.posterior.to_dataset()
        elements = posterior.sizes["chain"] * posterior.sizes["draw"] * spec.n_obs
        too_large = elements > LOG_LIKELIHOOD_MAX_ELEMENTS
        if "log_likelihood" not in groups and not too_large:
            self.add_log_likelihood()
        elif "log_likelihood" not in groups:
            warnings.warn(
                f"the pointwise log-likelihood is not stored because it would hold "
                f"{elements:,} values; call fit.add_log_likelihood() before LOO if you need it.",
                DataWarning,
                stacklevel=3,
            )
        self.warnings = convergence_messages(
            self._all_parameters, self.idata.sample_stats.to_dataset()
        )
        if warn_convergence:
            for message in self.warnings:
                warnings.warn(message, ConvergenceWarning, stacklevel=3)
        self._record_incomplete()
        if warn_convergence and self.incomplete:
            warnings.warn(
                f"sampling stopped early: {self.idata.attrs['stop_message']}. Estimates and "
                "diagnostics rest on these draws alone, fewer than asked for; fit again (with "
                "a longer time_limit, if that stopped it) to get them all.",
                IncompleteSamplingWarning,
                stacklevel=3,
            )

    def _record_incomplete(self) -> None:
        """Copy the sampler's record of an early stop to the root attributes of ``idata``."""
        attrs = self.idata.posterior.attrs
        self.idata.attrs["incomplete"] = bool(attrs.get("incomplete", False))
        if self.idata.attrs["incomplete"]:
            self.idata.attrs.update(
                stop_reason=attrs["stop_reason"],
                stop_message=attrs["stop_message"],
                draws_kept=int(attrs["draws"]),
                draws_requested=int(attrs["draws_requested"]),
                chains_kept=int(attrs["chains"]),
                chains_requested=int(attrs["chains_requested"]),
                failed_chains=list(attrs["failed_chains"]),
            )

    @property
    def incomplete(self) -> bool:
        """True when sampling stopped early (Ctrl-C, ``time_limit`` or a failed chain).

        ``idata.attrs`` then says why (``stop_reason``: ``"interrupted"``, ``"time limit"``
        or ``"chain failed"``, and ``stop_message``) and how many draws and chains were
        kept and requested (``draws_kept``, ``draws_requested``, ``chains_kept``,
        ``chains_requested``, ``failed_chains``).
        """
        return bool(self.idata.attrs["incomplete"])

    def add_log_likelihood(self) -> None:
        """Compute the pointwise log-likelihood and store it in ``idata.log_likelihood``."""
        values = pointwise_log_likelihood(
            self.idata.posterior.to_dataset(), self.spec, self.family, self.link
        )
        posterior = self.idata.posterior
        self.idata["log_likelihood"] = xr.Dataset(
            {self.observed_name: (("chain", "draw", "obs"), values)},
            coords={
                "chain": posterior["chain"].values,
                "draw": posterior["draw"].values,
                "obs": np.arange(self.spec.n_obs),
            },
        )

    @property
    def posterior(self) -> xr.Dataset:
        """The posterior draws as an xarray Dataset."""
        return self.idata.posterior.to_dataset()

    def fixef(self) -> pd.DataFrame:
        """Population-level (fixed) effects, indexed by coefficient name; those of a modelled
        parameter are prefixed with its name, as in brms (``zi_Intercept``)."""
        tables = [summarize(self.posterior["b"])]
        for part in self.spec.parameters:
            table = summarize(self.posterior[f"b{part.suffix}"])
            tables.append(table.set_axis([f"{part.name}_{name}" for name in table.index]))
        table = pd.concat(tables)
        table.index.name = "coef"
        return table

    def _correlation_rows(self, group) -> pd.DataFrame | None:
        if group.structure is not None:
            return summarize(self.posterior[f"rho_{group.name}"]).assign(
                group=group.name, term=f"rho ({group.structure.kind})", term2=""
            )
        pairs = correlation_pairs(list(group.terms), list(group.correlated_blocks))
        if not pairs:
            return None
        table = summarize(pair_draws(self.posterior[f"cor_{group.name}"], pairs))
        return table.assign(
            group=group.name, term=[a for a, _ in pairs], term2=[b for _, b in pairs]
        )

    def varcorr(self) -> pd.DataFrame:
        """Group-level standard deviations and correlations, one row each.

        Columns ``group``, ``term`` and ``term2`` (empty for a standard deviation)
        come first; the residual sd of gaussian-like families is group ``Residual``.
        """
        parts = []
        for group in self.spec.all_groups:
            sd = summarize(self.posterior[f"sd_{group.name}"])
            parts.append(sd.assign(group=group.name, term=list(group.terms), term2=""))
            correlations = self._correlation_rows(group)
            if correlations is not None:
                parts.append(correlations)
        if self.family.residual_sd and "sigma" in self._constant_parameters:
            parts.append(
                summarize(self.posterior["sigma"]).assign(group="Residual", term="sigma", term2="")
            )
        if self.spec.residual is not None:
            term = f"rho ({self.spec.residual.kind})"
            rho = summarize(self.posterior["rho_residual"])
            parts.append(rho.assign(group="Residual", term=term, term2=""))
        columns = ["group", "term", "term2", *STAT_COLUMNS]
        if not parts:
            return pd.DataFrame(columns=columns)
        return pd.concat(parts, ignore_index=True)[columns]

    def ranef(self) -> pd.DataFrame:
        """Group-level effects (deviations from the fixed effects) by group, level and term."""
        parts = []
        for group in self.spec.all_groups:
            table = summarize(self.posterior[f"r_{group.name}"])
            table.index = pd.MultiIndex.from_tuples(
                [(group.name, level, term) for level, term in table.index],
                names=["group", "level", "term"],
            )
            parts.append(table)
        return pd.concat(parts) if parts else pd.DataFrame(columns=STAT_COLUMNS)

    def coef(self) -> pd.DataFrame:
        """Group-level coefficients: fixed effect plus group effect, drawwise.

        Terms without a fixed counterpart are the group effects alone.
        Indexed by group, level and term.
        """
        posterior = self.posterior
        parts = []
        for group in self.spec.all_groups:
            effects = posterior[f"r_{group.name}"]
            term_dim = f"{group.name}_term"
            suffix = "" if group.parameter is None else f"_{group.parameter}"
            b, names = posterior[f"b{suffix}"], posterior[f"b{suffix}"][f"coef{suffix}"]
            fixed = xr.concat(
                [
                    b.sel({f"coef{suffix}": term}, drop=True)
                    if term in names
                    else xr.zeros_like(b.isel({f"coef{suffix}": 0}, drop=True))
                    for term in group.terms
                ],
                dim=pd.Index(list(group.terms), name=term_dim),
            )
            table = summarize(effects + fixed)
            table.index = pd.MultiIndex.from_tuples(
                [(group.name, level, term) for level, term in table.index],
                names=["group", "level", "term"],
            )
            parts.append(table)
        return pd.concat(parts) if parts else pd.DataFrame(columns=STAT_COLUMNS)

    def _dispersion_draws(self) -> list[tuple[list[str], xr.DataArray]]:
        """Labels and draws of the family's parameters; thresholds get one label each."""
        parts = []
        for name in self._constant_parameters:
            draws = self.posterior[name]
            if "cutpoint" in draws.dims:
                labels = [f"{name}[{c}]" for c in draws["cutpoint"].to_numpy()]
            else:
                labels = [name]
            parts.append((labels, draws))
        if self.spec.residual is not None:
            parts.append((["rho_residual"], self.posterior["rho_residual"]))
        return parts

    def _dispersion_table(self) -> pd.DataFrame | None:
        parts = self._dispersion_draws()
        if not parts:
            return None
        return pd.concat([summarize(draws).set_axis(labels) for labels, draws in parts])

    def _reported_draws(self) -> list[tuple[list[str], xr.DataArray]]:
        """Labels and draws of every parameter but the group-level effects."""
        posterior = self.posterior
        parts = [
            ([f"b{part.suffix}[{name}]" for name in part.fixed.names], posterior[f"b{part.suffix}"])
            for part in self.spec.linear_parts
        ]
        for group in self.spec.all_groups:
            parts.append(
                ([f"sd_{group.name}[{t}]" for t in group.terms], posterior[f"sd_{group.name}"])
            )
            pairs = correlation_pairs(list(group.terms), list(group.correlated_blocks))
            if pairs:
                labels = [f"cor_{group.name}[{a},{b}]" for a, b in pairs]
                parts.append((labels, pair_draws(posterior[f"cor_{group.name}"], pairs)))
            if group.structure is not None:
                parts.append(([f"rho_{group.name}"], posterior[f"rho_{group.name}"]))
        parts.extend(self._dispersion_draws())
        return parts

    def diagnose(self) -> Diagnosis:
        """Convergence and efficiency checks with plain-language verdicts and remedies.

        Covers R-hat, bulk and tail ESS, divergences (how many, by chain, and at which
        values of the group sds they gather), tree-depth saturation, E-BFMI and the Monte
        Carlo standard errors of the reported quantities.

        Examples
        --------
        >>> import bayesglmm as bg
        >>> model = bg.Model("favorable | trials(n) ~ treatment + (1 | clinic)",
        ...                  bg.datasets.load("infection"), family="binomial")
        >>> fit = model.fit(draws=1000, tune=1000, chains=2, seed=1, progress=False)
        >>> fit.diagnose().table.columns.tolist()
        ['rhat', 'ess_bulk', 'ess_tail', 'mcse_mean', 'mcse_sd', 'sd']
        """
        reported = pd.concat(
            [
                summarize(draws, diagnostic_stats).set_axis(labels)
                for labels, draws in self._reported_draws()
            ]
        )
        posterior = self.posterior
        scales = {
            f"sd_{group.name}[{term}]": posterior[f"sd_{group.name}"]
            .sel({f"{group.name}_term": term})
            .transpose("chain", "draw")
            .to_numpy()
            for group in self.spec.all_groups
            for term in group.terms
        }
        for name in self._constant_parameters:
            if posterior[name].ndim == 2:
                scales[name] = posterior[name].transpose("chain", "draw").to_numpy()
        stats = self.idata.sample_stats.to_dataset()
        bfmi = azs.bfmi(self.idata)["energy"].to_numpy() if "energy" in stats else None
        result = diagnosis(reported, self._all_parameters, stats, bfmi, scales)
        if not self._dispersion_checkable:
            return result
        table, message = self._pearson_dispersion()
        if message is None:
            ratio = table.loc["pearson", "ratio"]
            result.verdicts.append(f"Pearson dispersion ratio {ratio:.2f}: no overdispersion.")
            return result
        return Diagnosis(result.table, [message, *result.verdicts], result.problems + 1)

    @property
    def _dispersion_checkable(self) -> bool:
        return self.family.support.name in OVERDISPERSION_REMEDIES and not self.family.dispersion

    def _pearson_dispersion(self) -> tuple[pd.DataFrame, str | None]:
        response = self.spec.response
        observed = response_scale(response.values, response.trials)
        chi_square = 0.0
        for rows, mean, variance in self._conditional_moments():
            chi_square = chi_square + np.nansum((observed[rows] - mean) ** 2 / variance, axis=1)
        parameters = len(self.spec.fixed.names) + sum(
            len(group.terms) + len(correlation_pairs(list(group.terms), list(group.blocks)))
            for group in self.spec.groups
        )
        residual_df = max(1, self.spec.n_obs - parameters)
        return pearson_dispersion(chi_square, residual_df, self.family.support.name)

    def dispersion(self) -> pd.DataFrame:
        """The Pearson dispersion ratio of a Poisson or binomial fit, with a warning when the
        data vary more than the family allows.

        The ratio is the sum of squared conditional Pearson residuals over the residual
        degrees of freedom, per posterior draw (see
        :func:`~bayesglmm.results.diagnostics.pearson_dispersion`); :meth:`diagnose`
        includes the same check.

        Examples
        --------
        >>> import bayesglmm as bg
        >>> model = bg.Model("y ~ lbase * trt + lage + V4 + (1 | subject)",
        ...                  bg.datasets.load("epil"), family="poisson")
        >>> fit = model.fit(draws=500, tune=500, chains=2, seed=1, progress=False)
        >>> fit.dispersion()["ratio"].round(0).tolist()  # doctest: +SKIP
        [2.0]
        """
        if not self._dispersion_checkable:
            raise DataError(
                f"the Pearson dispersion check is for poisson and binomial fits; family "
                f"'{self.family.name}' "
                + (
                    "estimates its own dispersion."
                    if self.family.dispersion
                    else "has no overdispersion to check (0/1 data)."
                )
            )
        table, message = self._pearson_dispersion()
        if message is not None:
            warnings.warn(message, DataWarning, stacklevel=2)
        return table

    def summary(self) -> pd.DataFrame:
        """Every parameter but the group-level effects, one row per element.

        Labels read ``b[<coef>]``, ``sd_<group>[<term>]``, ``cor_<group>[<t1>,<t2>]``
        and the dispersion names.
        """
        return pd.concat(
            [summarize(draws).set_axis(labels) for labels, draws in self._reported_draws()]
        )

    def predict(
        self,
        newdata: pd.DataFrame | None = None,
        kind: str = "mean",
        re: str = "conditional",
        new_levels: str = "population",
        ndraws: int | None = None,
        summary: bool = True,
        seed=None,
    ) -> pd.DataFrame | xr.DataTree:
        """Posterior predictions for the fitted rows or ``newdata``.

        Parameters
        ----------
        newdata
            Rows to predict, with every predictor, grouping and offset column (and the
            trials column to draw binomial responses); the fitted rows when None.
        kind
            ``"mean"``: the mean response (a probability for binomial and bernoulli);
            ``"linpred"``: the linear predictor; ``"response"``: new responses drawn from
            the family.
        re
            ``"conditional"``: subject-specific, with each row's group effects;
            ``"marginal"``: population-averaged, the mean integrated over the
            random-effects distribution by Gauss-Hermite quadrature (see
            :mod:`bayesglmm.results.predict`); ``"none"``: group effects set to zero.
        new_levels
            For levels the fit has not seen: ``"population"`` draws their effects from the
            fitted distribution; ``"error"`` refuses them.
        ndraws
            Use about this many posterior draws, thinned evenly from every chain.
        summary
            Return a table (mean, sd, 2.5%, 97.5% per row, indexed like ``newdata``);
            with False, a DataTree whose ``predictions`` group holds every draw.
        seed
            Seed for new-level effects and response draws.

        Examples
        --------
        >>> import bayesglmm as bg
        >>> model = bg.Model("favorable | trials(n) ~ treatment + (1 | clinic)",
        ...                  bg.datasets.load("infection"), family="binomial")
        >>> fit = model.fit(draws=300, tune=300, chains=2, seed=1, progress=False)
        >>> table = fit.predict(re="none")
        >>> bool(table["mean"].between(0, 1).all())
        True
        """
        design = (
            NewDataDesign.from_spec(self.spec)
            if newdata is None
            else new_data_design(self.spec, newdata, trials=kind == "response")
        )
        posterior = thinned_draws(self.posterior, ndraws)
        chunks = predict_draws(
            posterior, design, self.family, self.link, kind, re, new_levels, seed
        )
        if summary:
            return prediction_summary(chunks, design.row_labels)
        return prediction_tree(chunks, posterior, design.row_labels, self.observed_name)

    def _log_likelihood(self) -> np.ndarray:
        if "log_likelihood" not in self.idata.children:
            self.add_log_likelihood()
        values = self.idata.log_likelihood[self.observed_name]
        return values.transpose("chain", "draw", "obs").to_numpy()

    def loo(self):
        """PSIS-LOO cross-validation (arviz-stats), warning when Pareto k values are high.

        Returns
        -------
        arviz_stats.ELPDData
            ``elpd``, ``se``, ``p`` and pointwise ``elpd_i`` and ``pareto_k``.

        Examples
        --------
        >>> import bayesglmm as bg
        >>> model = bg.Model("Reaction ~ Days + (Days | Subject)", bg.datasets.load("sleepstudy"))
        >>> fit = model.fit(draws=300, tune=300, chains=2, seed=1, progress=False)
        >>> round(float(fit.loo().elpd) / 100)
        -9
        """
        self._log_likelihood()
        result, message = loo_result(self.idata, self.spec.row_labels)
        if message is not None:
            warnings.warn(message, ConvergenceWarning, stacklevel=2)
        return result

    def waic(self) -> pd.Series:
        """WAIC (Watanabe 2010): ``elpd_waic``, its ``se``, ``p_waic`` and ``waic``.

        Prefer :meth:`loo`; a warning says when WAIC is unreliable.
        """
        log_likelihood = self._log_likelihood()
        message = waic_warning(log_likelihood)
        if message is not None:
            warnings.warn(message, ConvergenceWarning, stacklevel=2)
        return waic_table(log_likelihood)

    def _conditional_moments(self) -> Iterator[tuple[slice, np.ndarray, np.ndarray]]:
        """Per chunk of fitted rows: the rows and the draws ``(samples, rows)`` of the
        conditional mean and variance of the response (per trial for binomial families)."""
        design = NewDataDesign.from_spec(self.spec)
        posterior = self.posterior
        modelled = modelled_parameters(posterior, self.spec)
        trials = design.trials
        for rows, eta in predict_draws(posterior, design, self.family, self.link, kind="linpred"):
            params = parameter_draws(
                posterior, self.family, modelled={k: v[:, rows] for k, v in modelled.items()}
            )
            yield (
                rows,
                self.family.expected(eta, self.link, params),
                self.family.variance(
                    eta, self.link, params, None if trials is None else trials[rows]
                ),
            )

    def r2(self) -> pd.DataFrame:
        """Bayesian R^2 (Gelman et al. 2019) of the conditional means, one row ``R2``.

        The residual variance is the family's variance at each row's mean (sigma^2 for
        gaussian, ``mu`` for poisson, ``p(1-p)/n`` for binomial proportions). For the
        latent-scale marginal and conditional R^2 of Nakagawa & Schielzeth (2013) see
        :meth:`variance_components`.
        """
        posterior = self.posterior
        chunks = ((mean, variance) for _, mean, variance in self._conditional_moments())
        draws = bayes_r2_draws(chunks).reshape(posterior.sizes["chain"], posterior.sizes["draw"])
        return summarize(xr.DataArray(draws, dims=("chain", "draw"))).set_axis(["R2"])

    def variance_components(self) -> VarianceComponents:
        """Latent-scale variance components, intraclass correlations and the marginal and
        conditional R^2 of Nakagawa & Schielzeth (2013) and Nakagawa, Johnson & Schielzeth
        (2017); see :mod:`bayesglmm.results.variance`, which also says how they differ
        from :meth:`r2`."""
        return variance_components(self)

    def _grid_predictions(self, grid: pd.DataFrame, kind: str) -> np.ndarray:
        """Draws ``(samples, rows)`` of population-level predictions on ``grid``."""
        tree = self.predict(grid, kind=kind, re="none", summary=False)
        values = tree["predictions"][self.observed_name].to_numpy()
        return values.reshape(-1, values.shape[-1])

    def effects(self, variable: str, by: str | None = None) -> pd.DataFrame:
        """Conditional effects: the mean response as ``variable`` (and ``by``) vary.

        Other numeric predictors sit at their mean, other categorical ones at their first
        level, and group effects at zero (see :mod:`bayesglmm.results.effects`).

        Examples
        --------
        >>> import bayesglmm as bg
        >>> model = bg.Model("favorable | trials(n) ~ treatment + (1 | clinic)",
        ...                  bg.datasets.load("infection"), family="binomial")
        >>> fit = model.fit(draws=300, tune=300, chains=2, seed=1, progress=False)
        >>> fit.effects("treatment")["treatment"].tolist()
        ['control', 'drug']
        """
        used = predictor_columns(part.formula for part in self.spec.linear_parts)
        predictors = self.spec.data[[name for name in self.spec.data.columns if name in used]]
        varying = {variable: variable_values(predictors, variable, "variable")}
        if by == variable:
            raise DataError(
                f"by='{by}' is the variable itself; give another predictor as by=, or leave it out."
            )
        if by is not None:
            varying[by] = variable_values(predictors, by, "by")
        grid = reference_grid(self.spec.data, varying)
        draws = self._grid_predictions(grid, "mean")
        low, high = np.quantile(draws, [0.025, 0.975], axis=0)
        table = grid[list(varying)].copy()
        return table.assign(
            mean=draws.mean(0), sd=draws.std(0, ddof=1), **{"2.5%": low, "97.5%": high}
        )

    def plot_effects(self, variable: str, by: str | None = None):
        """Plot :meth:`effects`: mean response and 95% interval along ``variable``."""
        return effects_plot(self.effects(variable, by), variable, by, self.observed_name)

    def contrast(self, variable: str, contrast: str, scale: str = "link") -> pd.DataFrame:
        """A comparison of two levels of a categorical predictor, e.g. ``"drug - control"``.

        Parameters
        ----------
        variable
            The categorical predictor.
        contrast
            ``"level - other level"``.
        scale
            ``"link"`` (difference of linear predictors), ``"response"`` (difference of
            means), ``"odds_ratio"`` (logit link only) or ``"ratio"`` (ratio of means,
            e.g. a rate ratio).

        Returns
        -------
        DataFrame
            One row: mean, sd, 2.5%, 97.5% and ``pd``, the probability of direction
            (the posterior probability that the contrast has the sign of its median,
            on the link scale).

        Examples
        --------
        >>> import bayesglmm as bg
        >>> model = bg.Model("favorable | trials(n) ~ treatment + (1 | clinic)",
        ...                  bg.datasets.load("infection"), family="binomial")
        >>> fit = model.fit(draws=300, tune=300, chains=2, seed=1, progress=False)
        >>> fit.contrast("treatment", "drug - control", scale="odds_ratio").index.tolist()
        ['drug - control']
        """
        check_choice("scale", scale, tuple(CONTRAST_SCALES))
        kind, combine, needs_link = CONTRAST_SCALES[scale]
        if needs_link is not None and self.link.name != needs_link:
            raise DataError(
                f"scale='{scale}' needs the {needs_link} link, but this model uses "
                f"{self.link.name}; use scale='link' or 'response'."
            )
        if variable not in self.spec.data or not is_categorical(self.spec.data[variable]):
            raise DataError(
                f"'{variable}' is not a categorical predictor of this model; contrasts compare "
                "levels of one. For a numeric predictor use fit.hypothesis('b[...] > 0')."
            )
        first, second = parse_contrast(contrast, levels_of(self.spec.data[variable]))
        grid = reference_grid(self.spec.data, {variable: [first, second]})
        values = self._grid_predictions(grid, kind)
        linear = self._grid_predictions(grid, "linpred")
        draws = combine(values[:, 0], values[:, 1])
        direction = linear[:, 0] - linear[:, 1]
        share = float(np.mean(direction > 0))
        low, high = np.quantile(draws, [0.025, 0.975])
        return pd.DataFrame(
            {
                "mean": [draws.mean()],
                "sd": [draws.std(ddof=1)],
                "2.5%": [low],
                "97.5%": [high],
                "pd": [max(share, 1 - share)],
            },
            index=[contrast],
        )

    def emmeans(
        self,
        specs: str | list[str],
        by: str | list[str] | None = None,
        at: dict | None = None,
        weights: str = "equal",
        scale: str = "link",
        re: str = "none",
        ndraws: int | None = None,
    ) -> EMMeans:
        """Estimated marginal means (LS-means) over a reference grid, as emmeans and SAS
        ``lsmeans`` give them (see :mod:`bayesglmm.results.emmeans`).

        Parameters
        ----------
        specs
            The factors whose cells get a mean: ``"trt"``, ``["a", "b"]``, ``"a * b"``, or
            ``"trt | block"`` for means of ``trt`` within each level of ``block``.
        by
            More factors to condition on, as after ``|``.
        at
            Values for the grid: ``{"x": 2.0}`` holds a covariate there (default: its
            mean), ``{"x": [1, 2]}`` makes it a factor of the grid, ``{"f": ["a", "b"]}``
            keeps only those levels of a factor.
        weights
            ``"equal"`` (emmeans's default) or ``"proportional"`` (observed frequencies of
            the combinations averaged over).
        scale
            ``"link"`` or ``"response"`` (the inverse link applied per draw).
        re
            ``"none"``: a typical unit (random effects 0, GLIMMIX ``ilink``);
            ``"marginal"``: population-averaged, integrated over the random effects.
        ndraws
            Use about this many posterior draws, thinned evenly from every chain.

        Returns
        -------
        EMMeans
            ``table`` (one row per cell: levels, mean, median, sd, 95% interval, ESS,
            R-hat), ``draws`` ``(samples, cells)`` and ``.contrast()``.

        Examples
        --------
        >>> import bayesglmm as bg
        >>> model = bg.Model("favorable | trials(n) ~ treatment + (1 | clinic)",
        ...                  bg.datasets.load("infection"), family="binomial")
        >>> fit = model.fit(draws=300, tune=300, chains=2, seed=1, progress=False)
        >>> emm = fit.emmeans("treatment", scale="response", re="marginal")
        >>> emm.table["treatment"].tolist(), emm.draws.shape
        (['control', 'drug'], (600, 2))
        """
        return estimated_means(self, specs, by, at, weights, scale, re, ndraws)

    def pairs(
        self,
        emm: EMMeans,
        measure: str | None = None,
        rope: tuple[float, float] | None = None,
        level: float = 0.95,
    ) -> Contrasts:
        """Every pairwise comparison of ``emm``'s cells: ``emm.contrast("pairwise", ...)``
        (see :meth:`bayesglmm.results.emmeans.EMMeans.contrast`)."""
        return emm.contrast("pairwise", measure=measure, rope=rope, level=level)

    def plot_emmeans(
        self,
        specs: str | list[str],
        by: str | list[str] | None = None,
        at: dict | None = None,
        weights: str = "equal",
        scale: str = "response",
        re: str = "none",
    ):
        """Plot :meth:`emmeans`: median and 95% interval per cell, lines across the first
        factor for two factors, a row of panels per ``by`` level; ``re="both"`` shows the
        conditional and population-averaged means side by side. Returns a Figure."""
        return plot_emmeans(self, specs, by, at, weights, scale, re)

    def hypothesis(self, hypotheses: str | list[str]) -> pd.DataFrame:
        """Test statements such as ``"b[x] > 0"`` or ``"sd_g[Intercept] > sigma"``.

        Each statement compares two expressions of parameter labels (as in
        :meth:`summary`) with ``<``, ``>``, ``<=``, ``>=`` or ``=``. Reported: the
        difference ``left - right`` (mean, sd, 95% interval), the posterior probability
        of the statement (``prob``; empty for ``=``) and the evidence ratio
        ``prob / (1 - prob)``, as brms's ``hypothesis()``.

        Examples
        --------
        >>> import bayesglmm as bg
        >>> model = bg.Model("favorable | trials(n) ~ treatment + (1 | clinic)",
        ...                  bg.datasets.load("infection"), family="binomial")
        >>> fit = model.fit(draws=300, tune=300, chains=2, seed=1, progress=False)
        >>> fit.hypothesis("b[treatment[T.drug]] > 0").columns.tolist()
        ['estimate', 'sd', '2.5%', '97.5%', 'prob', 'evidence_ratio']
        """
        statements = [hypotheses] if isinstance(hypotheses, str) else hypotheses
        if not isinstance(statements, list | tuple) or not statements:
            raise FormulaError(
                "hypothesis() takes a statement such as 'b[x] > 0' or a list of them, not "
                f"{hypotheses!r}."
            )
        draws = {}
        for labels, array in self._reported_draws():
            values = array.transpose("chain", "draw", ...).to_numpy()
            flat = values.reshape(values.shape[0] * values.shape[1], len(labels))
            draws.update(zip(labels, flat.T, strict=True))
        rows = []
        for statement in statements:
            left, op, right = hypothesis_parts(statement)
            difference = evaluate_expression(left, draws, statement) - evaluate_expression(
                right, draws, statement
            )
            infinite = int(np.sum(~np.isfinite(difference)))
            if infinite:
                raise DataError(
                    f"hypothesis '{statement}' is not finite in {infinite} of {difference.size} "
                    "draws (a division by zero, or the log or sqrt of a negative value); "
                    "rewrite it, for example as a difference instead of a ratio."
                )
            prob = {
                ">": np.mean(difference > 0),
                ">=": np.mean(difference >= 0),
                "<": np.mean(difference < 0),
                "<=": np.mean(difference <= 0),
                "=": np.nan,
            }[op]
            low, high = np.quantile(difference, [0.025, 0.975])
            ratio = np.nan if op == "=" else prob / (1 - prob) if prob < 1 else np.inf
            rows.append([difference.mean(), difference.std(ddof=1), low, high, prob, ratio])
        columns = ["estimate", "sd", "2.5%", "97.5%", "prob", "evidence_ratio"]
        return pd.DataFrame(rows, index=statements, columns=columns)

    def _group_index(self, group: str) -> tuple[np.ndarray, list]:
        if any(g.name == group for g in self.spec.groups):
            chosen = self.spec.group(group)
            return chosen.index, list(chosen.levels)
        if group in self.spec.data:
            codes, levels = pd.factorize(self.spec.data[group], sort=True)
            return codes, list(levels)
        groups = [g.name for g in self.spec.groups]
        names = list(dict.fromkeys([*groups, *self.spec.data.columns]))
        raise DataError(
            f"'{group}' is not a grouping factor or column; choose from {', '.join(names)}."
        )

    def ppc(
        self,
        kind: str | None = None,
        group: str | None = None,
        statistics: dict | None = None,
        ndraws: int = 500,
        seed=None,
    ) -> PredictiveCheck:
        """Posterior predictive check: replicated data against the observed.

        Parameters
        ----------
        kind
            Plot kind for ``check.plot()``; the family's default when None (density
            overlay for continuous responses, rootogram for counts, binned calibration for
            bernoulli and binomial). See :meth:`PredictiveCheck.plot`.
        group
            A grouping factor or column: the check's ``groups`` table and figure then
            compare the mean per level.
        statistics
            Extra test statistics ``{"name": function}``, each mapping a response vector
            to a number, next to mean, sd, proportion of zeros and max.
        ndraws
            Replicated datasets, thinned evenly from the posterior draws.
        seed
            Seed for the replicated responses.

        Returns
        -------
        PredictiveCheck
            ``statistics`` (Bayesian p-values), ``figure`` (the plot of ``kind``), and
            with ``group`` also ``groups`` and ``group_figure``.

        Examples
        --------
        >>> import bayesglmm as bg
        >>> model = bg.Model("incidence | trials(size) ~ period + (1 | herd)",
        ...                  bg.datasets.load("cbpp"), family="binomial")
        >>> fit = model.fit(draws=300, tune=300, chains=2, seed=1, progress=False)
        >>> check = fit.ppc(group="herd", seed=1)
        >>> check.groups.shape
        (15, 5)
        """
        trials = self.spec.response.trials
        tree = self.predict(kind="response", ndraws=ndraws, summary=False, seed=seed)
        replicated = tree["predictions"][self.observed_name].to_numpy()
        replicated = replicated.reshape(-1, replicated.shape[-1])
        predicted = self.predict(kind="mean", ndraws=ndraws)["mean"].to_numpy()
        check = PredictiveCheck(
            response_scale(self.spec.response.values, trials),
            response_scale(replicated, trials),
            self.observed_name,
            self.family.support.name,
            predicted=predicted,
            functions=dict(statistics or {}),
        )
        check.figure = check.plot(kind)
        if group is not None:
            index, levels = self._group_index(group)
            check.groups = check.by_group(index, levels)
            check.group_figure = check.plot_groups(index, levels, group)
        return check

    def plot_trace(self, var_names: list[str] | None = None):
        """Trace and density plots of the reported parameters (arviz-plots)."""
        return azp.plot_trace_dist(self.idata, var_names=var_names or self._reported_names())

    def plot_rank(self, var_names: list[str] | None = None):
        """Rank plots of the reported parameters (arviz-plots), for mixing across chains."""
        return azp.plot_rank(self.idata, var_names=var_names or self._reported_names())

    def _reported_names(self) -> list[str]:
        names = [f"b{part.suffix}" for part in self.spec.linear_parts]
        names.extend(f"sd_{g.name}" for g in self.spec.all_groups)
        residual = ["rho_residual"] if self.spec.residual is not None else []
        return names + self._constant_parameters + residual

    @property
    def _constant_parameters(self) -> list[str]:
        """The family parameters without a formula of their own, each one variable."""
        modelled = self.spec.parameter_names
        return [name for name in self.family.dispersion_names if name not in modelled]

    def plot_ranef(self, group: str, term: str | None = None):
        """Caterpillar plot: the group-level effects of ``group``, sorted, with 95% intervals."""
        known = [g.name for g in self.spec.all_groups]
        chosen = self.spec.group(group) if group in known else None
        if chosen is None:
            names = ", ".join(known)
            raise DataError(
                f"'{group}' is not a grouping factor of this model; choose from {names}."
            )
        term = term or chosen.terms[0]
        table = self.ranef().xs((group, term), level=("group", "term"))
        return caterpillar(table, f"{group}: {term}")

    def plot_shrinkage(self, group: str):
        """Separate per-level estimates against the partially pooled ``coef()`` of ``group``.

        Separate estimates are least-squares fits of the group's terms within each level
        on the link scale (the response itself for an identity link, the link of the
        level's mean response for an intercept otherwise); levels without enough rows are
        left out.
        """
        separate = no_pooling_estimates(self.spec, self.family, self.link, group)
        pooled = self.coef().loc[group]["mean"].unstack("term")
        return shrinkage(separate, pooled, f"Shrinkage in {group}")

    def report(self, path: str | Path, title: str | None = None) -> Path:
        """Write a self-contained HTML report: printout, priors, diagnostics, posterior
        predictive check, trace plots, estimated marginal means (for models with factors)
        and group-level effects (see :mod:`bayesglmm.results.report`). Returns the path."""
        return write_report(self, path, title)

    def save(self, path: str | Path, overwrite: bool = False) -> None:
        """Write the fit to a new zarr store at ``path`` (a directory); read it with ``bg.load``.

        The store holds every draw bit for bit, the sampler settings, the formula, family,
        link, the user's priors, the centred factors and the used data with its level
        coding, so a loaded fit prints, summarises and predicts like this one, plus a
        manifest with the store format and a checksum of every file. An existing ``path``
        is refused unless ``overwrite=True`` and it holds an earlier saved fit; the write
        is atomic (see :func:`bayesglmm.persistence.save_fit`).

        Raises
        ------
        StoreError
            When ``path`` exists (without ``overwrite=True``), is a file or a directory of
            other files, or cannot be written.

        Examples
        --------
        >>> import tempfile, bayesglmm as bg
        >>> model = bg.Model("favorable | trials(n) ~ treatment + (1 | clinic)",
        ...                  bg.datasets.load("infection"), family="binomial")
        >>> fit = model.fit(draws=200, tune=200, chains=2, seed=1, progress=False)
        >>> path = tempfile.mkdtemp() + "/infection.zarr"
        >>> fit.save(path)
        >>> bg.load(path).fixef().equals(fit.fixef())
        True
        """
        from bayesglmm.persistence import save_fit

        save_fit(self, path, overwrite)

    @cached_property
    def _all_parameters(self) -> pd.DataFrame:
        ranef = self.ranef()
        ranef.index = [f"r_{g}[{level},{term}]" for g, level, term in ranef.index]
        return pd.concat([self.summary(), ranef])

    def _layout(self) -> Printout:
        """Header lines, estimate tables by section, and warnings: the printout's content."""
        attrs = self.idata.posterior.attrs
        spec = self.spec
        header = model_header(spec, self.family.name, self.link.name)
        draws, tune, chains = attrs["draws"], attrs["tune"], attrs["chains"]
        header.append(
            (
                "Draws",
                f"{chains} chains, each with iter = {draws + tune}; warmup = {tune}; "
                f"thin = 1;\ntotal post-warmup draws = {chains * draws}",
            )
        )
        header.append(
            ("Sampler", f"{attrs['sampler']}, seed {attrs['seed']}, {attrs['seconds']:.1f} s")
        )
        sections = []
        varcorr = self.varcorr()
        if spec.all_groups:
            tables = []
            for group in spec.all_groups:
                rows = varcorr[varcorr["group"] == group.name]
                labels = [
                    f"sd({row.term})" if not row.term2 else f"cor({row.term},{row.term2})"
                    for row in rows.itertuples()
                ]
                title = f"~{group.name} (Number of levels: {group.n_levels})"
                tables.append((title, rows.set_axis(labels)))
            sections.append(("Multilevel Hyperparameters", tables))
        sections.append(("Regression Coefficients", [(None, self.fixef())]))
        dispersion = self._dispersion_table()
        if dispersion is not None:
            sections.append(("Further Distributional Parameters", [(None, dispersion)]))
        alert = f"INCOMPLETE: {self.idata.attrs['stop_message']}" if self.incomplete else None
        return Printout(header, sections, list(self.warnings), alert)

    def __repr__(self) -> str:
        return self._layout().text()

    def _repr_html_(self) -> str:
        return self._layout().html()


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
        fit._log_likelihood()
    return compare_fits({name: fit.idata for name, fit in fits.items()})
