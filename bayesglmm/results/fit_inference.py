"""The predictions and inferences of a :class:`~bayesglmm.results.fit.Fit`: predictions,
conditional effects, contrasts, estimated marginal means, hypotheses and the partial effects
of smooths, each handed to its own module.

Examples
--------
>>> import bayesglmm as bg
>>> model = bg.Model("favorable | trials(n) ~ treatment + (1 | clinic)",
...                  bg.datasets.load("infection"), family="binomial")
>>> fit = model.fit(draws=300, tune=300, chains=2, seed=1, progress=False)
>>> isinstance(fit, InferenceMethods)
True
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import xarray as xr

from bayesglmm.results import effects, emmeans, hypothesis, predict, smooths
from bayesglmm.results.emmeans import Contrasts, EMMeans


class InferenceMethods:
    """The methods of :class:`~bayesglmm.results.fit.Fit` that predict and infer."""

    def predict(
        self,
        newdata: pd.DataFrame | None = None,
        kind: str = "mean",
        re: str = "conditional",
        new_levels: str = "population",
        ndraws: int | None = None,
        summary: bool = True,
        seed=None,
        ci_prob: float | None = None,
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
            Return a table (mean, sd and the ``ci_prob`` interval per row, indexed like
            ``newdata``); with False, a DataTree whose ``predictions`` group holds every
            draw.
        seed
            Seed for new-level effects and response draws.
        ci_prob
            Probability of the interval; ``bg.options().ci_prob`` when None.

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
        return predict.predict(self, newdata, kind, re, new_levels, ndraws, summary, seed, ci_prob)

    def effects(
        self, variable: str, by: str | None = None, ci_prob: float | None = None
    ) -> pd.DataFrame:
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
        return effects.effects(self, variable, by, ci_prob)

    def contrast(
        self, variable: str, contrast: str, scale: str = "link", ci_prob: float | None = None
    ) -> pd.DataFrame:
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
        ci_prob
            Probability of the interval; ``bg.options().ci_prob`` when None.

        Returns
        -------
        DataFrame
            One row: mean, sd, the interval and ``pd``, the probability of direction
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
        return effects.contrast(self, variable, contrast, scale, ci_prob)

    def emmeans(
        self,
        specs: str | list[str],
        by: str | list[str] | None = None,
        at: dict | None = None,
        weights: str = "equal",
        scale: str = "link",
        re: str = "none",
        ndraws: int | None = None,
        ci_prob: float | None = None,
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
        ci_prob
            Probability of the intervals; ``bg.options().ci_prob`` when None.

        Returns
        -------
        EMMeans
            ``table`` (one row per cell: levels, mean, median, sd, interval, ESS,
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
        return emmeans.estimated_means(self, specs, by, at, weights, scale, re, ndraws, ci_prob)

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

    def hypothesis(self, hypotheses: str | list[str], ci_prob: float | None = None) -> pd.DataFrame:
        """Test statements such as ``"b[x] > 0"`` or ``"sd_g[Intercept] > sigma"``.

        Each statement compares two expressions of parameter labels (as in
        :meth:`summary`) with ``<``, ``>``, ``<=``, ``>=`` or ``=``. Reported: the
        difference ``left - right`` (mean, sd, interval), the posterior probability of the
        statement (``prob``; empty for ``=``) and the evidence ratio ``prob / (1 - prob)``,
        as brms's ``hypothesis()`` (see :mod:`bayesglmm.results.hypothesis`).

        Examples
        --------
        >>> import bayesglmm as bg
        >>> model = bg.Model("favorable | trials(n) ~ treatment + (1 | clinic)",
        ...                  bg.datasets.load("infection"), family="binomial")
        >>> fit = model.fit(draws=300, tune=300, chains=2, seed=1, progress=False)
        >>> fit.hypothesis("b[treatment[T.drug]] > 0").columns.tolist()
        ['estimate', 'sd', '2.5%', '97.5%', 'prob', 'evidence_ratio']
        """
        return hypothesis.hypothesis(self, hypotheses, ci_prob)

    def smooth_effect(
        self,
        term: str,
        parameter: str | None = None,
        values: Sequence[float] | None = None,
        ci_prob: float | None = None,
    ) -> pd.DataFrame:
        """The partial effect of a smooth on the link scale, centred over the data as
        mgcv's ``predict(type = "terms")``: one row per value of its covariate (``values``,
        or 100 evenly spaced over the data's range) with mean, sd and credible interval.

        Examples
        --------
        >>> import bayesglmm as bg
        >>> model = bg.Model("Reaction ~ s(Days, k = 5)", bg.datasets.load("sleepstudy"))
        >>> fit = model.fit(draws=200, tune=300, chains=2, seed=1, progress=False)
        >>> table = fit.smooth_effect("s(Days, k = 5)", values=[0, 9])
        >>> table["Days"].tolist(), bool(table.loc[0, "mean"] < 0 < table.loc[1, "mean"])
        ([0.0, 9.0], True)
        """
        return smooths.smooth_effect(self, term, parameter, ci_prob=ci_prob, values=values)
