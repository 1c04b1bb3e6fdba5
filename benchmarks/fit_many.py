"""Compile time saved by fit_many: one compile per model structure and worker.

Fits the infection model to ``--datasets`` simulated copies of the infection trial three
ways, all with 2 chains x (500 + 500) and a warm on-disk compile cache:

* ``loop``: a fresh ``bg.Model(...).fit()`` per dataset in one process (each builds and
  compiles its graph, the compiled code coming from the disk cache);
* ``set_data``: one model in one process, ``model.set_data(dataset)`` before each fit;
* ``fit_many``: ``bg.fit_many`` on a local cluster of 2 one-thread workers (the cluster's
  start-up included).

Run: ``bash tools/run python benchmarks/fit_many.py --datasets 16``. The results table is
in ``benchmarks/README.md``.
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np

import bayesglmm as bg

FORMULA = "favorable | trials(n) ~ treatment + (1 | clinic)"
OPTIONS = {"draws": 500, "tune": 500, "chains": 2, "progress": False}


def simulated(count: int) -> dict:
    data = bg.datasets.load("infection")
    rng = np.random.default_rng(1)
    return {f"trial_{i}": data.assign(favorable=rng.binomial(data["n"], 0.4)) for i in range(count)}


def timed(label: str, run) -> None:
    start = time.perf_counter()
    run()
    seconds = time.perf_counter() - start
    print(f"| {label} | {seconds:.1f} |", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", type=int, default=16)
    count = parser.parse_args().datasets
    datasets = simulated(count)
    warnings.simplefilter("ignore", bg.ConvergenceWarning)
    bg.Model(FORMULA, datasets["trial_0"], family="binomial").fit(**OPTIONS)
    print(f"{count} datasets\n\n| way | wall time (s) |\n|---|---:|")

    def loop() -> None:
        for data in datasets.values():
            bg.Model(FORMULA, data, family="binomial", centered=False).fit(**OPTIONS)

    def reuse() -> None:
        model = bg.Model(FORMULA, datasets["trial_0"], family="binomial", centered=False)
        for data in datasets.values():
            model.set_data(data)
            model.fit(**OPTIONS)

    def batch() -> None:
        model = bg.Model(FORMULA, datasets["trial_0"], family="binomial", centered=False)
        options = {key: value for key, value in OPTIONS.items() if key != "progress"}
        bg.fit_many(model, datasets, progress=False, **options)

    timed("loop (new model per dataset)", loop)
    timed("set_data (one model, one process)", reuse)
    timed("fit_many (2 workers)", batch)


if __name__ == "__main__":
    main()
