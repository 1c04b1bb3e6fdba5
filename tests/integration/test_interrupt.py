"""Runs stopped early: Ctrl-C, time_limit and failed chains keep the draws made so far."""

import dataclasses
import importlib
import itertools
import json
import os
import re
import signal
import subprocess
import sys
import time
import warnings

import numpy as np
import pytest
import xarray as xr
from pymc.sampling.parallel import Draw

import bayesglmm as bg
from bayesglmm.samplers import (
    ModelParts,
    SamplingOptions,
    gibbs,
    nutpie_chains,
    nutpie_sampler,
    pymc_sampler,
    stopping,
)
from bayesglmm.samplers.gibbs.chain import run_chain
from bayesglmm.samplers.gibbs.design import gibbs_design
from bayesglmm.samplers.pymc_sampler import _Watch
from bayesglmm.samplers.stopping import Deadline

nutpie_sample = importlib.import_module("nutpie.sample")

INFECTION = "favorable | trials(n) ~ treatment + (1 | clinic)"
SLEEP = "Reaction ~ Days + (Days | Subject)"
MANY = 100_000
"""Draws per chain that no test waits for: every run here is stopped early."""


@pytest.fixture(scope="module")
def infection():
    return bg.Model(INFECTION, bg.datasets.load("infection"), family="binomial")


@pytest.fixture(scope="module")
def sleep():
    return bg.Model(SLEEP, bg.datasets.load("sleepstudy"))


def drawn_per_chain(trace: xr.DataTree) -> np.ndarray:
    """Post-warm-up draws of each chain in a nutpie trace (shorter chains are NaN-padded)."""
    return (~np.isnan(trace["sample_stats"]["logp"].to_numpy())).sum(axis=1)


def stop_nutpie_after(monkeypatch, how: str, draws: int, chains: int = 2) -> None:
    """Stop nutpie's one-chain samplers once each of the ``chains`` has ``draws``
    post-warm-up draws (``draws=0``: at once, in warm-up): by a Ctrl-C (``how="interrupt"``,
    a KeyboardInterrupt out of a sampler's wait, as nutpie gives it) or by the end of the
    time limit (``how="time limit"``, on a clock that runs out at that moment)."""
    real_wait = nutpie_sample._BackgroundSampler.wait
    ready: dict[int, bool] = {}

    def all_ready() -> bool:
        return len(ready) == chains and all(ready.values())

    def wait(self, *, timeout=None):
        try:
            return real_wait(self, timeout=timeout)
        except TimeoutError:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)
                ready[id(self)] = drawn_per_chain(self.inspect()).min() >= draws
            if how == "interrupt" and all_ready():
                raise KeyboardInterrupt from None
            raise

    monkeypatch.setattr(nutpie_sample._BackgroundSampler, "wait", wait)
    if how == "time limit":
        monkeypatch.setattr(stopping, "clock", lambda: 1e9 if all_ready() else 0.0)


def quiet(model: bg.Model, **options) -> bg.Fit:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", bg.ConvergenceWarning)
        return model.fit(progress=False, **options)


def check_incomplete(
    fit: bg.Fit, reason: str, requested: int, tune: int, chains: int, every_chain: bool = True
) -> int:
    """The attributes, posterior and printout of a stopped fit agree; returns its draws.

    ``every_chain=False`` allows chains left out for having too few draws (a chain that a
    loaded machine started late), which the stop message then names.
    """
    kept = fit.posterior.sizes["draw"]
    attrs = fit.idata.attrs
    assert fit.incomplete is True
    assert attrs["incomplete"] is True
    assert attrs["stop_reason"] == reason
    assert 0 < kept < requested
    assert (attrs["draws_kept"], attrs["draws_requested"]) == (kept, requested)
    assert attrs["chains_requested"] == chains
    if not every_chain and 0 < attrs["chains_kept"] < chains:
        assert "chains with too few draws left out (chain" in attrs["stop_message"]
        chains = attrs["chains_kept"]
    assert attrs["chains_kept"] == fit.posterior.sizes["chain"] == chains
    assert not np.isnan(fit.posterior["b"].to_numpy()).any()
    if chains > 1:  # R-hat needs two chains
        assert np.isfinite(fit.summary()["rhat"]).all()
    assert np.isfinite(fit.summary()["ess_bulk"]).all()
    printout = str(fit)
    assert printout.splitlines()[0].startswith(f"INCOMPLETE: {attrs['stop_message'][:40]}")
    assert f"each with iter = {kept + tune}; warmup = {tune}" in printout
    assert f"total post-warmup draws = {chains * kept}" in printout
    return kept


def test_nutpie_time_limit_keeps_the_draws_so_far(monkeypatch, infection):
    stop_nutpie_after(monkeypatch, "time limit", draws=30)
    with pytest.warns(
        bg.IncompleteSamplingWarning,
        match=r"sampling stopped early: time limit of 30 s reached after \d+ of 100000 draws "
        r"per chain",
    ):
        fit = quiet(infection, draws=MANY, tune=100, chains=2, seed=1, time_limit=30)
    kept = check_incomplete(fit, "time limit", MANY, 100, 2, every_chain=False)
    assert kept >= 30
    assert str(fit).startswith(f"INCOMPLETE: time limit of 30 s reached after {kept} of 100000")


def test_nutpie_ctrl_c_keeps_the_draws_so_far(monkeypatch, infection):
    stop_nutpie_after(monkeypatch, "interrupt", draws=30)
    with pytest.warns(
        bg.IncompleteSamplingWarning,
        match=r"sampling stopped early: interrupted after \d+ of 100000 draws per chain",
    ):
        fit = quiet(infection, draws=MANY, tune=100, chains=2, cores=2, seed=1)
    kept = check_incomplete(fit, "interrupted", MANY, 100, 2, every_chain=False)
    assert str(fit).startswith(f"INCOMPLETE: interrupted after {kept} of 100000 draws per chain")


def test_nutpie_ctrl_c_with_chains_one_after_another_keeps_the_first(monkeypatch, infection):
    """Without ``cores`` or ``time_limit`` the chains run one at a time, so a Ctrl-C in the
    first chain leaves the second without draws."""
    stop_nutpie_after(monkeypatch, "interrupt", draws=30, chains=1)
    with pytest.warns(
        bg.IncompleteSamplingWarning,
        match=r"chains with too few draws left out \(chain 1: 0\); 1 of 2 chains kept",
    ):
        fit = quiet(infection, draws=MANY, tune=100, chains=2, seed=1)
    check_incomplete(fit, "interrupted", MANY, 100, 2, every_chain=False)
    assert fit.idata.attrs["chains_kept"] == 1


def test_nutpie_real_time_limit_stops_sampling(infection):
    """Warm-up of 100 iterations takes a fraction of a second; 100000 draws take minutes."""
    with pytest.warns(bg.IncompleteSamplingWarning, match="time limit of 3 s reached after"):
        fit = quiet(infection, draws=MANY, tune=100, chains=2, seed=2, time_limit=3)
    check_incomplete(fit, "time limit", MANY, 100, 2, every_chain=False)
    assert fit.idata.posterior.attrs["sampling_seconds"] >= 3


def test_ctrl_c_during_warmup_says_warmup_was_not_finished(monkeypatch, infection):
    stop_nutpie_after(monkeypatch, "interrupt", draws=0, chains=1)
    with pytest.raises(bg.SamplingInterrupted) as raised:
        infection.fit(draws=100, tune=MANY, chains=2, seed=1, progress=False)
    assert str(raised.value) == (
        "sampling was interrupted during warm-up (tune=100000 iterations per chain): warm-up "
        "was not finished and no draw was kept, so there is nothing to return. Interrupt only "
        "once the progress bar shows post-warm-up draws, or lower tune (for example "
        "fit(tune=50000))."
    )
    assert raised.value.__cause__ is None and raised.value.__suppress_context__


def test_time_limit_during_warmup_raises_sampling_interrupted(sleep):
    with pytest.raises(bg.SamplingInterrupted) as raised:
        sleep.fit(
            sampler="gibbs", draws=10, tune=MANY, chains=2, seed=1, progress=False, time_limit=0.5
        )
    assert str(raised.value) == (
        "the time limit of 0.5 s ran out during warm-up (tune=100000 iterations per chain): "
        "warm-up was not finished and no draw was kept, so there is nothing to return. Raise "
        "time_limit, or lower tune (for example fit(tune=50000))."
    )
    assert raised.value.__suppress_context__


def test_pymc_time_limit_on_a_counting_clock(monkeypatch, infection):
    """The clock advances one second per reading, and PyMC's callback reads it once per
    iteration: run one chain after the other, the first stops after 120 iterations (70
    draws past the 50 of warm-up) and the second at its first iteration, so only the first
    is kept."""
    ticks = iter(range(10**6))
    monkeypatch.setattr(stopping, "clock", lambda: float(next(ticks)))
    with pytest.warns(bg.IncompleteSamplingWarning) as caught:
        fit = quiet(
            infection, sampler="pymc", draws=200, tune=50, chains=2, cores=1, seed=1, time_limit=120
        )
    message = (
        "time limit of 120 s reached after 70 of 200 draws per chain; chains with too few "
        "draws left out (chain 1: 0); 1 of 2 chains kept"
    )
    assert message in str(caught[0].message)
    assert fit.idata.attrs["stop_message"] == message
    assert fit.posterior.sizes["draw"] == 70
    assert str(fit).startswith("INCOMPLETE: time limit of 120 s reached after 70 of 200 draws")
    assert "each with iter = 120; warmup = 50" in str(fit)
    summary = fit.summary()
    assert np.isfinite(summary["ess_bulk"]).all()
    assert summary["rhat"].isna().all()  # R-hat needs two chains


def test_pymc_ctrl_c_in_one_chain_stops_the_next_chains():
    """Run one after the other, PyMC ends only the running chain at Ctrl-C; the callback
    stops each later chain at its first iteration."""
    options = SamplingOptions(draws=100, tune=50, chains=3, cores=1, seed=1).resolved()
    watch = _Watch(options, Deadline(None))
    for index in range(80):
        watch(None, Draw(0, False, index, index < 50, {}, {}))
    with pytest.raises(KeyboardInterrupt):
        watch(None, Draw(1, False, 0, True, {}, {}))
    with pytest.raises(KeyboardInterrupt):
        watch(None, Draw(2, False, 0, True, {}, {}))
    stop = watch.stop()
    assert (stop.reason, list(stop.drawn)) == ("interrupted", [30, 0, 0])


def test_gibbs_time_limit_stops_every_chain(sleep, tmp_path):
    with pytest.warns(bg.IncompleteSamplingWarning, match="time limit of 1 s reached after"):
        fit = quiet(sleep, sampler="gibbs", draws=MANY, tune=10, chains=2, seed=1, time_limit=1)
    check_incomplete(fit, "time limit", MANY, 10, 2, every_chain=False)
    assert fit.idata.posterior.attrs["sampling_seconds"] >= 1
    fit.save(tmp_path / "stopped.zarr")
    loaded = bg.load(tmp_path / "stopped.zarr")
    assert loaded.incomplete
    assert dict(loaded.idata.attrs) == dict(fit.idata.attrs)
    assert str(loaded).splitlines()[0] == str(fit).splitlines()[0]


GIBBS_SCRIPT = """
import json, sys, time, warnings
import bayesglmm as bg

model = bg.Model("Reaction ~ Days + (Days | Subject)", bg.datasets.load("sleepstudy"))
model.fit(sampler="gibbs", draws=20, tune=20, chains=2, seed=1, progress=False)
print("sampling started", flush=True)
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    fit = model.fit(sampler="gibbs", draws=100_000, tune=10, chains=2, seed=1, progress=False)
returned = time.time()
print(json.dumps({
    "returned": returned,
    "incomplete": fit.incomplete,
    "draws": fit.posterior.sizes["draw"],
    "attrs": {k: v for k, v in fit.idata.attrs.items() if k != "failed_chains"},
    "warnings": [str(w.message) for w in caught if w.category is bg.IncompleteSamplingWarning],
    "first_line": str(fit).splitlines()[0],
}), flush=True)
"""


def test_gibbs_stops_at_a_real_ctrl_c(tmp_path):
    script = tmp_path / "gibbs_fit.py"
    script.write_text(GIBBS_SCRIPT)
    process = subprocess.Popen(
        [sys.executable, str(script)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        assert process.stdout.readline().strip() == "sampling started"
        time.sleep(1.5)
        sent = time.time()
        os.kill(process.pid, signal.SIGINT)
        out, err = process.communicate(timeout=30)
    finally:
        process.kill()
    assert process.returncode == 0, err
    result = json.loads(out)
    assert result["returned"] - sent < 5
    draws = result["draws"]
    assert 0 < draws < 100_000
    assert result["incomplete"] is True
    assert result["attrs"]["stop_reason"] == "interrupted"
    assert result["attrs"]["draws_kept"] == draws
    assert result["first_line"].startswith(
        f"INCOMPLETE: interrupted after {draws} of 100000 draws per chain"
    )
    assert len(result["warnings"]) == 1
    assert result["warnings"][0].startswith(
        f"sampling stopped early: interrupted after {draws} of 100000 draws per chain"
    )


def fail_chain(monkeypatch, failing: set[int]) -> None:
    """Make the Gibbs chains at the positions in ``failing`` raise before their first draw."""

    def chain(design, clusters, draws, tune, seed, report=None, stopped=None):
        if seed.spawn_key[-1] in failing:
            raise RuntimeError("chain exploded")
        return run_chain(design, clusters, draws, tune, seed, report, stopped)

    monkeypatch.setattr(gibbs, "run_chain", chain)


def test_a_failed_gibbs_chain_keeps_the_other_chains(monkeypatch, sleep):
    options = {"sampler": "gibbs", "draws": 60, "tune": 30, "chains": 3, "seed": 5}
    full = quiet(sleep, **options)
    fail_chain(monkeypatch, {1})
    with pytest.warns(
        bg.IncompleteSamplingWarning,
        match=re.escape("chain 1 failed (RuntimeError: chain exploded); 2 of 3 chains kept"),
    ):
        fit = quiet(sleep, **options)
    assert fit.incomplete
    assert fit.idata.attrs["stop_reason"] == "chain failed"
    assert fit.idata.attrs["failed_chains"] == ["chain 1: RuntimeError: chain exploded"]
    assert fit.posterior["chain"].to_numpy().tolist() == [0, 2]
    assert fit.posterior.sizes["draw"] == 60
    assert (fit.posterior["b"] == full.posterior["b"].sel(chain=[0, 2])).all()
    assert str(fit).splitlines()[0] == (
        "INCOMPLETE: chain 1 failed (RuntimeError: chain exploded); 2 of 3 chains kept"
    )


def test_every_gibbs_chain_failing_is_one_sampler_error(monkeypatch, sleep):
    fail_chain(monkeypatch, {0, 1})
    with pytest.raises(bg.SamplerError) as raised:
        sleep.fit(sampler="gibbs", draws=20, tune=20, chains=2, seed=1, progress=False)
    assert str(raised.value) == (
        "every chain failed, so there are no draws (chain 0: RuntimeError: chain exploded; "
        "chain 1: RuntimeError: chain exploded). Fix the cause; if it depends on the starting "
        "point, try another seed."
    )
    assert isinstance(raised.value.__cause__, RuntimeError)


def explode_nutpie_chains(monkeypatch, model: bg.Model, failing: set[int], options: dict):
    """Make nutpie's chains at the positions in ``failing`` raise from their log density
    after a few hundred evaluations (in warm-up), as a numerical library error would."""
    compiled = model._prepared["nutpie", "numba"]
    calls = itertools.count()

    def exploding(*args):
        if next(calls) > 300:
            raise FloatingPointError("chain exploded")
        return compiled.logp_fn(*args)

    broken = nutpie_sampler._nutpie_model(dataclasses.replace(compiled, logp_fn=exploding))
    seeds = {nutpie_chains.chain_seeds(options["seed"], options["chains"])[c] for c in failing}
    real_sample = nutpie_chains.nutpie.sample

    def sample(nutpie_model, **settings):
        return real_sample(broken if settings["seed"] in seeds else nutpie_model, **settings)

    monkeypatch.setattr(nutpie_chains.nutpie, "sample", sample)


def test_a_failed_nutpie_chain_keeps_the_other_chains(monkeypatch, sleep):
    options = {"draws": 60, "tune": 30, "chains": 3, "seed": 5}
    full = quiet(sleep, **options)
    explode_nutpie_chains(monkeypatch, sleep, {1}, options)
    with pytest.warns(
        bg.IncompleteSamplingWarning,
        match=r"chain 1 failed \(SamplerError: the log density raised "
        r"FloatingPointError\('chain exploded'\)\); 2 of 3 chains kept",
    ):
        fit = quiet(sleep, **options)
    assert fit.idata.attrs["stop_reason"] == "chain failed"
    [failed] = fit.idata.attrs["failed_chains"]
    assert failed.startswith("chain 1: SamplerError: ")
    assert fit.posterior["chain"].to_numpy().tolist() == [0, 2]
    assert (fit.posterior["b"] == full.posterior["b"].sel(chain=[0, 2])).all()


def test_every_nutpie_chain_failing_is_one_sampler_error(monkeypatch, sleep):
    options = {"draws": 20, "tune": 20, "chains": 2, "seed": 1}
    quiet(sleep, **options)
    explode_nutpie_chains(monkeypatch, sleep, {0, 1}, options)
    with pytest.raises(bg.SamplerError, match=r"^every chain failed, so there are no draws"):
        sleep.fit(progress=False, **options)


def explode_pymc_chains(monkeypatch, failing: set[int], options: dict, parallel: bool):
    """Make PyMC's run fail, as a chain whose log density raised does, whenever it holds a
    chain at a position in ``failing`` (found by its seed): run in parallel, PyMC raises
    a ParallelSamplingError naming the chain; one after another, the chain's own error
    after the chains before it finished."""
    seeds = nutpie_chains.chain_seeds(options["seed"], options["chains"])
    doomed = {seeds[c] for c in failing}
    real_sample = pymc_sampler.pm.sample

    def sample(*args, random_seed, callback, **settings):
        position = next((i for i, s in enumerate(random_seed) if s in doomed), None)
        if position is None:
            return real_sample(*args, random_seed=random_seed, callback=callback, **settings)
        cause = FloatingPointError("chain exploded")
        if parallel:
            raise pymc_sampler.ParallelSamplingError("Chain failed", position) from cause
        for chain in range(position):
            for index in range(options["tune"] + options["draws"]):
                callback(None, Draw(chain, False, index, index < options["tune"], {}, {}))
        callback(None, Draw(position, False, 0, True, {}, {}))
        raise cause

    monkeypatch.setattr(pymc_sampler.pm, "sample", sample)


@pytest.mark.parametrize("parallel", [True, False], ids=["parallel", "one-after-another"])
def test_a_failed_pymc_chain_keeps_the_other_chains(monkeypatch, infection, parallel):
    options = {"draws": 40, "tune": 40, "chains": 3, "seed": 5, "sampler": "pymc"}
    options["cores"] = 3 if parallel else 1
    full = quiet(infection, **options)
    explode_pymc_chains(monkeypatch, {1}, options, parallel)
    with pytest.warns(
        bg.IncompleteSamplingWarning,
        match=re.escape("chain 1 failed (FloatingPointError: chain exploded); 2 of 3 chains kept"),
    ):
        fit = quiet(infection, **options)
    assert fit.idata.attrs["stop_reason"] == "chain failed"
    assert fit.idata.attrs["failed_chains"] == ["chain 1: FloatingPointError: chain exploded"]
    assert fit.posterior["chain"].to_numpy().tolist() == [0, 2]
    # Sampled again without chain 1: the same posterior, not the same draws.
    b, reference = fit.posterior["b"], full.posterior["b"]
    error = np.abs(b.mean(["chain", "draw"]) - reference.mean(["chain", "draw"]))
    assert (error < 0.5 * reference.std(["chain", "draw"])).all()


def test_every_pymc_chain_failing_is_one_sampler_error(monkeypatch, infection):
    options = {"draws": 20, "tune": 20, "chains": 2, "seed": 1, "sampler": "pymc", "cores": 2}
    explode_pymc_chains(monkeypatch, {0, 1}, options, parallel=True)
    with pytest.raises(bg.SamplerError, match=r"^every chain failed, so there are no draws"):
        infection.fit(progress=False, **options)


@pytest.mark.parametrize("value", [0, -1, "abc", float("nan"), True])
def test_bad_time_limit_is_a_sampler_error(infection, value):
    message = (
        f"time_limit must be a positive number of seconds, got {value!r}; pass for example "
        "fit(time_limit=60), or time_limit=None for no limit."
    )
    with pytest.raises(bg.SamplerError, match=f"^{re.escape(message)}$"):
        infection.fit(draws=10, tune=10, chains=1, progress=False, time_limit=value)


@pytest.mark.parametrize(
    ("drawn", "kept"),
    [
        ([300, 310, 4, 0], ([0, 1], 300)),
        ([5, 5], ([0, 1], 5)),
        ([100, 1], ([0], 100)),
        ([60, 0, 40], ([0, 2], 40)),
        ([0, 0], ([], 0)),
    ],
)
def test_common_chains_keep_the_most_draws(drawn, kept):
    assert stopping.common_chains(drawn) == kept


def test_unequal_chains_are_trimmed_to_their_common_length():
    values = np.array([[1.0, 2, 3, np.nan, np.nan], [4, 5, 6, 7, 8]])
    tree = xr.DataTree.from_dict(
        {
            "posterior": xr.Dataset({"b": (("chain", "draw"), values)}),
            "sample_stats": xr.Dataset({"lp": (("chain", "draw"), values)}),
        }
    )
    options = SamplingOptions(draws=10, tune=5, chains=2, seed=1).resolved()
    kept = stopping.keep_drawn(tree, stopping.Stop("interrupted", [3, 5]), options)
    assert kept["posterior"]["b"].to_numpy().tolist() == [[1, 2, 3], [4, 5, 6]]
    assert kept["sample_stats"].sizes["draw"] == 3
    assert kept["posterior"].attrs["stop_message"] == (
        "interrupted after 3 of 10 draws per chain; chains trimmed to the shortest common "
        "length, 3 (they had 3, 5); 2 of 2 chains kept"
    )


def test_gibbs_chain_stops_when_asked(sleep):
    parts = ModelParts(sleep.graph, sleep.spec, sleep.family, sleep.link, sleep.priors)
    design = gibbs_design(parts)
    asked = iter(range(10**6))
    draws = run_chain(design, ((0,),), draws=50, tune=10, seed=1, stopped=lambda: next(asked) >= 25)
    assert {values.shape[0] for values in draws.values()} == {15}
