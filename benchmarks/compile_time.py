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

``--against FOLDER`` compares instead: warm fits in new processes, alternating the code in
``FOLDER`` (a git worktree of an earlier commit, put first on ``PYTHONPATH``) with this one,
for the infection model and sleepstudy's ``Reaction ~ Days + (Days | Subject)``:

    git worktree add /tmp/before <commit>
    bash tools/run python -m benchmarks.compile_time --against /tmp/before
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

import bayesglmm as bg
from bayesglmm.samplers import nutpie_sampler

FORMULA = "favorable | trials(n) ~ treatment + (1 | clinic)"

MODELS = {
    "infection": (FORMULA, "infection", "binomial"),
    "sleepstudy": ("Reaction ~ Days + (Days | Subject)", "sleepstudy", "gaussian"),
}
"""The models of ``--against``: formula, bundled dataset, family."""

ONE_FIT = """
import json, time
start = time.perf_counter()
import bayesglmm as bg
imported = time.perf_counter()
model = bg.Model({formula!r}, bg.datasets.load({dataset!r}), family={family!r})
fit = model.fit(seed=1, progress=False)
done = time.perf_counter()
print(json.dumps({{"import": imported - start, "fit": done - imported}}))
"""


def in_fresh_process(
    compile_dir: str | None, model: str = "infection", code_folder: str | None = None
) -> dict[str, float]:
    """Import and fit seconds in a new Python process, on ``compile_dir`` if given, with the
    bayesglmm of ``code_folder`` (by default the one this script imported; ``-P`` keeps the
    working directory's off the path)."""
    env = dict(os.environ)
    if compile_dir is not None:
        env["PYTENSOR_FLAGS"] = f"base_compiledir={compile_dir}"
    folder = code_folder or str(Path(bg.__file__).parents[1])
    env["PYTHONPATH"] = os.pathsep.join([folder, env.get("PYTHONPATH", "")])
    formula, dataset, family = MODELS[model]
    code = ONE_FIT.format(formula=formula, dataset=dataset, family=family)
    output = subprocess.run(
        [sys.executable, "-P", "-c", code], env=env, check=True, capture_output=True, text=True
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


def compare(before: str, rounds: int = 4) -> None:
    """Warm fits in new processes, alternating the code in ``before`` with this code."""
    print("| model | before (s) | after (s) | after / before |\n|---|---|---|---:|")
    for model in MODELS:
        in_fresh_process(None, model, before)
        in_fresh_process(None, model)
        seconds: dict[bool, list[float]] = {True: [], False: []}
        for _ in range(rounds):
            seconds[True].append(in_fresh_process(None, model, before)["fit"])
            seconds[False].append(in_fresh_process(None, model)["fit"])
        runs = {key: ", ".join(f"{s:.2f}" for s in values) for key, values in seconds.items()}
        ratio = np.median(seconds[False]) / np.median(seconds[True])
        print(f"| {model} | {runs[True]} | {runs[False]} | {ratio:.2f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--against", help="a folder with the bayesglmm to compare with")
    arguments = parser.parse_args()
    if arguments.against:
        compare(arguments.against)
        return
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
