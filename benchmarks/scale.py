"""Scale series of issue 11: wall time, peak memory and minimum ESS as the rows grow.

Two series, each size fitted in a fresh process at the defaults (4 chains x (1000 +
1000), seed 1) with ``sampler="auto"`` free to choose:

* ``bernoulli``: ``y ~ x + (1 + x | g)`` on N rows with N / 100 groups, from
  :func:`benchmarks.hand_written.simulate_slopes` (intercept -0.3, slope 0.8, group sds
  0.71 and 0.45, correlation 0.32);
* ``gaussian``: ``y ~ x + (1 | site) + (1 | rater)`` on N rows, ``site`` with N / 100
  levels crossed with ``rater`` with N / 1000 levels (:func:`simulate_crossed`).

The table records the sampler chosen, the seconds to build the model and to fit it
(sampling plus diagnostics), the lowest bulk ESS and worst R-hat over the reported
parameters (fixed effects, sds, correlations, dispersion), the largest distance of a
reported posterior mean from its true value in posterior sds (``max z from truth``), and
the process's peak resident memory.

    bash tools/run python -m benchmarks.scale                       # both series, 10^4-10^6
    bash tools/run python -m benchmarks.scale --series gaussian --rows 10000 100000
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
import warnings

import numpy as np
import pandas as pd

import bayesglmm as bg
from benchmarks.centring import markdown
from benchmarks.hand_written import simulate_slopes

CROSSED_TRUTH = {"b[Intercept]": 1.0, "b[x]": 0.5, "sd_site": 0.6, "sd_rater": 0.3, "sigma": 1.0}


def simulate_crossed(n_obs: int, seed: int = 1) -> pd.DataFrame:
    """Gaussian rows of two crossed factors, ``site`` (N / 100 levels) and ``rater``
    (N / 1000 levels)."""
    rng = np.random.default_rng(seed)
    n_site, n_rater = n_obs // 100, max(n_obs // 1000, 2)
    site, rater = rng.integers(0, n_site, n_obs), rng.integers(0, n_rater, n_obs)
    x = rng.normal(size=n_obs)
    t = CROSSED_TRUTH
    y = (
        t["b[Intercept]"]
        + t["b[x]"] * x
        + rng.normal(0, t["sd_site"], n_site)[site]
        + rng.normal(0, t["sd_rater"], n_rater)[rater]
        + rng.normal(0, t["sigma"], n_obs)
    )
    return pd.DataFrame({"y": y, "x": x, "site": site, "rater": rater})


SERIES = {
    "bernoulli": (
        "y ~ x + (1 + x | g)",
        "bernoulli",
        lambda n: simulate_slopes(seed=2, n_obs=n, n_groups=n // 100),
        {
            "b[Intercept]": -0.3,
            "b[x]": 0.8,
            "sd_g[Intercept]": 0.5**0.5,
            "sd_g[x]": 0.2**0.5,
            "cor_g[Intercept,x]": 0.1 / (0.5 * 0.2) ** 0.5,
        },
    ),
    "gaussian": (
        "y ~ x + (1 | site) + (1 | rater)",
        "gaussian",
        simulate_crossed,
        {
            "b[Intercept]": CROSSED_TRUTH["b[Intercept]"],
            "b[x]": CROSSED_TRUTH["b[x]"],
            "sd_site[Intercept]": CROSSED_TRUTH["sd_site"],
            "sd_rater[Intercept]": CROSSED_TRUTH["sd_rater"],
            "sigma": CROSSED_TRUTH["sigma"],
        },
    ),
}
"""Series name: formula, family, data generator (rows -> DataFrame) and true values."""


def run_one(series: str, rows: int) -> dict[str, object]:
    """Fit one size of one series in this process; its row of the table."""
    formula, family, simulate, truth = SERIES[series]
    data = simulate(rows)
    start = time.perf_counter()
    model = bg.Model(formula, data, family=family)
    built = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", bg.ConvergenceWarning)
        fit = model.fit(sampler="auto", seed=1, progress=False)
        table = fit.diagnose().table
    fitted = time.perf_counter()
    summary = fit.summary()
    distance = max(
        abs(summary.loc[name, "mean"] - value) / summary.loc[name, "sd"]
        for name, value in truth.items()
    )
    return {
        "series": series,
        "rows": rows,
        "groups": int(sum(len(g.levels) for g in model.spec.all_groups)),
        "sampler": fit.idata.posterior.attrs["sampler"],
        "build (s)": built - start,
        "fit (s)": fitted - built,
        "min bulk ESS": float(table["ess_bulk"].min()),
        "max R-hat": float(table["rhat"].max()),
        "max z from truth": float(distance),
        "peak memory (MB)": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", nargs="+", choices=list(SERIES), default=list(SERIES))
    parser.add_argument("--rows", nargs="+", type=int, default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--one", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(run_one(args.series[0], args.rows[0])))
        return
    results = []
    for series in args.series:
        for rows in args.rows:
            command = [sys.executable, "-m", "benchmarks.scale", "--one"]
            command += ["--series", series, "--rows", str(rows)]
            output = subprocess.run(command, check=True, capture_output=True, text=True)
            results.append(json.loads(output.stdout.splitlines()[-1]))
            print(results[-1], file=sys.stderr, flush=True)
    print(markdown(pd.DataFrame(results)))


if __name__ == "__main__":
    main()
