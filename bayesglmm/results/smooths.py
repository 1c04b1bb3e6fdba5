"""A fitted smooth on its own: its partial effect along its covariate with a credible band,
and the partial residuals of the rows, as mgcv's ``plot.gam`` draws them.

The partial effect of ``s(x)`` is its null-space columns times their fixed effects plus
its penalised blocks times their coefficients, on the link scale and centred over the
data (the sum-to-zero constraint); the intercept and the other terms are left out. A
row's partial residual is the effect at its ``x`` plus its working residual,
``(y - mu) g'(mu)`` at the posterior mean of the linear predictor, so that the points
scatter around the curve as the data scatter around the fit.

Examples
--------
>>> import bayesglmm as bg
>>> rng = np.random.default_rng(0)
>>> data = pd.DataFrame({"x": rng.uniform(size=100)})
>>> data["y"] = np.sin(6 * data["x"]) + rng.normal(0, 0.3, 100)
>>> fit = bg.Model("y ~ s(x, k = 6)", data).fit(draws=200, tune=300, chains=2, seed=1,
...                                              progress=False)
>>> smooth_effect(fit, "s(x,k=6)", points=5).columns.tolist()
['x', 'mean', 'sd', '2.5%', '97.5%']
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from bayesglmm import naming
from bayesglmm.errors import ArgumentError, did_you_mean
from bayesglmm.formula.smooth_spec import SmoothDesign
from bayesglmm.formula.spec import ModelSpec, ParameterDesign
from bayesglmm.naming import smooth_naming
from bayesglmm.results.intervals import interval_bounds, interval_columns, resolve_ci_prob
from bayesglmm.results.linear_predictor import (
    draw_chunks,
    linear_predictor,
    smooth_coefficients,
)

if TYPE_CHECKING:
    from bayesglmm.results.fit import Fit

GRID_POINTS = 100
"""Points along the covariate at which a smooth is drawn."""


def find_smooth(
    fit: Fit, term: str, parameter: str | None = None
) -> tuple[ModelSpec | ParameterDesign, tuple[SmoothDesign, ...]]:
    """The linear predictor holding smooth ``term`` (written as in the formula, white space
    ignored, or by its label such as ``sx``) and its designs, one per level of ``by``."""
    parts = [p for p in fit.spec.linear_parts if getattr(p, "name", None) == parameter]
    if not parts:
        names = ", ".join(repr(p) for p in fit.spec.parameter_names) or "none"
        raise ArgumentError(
            f"parameter={parameter!r} has no formula in this model; modelled parameters: {names}."
        )
    part = parts[0]
    key = "".join(str(term).split())
    chosen = tuple(
        s for s in part.smooths if key in (s.term, s.label, smooth_naming.smooth_base(s.label))
    )
    if not chosen:
        terms = list(dict.fromkeys(s.term for s in part.smooths))
        where = "the mean" if parameter is None else f"'{parameter}'"
        listed = ", ".join(terms) or "none"
        raise ArgumentError(
            f"{term!r} is not a smooth of {where}.{did_you_mean(key, terms)} Its smooths: {listed}."
        )
    if len(chosen[0].variables) > 1:
        raise ArgumentError(
            f"{chosen[0].term} smooths {len(chosen[0].variables)} covariates; plot_smooth "
            "draws smooths of one covariate. Predict over a grid of "
            f"{', '.join(chosen[0].variables)} with fit.predict(newdata) instead."
        )
    return part, chosen


def _effect_draws(
    fit: Fit, part: ModelSpec | ParameterDesign, smooth: SmoothDesign, frame: pd.DataFrame
) -> np.ndarray:
    """Draws ``(samples, rows)`` of the partial effect of ``smooth`` at ``frame``."""
    fixed, blocks = smooth.columns(frame)
    b = fit.posterior[naming.coefficients(part.suffix)]
    dim = naming.coefficient_dim(part.suffix)
    effect = np.zeros((fit.posterior.sizes["chain"] * fit.posterior.sizes["draw"], len(frame)))
    if smooth.fixed_names:
        chosen = b.sel({dim: list(smooth.fixed_names)}).transpose("chain", "draw", dim)
        coefficients = chosen.to_numpy().reshape(-1, len(smooth.fixed_names))
        effect += coefficients @ fixed.T
    for block, values in zip(smooth.blocks, blocks, strict=True):
        effect += smooth_coefficients(fit.posterior, block) @ values.T
    return effect


def _mean_effect(
    fit: Fit, part: ModelSpec | ParameterDesign, smooth: SmoothDesign, frame: pd.DataFrame
) -> np.ndarray:
    """The posterior mean of the partial effect of ``smooth`` at ``frame``: the effect is
    linear in the coefficients, so their means give it without holding draws by rows."""
    fixed, blocks = smooth.columns(frame)
    b = fit.posterior[naming.coefficients(part.suffix)]
    dim = naming.coefficient_dim(part.suffix)
    effect = np.zeros(len(frame))
    if smooth.fixed_names:
        effect += fixed @ b.sel({dim: list(smooth.fixed_names)}).mean(("chain", "draw")).values
    for block, values in zip(smooth.blocks, blocks, strict=True):
        effect += values @ smooth_coefficients(fit.posterior, block).mean(axis=0)
    return effect


def _level_frame(smooth: SmoothDesign, values: np.ndarray) -> pd.DataFrame:
    """The grid of one smooth: at its level of a ``by`` factor, or at ``z = 1`` for a
    numeric ``by``, so that the effect is ``f(x)`` itself."""
    frame = pd.DataFrame({smooth.variables[0]: values})
    if smooth.by is not None:
        frame[smooth.by] = 1.0 if smooth.varying else smooth.level
    return frame


def smooth_effect(
    fit: Fit,
    term: str,
    parameter: str | None = None,
    points: int = GRID_POINTS,
    ci_prob: float | None = None,
    values: Sequence[float] | None = None,
) -> pd.DataFrame:
    """The partial effect of a smooth along its covariate on the link scale, at ``values``
    or else at ``points`` evenly spaced values over the data's range (per level of a ``by``
    factor, in column ``<by>``; for a numeric ``by``, the smooth ``f(x)`` it multiplies),
    with the posterior mean, sd and credible interval."""
    part, smooths = find_smooth(fit, term, parameter)
    level = resolve_ci_prob(ci_prob)
    tables = []
    for smooth in smooths:
        name = smooth.variables[0]
        column = fit.spec.data[name]
        if smooth.by is not None and not smooth.varying:
            column = column[fit.spec.data[smooth.by].astype(str) == smooth.level]
        grid = (
            np.linspace(float(column.min()), float(column.max()), points)
            if values is None
            else np.asarray(values, dtype=float)
        )
        frame = _level_frame(smooth, grid)
        draws = _effect_draws(fit, part, smooth, frame)
        low, high = interval_bounds(draws, level)
        if smooth.varying:
            frame = frame.drop(columns=smooth.by)
        table = frame.assign(mean=draws.mean(axis=0), sd=draws.std(axis=0, ddof=1))
        table[interval_columns(level)[0]], table[interval_columns(level)[1]] = low, high
        tables.append(table)
    return pd.concat(tables, ignore_index=True)


def partial_residuals(fit: Fit, term: str) -> pd.DataFrame:
    """Per fitted row: the covariate (and ``by`` level) and the partial residual of the
    mean's smooth ``term``, its posterior-mean effect plus the working residual.

    Raises
    ------
    ArgumentError
        For a smooth varying with a numeric ``by``, whose rows do not scatter around one
        curve."""
    part, smooths = find_smooth(fit, term)
    if smooths[0].varying:
        raise ArgumentError(
            f"{smooths[0].term} is multiplied by '{smooths[0].by}', so its rows have no "
            "partial residuals around f(x); plot it with residuals=False."
        )
    spec = fit.spec
    eta = sum(
        linear_predictor(fit.posterior, spec, samples).sum(axis=0)
        for samples in draw_chunks(fit.posterior, spec)
    ) / (fit.posterior.sizes["chain"] * fit.posterior.sizes["draw"])
    low, high = fit.link.mean_domain
    mu = fit.link.inverse_np(eta)
    if np.isfinite(low) and np.isfinite(high):
        margin = 1e-6 * (high - low)
        mu = np.clip(mu, low + margin, high - margin)
    elif np.isfinite(low):
        mu = np.maximum(mu, low + 1e-6)
    step = 1e-6 * np.maximum(np.abs(mu), 1.0)
    slope = (fit.link.forward_np(mu + step) - fit.link.forward_np(mu - step)) / (2 * step)
    observed = fit.family.mean_scale(spec.response.values, spec.response.trials)
    working = (observed - mu) * slope
    effect = sum(_mean_effect(fit, part, smooth, spec.data) for smooth in smooths)
    table = spec.data[[smooths[0].variables[0]]].copy()
    if smooths[0].by is not None:
        table[smooths[0].by] = spec.data[smooths[0].by].astype(str)
    table["residual"] = effect + working
    return table.reset_index(drop=True)
