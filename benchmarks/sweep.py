"""Group means swept into the fixed effects (``bayesglmm/backend/sweep.py``), on every
model of ``benchmarks/centring.py`` plus the 28,800-row subjects x items design of
``benchmarks/collapse.py``, in one process.

Each model is fitted at the default settings (4 chains x (1000 + 1000), nutpie, seed 1,
``centered="auto"``) with the sweep switched off and on, each after a short warm-up fit
so that both run on a warm compile cache. The table records divergences, the worst R-hat
and the smallest bulk ESS over the reported parameters, the intercept's bulk ESS, the
wall time of the fit and the minimum ESS per second.

    bash tools/run python -m benchmarks.sweep
"""

from __future__ import annotations

import sys
import time
import warnings
from contextlib import nullcontext
from unittest import mock

import pandas as pd

import bayesglmm as bg
from benchmarks.centring import MODELS, diagnostics, markdown
from benchmarks.collapse import crossed_experiment

CASES = {
    **MODELS,
    "subjects x items, 28,800 rows": lambda: (
        "y ~ condition + (1 | subject) + (1 | item)",
        crossed_experiment(),
        "bernoulli",
    ),
}


def run(name: str, sweep: bool) -> dict[str, object]:
    formula, data, family = CASES[name]()
    switch = mock.patch("bayesglmm.backend.pymc_model.sweep_plan", return_value={})
    with warnings.catch_warnings(), nullcontext() if sweep else switch:
        warnings.simplefilter("ignore", bg.ConvergenceWarning)
        model = bg.Model(formula, data, family=family)
        model.fit(draws=50, tune=50, chains=2, seed=2, progress=False)
        start = time.perf_counter()
        fit = model.fit(seed=1, progress=False)
        seconds = time.perf_counter() - start
    row = {"model": name, "sweep": sweep, **diagnostics(fit), "seconds": seconds}
    row["intercept_ess_bulk"] = float(fit.diagnose().table["ess_bulk"].iloc[0])
    row["ess_per_s"] = row["min_ess_bulk"] / seconds
    return row


def main() -> None:
    rows = []
    for name in CASES:
        for sweep in (False, True):
            rows.append(run(name, sweep))
            print(rows[-1], file=sys.stderr, flush=True)
    print(markdown(pd.DataFrame(rows)))


if __name__ == "__main__":
    main()
