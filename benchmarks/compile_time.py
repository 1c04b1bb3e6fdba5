"""Compile time of issue 11: the infection model end to end, cold and warm.

The README's first example, ``favorable | trials(n) ~ treatment + (1 | clinic)``
(binomial), built and fitted at the defaults (4 chains x (1000 + 1000), seed 1), timed
from ``bg.Model(...)`` to the returned fit (the import of bayesglmm is timed apart):

* **cold**: a fresh process with an empty compile cache
  (``PYTENSOR_FLAGS=base_compiledir=<new folder>``);
* **warm, new process**: a fresh process on the filled cache;
* **new Model, same process**: a second ``bg.Model`` of the same formula and data, with
  the in-process reuse of compiled graphs (``nutpie_sampler.REUSE_LIMIT``) off and on, in
  alternating rounds;
* **refit**: the same ``Model`` fitted again.

    bash tools/run python -m benchmarks.compile_time
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
import warnings

import numpy as np

import bayesglmm as bg
from bayesglmm.samplers import nutpie_sampler

FORMULA = "favorable | trials(n) ~ treatment + (1 | clinic)"

ONE_FIT = """
import json, time
start = time.perf_counter()
import bayesglmm as bg
imported = time.perf_counter()
model = bg.Model({formula!r}, bg.datasets.load("infection"), family="binomial")
fit = model.fit(seed=1, progress=False)
done = time.perf_counter()
print(json.dumps({{"import": imported - start, "fit": done - imported}}))
"""


def in_fresh_process(compile_dir: str | None) -> dict[str, float]:
    """Import and fit seconds in a new Python process, on ``compile_dir`` if given."""
    env = dict(os.environ)
    if compile_dir is not None:
        env["PYTENSOR_FLAGS"] = f"base_compiledir={compile_dir}"
    code = ONE_FIT.format(formula=FORMULA)
    output = subprocess.run(
        [sys.executable, "-c", code], env=env, check=True, capture_output=True, text=True
    )
    return json.loads(output.stdout.splitlines()[-1])


def fit_seconds(model: bg.Model) -> float:
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", bg.ConvergenceWarning)
        model.fit(seed=1, progress=False)
    return time.perf_counter() - start


def new_model_seconds(reuse: bool) -> float:
    nutpie_sampler.REUSE_LIMIT = 16 if reuse else 0
    nutpie_sampler._compiled_structures.clear()
    data = bg.datasets.load("infection")
    fit_seconds(bg.Model(FORMULA, data, family="binomial"))
    start = time.perf_counter()
    model = bg.Model(FORMULA, data, family="binomial")
    return time.perf_counter() - start + fit_seconds(model)


def main() -> None:
    rows = []
    with tempfile.TemporaryDirectory() as cold:
        rows.append(("cold (empty compile cache)", [in_fresh_process(cold)["fit"]]))
    warm = [in_fresh_process(None) for _ in range(3)]
    rows.append(("warm, new process", [w["fit"] for w in warm]))
    rows.append(("import bayesglmm", [w["import"] for w in warm]))
    rounds = {False: [], True: []}
    for _ in range(3):
        for reuse in (False, True):
            rounds[reuse].append(new_model_seconds(reuse))
    rows.append(("new Model, same process, reuse off", rounds[False]))
    rows.append(("new Model, same process, reuse on", rounds[True]))
    model = bg.Model(FORMULA, bg.datasets.load("infection"), family="binomial")
    fit_seconds(model)
    rows.append(("refit of the same Model", [fit_seconds(model) for _ in range(3)]))
    print("| case | seconds (median) | all runs |\n|---|---:|---|")
    for name, seconds in rows:
        runs = ", ".join(f"{s:.2f}" for s in seconds)
        print(f"| {name} | {np.median(seconds):.2f} | {runs} |")


if __name__ == "__main__":
    main()
