"""Runs that end early: Ctrl-C, a time limit, or a chain that fails.

A sampler that stops early counts the post-warm-up draws each chain made and hands
them to :func:`keep_drawn`, which keeps the chains that maximise the number of draws
in total, trims them to their shortest common length (so R-hat and ESS can be
computed) and records what happened in the posterior's attributes: ``incomplete``,
``stop_reason``, ``stop_message``, ``draws_requested``, ``chains_requested`` and
``failed_chains``. The results package turns these into a warning and a printout line.
A run stopped before any chain finished warm-up raises :class:`SamplingInterrupted`.

Examples
--------
>>> common_chains([300, 310, 4, 0])
([0, 1], 300)
>>> common_chains([0, 0])
([], 0)
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import xarray as xr

from bayesglmm.errors import SamplerError, SamplingInterrupted
from bayesglmm.samplers.options import SamplingOptions

INTERRUPTED = "interrupted"
"""``stop_reason`` of a run stopped by Ctrl-C (KeyboardInterrupt)."""
TIME_LIMIT = "time limit"
"""``stop_reason`` of a run stopped by ``fit(time_limit=...)``."""
CHAIN_FAILED = "chain failed"
"""``stop_reason`` of a run that ran to the end except for chains that raised."""

SHORT_TRACE_NOTICE = "Found chain dimension to be longer than draw dimension"
"""ArviZ's UserWarning for a trace with more chains than draws, as a run stopped soon
after warm-up leaves; the dimensions are right."""

clock = time.monotonic
"""The clock that time limits are measured on (replaceable in tests)."""


class Deadline:
    """The end of a time limit, measured on :data:`clock` from construction.

    Parameters
    ----------
    seconds
        The time limit, or None for none.
    """

    def __init__(self, seconds: float | None):
        self.end = None if seconds is None else clock() + seconds

    def expired(self) -> bool:
        """True once the time limit has run out."""
        return self.end is not None and clock() >= self.end


@dataclass(frozen=True)
class Stop:
    """What ended a run early.

    Attributes
    ----------
    reason
        :data:`INTERRUPTED`, :data:`TIME_LIMIT`, or None when every chain that did
        not fail ran to the end.
    drawn
        Post-warm-up draws each chain made (0 for a failed chain).
    failed
        The error each failed chain raised, by chain position.
    """

    reason: str | None
    drawn: Sequence[int]
    failed: dict[int, BaseException] = field(default_factory=dict)

    def ran_to_the_end(self, draws: int) -> bool:
        """True when no chain failed and every chain made all ``draws`` (a stop that came
        as the run ended)."""
        return not self.failed and all(n == draws for n in self.drawn)

    def failures(self) -> list[str]:
        """``"chain <position>: <error type>: <message>"`` for each failed chain."""
        return [
            f"chain {c}: {type(error).__name__}: {error}"
            for c, error in sorted(self.failed.items())
        ]


def common_chains(drawn: Sequence[int]) -> tuple[list[int], int]:
    """The chains to keep and their common length, maximising chains times length.

    Ties go to more chains (better R-hat). A chain far shorter than the others is left
    out rather than cutting them all down to its length; no chain is kept when none
    has a draw.
    """
    best: tuple[list[int], int] = ([], 0)
    for length in sorted({n for n in drawn if n > 0}):
        chains = [c for c, n in enumerate(drawn) if n >= length]
        if len(chains) * length > len(best[0]) * best[1]:
            best = (chains, length)
    return best


def warmup_unfinished(reason: str, options: SamplingOptions) -> SamplingInterrupted:
    """The error for a run stopped before any chain finished warm-up."""
    if reason == TIME_LIMIT:
        cause = f"the time limit of {options.time_limit:g} s ran out"
        remedy = "Raise time_limit, or lower tune"
    else:
        cause = "sampling was interrupted"
        remedy = "Interrupt only once the progress bar shows post-warm-up draws, or lower tune"
    return SamplingInterrupted(
        f"{cause} during warm-up (tune={options.tune} iterations per chain): warm-up was not "
        f"finished and no draw was kept, so there is nothing to return. {remedy} (for example "
        f"fit(tune={max(1, options.tune // 2)}))."
    )


def kept_chains(stop: Stop, options: SamplingOptions) -> tuple[list[int], int]:
    """The chains a stopped run keeps and their common length (:func:`common_chains`).

    Raises
    ------
    SamplerError
        When every chain failed, from the first chain's error.
    SamplingInterrupted
        When no chain finished warm-up.
    """
    if len(stop.failed) == len(stop.drawn):
        raise SamplerError(
            f"every chain failed, so there are no draws ({'; '.join(stop.failures())}). Fix "
            "the cause; if it depends on the starting point, try another seed."
        ) from stop.failed[min(stop.failed)]
    chains, length = common_chains(stop.drawn)
    if not chains:
        raise warmup_unfinished(stop.reason or INTERRUPTED, options) from None
    return chains, length


def _stop_message(stop: Stop, chains: list[int], length: int, options: SamplingOptions) -> str:
    parts = []
    if stop.reason == INTERRUPTED:
        parts.append(f"interrupted after {length} of {options.draws} draws per chain")
    elif stop.reason == TIME_LIMIT:
        parts.append(
            f"time limit of {options.time_limit:g} s reached after {length} of {options.draws} "
            "draws per chain"
        )
    parts.extend(
        f"chain {c} failed ({type(error).__name__}: {error})"
        for c, error in sorted(stop.failed.items())
    )
    drawn = [stop.drawn[c] for c in chains]
    if len(set(drawn)) > 1:
        counts = ", ".join(str(n) for n in drawn)
        parts.append(f"chains trimmed to the shortest common length, {length} (they had {counts})")
    left_out = [c for c in range(len(stop.drawn)) if c not in chains and c not in stop.failed]
    if left_out:
        counts = ", ".join(f"chain {c}: {stop.drawn[c]}" for c in left_out)
        parts.append(f"chains with too few draws left out ({counts})")
    parts.append(f"{len(chains)} of {len(stop.drawn)} chains kept")
    return "; ".join(parts)


def record_stop(tree: xr.DataTree, stop: Stop, options: SamplingOptions) -> xr.DataTree:
    """Record why the run stopped in the posterior's attributes.

    ``tree`` already holds only the chains of :func:`kept_chains`, trimmed to their common
    length (PyMC trims them itself; :func:`keep_drawn` for the other samplers).
    """
    chains, length = kept_chains(stop, options)
    tree["posterior"].attrs.update(
        incomplete=True,
        stop_reason=stop.reason or CHAIN_FAILED,
        stop_message=_stop_message(stop, chains, length, options),
        draws_requested=options.draws,
        chains_requested=len(stop.drawn),
        failed_chains=stop.failures(),
    )
    return tree


def keep_drawn(tree: xr.DataTree, stop: Stop, options: SamplingOptions) -> xr.DataTree:
    """Keep the chains of :func:`kept_chains`, trimmed, and record why the run stopped.

    A run that ran to the end (:meth:`Stop.ran_to_the_end`) is returned as it is.

    Parameters
    ----------
    tree
        ``posterior`` and ``sample_stats`` with one entry per chain along ``chain`` and
        the longest chain's draws along ``draw`` (shorter chains padded).
    stop
        What ended the run.
    options
        The run's options: requested draws and warm-up, and the time limit.

    Raises
    ------
    SamplerError, SamplingInterrupted
        As :func:`kept_chains`.
    """
    if stop.ran_to_the_end(options.draws):
        return tree
    chains, length = kept_chains(stop, options)
    return record_stop(tree.isel(chain=chains, draw=slice(0, length)), stop, options)
