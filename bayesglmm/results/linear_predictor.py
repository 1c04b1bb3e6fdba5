"""The linear predictor and pointwise log-likelihood over posterior draws.

Draws are processed in chunks so that memory stays bounded by
``MAX_CHUNK_ELEMENTS`` whatever the number of rows and draws.

Examples
--------
>>> import bayesglmm as bg
>>> model = bg.Model("favorable | trials(n) ~ treatment + (1 | clinic)",
...                  bg.datasets.load("infection"), family="binomial")
>>> fit = model.fit(draws=100, tune=200, chains=2, seed=3, progress=False)
>>> linear_predictor(fit.idata.posterior, fit.spec).shape
(200, 16)
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence

import numpy as np
import xarray as xr

from bayesglmm import naming
from bayesglmm.backend.likelihoods import Additions, Mu, likelihood_of, log_likelihood
from bayesglmm.families.family import Family
from bayesglmm.families.links import LINKS, Link
from bayesglmm.formula.imputed_spec import ImputedPredictor
from bayesglmm.formula.spec import ModelSpec, ParameterDesign
from bayesglmm.naming import smooth_naming
from bayesglmm.structures.residual import conditional_log_likelihood

MAX_CHUNK_ELEMENTS = 4_000_000
"""Largest number of (draw x row x term) elements held at once."""


def stacked_draws(posterior: xr.Dataset, name: str) -> np.ndarray:
    """Draws of one variable with chain and draw merged into a leading sample axis."""
    values = posterior[name].transpose("chain", "draw", ...).to_numpy()
    return values.reshape(values.shape[0] * values.shape[1], *values.shape[2:])


def parameter_draws(
    posterior: xr.Dataset,
    family: Family,
    samples: slice = slice(None),
    modelled: Mapping[str, np.ndarray] | None = None,
) -> dict[str, np.ndarray]:
    """The family's parameters at the stacked samples, shaped to broadcast over rows:
    ``(samples, 1)`` for constants, ``(samples, 1, K-1)`` for ordinal thresholds and
    ``(samples, 1, K)`` for a mixture's proportions; the values ``(samples, rows)`` of
    modelled parameters are given in ``modelled`` (and returned with them)."""
    modelled = dict(modelled or {})
    constant = {
        name: stacked_draws(posterior, name)[samples][:, None]
        for name in family.dispersion_names
        if name not in modelled
    }
    return {**constant, **modelled}


def modelled_parameters(
    posterior: xr.Dataset, spec: ModelSpec, samples: slice = slice(None)
) -> dict[str, np.ndarray]:
    """Values ``(samples, rows)`` of each modelled parameter at the fitted rows: the inverse
    link of its linear predictor."""
    return {
        part.name: LINKS[part.link].inverse_np(linear_predictor(posterior, part, samples))
        for part in spec.parameters
    }


def smooth_coefficients(posterior: xr.Dataset, block: str) -> np.ndarray:
    """Draws ``(samples, columns)`` of a smooth's penalised coefficients, ``sds * zs``; for a
    Gaussian process (whose block is its label) the coefficients of its basis functions,
    ``bgp``."""
    if smooth_naming.gp_coefficients(block) in posterior:
        return stacked_draws(posterior, smooth_naming.gp_coefficients(block))
    sds = stacked_draws(posterior, smooth_naming.smooth_sd(block))
    return sds[:, None] * stacked_draws(posterior, smooth_naming.smooth_standard_normal(block))


def draw_chunks(posterior: xr.Dataset, spec: ModelSpec) -> Iterator[slice]:
    """Slices of the stacked sample axis, each small enough to hold in memory."""
    n_samples = posterior.sizes["chain"] * posterior.sizes["draw"]
    width = max(
        [1, *(part.fixed.matrix.shape[1] for part in spec.linear_parts)]
        + [g.values.shape[1] for g in spec.all_groups]
        + [v.shape[1] for smooth in spec.all_smooths for v in smooth.values]
    )
    size = max(1, MAX_CHUNK_ELEMENTS // max(1, spec.n_obs * width))
    for start in range(0, n_samples, size):
        yield slice(start, min(start + size, n_samples))


def monotonic_effect(bsp: np.ndarray, simplex: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """``bsp * D * sum(simplex[:codes])`` per sample and row: a monotonic term's part of the
    linear predictor (Bürkner & Charpentier 2020).

    Parameters
    ----------
    bsp
        ``(samples,)`` coefficients: the average difference between adjacent categories.
    simplex
        ``(samples, D)`` increments, each row summing to one.
    codes
        ``(rows,)`` categories ``0..D``.

    Examples
    --------
    >>> monotonic_effect(np.array([2.0]), np.array([[0.25, 0.75]]), np.array([0, 1, 2]))
    array([[0., 1., 4.]])
    """
    steps = np.concatenate([np.zeros((simplex.shape[0], 1)), np.cumsum(simplex, axis=1)], axis=1)
    return bsp[:, None] * simplex.shape[1] * steps[:, codes]


def monotonic_terms(
    posterior: xr.Dataset,
    codes: Sequence[tuple[str, np.ndarray]],
    samples: slice = slice(None),
) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """The ``monotonic`` argument of :func:`combined`: per ``(column, categories of the
    rows)`` of a ``mo(column)`` term, in the order of the formula, the draws of its
    coefficient ``(samples,)`` and its simplex ``(samples, D)``, and the categories."""
    if not codes:
        return []
    bsp = stacked_draws(posterior, naming.MONOTONIC_COEFFICIENTS)[samples]
    return [
        (bsp[:, k], stacked_draws(posterior, naming.simplex(column))[samples], categories)
        for k, (column, categories) in enumerate(codes)
    ]


def imputed_terms(
    posterior: xr.Dataset,
    b: np.ndarray,
    predictors: Sequence[ImputedPredictor],
    samples: slice = slice(None),
    rows: slice = slice(None),
) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """The ``imputed`` argument of :func:`combined` at ``rows``: per predictor ``mi(z)``,
    the coefficients ``(samples, columns)`` of the columns that hold it (from the fixed
    effects ``b``), their multipliers ``(rows, columns)`` and each row's imputed value
    ``(samples, rows)``, zero where ``z`` is observed."""
    terms = []
    for predictor in predictors:
        values = stacked_draws(posterior, predictor.variable)[samples]
        padded = np.concatenate([values, np.zeros((values.shape[0], 1))], axis=1)
        terms.append(
            (
                b[:, predictor.columns],
                predictor.multipliers[rows],
                padded[:, predictor.positions[rows]],
            )
        )
    return terms


def combined(
    b: np.ndarray,
    fixed: np.ndarray,
    offset: np.ndarray | None,
    terms: Iterable[tuple[np.ndarray, np.ndarray, np.ndarray]],
    smooths: Iterable[tuple[np.ndarray, np.ndarray]] = (),
    monotonic: Iterable[tuple[np.ndarray, np.ndarray, np.ndarray]] = (),
    imputed: Iterable[tuple[np.ndarray, np.ndarray, np.ndarray]] = (),
) -> np.ndarray:
    """The linear predictor ``X b + offset + sum_g rowsum(Z_g * r_g[index_g]) +
    sum_s Zs_s bs_s`` plus the monotonic terms and the imputed predictors' values over
    stacked draws: the one place it is computed from draws.

    Parameters
    ----------
    b
        ``(samples, coefficients)`` fixed effects.
    fixed, offset
        ``(rows, coefficients)`` design and ``(rows,)`` offset (or None).
    terms
        Per grouping factor: effects ``(samples, levels, terms)``, each row's level
        ``(rows,)`` and its term columns ``(rows, terms)``.
    smooths
        Per penalised block of a smooth: coefficients ``(samples, columns)``
        (:func:`smooth_coefficients`) and its columns ``(rows, columns)``.
    monotonic
        Per ``mo()`` term: coefficient draws ``(samples,)``, simplex draws
        ``(samples, D)`` and each row's category ``(rows,)`` (see :func:`monotonic_effect`).
    imputed
        Per predictor ``mi(z)`` (see :func:`imputed_terms`): coefficients, multipliers and
        imputed values; the design ``fixed`` holds 0 where they go.

    Examples
    --------
    >>> b = np.array([[1.0, 2.0]])
    >>> effects = np.array([[[10.0], [20.0]]])
    >>> combined(b, np.array([[1.0, 0.5]]), None, [(effects, np.array([1]), np.ones((1, 1)))])
    array([[22.]])
    """
    eta = b @ fixed.T
    if offset is not None:
        eta = eta + offset
    for effects, index, values in terms:
        eta += np.einsum("snq,nq->sn", effects[:, index, :], values)
    for coefficients, values in smooths:
        eta += coefficients @ values.T
    for bsp, simplex, codes in monotonic:
        eta += monotonic_effect(bsp, simplex, codes)
    for coefficients, multipliers, values in imputed:
        eta += (coefficients @ multipliers.T) * values
    return eta


def linear_predictor(
    posterior: xr.Dataset, part: ModelSpec | ParameterDesign, samples: slice = slice(None)
) -> np.ndarray:
    """One linear predictor at the fitted rows and the stacked posterior samples ``samples``:
    the mean's for a spec, a modelled parameter's for its :class:`ParameterDesign`.

    Returns
    -------
    ndarray of shape ``(samples, rows)``.
    """
    b = stacked_draws(posterior, naming.coefficients(part.suffix))[samples]
    terms = (
        (stacked_draws(posterior, naming.group_effects(g.name))[samples], index, values)
        for g in part.groups
        for index, values in g.memberships
    )
    codes = [(term.column, term.codes) for term in part.monotonic]
    monotonic = monotonic_terms(posterior, codes, samples)
    imputed = imputed_terms(posterior, b, part.imputed_predictors, samples)
    return combined(
        b,
        part.fixed.matrix,
        part.offset,
        terms,
        smooth_terms(posterior, part, samples),
        monotonic,
        imputed,
    )


def smooth_terms(
    posterior: xr.Dataset, part: ModelSpec | ParameterDesign, samples: slice = slice(None)
) -> list[tuple[np.ndarray, np.ndarray]]:
    """The ``smooths`` argument of :func:`combined` at the fitted rows of one linear
    predictor: per penalised block, its coefficients at ``samples`` and its columns."""
    return [
        (smooth_coefficients(posterior, block)[samples], values)
        for smooth in part.smooths
        for block, values in zip(smooth.blocks, smooth.values, strict=True)
    ]


def pointwise_log_likelihood(
    posterior: xr.Dataset, spec: ModelSpec, family: Family, link: Link
) -> np.ndarray:
    """Log-likelihood of each row at each draw, shape ``(chain, draw, rows)``."""
    y, trials = spec.response.values, spec.response.trials
    likelihood = likelihood_of(family)
    additions = Additions.of(spec.response, family.support.discrete)
    chunks = []
    for samples in draw_chunks(posterior, spec):
        eta = linear_predictor(posterior, spec, samples)
        params = parameter_draws(
            posterior, family, samples, modelled_parameters(posterior, spec, samples)
        )
        if spec.residual is None:
            mu = Mu.of(eta, link)
            chunks.append(log_likelihood(likelihood, y, mu, params, trials, additions))
            continue
        rho = stacked_draws(posterior, naming.RESIDUAL_RHO)[samples]
        mean, sigma = link.inverse_np(eta), params["sigma"]
        chunks.append(conditional_log_likelihood(y, mean, sigma, rho, spec.residual))
    return np.concatenate(chunks).reshape(posterior.sizes["chain"], posterior.sizes["draw"], -1)
