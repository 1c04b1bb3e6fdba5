"""The plots of a :class:`~bayesglmm.results.fit.Fit`, each drawn by
:mod:`~bayesglmm.results.plots` or :mod:`~bayesglmm.results.emmeans_plot` and returned as a
:class:`matplotlib.figure.Figure` (save it with ``figure.savefig("plot.png")``).

Examples
--------
>>> import bayesglmm as bg
>>> model = bg.Model("favorable | trials(n) ~ treatment + (1 | clinic)",
...                  bg.datasets.load("infection"), family="binomial")
>>> fit = model.fit(draws=300, tune=300, chains=2, seed=1, progress=False)
>>> type(fit.plot_ranef("clinic")).__name__
'Figure'
"""

from __future__ import annotations

from matplotlib.figure import Figure

from bayesglmm.results import emmeans_plot, plots


class PlotMethods:
    """The ``plot_*`` methods of :class:`~bayesglmm.results.fit.Fit`."""

    def plot_effects(self, variable: str, by: str | None = None) -> Figure:
        """Plot :meth:`effects`: mean response and credible interval along ``variable``."""
        return plots.plot_effects(self, variable, by)

    def plot_emmeans(
        self,
        specs: str | list[str],
        by: str | list[str] | None = None,
        at: dict | None = None,
        weights: str = "equal",
        scale: str = "response",
        re: str = "none",
    ) -> Figure:
        """Plot :meth:`emmeans`: median and credible interval per cell, lines across the
        first factor for two factors, a row of panels per ``by`` level; ``re="both"`` shows
        the conditional and population-averaged means side by side. Returns a Figure."""
        return emmeans_plot.plot_emmeans(self, specs, by, at, weights, scale, re)

    def plot_smooth(
        self, term: str, parameter: str | None = None, residuals: bool = True
    ) -> Figure:
        """Plot a smooth: its partial effect on the link scale with a credible band and the
        partial residuals of the rows, as mgcv's ``plot.gam``.

        Parameters
        ----------
        term
            The smooth as written in the formula (white space ignored), ``"s(x)"``, or its
            label, ``"sx"``; ``s(x, by = f)`` draws one curve per level of ``f``.
        parameter
            For a smooth in a modelled parameter's formula (``sigma = "~ s(x)"``): that
            parameter; drawn without residuals.
        residuals
            Draw the partial residuals (see :mod:`bayesglmm.results.smooths`).

        Examples
        --------
        >>> import numpy as np, pandas as pd, bayesglmm as bg
        >>> rng = np.random.default_rng(0)
        >>> data = pd.DataFrame({"x": rng.uniform(size=100)})
        >>> data["y"] = np.sin(6 * data["x"]) + rng.normal(0, 0.3, 100)
        >>> fit = bg.Model("y ~ s(x, k = 6)", data).fit(draws=200, tune=300, chains=2,
        ...                                              seed=1, progress=False)
        >>> fit.plot_smooth("s(x, k = 6)").axes[0].get_xlabel()
        'x'
        """
        return plots.plot_smooth(self, term, parameter, residuals)

    def plot_trace(self, var_names: list[str] | None = None) -> Figure:
        """Trace and density of every reported parameter (fixed effects, group sds,
        correlations, family parameters), one row per element, with a legend of chains."""
        return plots.plot_trace(self, var_names)

    def plot_rank(self, var_names: list[str] | None = None) -> Figure:
        """Rank plots of the reported parameters (arviz-plots), for mixing across chains."""
        return plots.plot_rank(self, var_names)

    def plot_ranef(self, group: str, term: str | None = None) -> Figure:
        """Caterpillar plot: the group-level effects of ``group``, sorted, with intervals."""
        return plots.plot_ranef(self, group, term)

    def plot_shrinkage(self, group: str) -> Figure:
        """Separate per-level estimates against the partially pooled ``coef()`` of ``group``.

        Separate estimates are least-squares fits of the group's terms within each level
        on the link scale (the response itself for an identity link, the link of the
        level's mean response for an intercept otherwise); levels without enough rows are
        left out.
        """
        return plots.plot_shrinkage(self, group)
