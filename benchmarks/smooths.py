"""A smooth and a grouping factor at scale: ``y ~ s(x) + (1 | g)`` on 10^4 and 10^5 rows.

Each size is fitted in its own process at the defaults (4 chains x (1000 + 1000), nutpie,
seed 1), and the table records the model build (bases, spec and graph), the sampler's
preparation (compile), the sampling time, the smallest bulk ESS over the reported
parameters and the process's peak memory. The data: ``y = sin(2 pi x) + u_g + e`` with
``x`` uniform on (0, 1), 100 rows per level of ``g``, ``sd(u) = 0.5`` and ``sd(e) = 1``.

Run: ``bash tools/run python benchmarks/smooths.py`` (add ``--rows 10000`` for one size).
The results table is in ``benchmarks/README.md``.
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

FORMULA = "y ~ s(x) + (1 | g)"
SIZES = (10_000, 100_000)


def simulated(rows: int, seed: int = 1) -> pd.DataFrame:
    """The benchmark data with ``rows`` rows."""
    rng = np.random.default_rng(seed)
    groups = rows // 100
    x = rng.uniform(0, 1, rows)
    g = rng.integers(0, groups, rows)
    effects = rng.normal(0, 0.5, groups)
    y = np.sin(2 * np.pi * x) + effects[g] + rng.normal(0, 1, rows)
    return pd.DataFrame({"y": y, "x": x, "g": [f"g{i}" for i in g]})


def measure(rows: int) -> dict:
    """Build, prepare and sample one size in this process."""
    import bayesglmm as bg

    warnings.simplefilter("ignore", bg.ConvergenceWarning)
    data = simulated(rows)
    start = time.perf_counter()
    model = bg.Model(FORMULA, data)
    built = time.perf_counter()
    fit = model.fit(seed=1, progress=False)
    done = time.perf_counter()
    attrs = fit.posterior.attrs
    table = fit.summary()
    return {
        "rows": rows,
        "build_s": built - start,
        "prepare_s": attrs["prepare_seconds"],
        "sampling_s": attrs["sampling_seconds"],
        "total_s": done - start,
        "min_ess_bulk": float(table["ess_bulk"].min()),
        "max_rhat": float(table["rhat"].max()),
        "divergences": int(fit.idata["sample_stats"]["diverging"].sum()),
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, help="measure one size in this process")
    rows = parser.parse_args().rows
    if rows is not None:
        print(json.dumps(measure(rows)))
        return
    print(
        "| rows | build (s) | compile (s) | sampling (s) | total (s) | min bulk ESS | "
        "max R-hat | divergences | peak memory (MB) |\n"
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    )
    for size in SIZES:
        out = subprocess.run(
            [sys.executable, __file__, "--rows", str(size)],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        r = json.loads(out.strip().splitlines()[-1])
        print(
            f"| {r['rows']:,} | {r['build_s']:.1f} | {r['prepare_s']:.1f} | "
            f"{r['sampling_s']:.1f} | {r['total_s']:.1f} | {r['min_ess_bulk']:.0f} | "
            f"{r['max_rhat']:.3f} | {r['divergences']} | {r['peak_mb']:.0f} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
