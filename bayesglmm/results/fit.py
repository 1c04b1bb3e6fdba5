"""The fitted model: draws in an ArviZ DataTree, and one-line methods that hand each
operation to its own module (tables in :mod:`~bayesglmm.results.estimates`, checks in
:mod:`~bayesglmm.results.diagnose`, predictions in :mod:`~bayesglmm.results.predict`, ...).

Every table with a credible interval takes ``ci_prob`` (default ``bg.options().ci_prob``,
0.95). Every ``plot_*`` method returns a :class:`matplotlib.figure.Figure` (save it with
``figure.savefig("plot.png")``); ``ppc()`` returns a check whose ``figure`` is one.

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
>>> fit.fixef(ci_prob=0.9).columns.tolist()[2:4]
['5%', '95%']
"""

from __future__ import annotations

import warnings
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from bayesglmm import naming
from bayesglmm.errors import ConvergenceWarning, IncompleteSamplingWarning
from bayesglmm.families.family import Family
from bayesglmm.families.links import Link
from bayesglmm.formula.spec import ModelSpec
from bayesglmm.priors.resolve import Priors
from bayesglmm.results import (
    comparison,
    diagnose,
    estimates,
    imputation,
    ppc,
    printout,
    report,
    variance,
)
from bayesglmm.results.diagnostics import Diagnosis, convergence_messages
from bayesglmm.results.fit_inference import InferenceMethods
from bayesglmm.results.fit_plots import PlotMethods
from bayesglmm.results.ppc import PredictiveCheck
from bayesglmm.results.tables import convergence_stats
from bayesglmm.results.variance import VarianceComponents

_STOP_RECORD = {
    "draws_kept": "draws",
    "draws_requested": "draws_requested",
    "chains_kept": "chains",
    "chains_requested": "chains_requested",
}
"""Root attributes of an incomplete fit, by the posterior attribute they copy."""


class Fit(InferenceMethods, PlotMethods):
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
        groups = {name: idata[name].to_dataset() for name in idata.children}
        groups["observed_data"] = xr.Dataset(
            {observed_name: (naming.OBS, spec.response.values)},
            coords={naming.OBS: np.arange(spec.n_obs)},
        )
        self.idata = xr.DataTree.from_dict(groups)
        if naming.IMPUTED_RESPONSE not in groups["posterior"]:
            self._add_imputed_responses()
        if "log_likelihood" not in groups:
            comparison.store_log_likelihood_if_small(self)
        self.warnings = convergence_messages(
            self.convergence_table,
            self.idata.sample_stats.to_dataset(),
            spec.levels_per_group,
        )
        self._record_incomplete()
        if not warn_convergence:
            return
        for message in self.warnings:
            warnings.warn(message, ConvergenceWarning, stacklevel=3)
        if self.incomplete:
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
                failed_chains=list(attrs["failed_chains"]),
                **{key: int(attrs[source]) for key, source in _STOP_RECORD.items()},
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

    def _add_imputed_responses(self) -> None:
        """Draw the responses ``y | mi()`` imputes into the posterior (see
        :mod:`bayesglmm.results.imputation`)."""
        draws = imputation.imputed_responses(self)
        if draws is not None:
            self.idata["posterior"] = self.idata.posterior.to_dataset().assign(
                {naming.IMPUTED_RESPONSE: draws}
            )

    @property
    def posterior(self) -> xr.Dataset:
        """The posterior draws as an xarray Dataset."""
        return self.idata.posterior.to_dataset()

    @cached_property
    def all_parameters(self) -> pd.DataFrame:
        """:meth:`summary` plus every group-level effect (``r_<group>[<level>,<term>]``)."""
        return estimates.all_parameters(self)

    @cached_property
    def convergence_table(self) -> pd.DataFrame:
        """R-hat and bulk ESS of :attr:`all_parameters`' rows, all the convergence check
        reads."""
        return estimates.all_parameters(self, statistics=convergence_stats)

    # Tables -------------------------------------------------------------------------------

    def fixef(self, ci_prob: float | None = None) -> pd.DataFrame:
        """Population-level (fixed) effects, indexed by coefficient; those of a modelled
        parameter are prefixed with its name, as in brms (``zi_Intercept``)."""
        return estimates.fixef(self, ci_prob)

    def varcorr(self, ci_prob: float | None = None) -> pd.DataFrame:
        """Group-level standard deviations and correlations, one row each.

        Columns ``group``, ``term`` and ``term2`` (empty for a standard deviation)
        come first; the residual sd of gaussian-like families is group ``Residual``.
        """
        return estimates.varcorr(self, ci_prob)

    def ranef(self, ci_prob: float | None = None) -> pd.DataFrame:
        """Group-level effects (deviations from the fixed effects) by group, level and term."""
        return estimates.ranef(self, ci_prob)

    def coef(self, ci_prob: float | None = None) -> pd.DataFrame:
        """Group-level coefficients: fixed effect plus group effect, drawwise, by group,
        level and term (terms without a fixed counterpart: the group effects alone)."""
        return estimates.coef(self, ci_prob)

    def summary(self, ci_prob: float | None = None) -> pd.DataFrame:
        """Every parameter but the group-level effects, one row per element, labelled
        ``b[<coef>]``, ``sd_<group>[<term>]``, ``cor_<group>[<t1>,<t2>]`` and the
        dispersion names."""
        return estimates.summary(self, ci_prob)

    # Checks -------------------------------------------------------------------------------

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
        return diagnose.diagnose(self)

    def dispersion(self) -> pd.DataFrame:
        """The Pearson dispersion ratio of a Poisson or binomial fit (``ratio``, its
        interval, ``df``, ``p_value``), with a warning when the data vary more than the
        family allows; :meth:`diagnose` includes the same check."""
        return diagnose.dispersion(self)

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
            Plot kind of ``check.figure``; the family's default when None (density overlay
            for continuous responses, rootogram for counts, binned calibration for
            bernoulli and binomial). See :meth:`PredictiveCheck.plot`.
        group
            A grouping factor or column: ``check.groups`` and ``check.group_figure`` then
            compare the mean per level.
        statistics
            Extra test statistics ``{"name": function}``, each mapping a response vector
            to a number, next to mean, sd, max and (for counts and 0/1 responses) the
            proportion of zeros.
        ndraws
            Replicated datasets, thinned evenly from the posterior draws.
        seed
            Seed for the replicated responses.

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
        return ppc.posterior_check(self, kind, group, statistics, ndraws, seed)

    # Predictive accuracy and variance ----------------------------------------------------

    def add_log_likelihood(self) -> None:
        """Compute the pointwise log-likelihood and store it in ``idata.log_likelihood``."""
        comparison.add_log_likelihood(self)

    def log_likelihood(self) -> np.ndarray:
        """The ``(chain, draw, rows)`` pointwise log-likelihood, computed first if needed."""
        return comparison.log_likelihood(self)

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
        return comparison.loo(self)

    def waic(self) -> pd.Series:
        """WAIC (Watanabe 2010): ``elpd_waic``, its ``se``, ``p_waic`` and ``waic``.

        Prefer :meth:`loo`; a warning says when WAIC is unreliable.
        """
        return comparison.waic(self)

    def r2(self, ci_prob: float | None = None) -> pd.DataFrame:
        """Bayesian R^2 (Gelman et al. 2019) of the conditional means, one row ``R2``.

        The residual variance is the family's variance at each row's mean (sigma^2 for
        gaussian, ``mu`` for poisson, ``p(1-p)/n`` for binomial proportions). For the
        latent-scale marginal and conditional R^2 of Nakagawa & Schielzeth (2013) see
        :meth:`variance_components`.
        """
        return comparison.r2(self, ci_prob)

    def variance_components(self, ci_prob: float | None = None) -> VarianceComponents:
        """Latent-scale variance components, intraclass correlations and the marginal and
        conditional R^2 of Nakagawa & Schielzeth (2013) and Nakagawa, Johnson & Schielzeth
        (2017); see :mod:`bayesglmm.results.variance`, which also says how they differ
        from :meth:`r2`."""
        return variance.variance_components(self, ci_prob)

    # Output -------------------------------------------------------------------------------

    def report(
        self, path: str | Path, title: str | None = None, question: str | None = None
    ) -> Path:
        """Write a self-contained HTML report: the ``question`` the model answers (when
        given), printout, priors, diagnostics, posterior predictive check, trace plots,
        estimated marginal means (for models with factors) and group-level effects (see
        :mod:`bayesglmm.results.report`). Returns the path."""
        return report.write_report(self, path, title, question)

    def save(self, path: str | Path, overwrite: bool = False) -> None:
        """Write the fit to a new zarr store at ``path`` (a directory); read it with ``bg.load``.

        The store holds every draw bit for bit, the sampler settings, the formula, family,
        link, the user's priors, the centred factors and the used data with its level
        coding, plus a manifest with the store format and a checksum of every file. An
        existing ``path`` is refused unless ``overwrite=True`` and it holds an earlier saved
        fit; the write is atomic (see :func:`bayesglmm.persistence.save_fit`).

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

    def __repr__(self) -> str:
        return printout.fit_printout(self).text()

    def _repr_html_(self) -> str:
        return printout.fit_printout(self).html()
