"""Estimated marginal means (least-squares means) and comparisons among them.

An estimated marginal mean is a prediction on a *reference grid* averaged over the
factors one is not looking at (Searle, Speed & Milliken 1980, The American Statistician
34:216-221; Lenth's R package emmeans; SAS ``lsmeans``):

1. The grid crosses every factor of the model's fixed part; numeric covariates sit at
   their means (or at the values of ``at=``), offsets at their means, group effects at 0.
2. Per posterior draw, the linear predictor ``eta`` of every grid row is averaged over the
   factors outside ``specs`` and ``by``, with equal weights (emmeans's default, the cell
   means of a balanced design) or with the observed frequencies of their combinations
   (``weights="proportional"``), giving the LS-mean ``eta_bar`` of each cell.
3. On the link scale the result is ``eta_bar``. On the response scale it is, per draw:

   * ``re="none"``: ``h(eta_bar)`` with ``h`` the inverse link, the mean of a *typical*
     unit whose random effects are all 0 (GLIMMIX ``ilink``, emmeans ``type="response"``);
   * ``re="marginal"``: ``E_u[h(eta_bar + u)]`` with ``u ~ N(0, v)``, the mean over the
     population of units (population-averaged). ``v = sum_g z' Sigma_g z`` is the variance
     of the random part at each draw, summed over the random terms (their one-dimensional
     sum on the link scale), averaged over the grid rows with the same weights, and the
     integral is Gauss-Hermite quadrature (64 nodes, more for a large variance)
     (:func:`bayesglmm.results.predict.normal_average`). With a single random intercept
     this is exact to 1e-6.

   On the link scale ``re="marginal"`` gives ``g(E_u[h(eta_bar + u)])``, the link of the
   population-averaged mean. With a nonlinear link the two differ (Stroup 2013,
   *Generalized Linear Mixed Models*, ch. 3): the inverse link of an LS-mean describes a
   unit, not the population, and population-averaged logit effects are attenuated.

Every summary is taken over draws *after* the transformation, so a response-scale mean is
the posterior mean of ``h(eta_bar)``, not ``h`` of the posterior mean.

Comparisons (:meth:`EMMeans.contrast`) are linear contrasts ``c' t(m)`` of the cell draws
``m``, with ``t`` the identity (``"difference"``), ``log`` (``"ratio"``, reported as
``exp(c' log m)``) or ``logit`` (``"odds_ratio"``). On the link scale they are differences;
on the response scale the default is the ratio for log links and the odds ratio for logit
links (emmeans's ``type="response"``) and differences otherwise. Each row carries

* ``pd``, the posterior probability of direction: the larger of ``P(c' t(m) > 0)`` and
  ``P(c' t(m) < 0)``;
* with ``rope=(low, high)``, ``in_rope``: the posterior share inside that region of
  practical equivalence, on the reported scale (a ratio's region brackets 1);
* ``sim_low``, ``sim_high``: a simultaneous credible band over the family of contrasts
  (all rows of one ``by`` group), from the joint draws: with ``mean_k`` and ``sd_k`` the
  posterior mean and sd of contrast ``k`` on the additive scale, ``c`` is the ``level``
  quantile over draws of ``max_k |d_k - mean_k| / sd_k``, so that that share of draws lies
  inside ``mean_k +- c sd_k`` for every ``k`` at once; ratios get ``exp`` of the band.
  It is the Bayesian counterpart of a multiplicity adjustment (Besag, Green, Higdon &
  Mengersen 1995, Statistical Science 10:3-66, section 3.4).

The grid is built in :mod:`~bayesglmm.results.reference_grid`, the comparisons in
:mod:`~bayesglmm.results.contrasts`.

Examples
--------
>>> from bayesglmm.results.reference_grid import parse_specs
>>> parse_specs("trt | block", None)
(['trt'], ['block'])
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import xarray as xr
from scipy import special

from bayesglmm.errors import ArgumentError, DataError
from bayesglmm.formula.newdata import new_data_design
from bayesglmm.results.contrasts import Contrasts, NotedTable, contrast_coefficients
from bayesglmm.results.intervals import interval_columns, resolve_ci_prob
from bayesglmm.results.predict import (
    QUADRATURE_NODES,
    check_choice,
    normal_average,
    predict_draws,
    random_part_variance,
    thinned_draws,
)
from bayesglmm.results.reference_grid import ReferenceGrid, build_grid
from bayesglmm.results.tables import summarize

SCALES = ("link", "response")
RANDOM_EFFECTS = ("none", "marginal")
MEASURES = ("difference", "ratio", "odds_ratio")


def draw_summary(values: np.ndarray, chains: int, ci_prob: float) -> pd.DataFrame:
    """Mean, median, sd, the central ``ci_prob`` interval, bulk ESS and R-hat of each column
    of ``values`` (samples stacked by chain)."""
    draws = xr.DataArray(
        values.reshape(chains, -1, values.shape[1]), dims=("chain", "draw", "cell")
    )
    table = summarize(draws, ci_prob).reset_index(drop=True)
    table.insert(1, "median", np.median(values, axis=0))
    return table[["mean", "median", "sd", *interval_columns(ci_prob), "ess_bulk", "rhat"]]


def _check_response_scale(fit, scale: str, re: str) -> None:
    """Refuse the response scale (and integration) where the inverse link is no mean."""
    ordinal = any(parameter.ordered for parameter in fit.family.dispersion)
    if ordinal and (scale == "response" or re == "marginal"):
        raise DataError(
            f"the {fit.family.name} family's linear predictor is a latent location "
            "without a mean on the response scale; use scale='link', re='none', or "
            "fit.predict for expected category positions."
        )


def estimated_means(
    fit,
    specs: str | Sequence[str],
    by: str | Sequence[str] | None = None,
    at: Mapping[str, object] | None = None,
    weights: str = "equal",
    scale: str = "link",
    re: str = "none",
    ndraws: int | None = None,
    ci_prob: float | None = None,
) -> EMMeans:
    """Estimated marginal means of a fit; see :meth:`bayesglmm.Fit.emmeans`."""
    ci_prob = resolve_ci_prob(ci_prob)
    check_choice("scale", scale, SCALES)
    check_choice("re", re, RANDOM_EFFECTS)
    _check_response_scale(fit, scale, re)
    link = fit.link
    grid = build_grid(fit.spec, specs, by, at, weights)
    design = new_data_design(fit.spec, grid.frame)
    posterior = thinned_draws(fit.posterior, ndraws)
    eta = np.zeros((posterior.sizes["chain"] * posterior.sizes["draw"], len(grid.cells)))
    variance = np.zeros_like(eta)
    for rows, values in predict_draws(posterior, design, fit.family, link, "linpred", "none"):
        block = grid.weights[rows]
        eta += (block.T @ values.T).T
        if re == "marginal":
            variance += (block.T @ random_part_variance(posterior, design, rows).T).T
    if re == "marginal":
        mean = normal_average(link.inverse_np, eta, variance)
        values = mean if scale == "response" else link.forward_np(mean)
    else:
        values = link.inverse_np(eta) if scale == "response" else eta
    table = pd.concat(
        [grid.cells, draw_summary(values, posterior.sizes["chain"], ci_prob)], axis=1
    ).reset_index(drop=True)
    return EMMeans(
        table=table,
        draws=values,
        grid=grid,
        scale=scale,
        re=re,
        weights=weights,
        link=link.name,
        chains=posterior.sizes["chain"],
        random_sd=np.sqrt(variance.mean(axis=0)) if re == "marginal" else None,
        has_random=bool(fit.spec.groups),
        ci_prob=ci_prob,
    )


@dataclass(frozen=True, repr=False)
class EMMeans(NotedTable):
    """Estimated marginal means: a table per cell plus the draws behind it.

    Attributes
    ----------
    table
        One row per cell: its ``by`` and factor levels, then posterior ``mean``,
        ``median``, ``sd``, the ``ci_prob`` interval (``2.5%``, ``97.5%``), bulk ESS and
        R-hat.
    draws
        ``(samples, cells)`` draws in the order of ``table``'s rows (chains stacked).
    grid
        The :class:`ReferenceGrid`: its rows, cells and averaging weights.
    scale, re, weights, link
        How the means were computed (see :mod:`bayesglmm.results.emmeans`).
    chains
        Number of chains in ``draws``, for the ESS and R-hat of derived quantities.
    random_sd
        For ``re="marginal"``: per cell, the square root of the posterior mean of the
        variance integrated over.
    has_random
        Whether the model has group-level effects.
    ci_prob
        Probability of the intervals in ``table`` and in its contrasts' tables.
    """

    table: pd.DataFrame
    draws: np.ndarray
    grid: ReferenceGrid
    scale: str
    re: str
    weights: str
    link: str
    chains: int
    random_sd: np.ndarray | None = None
    has_random: bool = True
    ci_prob: float = 0.95

    @property
    def labels(self) -> list[str]:
        """Cell labels within their ``by`` group: the factor levels joined by spaces."""
        factors = self.table[self.grid.factors].astype(str)
        return factors.agg(" ".join, axis=1).tolist()

    def by_groups(self) -> list[tuple[dict, np.ndarray]]:
        """``({by factor: level}, cell positions)`` per combination of the ``by`` levels."""
        if not self.grid.by:
            return [({}, np.arange(len(self.table)))]
        keys = self.table[self.grid.by].astype(str).agg("\x1f".join, axis=1)
        groups = []
        for key in dict.fromkeys(keys):
            positions = np.flatnonzero(keys.to_numpy() == key)
            groups.append((self.table.loc[positions[0], self.grid.by].to_dict(), positions))
        return groups

    def _default_measure(self) -> str:
        if self.scale == "link":
            return "difference"
        return {"log": "ratio", "logit": "odds_ratio"}.get(self.link, "difference")

    def _transform(self, measure: str) -> np.ndarray:
        """The cell draws on the additive scale of ``measure``."""
        if measure == "difference":
            return self.draws
        if self.scale == "link":
            raise DataError(
                f"measure='{measure}' compares means on the response scale, but these are on "
                "the link scale (where comparisons are differences); compute the means with "
                "scale='response'."
            )
        if measure == "ratio":
            if (self.draws <= 0).any():
                raise DataError(
                    "measure='ratio' needs positive means, but some draws are 0 or below; "
                    "use measure='difference'."
                )
            return np.log(self.draws)
        if ((self.draws <= 0) | (self.draws >= 1)).any():
            raise DataError(
                "measure='odds_ratio' needs probabilities strictly between 0 and 1, as a "
                "binomial or bernoulli model gives; use measure='difference' or 'ratio'."
            )
        return special.logit(self.draws)

    def contrast(
        self,
        method: str | Mapping[str, object] = "pairwise",
        measure: str | None = None,
        rope: tuple[float, float] | None = None,
        level: float = 0.95,
        ref: str | None = None,
    ) -> Contrasts:
        """Comparisons among the cells, within each ``by`` group.

        Parameters
        ----------
        method
            ``"pairwise"`` (every cell against every later one), ``"trt.vs.ctrl"`` (every
            cell against ``ref``, by default the first), ``"poly"`` (orthogonal polynomial
            contrasts for equally spaced levels, integer-scaled), or a dict
            ``{name: coefficients}`` with one coefficient per cell (a list in cell order,
            or ``{cell label: coefficient}``).
        measure
            ``"difference"``, ``"ratio"`` (``exp(c' log m)``) or ``"odds_ratio"``
            (``exp(c' logit m)``). By default differences on the link scale; on the
            response scale ratios for a log link, odds ratios for a logit link, and
            differences otherwise.
        rope
            ``(low, high)``: also report ``in_rope``, the posterior share inside this
            region of practical equivalence on the reported scale.
        level
            Probability of the simultaneous band ``sim_low``-``sim_high``.
        ref
            The control cell for ``"trt.vs.ctrl"``.

        Returns
        -------
        Contrasts
            ``table`` with ``contrast``, the posterior summary, ``pd``, ``in_rope`` and
            the simultaneous band, plus the draws.

        Examples
        --------
        >>> import bayesglmm as bg
        >>> model = bg.Model("favorable | trials(n) ~ treatment + (1 | clinic)",
        ...                  bg.datasets.load("infection"), family="binomial")
        >>> fit = model.fit(draws=300, tune=300, chains=2, seed=1, progress=False)
        >>> emm = fit.emmeans("treatment", scale="response")
        >>> emm.contrast("trt.vs.ctrl").table["contrast"].tolist()
        ['drug / control']
        """
        measure = measure or self._default_measure()
        check_choice("measure", measure, MEASURES)
        if not 0 < level < 1:
            raise ArgumentError(f"level must be between 0 and 1, such as 0.95, not {level!r}.")
        if rope is not None and (len(rope) != 2 or not rope[0] < rope[1]):
            raise ArgumentError(
                f"rope must be (low, high) with low < high, such as (-0.1, 0.1), not {rope!r}."
            )
        additive = self._transform(measure)
        multiplicative = measure != "difference"
        labels = self.labels
        parts, draws, critical = [], [], []
        for by_levels, positions in self.by_groups():
            names, coefficients = contrast_coefficients(method, [labels[p] for p in positions], ref)
            if multiplicative and not isinstance(method, Mapping):
                names = [name.replace(" - ", " / ") for name in names]
            values = additive[:, positions] @ coefficients.T
            centre, spread = values.mean(axis=0), values.std(axis=0, ddof=1)
            deviation = np.abs(values - centre) / np.where(spread > 0, spread, 1.0)
            bound = float(np.quantile(deviation.max(axis=1), level))
            low, high = centre - bound * spread, centre + bound * spread
            reported = np.exp(values) if multiplicative else values
            table = draw_summary(reported, self.chains, self.ci_prob)
            positive = (values > 0).mean(axis=0)
            table.insert(
                table.columns.get_loc("ess_bulk"), "pd", np.maximum(positive, 1 - positive)
            )
            if rope is not None:
                inside = ((reported >= rope[0]) & (reported <= rope[1])).mean(axis=0)
                table.insert(table.columns.get_loc("ess_bulk"), "in_rope", inside)
            table["sim_low"] = np.exp(low) if multiplicative else low
            table["sim_high"] = np.exp(high) if multiplicative else high
            table.insert(0, "contrast", names)
            for position, (name, value) in enumerate(by_levels.items()):
                table.insert(position, name, value)
            parts.append(table)
            draws.append(reported)
            critical.append(bound)
        return Contrasts(
            table=pd.concat(parts, ignore_index=True),
            draws=np.concatenate(draws, axis=1),
            measure=measure,
            means=self,
            level=level,
            critical=critical,
            rope=rope,
        )

    def _lines(self) -> list[str]:
        scale = (
            f"response scale (the inverse {self.link} link applied per draw)"
            if self.scale == "response"
            else f"link scale ({self.link})"
        )
        lines = [f"Estimated marginal means (LS-means), {scale}."]
        linear = self.link == "identity"
        if self.re == "none":
            lines.append(
                "re='none': conditional means of a typical unit, every random effect at 0 "
                "(GLIMMIX ilink, emmeans type='response')."
            )
        else:
            shown = ", ".join(f"{sd:.3g}" for sd in np.unique(np.round(self.random_sd, 6)))
            lines.append(
                "re='marginal': population-averaged means, the response averaged over the "
                "random effects u ~ N(0, v) at each draw by Gauss-Hermite quadrature "
                f"({QUADRATURE_NODES} nodes, more for a large v), v the summed variance of "
                f"the random terms (sqrt of its posterior mean: {shown})."
            )
        if not self.has_random:
            lines.append("The model has no random effects: the two kinds of mean coincide.")
        elif linear:
            lines.append(
                "With the identity link conditional and population-averaged means coincide."
            )
        else:
            lines.append(
                f"With the nonlinear {self.link} link they differ: the inverse link of an "
                "LS-mean is the mean of one typical unit, not the mean over units (Stroup "
                "2013); re='" + ("marginal" if self.re == "none" else "none") + "' gives the "
                "other."
            )
        if self.grid.averaged:
            lines.append(
                f"Averaged over {', '.join(self.grid.averaged)} with {self.weights} weights."
            )
        if self.grid.fixed:
            held = ", ".join(
                f"{name} = {round(value, 10):.4g}" for name, value in self.grid.fixed.items()
            )
            lines.append(f"Covariates at: {held}.")
        return lines
