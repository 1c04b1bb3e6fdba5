"""``fit(backend="jax")``: the same posterior as the numba backend, with the rows split
across two (forced) CPU devices, and clear errors for what it does not run."""

import json
import os
import subprocess
import sys
import textwrap
import warnings

import numpy as np
import pytest

import bayesglmm as bg
from bayesglmm.samplers import jax_backend

jax = pytest.importorskip("jax", reason="backend='jax' needs the jax extra")

FORMULA = "Reaction ~ Days + (Days | Subject)"
OPTIONS = {"draws": 500, "chains": 2, "seed": 1, "progress": False}

SHARDED = textwrap.dedent(
    f"""
    import json, warnings
    import bayesglmm as bg
    from bayesglmm.samplers import jax_backend
    import jax
    warnings.simplefilter("ignore", bg.ConvergenceWarning)
    model = bg.Model({FORMULA!r}, bg.datasets.load("sleepstudy"))
    values = {{v.name: v.get_value() for v in model.graph.model.data_vars}}
    placed = jax_backend.place_on_devices(values, 180, jax.devices())
    fit = model.fit(backend="jax", **{OPTIONS!r})
    table = fit.summary()
    print(json.dumps({{
        "sampler": fit.posterior.attrs["sampler"],
        "split": placed["y_observed"].sharding.num_devices,
        "mean": table["mean"].to_dict(),
        "mcse": (table["sd"] / table["ess_bulk"] ** 0.5).to_dict(),
    }}))
    """
)


def _summary(fit: bg.Fit) -> tuple[dict, dict]:
    table = fit.summary()
    return table["mean"].to_dict(), (table["sd"] / np.sqrt(table["ess_bulk"])).to_dict()


def _agree(first: tuple[dict, dict], second: tuple[dict, dict]) -> None:
    (mean_a, mcse_a), (mean_b, mcse_b) = first, second
    assert mean_a.keys() == mean_b.keys()
    for name in mean_a:
        error = np.hypot(mcse_a[name], mcse_b[name])
        assert abs(mean_a[name] - mean_b[name]) < 4 * error, name


@pytest.fixture(scope="module")
def numba_fit():
    model = bg.Model(FORMULA, bg.datasets.load("sleepstudy"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", bg.ConvergenceWarning)
        return _summary(model.fit(**OPTIONS))


def test_jax_gives_the_numba_posterior(numba_fit):
    model = bg.Model(FORMULA, bg.datasets.load("sleepstudy"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", bg.ConvergenceWarning)
        fit = model.fit(backend="jax", **OPTIONS)
    assert fit.posterior.attrs["sampler"] == "NUTS (nutpie, JAX on 1 cpu device)"
    _agree(_summary(fit), numba_fit)


def test_rows_split_across_two_devices_give_the_same_posterior(numba_fit):
    environment = {**os.environ, "XLA_FLAGS": "--xla_force_host_platform_device_count=2"}
    result = subprocess.run(
        [sys.executable, "-c", SHARDED],
        capture_output=True,
        text=True,
        env=environment,
        check=True,
        timeout=600,
    )
    sharded = json.loads(result.stdout.strip().splitlines()[-1])
    assert sharded["sampler"] == "NUTS (nutpie, JAX on 2 cpu devices)"
    assert sharded["split"] == 2
    _agree((sharded["mean"], sharded["mcse"]), numba_fit)


def test_row_data_split_and_the_rest_replicated():
    devices = jax.devices()
    placed = jax_backend.place_on_devices(
        {"y": np.arange(6.0), "prior": np.ones(2), "odd": np.ones(5)}, 6, devices
    )
    assert placed["prior"].sharding.is_fully_replicated
    assert placed["odd"].sharding.is_fully_replicated
    np.testing.assert_array_equal(np.asarray(placed["y"]), np.arange(6.0))


def test_backend_errors_are_named(monkeypatch):
    model = bg.Model(FORMULA, bg.datasets.load("sleepstudy"))
    with pytest.raises(bg.SamplerError, match=r"^backend='jax' runs NUTS through nutpie, so"):
        model.fit(sampler="gibbs", backend="jax", progress=False)
    with pytest.raises(bg.SamplerError, match=r"^unknown backend 'jx'. Did you mean 'jax'\?"):
        model.fit(backend="jx", progress=False)
    monkeypatch.setattr(jax_backend, "find_spec", lambda name: None)
    with pytest.raises(bg.ArgumentError, match=r"^backend='jax' needs JAX, which is not"):
        model.fit(backend="jax", progress=False)
