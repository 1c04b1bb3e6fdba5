"""Posterior predictions: conditional (subject-specific), marginal (population-averaged) or none.

With ``eta = X beta + Z u`` and inverse link ``h``:

* ``re="conditional"`` uses each row's own group effects ``u`` (new levels: see below);
* ``re="none"`` sets ``u = 0``, the prediction for a typical (median) group;
* ``re="marginal"`` averages the mean over the random-effects distribution,
  ``E_u[h(X beta + Z u)]``. Given a draw, the random part of a row's linear
  predictor, ``z_i' u``, is normal with variance ``v_i = sum_g z_ig' Sigma_g z_ig``,
  so the average is a one-dimensional integral, evaluated by Gauss-Hermite
  quadrature with :data:`QUADRATURE_NODES` nodes. For a nonlinear link it differs from
  ``re="none"``: population-averaged effects on the logit scale are attenuated by about
  ``1/sqrt(1 + 0.346 v)`` (Zeger, Liang & Albert 1988, Biometrics 44:1049-1060).

Smooths are not random effects in this sense: their penalised parts are part of the
fitted curve and enter every prediction, whatever ``re``.

A level that the fit has not seen gets, with ``new_levels="population"``, effects drawn
from ``N(0, Sigma_g)`` at every posterior draw (one draw per new level, shared by its
rows; jointly for the groups that a correlation ID joins); ``new_levels="error"`` refuses
it.

Examples
--------
>>> import bayesglmm as bg
>>> model = bg.Model("favorable | trials(n) ~ treatment + (1 | clinic)",
...                  bg.datasets.load("infection"), family="binomial")
>>> fit = model.fit(draws=300, tune=300, chains=2, seed=1, progress=False)
>>> new = pd.DataFrame({"treatment": ["control", "drug"], "clinic": [0, 0]})
>>> fit.predict(new, re="marginal").columns.tolist()
['mean', 'sd', '2.5%', '97.5%']
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import xarray as xr
from scipy import special

from bayesglmm import naming
from bayesglmm.backend.likelihoods import Additions, Mu, draw, likelihood_of, moments
from bayesglmm.backend.likelihoods import mean as response_mean
from bayesglmm.errors import ArgumentError, DataError, did_you_mean
from bayesglmm.families.family import Family
from bayesglmm.families.links import LINKS, Link
from bayesglmm.formula.newdata import NewDataDesign, new_data_design
from bayesglmm.results.intervals import interval_bounds, interval_columns, resolve_ci_prob
from bayesglmm.results.linear_predictor import (
    MAX_CHUNK_ELEMENTS,
    combined,
    imputed_terms,
    modelled_parameters,
    monotonic_terms,
    parameter_draws,
    smooth_coefficients,
    stacked_draws,
)
from bayesglmm.structures.residual import sequential_data, sequential_draws

if TYPE_CHECKING:
    from bayesglmm.results.fit import Fit

KINDS = ("mean", "linpred", "response")
RANDOM_EFFECTS = ("conditional", "marginal", "none")
NEW_LEVELS = ("population", "error")
QUADRATURE_NODES = 64
"""Gauss-Hermite nodes for ``re="marginal"`` while the random part's sd is at most 3 on the
link scale; a larger sd ``s`` takes ``64 ceil(s^2 / 9)`` nodes (at most
:data:`MAX_QUADRATURE_NODES`), since a sharper integrand needs more. With a logit link the
error stays below 1e-6 up to ``s = 15`` (checked against adaptive quadrature)."""

MAX_QUADRATURE_NODES = 2048


def check_choice(name: str, value: str, allowed: tuple[str, ...]) -> None:
    """Refuse ``value`` unless it is one of ``allowed``, listing them (ArgumentError)."""
    if not isinstance(value, str) or value not in allowed:
        choices = ", ".join(repr(a) for a in allowed)
        hint = did_you_mean(value, allowed) if isinstance(value, str) else ""
        raise ArgumentError(f"{name} must be one of {choices}, not {value!r}.{hint}")


def thinned_draws(posterior: xr.Dataset, ndraws: int | None) -> xr.Dataset:
    """``posterior`` thinned evenly within every chain to at most about ``ndraws`` draws."""
    if ndraws is None:
        return posterior
    total = posterior.sizes["chain"] * posterior.sizes["draw"]
    whole = not isinstance(ndraws, bool) and isinstance(ndraws, int | np.integer)
    if not whole or ndraws < 1:
        raise ArgumentError(
            f"ndraws must be a positive whole number of draws, not {ndraws!r}; for example "
            f"ndraws=100, or ndraws=None for all {total}."
        )
    step = max(1, -(-total // ndraws))
    return posterior.isel(draw=slice(None, None, step))


def group_covariance(posterior: xr.Dataset, name: str) -> np.ndarray:
    """Stacked draws of the covariance ``Sigma_g`` of grouping factor ``name``."""
    sd = stacked_draws(posterior, naming.group_sd(name))
    covariance = sd[:, :, None] * sd[:, None, :]
    if naming.group_correlation(name) in posterior:
        return covariance * stacked_draws(posterior, naming.group_correlation(name))
    return covariance * np.eye(sd.shape[1])


def random_part_variance(posterior: xr.Dataset, design: NewDataDesign, rows: slice) -> np.ndarray:
    """Draws ``(samples, rows)`` of the variance of the random part of each row's linear
    predictor, ``v_i = sum_g z_ig' Sigma_g z_ig`` over the grouping factors (and over the
    members of an ``mm()`` group, whose levels are different effects)."""
    n_samples = posterior.sizes["chain"] * posterior.sizes["draw"]
    variance = np.zeros((n_samples, design.fixed[rows].shape[0]))
    for group in design.groups:
        covariance = group_covariance(posterior, group.name)
        for _, _, values in group.memberships:
            variance += np.einsum("ni,sij,nj->sn", values[rows], covariance, values[rows])
    return variance


def normal_average(
    function: Callable[[np.ndarray], np.ndarray], eta: np.ndarray, variance: np.ndarray
) -> np.ndarray:
    """``E[function(eta + e)]`` for ``e ~ N(0, variance)``, elementwise, by Gauss-Hermite
    quadrature with :data:`QUADRATURE_NODES` nodes, more for a large variance."""
    largest = float(np.max(variance, initial=0.0))
    count = min(QUADRATURE_NODES * max(1, int(np.ceil(largest / 9.0))), MAX_QUADRATURE_NODES)
    nodes, weights = special.roots_hermite(count)
    scale = np.sqrt(2.0 * variance)
    total = np.zeros(np.broadcast_shapes(np.shape(eta), np.shape(variance)))
    for node, weight in zip(nodes, weights, strict=True):
        total += weight * function(eta + scale * node)
    return total / np.sqrt(np.pi)


def _new_level_effects(
    posterior: xr.Dataset, design: NewDataDesign, new_levels: str, rng: np.random.Generator
) -> dict[str, np.ndarray]:
    """Draws ``(samples, new levels, terms)`` of the effects of unseen levels."""
    effects = {}
    parameter_groups = [g for part in design.parameters.values() for g in part.groups]
    for group in [*design.groups, *parameter_groups]:
        if not group.new_levels:
            continue
        if new_levels == "error":
            shown = ", ".join(repr(level) for level in group.new_levels[:5])
            raise DataError(
                f"newdata has levels of '{group.name}' that the fit has not seen: {shown}"
                f"{' ...' if len(group.new_levels) > 5 else ''}. Pass new_levels='population' "
                "to draw their effects from the fitted population distribution, or "
                "re='none' to predict for a typical group."
            )
    drawn = [group for group in [*design.groups, *parameter_groups] if group.new_levels]
    for names in _joined_groups(design.linked, [group.name for group in drawn]):
        factor = np.linalg.cholesky(_joint_covariance(posterior, design.linked, names))
        count = len(next(g for g in drawn if g.name == names[0]).new_levels)
        noise = rng.standard_normal((factor.shape[0], count, factor.shape[1]))
        joint, start = np.einsum("sij,slj->sli", factor, noise), 0
        for name in names:
            size = posterior.sizes[naming.term_dim(name)]
            effects[name] = joint[:, :, start : start + size]
            start += size
    return effects


def _joined_groups(linked, names: list[str]) -> list[list[str]]:
    """``names`` in sets whose effects are drawn together: groups that correlation IDs join
    (:attr:`~bayesglmm.formula.spec.ModelSpec.linked`) share a set, the others are alone."""
    sets = [[name] for name in names]
    for link in linked:
        members = {group for group, _ in link.members}
        joined = [s for s in sets if members & set(s)]
        sets = [s for s in sets if not members & set(s)]
        sets.append([name for s in joined for name in s])
    return [s for s in sets if s]


def _joint_covariance(posterior: xr.Dataset, linked, names: list[str]) -> np.ndarray:
    """Draws ``(samples, terms, terms)`` of the covariance of the effects of groups
    ``names`` together: each group's own covariance on the diagonal, and across groups
    the correlations of their joined blocks times the sds."""
    own = [group_covariance(posterior, name) for name in names]
    sizes = [c.shape[1] for c in own]
    starts = dict(zip(names, np.cumsum([0, *sizes[:-1]]), strict=True))
    total = sum(sizes)
    covariance = np.zeros((own[0].shape[0], total, total))
    for name, block in zip(names, own, strict=True):
        at = slice(starts[name], starts[name] + block.shape[1])
        covariance[:, at, at] = block
    for link in linked:
        if link.members[0][0] not in starts:
            continue
        correlation = stacked_draws(posterior, naming.group_correlation(link.name))
        positions, sds = [], []
        for (group, _), terms in zip(link.members, link.columns, strict=True):
            terms = list(terms)
            positions.extend(starts[group] + t for t in terms)
            sds.append(stacked_draws(posterior, naming.group_sd(group))[:, terms])
        sd = np.concatenate(sds, axis=1)
        rows, columns = np.ix_(positions, positions)
        covariance[:, rows, columns] = sd[:, :, None] * sd[:, None, :] * correlation
    return covariance


def _row_chunks(n_samples: int, n_rows: int, whole: bool) -> Iterator[slice]:
    """Slices of rows; one slice of all rows when ``whole`` (rows that depend on each other)."""
    size = n_rows if whole else max(1, MAX_CHUNK_ELEMENTS // max(1, n_samples))
    for start in range(0, n_rows, size):
        yield slice(start, min(start + size, n_rows))


def _linear_parts(
    posterior: xr.Dataset,
    design: NewDataDesign,
    rows: slice,
    re: str,
    new_effects: dict[str, np.ndarray],
) -> tuple[np.ndarray, np.ndarray | None]:
    """``(eta, v)``: linear predictor ``(samples, rows)`` and, for ``re="marginal"``, the
    variance of its random part (else None)."""
    b = stacked_draws(posterior, naming.coefficients(design.suffix))
    offset = None if design.offset is None else design.offset[rows]
    smooths = [
        (smooth_coefficients(posterior, block), values[rows]) for block, values in design.smooths
    ]
    monotonic = monotonic_terms(
        posterior, [(column, codes[rows]) for column, codes in design.monotonic]
    )
    imputed = imputed_terms(posterior, b, design.imputed_predictors, rows=rows)
    if re != "conditional":
        eta = combined(b, design.fixed[rows], offset, [], smooths, monotonic, imputed)
        variance = random_part_variance(posterior, design, rows) if re == "marginal" else None
        return eta, variance
    terms = []
    for group in design.groups:
        fitted = stacked_draws(posterior, naming.group_effects(group.name))
        for index, new_index, values in group.memberships:
            index, effects = index[rows], fitted
            unseen = index < 0
            if unseen.any():
                index = np.where(unseen, fitted.shape[1] + new_index[rows], index)
                effects = np.concatenate([fitted, new_effects[group.name]], axis=1)
            terms.append((effects, index, values[rows]))
    return combined(b, design.fixed[rows], offset, terms, smooths, monotonic, imputed), None


def _chunk_values(
    posterior: xr.Dataset,
    design: NewDataDesign,
    rows: slice,
    family: Family,
    link: Link,
    kind: str,
    re: str,
    new_effects: dict[str, np.ndarray],
    rng: np.random.Generator,
) -> np.ndarray:
    eta, variance = _linear_parts(posterior, design, rows, re, new_effects)
    if kind == "linpred":
        return eta
    modelled = {
        name: LINKS[part.link].inverse_np(_linear_parts(posterior, part, rows, re, new_effects)[0])
        for name, part in design.parameters.items()
    }
    params = parameter_draws(posterior, family, modelled=modelled)
    likelihood = likelihood_of(family)
    additions = Additions(
        **{name: values[rows] for name, values in design.response_rows.items()},
        se_sigma="sigma" in params,
        discrete=family.support.discrete,
    )
    if kind == "response":
        if variance is not None:
            eta = eta + np.sqrt(variance) * rng.standard_normal(eta.shape)
        if design.residual is not None:
            rho = stacked_draws(posterior, naming.RESIDUAL_RHO)
            mean = link.inverse_np(eta)
            data = sequential_data(design.residual)
            return sequential_draws(rng, mean, params["sigma"], rho, design.residual.kind, data)
        trials = None if design.trials is None else design.trials[rows]
        return draw(likelihood, rng, Mu.of(eta, link), params, trials, additions).astype(float)

    def mean_at(at: np.ndarray) -> np.ndarray:
        return response_mean(likelihood, Mu.of(at, link), params, additions)

    return mean_at(eta) if variance is None else normal_average(mean_at, eta, variance)


def predict_draws(
    posterior: xr.Dataset,
    design: NewDataDesign,
    family: Family,
    link: Link,
    kind: str = "mean",
    re: str = "conditional",
    new_levels: str = "population",
    seed=None,
) -> Iterator[tuple[slice, np.ndarray]]:
    """Predictions chunk by chunk of rows: ``(rows, values of shape (samples, rows))``.

    Memory stays bounded by :data:`MAX_CHUNK_ELEMENTS` values per chunk, whatever the
    number of rows.
    """
    check_choice("kind", kind, KINDS)
    check_choice("re", re, RANDOM_EFFECTS)
    check_choice("new_levels", new_levels, NEW_LEVELS)
    if kind == "response" and family.needs_trials and design.trials is None:
        raise DataError(
            "drawing binomial responses needs the number of trials: add the trials "
            "column to newdata, or predict kind='mean' (a probability)."
        )
    if kind == "response" and naming.RESIDUAL_RHO in posterior and design.residual is None:
        raise DataError(
            "drawing responses of a model with correlated residuals needs the subject and "
            "time columns of its residual structure in newdata; add them, or predict "
            "kind='mean'."
        )
    if re == "marginal":
        grouped = [name for name, part in design.parameters.items() if part.groups]
        if grouped:
            raise DataError(
                f"re='marginal' integrates over the mean's group-level effects only, but the "
                f"formula of '{grouped[0]}' has group-level effects too; predict with "
                "re='conditional' or re='none'."
            )
    try:
        rng = np.random.default_rng(seed)
    except (TypeError, ValueError):
        raise ArgumentError(
            f"seed must be a whole number of 0 or more (or None), not {seed!r}; for example seed=1."
        ) from None
    new_effects = (
        _new_level_effects(posterior, design, new_levels, rng) if re == "conditional" else {}
    )
    n_samples = posterior.sizes["chain"] * posterior.sizes["draw"]
    whole = kind == "response" and design.residual is not None
    for rows in _row_chunks(n_samples, design.n_rows, whole):
        yield rows, _chunk_values(posterior, design, rows, family, link, kind, re, new_effects, rng)


def prediction_summary(
    chunks: Iterator[tuple[slice, np.ndarray]], index: pd.Index, ci_prob: float | None = None
) -> pd.DataFrame:
    """Mean, sd and central ``ci_prob`` interval per row, accumulated chunk by chunk."""
    ci_prob = resolve_ci_prob(ci_prob)
    parts = []
    for _, values in chunks:
        low, high = interval_bounds(values, ci_prob)
        parts.append(np.column_stack([values.mean(0), values.std(0, ddof=1), low, high]))
    columns = ["mean", "sd", *interval_columns(ci_prob)]
    return pd.DataFrame(np.concatenate(parts), index=index, columns=columns)


def prediction_tree(
    chunks: Iterator[tuple[slice, np.ndarray]], posterior: xr.Dataset, index: pd.Index, name: str
) -> xr.DataTree:
    """All draws as a DataTree with group ``predictions`` over ``(chain, draw, obs)``."""
    values = np.concatenate([chunk for _, chunk in chunks], axis=1)
    shaped = values.reshape(posterior.sizes["chain"], posterior.sizes["draw"], -1)
    dataset = xr.Dataset(
        {name: (("chain", "draw", "obs"), shaped)},
        coords={
            "chain": posterior["chain"].values,
            "draw": posterior["draw"].values,
            "obs": index.to_numpy(),
        },
    )
    return xr.DataTree.from_dict({"predictions": dataset})


def predict(
    fit: Fit,
    newdata: pd.DataFrame | None = None,
    kind: str = "mean",
    re: str = "conditional",
    new_levels: str = "population",
    ndraws: int | None = None,
    summary: bool = True,
    seed=None,
    ci_prob: float | None = None,
) -> pd.DataFrame | xr.DataTree:
    """Posterior predictions of ``fit`` for its rows or ``newdata`` (see :meth:`Fit.predict`)."""
    design = (
        NewDataDesign.from_spec(fit.spec)
        if newdata is None
        else new_data_design(fit.spec, newdata, trials=kind == "response")
    )
    posterior = thinned_draws(fit.posterior, ndraws)
    chunks = predict_draws(posterior, design, fit.family, fit.link, kind, re, new_levels, seed)
    if summary:
        return prediction_summary(chunks, design.row_labels, ci_prob)
    return prediction_tree(chunks, posterior, design.row_labels, fit.observed_name)


def grid_predictions(fit: Fit, grid: pd.DataFrame, kind: str) -> np.ndarray:
    """Draws ``(samples, rows)`` of population-level predictions (group effects 0) on
    ``grid``."""
    tree = predict(fit, grid, kind=kind, re="none", summary=False)
    values = tree["predictions"][fit.observed_name].to_numpy()
    return values.reshape(-1, values.shape[-1])


def conditional_moments(fit: Fit) -> Iterator[tuple[slice, np.ndarray, np.ndarray]]:
    """Per chunk of fitted rows: the rows and the draws ``(samples, rows)`` of the
    conditional mean and variance of the response (per trial for binomial families)."""
    design = NewDataDesign.from_spec(fit.spec)
    posterior = fit.posterior
    modelled = modelled_parameters(posterior, fit.spec)
    trials = design.trials
    likelihood = likelihood_of(fit.family)
    for rows, eta in predict_draws(posterior, design, fit.family, fit.link, kind="linpred"):
        chunk = {name: values[:, rows] for name, values in modelled.items()}
        params = parameter_draws(posterior, fit.family, modelled=chunk)
        additions = Additions.of(fit.spec.response, fit.family.support.discrete)
        rows_additions = additions.with_rows(
            {name: values[rows] for name, values in additions.rows.items()}
        )
        mean, variance = moments(
            likelihood,
            Mu.of(eta, fit.link),
            params,
            None if trials is None else trials[rows],
            rows_additions,
        )
        yield rows, mean, variance
