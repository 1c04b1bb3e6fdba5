"""numba or JAX by model size: the cost of one log density and gradient, and the compile.

For the bernoulli ``y ~ x + (1 + x | g)`` of ``benchmarks/hand_written.py`` at 10^3, 10^4
and 10^5 rows (groups = rows / 100) and the 73,421-row crossed LMM of
``benchmarks/insteval_like.py``, the graph is compiled by nutpie's native numba path as
bayesglmm does for large data (:func:`~bayesglmm.samplers.nutpie_sampler.compile_native`)
and by nutpie's JAX backend as ``fit(backend="jax")`` does; both are timed at the same
random point, best of 3 alternating rounds of 200 evaluations in one process. The compile
column is the first compile in this process (numba's on-disk cache as it is).

    PYTHONPATH=. .venv/bin/python -m benchmarks.backend_choice     # needs the jax extra
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np
import pandas as pd

import bayesglmm as bg
from bayesglmm.samplers.jax_backend import compile_jax
from bayesglmm.samplers.nutpie_sampler import compile_native
from benchmarks.hand_written import CROSSED, SLOPES, gradient_seconds, simulate_slopes
from benchmarks.insteval_like import simulate as simulate_crossed

MODELS: dict[str, Callable[[], bg.Model]] = {
    **{
        f"bernoulli (1 + x | g), {n:,} rows": (
            lambda n=n: bg.Model(
                SLOPES, simulate_slopes(n_obs=n, n_groups=n // 100), family="bernoulli"
            )
        )
        for n in (1_000, 10_000, 100_000)
    },
    "crossed LMM, 73,421 rows": lambda: bg.Model(CROSSED, simulate_crossed()),
}


def _jax_gradient(model: bg.Model) -> Callable[[np.ndarray], object]:
    """nutpie's JAX log density and gradient of ``model``, as ``backend="jax"`` compiles it."""
    compiled = compile_jax(model.graph)
    function, shared = compiled._make_logp_func(), compiled._shared_data
    return lambda point: function(point, **shared)


def _seconds_per_call(function: Callable[[np.ndarray], object], point, calls: int) -> float:
    function(point)
    start = time.perf_counter()
    for _ in range(calls):
        function(point)
    return (time.perf_counter() - start) / calls


def run(name: str, rounds: int = 3, calls: int = 200) -> dict[str, object]:
    model = MODELS[name]()
    start = time.perf_counter()
    native = compile_native(model.graph)
    numba_compile = time.perf_counter() - start
    point = np.random.default_rng(0).normal(0, 0.3, native.n_dim)
    start = time.perf_counter()
    jax_gradient = _jax_gradient(model)
    jax_gradient(point)
    jax_compile = time.perf_counter() - start
    numba_times, jax_times = [], []
    for _ in range(rounds):
        numba_times.append(gradient_seconds(native, point, calls))
        jax_times.append(_seconds_per_call(jax_gradient, point, calls))
    return {
        "model": name,
        "numba (ms)": round(min(numba_times) * 1e3, 3),
        "jax (ms)": round(min(jax_times) * 1e3, 3),
        "numba / jax": round(min(numba_times) / min(jax_times), 2),
        "compile numba (s)": round(numba_compile, 1),
        "compile jax (s)": round(jax_compile, 1),
    }


def main() -> None:
    rows = [run(name) for name in MODELS]
    print(pd.DataFrame(rows).to_markdown(index=False))


if __name__ == "__main__":
    main()
