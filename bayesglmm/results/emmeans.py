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

Examples
--------
>>> parse_specs("trt | block", None)
(['trt'], ['block'])
>>> parse_specs("a * b", "c")
(['a', 'b'], ['c'])
>>> contrast_coefficients("poly", ["low", "mid", "high"], None)[1].tolist()
[[-1.0, 0.0, 1.0], [1.0, -2.0, 1.0]]
"""

from __future__ import annotations

import itertools
import re
import textwrap
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import xarray as xr
from scipy import sparse, special

from bayesglmm.errors import ArgumentError, DataError, FormulaError, did_you_mean
from bayesglmm.formula.expressions import expression_use
from bayesglmm.formula.newdata import new_data_design
from bayesglmm.results.effects import is_categorical, reference_grid
from bayesglmm.results.intervals import interval_columns, resolve_ci_prob
from bayesglmm.results.predict import (
    QUADRATURE_NODES,
    check_choice,
    normal_average,
    predict_draws,
    random_part_variance,
    thinned_draws,
)
from bayesglmm.results.tables import summarize

WEIGHTS = ("equal", "proportional")
SCALES = ("link", "response")
RANDOM_EFFECTS = ("none", "marginal")
MEASURES = ("difference", "ratio", "odds_ratio")
METHODS = ("pairwise", "trt.vs.ctrl", "poly")
POLYNOMIAL_NAMES = ("linear", "quadratic", "cubic", "quartic", "quintic")

_SEPARATORS = re.compile(r"\s*[*+:]\s*")


def parse_specs(specs: str | Sequence[str], by: str | Sequence[str] | None) -> tuple[list, list]:
    """``(factors, by factors)`` from ``"trt"``, ``["a", "b"]``, ``"a * b"`` or ``"trt | block"``.

    A leading ``~`` is allowed (``"~ trt"``, as emmeans writes it); ``by=`` adds factors
    after those written after ``|``.
    """

    def names(part: str | Sequence[str], where: str) -> list[str]:
        if isinstance(part, str):
            text = part.strip()
            found = _SEPARATORS.split(text) if text else []
        else:
            found = [str(name).strip() for name in part]
        if not found or not all(found):
            raise FormulaError(
                f"expected factor names in {where}, such as 'treatment', ['a', 'b'], "
                "'a * b' or 'treatment | block'"
            )
        return found

    if isinstance(specs, str):
        text = specs.strip().removeprefix("~")
        left, bar, right = text.partition("|")
        factors = names(left, f"specs {specs!r}")
        by_names = names(right, f"specs {specs!r}") if bar else []
    else:
        factors, by_names = names(specs, f"specs {specs!r}"), []
    if by is not None:
        by_names += names(by, f"by {by!r}")
    repeated = [name for name, count in Counter(factors + by_names).items() if count > 1]
    if repeated:
        raise FormulaError(f"'{repeated[0]}' appears twice in specs and by; name each factor once.")
    return factors, by_names


def model_factors(spec) -> dict[str, list]:
    """The categorical columns of the fixed part with their levels, as the fit codes them
    (numeric columns wrapped in ``C()`` included)."""
    formulaic = spec.fixed.formulaic_spec
    contrasts = {factor.expr: state for factor, state in formulaic.factor_contrasts.items()}
    factors: dict[str, list] = {}
    for term in formulaic.terms:
        for factor in term.factors:
            columns = sorted(expression_use(factor.expr).columns)
            if factor.expr in contrasts and len(columns) == 1:
                factors.setdefault(columns[0], list(contrasts[factor.expr].levels))
    return factors


def model_covariates(spec, factors: Mapping[str, list]) -> list[str]:
    """The numeric columns of the fixed part (those not used as factors)."""
    used = expression_use(spec.formula.fixed).columns
    return [name for name in spec.data.columns if name in used and name not in factors]


def _not_a_factor(name: str, factors: list[str], covariates: list[str], spec) -> DataError:
    hint = did_you_mean(name, factors + covariates)
    grouping = {column for group in spec.all_groups for column in group.factors}
    if name in grouping:
        role = f" ('{name}' is a grouping factor: its effects are random, not averaged over)"
    elif name in spec.data.columns:
        role = f" ('{name}' is used outside the fixed part)"
    else:
        role = ""
    listed = ", ".join(f"'{known_name}'" for known_name in factors) or "none"
    return DataError(
        f"'{name}' is not a factor of the model's fixed part '{spec.formula.fixed}'{role}."
        f"{hint} Its factors are {listed}."
    )


def _numeric_as_factor(name: str, column: pd.Series) -> DataError:
    low, high = float(column.min()), float(column.max())
    return DataError(
        f"'{name}' is a numeric covariate, not a factor: say at which values to compare it, "
        f"e.g. at={{'{name}': [{low:g}, {high:g}]}}, or use fit.effects('{name}') for a curve."
    )


def _at_values(name: str, values, levels: list | None) -> list:
    """The values of ``at[name]`` as a list, checked against the factor's ``levels``."""
    listed = list(values) if isinstance(values, list | tuple | np.ndarray | pd.Index) else [values]
    if not listed:
        raise DataError(
            f"the reference grid is empty: at={{'{name}': []}} leaves '{name}' no values; "
            "give at least one."
        )
    if levels is not None:
        by_label = {str(level): level for level in levels}
        for value in listed:
            if str(value) not in by_label:
                raise DataError(
                    f"{value!r} in at['{name}'] is not a level of '{name}'; levels are "
                    f"{', '.join(map(str, levels))}."
                )
        return [by_label[str(value)] for value in listed]
    if not all(isinstance(value, int | float | np.number) for value in listed):
        raise DataError(f"at['{name}'] must hold numbers for the numeric column '{name}'.")
    return [float(value) for value in listed]


@dataclass(frozen=True)
class ReferenceGrid:
    """The reference grid of an emmeans call.

    Attributes
    ----------
    frame
        Every grid row (cells of ``factors`` and ``by`` in order, the ``averaged``
        combinations varying fastest within each cell), all model columns set.
    factors, by, averaged
        Names of the cell factors, the by factors and what is averaged over.
    cells
        One row per cell: its levels of ``by`` and ``factors``.
    weights
        ``(grid rows, cells)`` sparse matrix: the weight of each row in its cell's mean.
    fixed
        Covariates held at one value, ``{name: value}``.
    """

    frame: pd.DataFrame
    factors: list[str]
    by: list[str]
    averaged: list[str]
    cells: pd.DataFrame
    weights: sparse.csr_array
    fixed: dict[str, float] = field(default_factory=dict)


def _averaging_weights(
    spec, averaged: list[str], values: dict[str, list], factors: Mapping, kind: str
) -> np.ndarray:
    """Weights of the combinations of ``averaged`` (in product order), summing to 1."""
    combos = list(itertools.product(*(values[name] for name in averaged)))
    if kind == "equal" or not averaged:
        return np.full(len(combos), 1.0 / len(combos))
    counted = [name for name in averaged if name in factors]
    frequencies = Counter(zip(*(spec.data[name].tolist() for name in counted), strict=True))
    positions = [averaged.index(name) for name in counted]
    counts = np.array(
        [frequencies.get(tuple(combo[p] for p in positions), 0) for combo in combos], float
    )
    if counts.sum() == 0:
        raise DataError(
            "weights='proportional' found no fitted rows at the levels of "
            f"{', '.join(counted)} in the grid; use weights='equal'."
        )
    return counts / counts.sum()


def build_grid(
    spec,
    specs: str | Sequence[str],
    by: str | Sequence[str] | None = None,
    at: Mapping[str, object] | None = None,
    weights: str = "equal",
) -> ReferenceGrid:
    """The reference grid, cells and averaging weights of an emmeans call.

    Raises
    ------
    DataError
        For a name that is not a factor of the fixed part (with a suggestion), a numeric
        covariate in ``specs`` without values in ``at``, or an empty grid.

    Examples
    --------
    >>> import bayesglmm as bg
    >>> spec = bg.Model("favorable | trials(n) ~ treatment + (1 | clinic)",
    ...                 bg.datasets.load("infection"), family="binomial").spec
    >>> build_grid(spec, "treatment").cells["treatment"].tolist()
    ['control', 'drug']
    """
    check_choice("weights", weights, WEIGHTS)
    factors = model_factors(spec)
    covariates = model_covariates(spec, factors)
    names, by_names = parse_specs(specs, by)
    at = dict(at or {})
    values: dict[str, list] = {}
    for name, given in at.items():
        if name in factors:
            values[name] = _at_values(name, given, factors[name])
        elif name in spec.data.columns and not is_categorical(spec.data[name]):
            values[name] = _at_values(name, given, None)
        else:
            raise _not_a_factor(name, list(factors), covariates, spec)
    for name in names + by_names:
        if name in values:
            continue
        if name in factors:
            values[name] = factors[name]
        elif name in covariates:
            raise _numeric_as_factor(name, spec.data[name])
        else:
            raise _not_a_factor(name, list(factors), covariates, spec)
    for name, levels in factors.items():
        values.setdefault(name, levels)
    cell_names = by_names + names
    averaged = [name for name in values if name not in cell_names and len(values[name]) > 1]
    fixed = {name: float(spec.data[name].mean()) for name in covariates if name not in values}
    fixed.update(
        (name, float(given[0]))
        for name, given in values.items()
        if name not in factors and name not in cell_names + averaged
    )
    varying = {name: values[name] for name in cell_names + averaged}
    frame = reference_grid(spec.data, varying)
    for name, value in fixed.items():
        frame[name] = value
    for name, levels in values.items():
        if name in factors and name not in varying:
            frame[name] = pd.Series([levels[0]] * len(frame), dtype=spec.data[name].dtype)
    combos = list(itertools.product(*(values[name] for name in cell_names)))
    cells = pd.DataFrame(combos, columns=cell_names)
    for name in cell_names:
        if isinstance(spec.data[name].dtype, pd.CategoricalDtype):
            cells[name] = pd.Categorical(cells[name], categories=values[name])
    shares = _averaging_weights(spec, averaged, values, factors, weights)
    rows = np.arange(len(frame))
    matrix = sparse.csr_array(
        (np.tile(shares, len(combos)), (rows, rows // len(shares))),
        shape=(len(frame), len(combos)),
    )
    return ReferenceGrid(frame, names, by_names, averaged, cells, matrix, fixed)


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


def _polynomial(n: int) -> np.ndarray:
    """Orthogonal polynomial contrasts for ``n`` equally spaced levels (as R's
    ``contr.poly``), each row scaled so that its smallest nonzero coefficient is +-1."""
    positions = np.arange(n, dtype=float)
    basis, _ = np.linalg.qr(np.vander(positions - positions.mean(), n, increasing=True))
    rows = []
    for degree in range(1, n):
        row = basis[:, degree]
        row = row / np.min(np.abs(row[np.abs(row) > 1e-9]))
        row = row * np.sign(row[-1])
        rows.append(np.where(np.abs(row - np.round(row)) < 1e-9, np.round(row), row))
    return np.array(rows) + 0.0  # adding 0.0 turns -0.0 into 0.0


def contrast_coefficients(
    method: str | Mapping[str, object], labels: list[str], ref: str | None
) -> tuple[list[str], np.ndarray]:
    """``(names, coefficients)``: one row of coefficients over the cells per contrast."""
    n = len(labels)
    identity = np.eye(n)
    if isinstance(method, Mapping):
        names, rows = [], []
        for name, given in method.items():
            if isinstance(given, Mapping):
                lookup = {str(key): float(value) for key, value in given.items()}
                unknown = [key for key in lookup if key not in labels]
                if unknown:
                    raise DataError(
                        f"'{unknown[0]}' in contrast '{name}' is not a cell; cells are "
                        f"{', '.join(labels)}."
                    )
                row = np.array([lookup.get(label, 0.0) for label in labels])
            else:
                row = np.asarray(given, dtype=float)
            if row.shape != (n,):
                raise DataError(
                    f"contrast '{name}' has {row.size} coefficients for {n} cells "
                    f"({', '.join(labels)}); give one per cell or a dict {{cell: coefficient}}."
                )
            names.append(str(name))
            rows.append(row)
        return names, np.array(rows)
    check_choice("method", method, METHODS)
    if n < 2:
        raise DataError(
            f"a comparison needs at least two cells, but there is one ({labels[0]}); "
            "compare the levels of a factor with more than one level."
        )
    if method == "pairwise":
        pairs = list(itertools.combinations(range(n), 2))
        return [f"{labels[i]} - {labels[j]}" for i, j in pairs], np.array(
            [identity[i] - identity[j] for i, j in pairs]
        )
    if method == "trt.vs.ctrl":
        if ref is not None and ref not in labels:
            raise DataError(f"ref '{ref}' is not a cell; cells are {', '.join(labels)}.")
        control = labels.index(ref) if ref is not None else 0
        others = [i for i in range(n) if i != control]
        return [f"{labels[i]} - {labels[control]}" for i in others], np.array(
            [identity[i] - identity[control] for i in others]
        )
    names = [
        POLYNOMIAL_NAMES[d] if d < len(POLYNOMIAL_NAMES) else f"degree {d + 1}"
        for d in range(n - 1)
    ]
    return names, _polynomial(n)


def _formatted(table: pd.DataFrame) -> str:
    """``table`` as text: integer ESS, estimates to two decimals or more for small sds."""
    shown = table.copy()
    errors = shown["sd"].to_numpy(dtype=float)
    errors = errors[np.isfinite(errors) & (errors > 0)]
    digits = max(2, 1 - int(np.floor(np.log10(errors.min())))) if errors.size else 2
    for column in shown.columns:
        if column == "ess_bulk":
            shown[column] = shown[column].map(lambda value: f"{value:.0f}")
        elif column in ("pd", "in_rope", "rhat"):
            shown[column] = shown[column].map(lambda value: f"{value:.3f}")
        elif pd.api.types.is_float_dtype(shown[column]):
            shown[column] = shown[column].map(lambda value, d=digits: f"{value:.{d}f}")
    return shown.to_string(index=False)


def _paragraphs(lines: list[str]) -> str:
    return "\n".join(textwrap.fill(line, width=88, subsequent_indent="  ") for line in lines)


@dataclass(frozen=True)
class EMMeans:
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

    def __repr__(self) -> str:
        return f"{_paragraphs(self._lines())}\n\n{_formatted(self.table)}"

    def _repr_html_(self) -> str:
        notes = "".join(f"<p>{line}</p>" for line in self._lines())
        return notes + self.table.to_html(index=False, classes="bayesglmm", float_format="%.4g")


@dataclass(frozen=True)
class Contrasts:
    """Comparisons among estimated marginal means (see :meth:`EMMeans.contrast`).

    Attributes
    ----------
    table
        One row per contrast (within ``by`` groups): ``contrast``, posterior ``mean``,
        ``median``, ``sd``, ``2.5%``, ``97.5%``, ``pd``, ``in_rope`` (with a rope), bulk
        ESS, R-hat and the simultaneous band ``sim_low``, ``sim_high``.
    draws
        ``(samples, contrasts)`` draws on the reported scale, in ``table``'s row order.
    measure
        ``"difference"``, ``"ratio"`` or ``"odds_ratio"``.
    means
        The means compared.
    level
        Probability of the simultaneous band.
    critical
        Per ``by`` group, the multiplier ``c`` of the band ``mean +- c sd``.
    rope
        The region of practical equivalence, if given.
    """

    table: pd.DataFrame
    draws: np.ndarray
    measure: str
    means: EMMeans
    level: float
    critical: list[float]
    rope: tuple[float, float] | None = None

    def _lines(self) -> list[str]:
        scale = {
            "difference": f"differences on the {self.means.scale} scale",
            "ratio": "ratios of means (exp of differences of log means)",
            "odds_ratio": "odds ratios (exp of differences of logits)",
        }[self.measure]
        kind = "conditional (typical unit) " if self.means.re == "none" else "population-averaged "
        if self.means.link == "identity" or not self.means.has_random:
            kind = ""
        multipliers = ", ".join(f"{value:.2f}" for value in self.critical)
        lines = [
            f"Comparisons of {kind}estimated marginal means: {scale}.",
            "pd: posterior probability of the sign of the comparison.",
            f"sim_low, sim_high: simultaneous {self.level:.0%} band over the comparisons of each "
            f"group, mean +- c sd{' on the log scale' if self.measure != 'difference' else ''} "
            f"with c = {multipliers} (the {self.level:.0%} quantile of the largest standardised "
            "deviation over draws).",
        ]
        if self.rope is not None:
            lines.append(f"in_rope: posterior share inside {self.rope}.")
        return lines

    def __repr__(self) -> str:
        return f"{_paragraphs(self._lines())}\n\n{_formatted(self.table)}"

    def _repr_html_(self) -> str:
        notes = "".join(f"<p>{line}</p>" for line in self._lines())
        return notes + self.table.to_html(index=False, classes="bayesglmm", float_format="%.4g")
