"""nutpie's chains run as separate one-chain samplers, so that one chain's failure costs
only that chain.

In one nutpie sampler, a chain whose log density raises panics the whole run and its
trace is lost, every chain's draws with it. Here each chain is its own sampler
(``nutpie.sample(chains=1, blocking=False)``) with its own seed from the fit's seed
(``numpy.random.SeedSequence(seed).spawn(chains)``); at most ``options.cores`` run at
once, the others wait their turn. A chain that raises is recorded with its error and the
others go on; Ctrl-C or the end of ``options.time_limit`` aborts the running chains and
keeps their draws. :func:`run_chains` returns each chain's trace (None for a chain that
failed or never started) and what stopped the run.

Examples
--------
>>> chain_seeds(1, 3)
[1641411168, 1454127163, 2749604155]
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable

import numpy as np
import nutpie
import xarray as xr
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from bayesglmm.errors import SamplerError
from bayesglmm.samplers.options import SamplingOptions
from bayesglmm.samplers.stopping import (
    INTERRUPTED,
    SHORT_TRACE_NOTICE,
    TIME_LIMIT,
    Deadline,
)

POLL_SECONDS = 0.05
"""How long one look at a running chain waits for it to finish."""


def chain_seeds(seed: int, chains: int) -> list[int]:
    """One independent seed per chain from the fit's seed."""
    return [int(child.generate_state(1)[0]) for child in np.random.SeedSequence(seed).spawn(chains)]


_PYTHON_ERROR = re.compile(r"PyErr \{ type: <class '([\w.]+)'>, value: (.*?), traceback: ")
"""The Python error inside nutpie's panic message for a log density that raised."""


def chain_error(error: BaseException) -> SamplerError:
    r"""A chain's error as the user can read it, without nutpie's Rust backtrace: for a log
    density that raised, the Python error it raised; else nutpie's message and its causes
    on one line.

    Examples
    --------
    >>> panic = RuntimeError("Logp function returned error: PyError(PyErr { type: "
    ...                      "<class 'ValueError'>, value: ValueError('bad'), traceback: None })")
    >>> print(chain_error(panic))
    the log density raised ValueError('bad')
    >>> print(chain_error(RuntimeError("No start\n\nCaused by:\n    0: bad point\n\n"
    ...                                "Stack backtrace:\n   0: <unknown>")))
    No start: bad point
    """
    found = _PYTHON_ERROR.search(str(error))
    if found is not None:
        return SamplerError(f"the log density raised {found.group(2)}")
    message = str(error).split("\n\nStack backtrace")[0]
    lines = [line.strip() for line in message.splitlines() if line.strip() != "Caused by:"]
    causes = [re.sub(r"^\d+: ", "", line) for line in lines if line]
    return SamplerError(": ".join(causes) or type(error).__name__)


def _progress(enabled: bool) -> Progress:
    return Progress(
        TextColumn("NUTS"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        disable=not enabled,
    )


def run_chains(
    start: Callable[[int, int, Callable], object], options: SamplingOptions
) -> tuple[list[xr.DataTree | None], dict[int, BaseException], str | None]:
    """Run ``options.chains`` one-chain samplers, ``options.cores`` at a time.

    Parameters
    ----------
    start
        ``start(chain, seed, on_progress)`` starts one chain's nutpie sampler in the
        background and returns it; ``on_progress`` is its progress callback.
    options
        The run's options.

    Returns
    -------
    traces, failed, reason
        Each chain's trace (None for a chain that failed or never started), the error of
        each failed chain by position, and :data:`INTERRUPTED`, :data:`TIME_LIMIT` or None.
    """
    seeds = chain_seeds(options.seed, options.chains)
    waiting = list(range(options.chains))
    running: dict[int, object] = {}
    traces: list[xr.DataTree | None] = [None] * options.chains
    failed: dict[int, BaseException] = {}
    done = [0] * options.chains
    deadline = Deadline(options.time_limit)
    reason = None
    with _progress(options.progress) as bar:
        task = bar.add_task("chains", total=options.chains * (options.tune + options.draws))

        def progress_of(chain: int) -> Callable:
            def on_progress(chains) -> None:
                done[chain] = chains[0].finished_draws

            return on_progress

        try:
            while waiting or running:
                while waiting and len(running) < options.cores:
                    chain = waiting.pop(0)
                    running[chain] = start(chain, seeds[chain], progress_of(chain))
                for chain, sampler in list(running.items()):
                    try:
                        traces[chain] = sampler.wait(timeout=POLL_SECONDS)
                    except TimeoutError:
                        continue
                    except KeyboardInterrupt:
                        raise
                    except BaseException as error:  # nutpie's Rust panics are BaseExceptions
                        failed[chain] = chain_error(error)
                    del running[chain]
                bar.update(task, completed=sum(done))
                if deadline.expired():
                    reason = TIME_LIMIT
                    break
        except KeyboardInterrupt:
            reason = INTERRUPTED
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", SHORT_TRACE_NOTICE, UserWarning)
            for chain, sampler in running.items():
                traces[chain] = sampler.abort()
    return traces, failed, reason


def start_chain(nutpie_model, options: SamplingOptions, settings: dict) -> Callable:
    """The ``start`` of :func:`run_chains` for a compiled nutpie model."""

    def start(chain: int, seed: int, on_progress: Callable):
        return nutpie.sample(
            nutpie_model,
            draws=options.draws,
            tune=options.tune,
            chains=1,
            cores=1,
            seed=seed,
            progress_bar=False,
            progress_callback=on_progress,
            target_accept=options.target_accept,
            save_warmup=False,
            blocking=False,
            **settings,
        )

    return start
