"""``bg.fit_many``: one model fitted to many datasets on a Dask cluster.

Each dataset is one task. A worker keeps the models it has compiled
(:mod:`bayesglmm.batch.tasks`) and gives every later dataset of the same structure to one
of them through :meth:`bayesglmm.Model.set_data`, so a structure compiles once per worker.
A task that raises, or whose worker dies, is submitted once more and then marked failed
with its error; no other fit is affected. At most one task per worker thread is on the
cluster at a time, so that a dying worker holds only the task it was running (the
scheduler fails every task assigned to a worker that dies). Finished fits go to the batch store
(:mod:`bayesglmm.batch.store`) as they arrive, and a batch given the store of an earlier
run fits only what that run did not finish.

Examples
--------
>>> import bayesglmm as bg
>>> data = bg.datasets.load("infection")
>>> model = bg.Model("favorable | trials(n) ~ treatment + (1 | clinic)", data,
...                  family="binomial")
>>> halves = {"first": data.iloc[:8], "second": data.iloc[8:]}
>>> batch = bg.fit_many(model, halves, draws=100, tune=100, chains=1, seed=1,
...                     progress=False)  # doctest: +SKIP
>>> batch.status()["status"].tolist()  # doctest: +SKIP
['ok', 'ok']
"""

from __future__ import annotations

import os
import tempfile
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import ExitStack
from pathlib import Path

import numpy as np
import pandas as pd
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

from bayesglmm.batch.result import Batch
from bayesglmm.batch.store import BatchStore, check_name
from bayesglmm.batch.tasks import FitOutcome, FitTask, describe_failure, run_task
from bayesglmm.errors import ArgumentError, SamplerError
from bayesglmm.frames import as_pandas
from bayesglmm.model import Model
from bayesglmm.results import Fit

ATTEMPTS = 2
"""Times a task is submitted before it is marked failed: once, and one retry."""
WATCH_SECONDS = 5
"""How often a batch with nothing finishing checks that its cluster still has workers."""
NO_WORKERS_SECONDS = 120
"""A batch stops with an error after its cluster has had no workers for this long."""


def _distributed():
    try:
        import distributed
    except ImportError:
        raise ArgumentError(
            "bg.fit_many runs on dask.distributed, which is not installed; install it with "
            "pip install 'bayesglmm[batch]'."
        ) from None
    return distributed


def _client(client, stack: ExitStack):
    """The client to use: a new local cluster for None (processes, one thread each, as
    many as the machine has cores), a client for an address, or the client given."""
    distributed = _distributed()
    if isinstance(client, distributed.Client):
        return client
    if client is None:
        import dask

        stack.enter_context(
            dask.config.set(
                {
                    "distributed.scheduler.allowed-failures": 0,
                    "distributed.scheduler.worker-saturation": 1.0,
                }
            )
        )
        cluster = stack.enter_context(
            distributed.LocalCluster(
                n_workers=os.cpu_count() or 1,
                threads_per_worker=1,
                processes=True,
                dashboard_address=":0",
            )
        )
        return stack.enter_context(distributed.Client(cluster))
    if isinstance(client, str):
        return stack.enter_context(distributed.Client(client))
    raise ArgumentError(
        "client must be None (a local cluster), a distributed.Client or a scheduler address "
        f"such as 'tcp://10.0.0.5:8786', not {type(client).__name__}."
    )


def named_datasets(datasets: object) -> dict[str, pd.DataFrame]:
    """``datasets`` as ``{name: DataFrame}``: a mapping keeps its names, an iterable of
    tables is named ``"0"``, ``"1"``, ...

    Raises
    ------
    ArgumentError
        For one table, an empty collection or anything else.
    """
    if isinstance(datasets, pd.DataFrame) or hasattr(datasets, "__dataframe__"):
        raise ArgumentError(
            "datasets is a dict of name to DataFrame or a list of DataFrames, not one table; "
            "for one dataset call model.fit()."
        )
    if isinstance(datasets, Mapping):
        items = list(datasets.items())
    elif isinstance(datasets, Iterable) and not isinstance(datasets, str | bytes):
        items = [(str(i), data) for i, data in enumerate(datasets)]
    else:
        raise ArgumentError(
            "datasets is a dict of name to DataFrame or a list of DataFrames, not "
            f"{type(datasets).__name__}."
        )
    if not items:
        raise ArgumentError("datasets is empty; give fit_many at least one dataset.")
    return {
        check_name(name): as_pandas(data, argument=f"datasets['{name}']") for name, data in items
    }


def _recipe(model: object):
    if isinstance(model, Model):
        return model.arguments
    if callable(model):
        return model
    raise ArgumentError(
        "model is a bg.Model or a function from a dataset to a bg.Model, not "
        f"{type(model).__name__}."
    )


def _seeds(seed: int | None, count: int) -> tuple[int, list[int]]:
    """The batch seed (drawn when None) and one independent seed per fit from it."""
    if seed is None:
        seed = int(np.random.SeedSequence().generate_state(1)[0])
    children = np.random.SeedSequence(seed).spawn(count)
    return seed, [int(child.generate_state(1)[0]) for child in children]


def _record(outcome: FitOutcome, attempts: int) -> dict:
    summary = None if outcome.summary is None else outcome.summary.rename_axis("parameter")
    return {
        "status": "ok" if outcome.error is None else "failed",
        "seed": outcome.seed,
        "error": outcome.error,
        "seconds": outcome.seconds,
        "compiled": outcome.compiled,
        "attempts": attempts,
        "warnings": outcome.warnings,
        "values": outcome.values,
        "summary": None if summary is None else summary.reset_index().to_dict("list"),
    }


def _threads(client) -> int:
    """The worker threads the cluster has now (at least one, so a batch waiting for
    restarting workers keeps one task queued)."""
    workers = client.scheduler_info()["workers"].values()
    return max(1, sum(worker["nthreads"] for worker in workers))


def _finished(client, pending: Mapping, distributed, refill: Callable[[], int]) -> Iterator:
    """The futures of ``pending`` as they finish (it may grow meanwhile, with retries and
    with the tasks ``refill()`` submits before every wait; it returns how many still wait).

    Raises
    ------
    SamplerError
        When the cluster has had no worker for :data:`NO_WORKERS_SECONDS`, so that no fit
        can finish (a cluster whose workers all died and were not restarted).
    """
    idle_since = None
    waiting = refill()
    while pending:
        try:
            done = distributed.wait(
                list(pending), timeout=WATCH_SECONDS, return_when="FIRST_COMPLETED"
            ).done
        except TimeoutError:
            done = set()
        if done:
            idle_since = None
            yield from done
            waiting = refill()
            continue
        waiting = refill()
        if client.scheduler_info()["workers"]:
            idle_since = None
        elif idle_since is None:
            idle_since = time.perf_counter()
        elif time.perf_counter() - idle_since > NO_WORKERS_SECONDS:
            raise SamplerError(
                f"the Dask cluster has had no workers for {NO_WORKERS_SECONDS} s, with "
                f"{len(pending) + waiting} fits left; the fits finished so far are in the "
                "store, so rerun with the same store= once the cluster has workers again."
            )


def _progress(total: int, enabled: bool) -> Progress:
    return Progress(
        TextColumn("fits"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total} done, {task.fields[failed]} failed, "),
        TextColumn("{task.fields[running]} queued or running"),
        TimeRemainingColumn(),
        disable=not enabled,
    )


def fit_many(
    model: Model | Callable[[pd.DataFrame], Model],
    datasets: Mapping[str, pd.DataFrame] | Iterable[pd.DataFrame],
    client=None,
    draws: int = 1000,
    tune: int = 1000,
    chains: int = 4,
    cores: int = 1,
    seed: int | None = None,
    sampler: str = "nutpie",
    target_accept: float = 0.8,
    store: str | os.PathLike | None = None,
    progress: bool = True,
    evaluate: Callable[[str, Fit], dict[str, float]] | None = None,
) -> Batch:
    """Fit one model to many datasets on a Dask cluster.

    Parameters
    ----------
    model
        A :class:`bayesglmm.Model` (its formula, family, priors and options are applied to
        each dataset), or a function from a dataset to a ``bg.Model``.
    datasets
        ``{name: DataFrame}``, or an iterable of DataFrames (named ``"0"``, ``"1"``, ...).
        Names are letters, digits, ``_``, ``.`` and ``-``.
    client
        None: a local cluster of processes, one thread each, as many as the machine has
        cores, closed at the end. A ``distributed.Client``, or a scheduler address, runs
        the same batch on that cluster.
    draws, tune, chains, cores, sampler, target_accept
        As for :meth:`bayesglmm.Model.fit`; ``cores`` is per fit (one, as every worker has
        one thread).
    seed
        The batch's seed; each fit gets its own seed from it (``numpy.random.SeedSequence``
        spawning), so a rerun gives the same draws.
    store
        A folder for the batch store. Finished fits are written there as they arrive; given
        the store of an earlier batch, fits it holds are not run again. A temporary folder
        when None (``batch.save(path)`` keeps it).
    progress
        Show a progress bar over the batch.
    evaluate
        ``evaluate(name, fit)``, run on the worker after each fit, returning
        ``{label: number}``; the numbers are kept with the fit's status
        (``batch.values()``), as :func:`bayesglmm.power` keeps each posterior's verdict and
        the simulation-based calibration its ranks.

    Returns
    -------
    Batch
        ``status()``, ``summary()``, ``batch[name]`` (a full fit) and ``save(path)``.

    Raises
    ------
    ArgumentError
        For a model, datasets or client of the wrong kind, or when dask.distributed is not
        installed.
    """
    tables = named_datasets(datasets)
    recipe = _recipe(model)
    distributed = _distributed()
    if store is None:
        store = Path(tempfile.mkdtemp(prefix="bayesglmm-batch-")) / "batch.zarr"
    batch_store = BatchStore.open(store)
    batch = Batch(batch_store, list(tables))
    finished = set(batch.ok())
    _, seeds = _seeds(seed, len(tables))
    options = {
        "draws": draws,
        "tune": tune,
        "chains": chains,
        "cores": cores,
        "sampler": sampler,
        "target_accept": target_accept,
    }
    tasks = [
        FitTask(name, tables[name], recipe, options, seeds[position], evaluate)
        for position, name in enumerate(tables)
        if name not in finished
    ]
    if not tasks:
        return batch
    with ExitStack() as stack:
        client = _client(client, stack)
        bar = stack.enter_context(_progress(len(tables), progress))
        tracked = bar.add_task(
            "fits", total=len(tables), completed=len(finished), failed=0, running=len(tasks)
        )
        attempts: dict[str, int] = {}
        started: dict[str, float] = {}
        by_future = {}

        waiting = deque(tasks)

        def refill() -> int:
            """Submit waiting tasks up to one per worker thread; the number left waiting."""
            while waiting and len(by_future) < _threads(client):
                task = waiting.popleft()
                attempts[task.name] = attempts.get(task.name, 0) + 1
                started.setdefault(task.name, time.perf_counter())
                by_future[client.submit(run_task, task, pure=False)] = task
            return len(waiting)

        failed = 0
        for future in _finished(client, by_future, distributed, refill):
            task = by_future.pop(future)
            if future.status == "error":
                if attempts[task.name] < ATTEMPTS:
                    waiting.appendleft(task)
                    continue
                error = describe_failure(future.exception())
                seconds = time.perf_counter() - started[task.name]
                outcome = FitOutcome(task.name, task.seed, error=error, seconds=seconds)
            else:
                outcome = future.result()
            record = _record(outcome, attempts[task.name])
            if outcome.store is not None:
                batch_store.write(task.name, outcome.store, record)
            else:
                batch_store.write_failure(task.name, record)
                failed += 1
            bar.update(tracked, advance=1, failed=failed, running=len(by_future) + len(waiting))
    return batch
