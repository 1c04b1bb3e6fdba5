"""Rank-normalised split R-hat and bulk ESS of many parameters at once.

The convergence check of a fit reads these two numbers for every group-level effect, and
ArviZ computes them one parameter at a time: about 10 s for 4,000 effects x 4,000 draws.
Here every step runs on all parameters together (one sort for the ranks, one FFT for the
autocovariances, and Geyer's truncation as array operations), with the same definitions
as ArviZ's ``rhat`` (``method="rank"``) and ``ess`` (``method="bulk"``), following Vehtari,
Gelman, Simpson, Carpenter & Bürkner (2021), *Rank-normalization, folding, and
localization: an improved R-hat for assessing convergence of MCMC*, Bayesian Analysis
16(2), and Geyer (1992), *Practical Markov chain Monte Carlo*, Statistical Science 7(4).

Parameters whose draws are not all finite or do not vary are left to ArviZ, which has
rules of its own for them.

Examples
--------
>>> import numpy as np
>>> draws = np.random.default_rng(1).normal(size=(3, 4, 500))
>>> rhat, ess = rhat_and_bulk_ess(draws)
>>> bool(np.all(rhat < 1.01)), bool(np.all(ess > 1500))
(True, True)
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from scipy.fft import next_fast_len
from scipy.special import ndtri

BLOM_OFFSET = 3 / 8
"""The fractional offset of the normal scores of ranks (Blom 1958), as in Vehtari et al."""


def _split_chains(draws: np.ndarray) -> np.ndarray:
    """``(parameter, chain, draw)`` draws with each chain cut into its two halves (the middle
    draw of an odd length left out), the halves as chains."""
    half = draws.shape[2] // 2
    return np.concatenate([draws[:, :, :half], draws[:, :, draws.shape[2] - half :]], axis=1)


def _average_ranks(flat: np.ndarray) -> np.ndarray:
    """Ranks (from 1) of each row's values, tied values sharing the mean of their ranks."""
    order = np.argsort(flat, axis=1)
    ordered = np.take_along_axis(flat, order, axis=1)
    positions = np.broadcast_to(np.arange(flat.shape[1], dtype=float), flat.shape)
    starts_group = np.ones(flat.shape, bool)
    starts_group[:, 1:] = ordered[:, 1:] != ordered[:, :-1]
    tied = ~starts_group.all(axis=1)
    sorted_ranks = positions + 1
    if tied.any():
        group_start = np.maximum.accumulate(np.where(starts_group[tied], positions[tied], 0), 1)
        ends_group = np.ones((tied.sum(), flat.shape[1]), bool)
        ends_group[:, :-1] = starts_group[tied][:, 1:]
        last = flat.shape[1] - 1
        group_end = (
            last
            - np.maximum.accumulate(np.where(ends_group[:, ::-1], positions[tied], 0), axis=1)[
                :, ::-1
            ]
        )
        sorted_ranks = sorted_ranks.copy()
        sorted_ranks[tied] = (group_start + group_end) / 2 + 1
    ranks = np.empty_like(flat)
    np.put_along_axis(ranks, order, sorted_ranks, axis=1)
    return ranks


def _normal_scores(draws: np.ndarray) -> np.ndarray:
    """Each parameter's draws replaced by the normal quantiles of their pooled ranks."""
    flat = draws.reshape(draws.shape[0], -1)
    ranks = _average_ranks(flat)
    size = flat.shape[1]
    return ndtri((ranks - BLOM_OFFSET) / (size - 2 * BLOM_OFFSET + 1)).reshape(draws.shape)


def _rhat(draws: np.ndarray) -> np.ndarray:
    """The potential scale reduction of ``(parameter, chain, draw)`` draws."""
    draws_per_chain = draws.shape[2]
    between = draws_per_chain * np.var(draws.mean(axis=2), axis=1, ddof=1)
    within = np.var(draws, axis=2, ddof=1).mean(axis=1)
    return np.sqrt((between / within + draws_per_chain - 1) / draws_per_chain)


def _autocovariance(draws: np.ndarray) -> np.ndarray:
    """Autocovariance of every chain at every lag, by FFT, divided by the chain length."""
    n = draws.shape[2]
    centred = draws - draws.mean(axis=2, keepdims=True)
    transformed = np.fft.rfft(centred, n=next_fast_len(2 * n), axis=2)
    transformed *= np.conjugate(transformed)
    return np.fft.irfft(transformed, n=next_fast_len(2 * n), axis=2)[:, :, :n] / n


def _ess(draws: np.ndarray) -> np.ndarray:
    """Effective sample size of ``(parameter, chain, draw)`` draws: autocorrelations
    combined across chains, summed in pairs up to the first pair whose sum is not positive
    (Geyer's initial positive sequence), the pair sums made non-increasing (his initial
    monotone sequence)."""
    n_chains, n = draws.shape[1], draws.shape[2]
    autocovariance = _autocovariance(draws)
    mean_variance = autocovariance[:, :, 0].mean(axis=1) * n / (n - 1)
    variance_plus = mean_variance * (n - 1) / n
    if n_chains > 1:
        variance_plus = variance_plus + np.var(draws.mean(axis=2), axis=1, ddof=1)
    rho = 1 - (mean_variance[:, None] - autocovariance.mean(axis=1)) / variance_plus[:, None]
    rho[:, 0] = 1.0
    pairs = n // 2
    pair_sums = rho[:, 0 : 2 * pairs : 2] + rho[:, 1 : 2 * pairs : 2]
    # Pair k (lags 2k, 2k + 1) is looked at while 2k - 1 < n - 3 and pair k - 1 sums > 0.
    k = np.arange(pairs)
    looked_at = (2 * k - 1 < n - 3) & np.concatenate(
        [np.ones((len(rho), 1), bool), pair_sums[:, :-1] > 0], axis=1
    )
    looked_at[:, 0] = True
    stop = np.where(looked_at.all(axis=1), pairs, np.argmin(looked_at, axis=1))
    last = stop - 1  # the last pair looked at, whose even lag may close the sum
    kept = k[None, :] < last[:, None]
    monotone = np.minimum.accumulate(np.where(kept, pair_sums, np.inf), axis=1)
    kept_sum = np.where(kept, monotone, 0.0).sum(axis=1)
    rows = np.arange(len(rho))
    last_even = np.where(last >= 1, rho[rows, 2 * last], 1.0)
    last_sum = pair_sums[rows, last]
    closing = np.where((last_even > 0) | (last_sum >= 0), last_even, 0.0)
    total = n_chains * n
    tau = np.maximum(-1 + 2 * kept_sum + closing, 1 / np.log10(total))
    return total / tau


PARAMETERS_PER_TASK = 128
"""Parameters computed together in one thread: small enough for the CPU's cache, large
enough for NumPy's loops to dominate (sorts and FFTs release the GIL)."""


def _usable_rhat_and_ess(draws: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    split = _split_chains(draws)
    scores = _normal_scores(split)
    folded = np.abs(split - np.median(split.reshape(len(split), -1), axis=1)[:, None, None])
    return np.maximum(_rhat(scores), _rhat(_normal_scores(folded))), _ess(scores)


def rhat_and_bulk_ess(draws: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rank-normalised split R-hat (the larger of the bulk and the folded tail R-hat) and
    bulk ESS of each parameter of ``(parameter, chain, draw)`` draws, in threads of
    :data:`PARAMETERS_PER_TASK` parameters.

    Needs at least 2 chains and 4 draws per chain, finite draws that vary; parameters
    without are NaN here (see :func:`~bayesglmm.results.tables.convergence_stats`).

    Examples
    --------
    >>> import numpy as np
    >>> stuck = np.stack([np.zeros((2, 100)), np.ones((2, 100))])
    >>> rhat_and_bulk_ess(stuck)
    (array([nan, nan]), array([nan, nan]))
    """
    draws = np.asarray(draws, dtype=float)
    flat = draws.reshape(draws.shape[0], -1)
    usable = np.isfinite(flat).all(axis=1) & (
        flat.max(axis=1, initial=-np.inf) - flat.min(axis=1, initial=np.inf)
        >= np.finfo(float).resolution
    )
    rhat = np.full(draws.shape[0], np.nan)
    ess = np.full(draws.shape[0], np.nan)
    if draws.shape[1] < 2 or draws.shape[2] < 4 or not usable.any():
        return rhat, ess
    kept = draws[usable]
    tasks = [
        kept[start : start + PARAMETERS_PER_TASK]
        for start in range(0, len(kept), PARAMETERS_PER_TASK)
    ]
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        results = list(pool.map(_usable_rhat_and_ess, tasks))
    rhat[usable] = np.concatenate([task_rhat for task_rhat, _ in results])
    ess[usable] = np.concatenate([task_ess for _, task_ess in results])
    return rhat, ess
