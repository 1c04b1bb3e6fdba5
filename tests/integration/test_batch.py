"""bg.fit_many on a local Dask cluster: the same draws as single fits, one compile per
structure and worker, failures and dead workers that cost only their fit, resuming from a
store, and the batch's tables."""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import bayesglmm as bg
from bayesglmm.batch.engine import named_datasets
from tests.conftest import quiet_fit

OPTIONS = {"draws": 100, "tune": 100, "chains": 2, "progress": False}
DASK = (sys.executable, "-m", "dask")
SCHEDULER_OPTIONS = ("--host", "127.0.0.1", "--port", "0", "--no-dashboard")
PROJECT_ROOT = Path(__file__).resolve().parents[2]
WORKER_OPTIONS = ("--nthreads", "1", "--nworkers", "1", "--no-dashboard")
FORMULA = "favorable | trials(n) ~ treatment + (1 | clinic)"


@pytest.fixture(scope="module")
def client(dask_client):
    return dask_client


def _datasets(count: int) -> dict[str, pd.DataFrame]:
    data = bg.datasets.load("infection")
    rng = np.random.default_rng(7)
    return {
        f"trial_{i}": data.assign(favorable=rng.binomial(data["n"], 0.3 + 0.05 * i))
        for i in range(count)
    }


def _model() -> bg.Model:
    return bg.Model(FORMULA, bg.datasets.load("infection"), family="binomial", centered=False)


def die_on_empty_clinic(data: pd.DataFrame) -> bg.Model:
    """A model function whose process dies for one dataset (as an out-of-memory kill would)."""
    if data["favorable"].sum() == 0:
        os._exit(1)
    return bg.Model(FORMULA, data, family="binomial", centered=False)


@pytest.fixture(scope="module")
def batch(client, tmp_path_factory):
    store = tmp_path_factory.mktemp("batch") / "trials.zarr"
    return bg.fit_many(_model(), _datasets(4), client=client, seed=11, store=store, **OPTIONS)


def test_each_fit_equals_the_single_fit_with_its_seed(batch):
    status = batch.status().set_index("fit")
    assert status["status"].tolist() == ["ok"] * 4
    for name, data in _datasets(4).items():
        single = _model().arguments.build(data)
        options = {key: value for key, value in OPTIONS.items() if key != "progress"}
        fit = quiet_fit(single, seed=int(status.loc[name, "seed"]), cores=1, **options)
        assert batch[name].posterior["b"].equals(fit.posterior["b"])
        assert batch[name].posterior["sd_clinic"].equals(fit.posterior["sd_clinic"])


def test_a_structure_compiles_once_per_worker(batch):
    compiled = batch.status()["compiled"]
    assert 1 <= compiled.sum() <= 2
    assert len(compiled) == 4


def test_the_summary_is_one_long_table(batch):
    summary = batch.summary()
    assert summary.columns.tolist() == [
        "fit",
        "parameter",
        "mean",
        "sd",
        "2.5%",
        "97.5%",
        "ess_bulk",
        "ess_tail",
        "rhat",
    ]
    assert summary["fit"].tolist() == [f"trial_{i}" for i in range(4) for _ in range(3)]
    first = summary[summary["fit"] == "trial_0"].set_index("parameter").drop(columns="fit")
    pd.testing.assert_frame_equal(first, batch["trial_0"].summary(), check_names=False)


def test_failures_are_retried_once_and_cost_only_their_fit(client):
    datasets = _datasets(2)
    datasets["swapped"] = datasets["trial_0"].assign(favorable=lambda d: d["n"] + 1)
    batch = bg.fit_many(_model(), datasets, client=client, seed=3, **OPTIONS)
    status = batch.status().set_index("fit")
    assert status["status"].tolist() == ["ok", "ok", "failed"]
    assert status.loc["swapped", "attempts"] == 2
    assert status.loc["swapped", "error"].startswith(
        "DataError: successes 'favorable' exceed trials 'n' in 16 rows"
    )
    with pytest.raises(bg.StoreError, match=r"^fit 'swapped' has no draws: it is failed.$"):
        batch["swapped"]


def test_a_dead_worker_costs_only_its_fit(client):
    datasets = _datasets(2)
    datasets["killer"] = datasets["trial_0"].assign(favorable=0)
    batch = bg.fit_many(die_on_empty_clinic, datasets, client=client, seed=3, **OPTIONS)
    status = batch.status().set_index("fit")
    assert status.loc[["trial_0", "trial_1"], "status"].tolist() == ["ok", "ok"]
    assert status.loc["killer", "status"] == "failed"
    assert status.loc["killer", "error"].startswith("KilledWorker")


def test_a_store_resumes_without_refitting(client, batch, tmp_path):
    batch.save(tmp_path / "copy.zarr")
    before = batch.status().set_index("fit")
    more = bg.fit_many(
        _model(), _datasets(5), client=client, seed=11, store=tmp_path / "copy.zarr", **OPTIONS
    )
    after = more.status().set_index("fit")
    pd.testing.assert_frame_equal(after.loc[before.index], before)
    assert after.loc["trial_4", "status"] == "ok"
    assert after.loc["trial_4", "seed"] == int(
        np.random.SeedSequence(11).spawn(5)[4].generate_state(1)[0]
    )


def test_saving_refuses_an_existing_path(batch, tmp_path):
    (tmp_path / "taken").mkdir()
    with pytest.raises(bg.StoreError, match=r"^'.*taken' exists; give batch.save a new path"):
        batch.save(tmp_path / "taken")


def test_bad_arguments_are_named():
    data = bg.datasets.load("infection")
    with pytest.raises(bg.ArgumentError, match=r"^datasets is a dict of name to DataFrame or a"):
        named_datasets(data)
    with pytest.raises(bg.StoreError, match=r"^a fit name must be letters, digits"):
        named_datasets({"a/b": data})
    with pytest.raises(bg.ArgumentError, match=r"^datasets is empty"):
        named_datasets({})
    with pytest.raises(bg.ArgumentError, match=r"^model is a bg.Model or a function"):
        bg.fit_many("y ~ x", {"a": data})
    assert list(named_datasets([data, data])) == ["0", "1"]


def test_a_cluster_without_workers_stops_the_batch_with_an_error(monkeypatch, tmp_path):
    from bayesglmm.batch import engine

    monkeypatch.setattr(engine, "WATCH_SECONDS", 0.2)
    monkeypatch.setattr(engine, "NO_WORKERS_SECONDS", 1)
    distributed = pytest.importorskip("distributed")
    with (
        distributed.LocalCluster(n_workers=0, processes=False, dashboard_address=":0") as cluster,
        distributed.Client(cluster) as empty,
    ):
        with pytest.raises(
            bg.SamplerError,
            match=r"^the Dask cluster has had no workers for 1 s, with 2 fits left; the fits "
            r"finished so far are in the store",
        ):
            bg.fit_many(_model(), _datasets(2), client=empty, store=tmp_path / "b", **OPTIONS)
    assert bg.Batch(bg.batch.store.BatchStore.open(tmp_path / "b"), ["trial_0"]).ok() == []


@pytest.fixture
def scheduler_address(tmp_path):
    """A scheduler and two workers started by ``dask scheduler`` / ``dask worker`` as
    separate processes that share only a TCP address, as on separate machines; the
    address is read from the scheduler file."""
    pytest.importorskip("distributed", reason="fit_many needs the batch extra")
    scheduler_file = tmp_path / "scheduler.json"
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    scheduler = subprocess.Popen(
        [*DASK, "scheduler", *SCHEDULER_OPTIONS, "--scheduler-file", str(scheduler_file)],
        **quiet,
    )
    workers = []
    try:
        deadline = time.monotonic() + 60
        while not scheduler_file.exists() or not scheduler_file.read_text():
            assert time.monotonic() < deadline, "the scheduler wrote no address in 60 s"
            time.sleep(0.2)
        address = json.loads(scheduler_file.read_text())["address"]
        for name in ("machine-a", "machine-b"):
            command = [*DASK, "worker", address, *WORKER_OPTIONS, "--name", name]
            command.extend(["--local-directory", str(tmp_path / name)])
            workers.append(subprocess.Popen(command, cwd=PROJECT_ROOT, **quiet))
        yield address
    finally:
        for process in [*workers, scheduler]:
            process.terminate()
        for process in [*workers, scheduler]:
            process.wait(timeout=30)


def test_a_scheduler_address_runs_the_batch_on_separate_worker_processes(scheduler_address):
    distributed = pytest.importorskip("distributed")
    with distributed.Client(scheduler_address) as watcher:
        watcher.wait_for_workers(2, timeout=60)
        names = sorted(info["name"] for info in watcher.scheduler_info()["workers"].values())
    assert names == ["machine-a", "machine-b"]
    batch = bg.fit_many(_model(), _datasets(2), client=scheduler_address, seed=11, **OPTIONS)
    status = batch.status().set_index("fit")
    assert status["status"].tolist() == ["ok", "ok"]
    for name, data in _datasets(2).items():
        options = {key: value for key, value in OPTIONS.items() if key != "progress"}
        single = quiet_fit(
            _model().arguments.build(data), seed=int(status.loc[name, "seed"]), cores=1, **options
        )
        assert batch[name].posterior["b"].equals(single.posterior["b"])
