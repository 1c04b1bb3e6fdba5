"""Joint versus blocked location updates of the Gibbs sampler, by ESS per second.

For a design, time one chain of the Gibbs sampler with

* ``joint``: fixed effects and every grouping factor in one block (one factorisation of
  the full mixed-model equations per iteration);
* ``one factor per block``: each grouping factor drawn with the fixed effects in turn
  (collapsed Gibbs for crossed effects);
* ``chosen``: the clusters ``choose_clusters`` picks (all together while the equations
  are small, else nested factors together and crossed factors apart),

and report seconds per iteration, the minimum bulk ESS over fixed effects and sds, and
ESS per second. Designs: the InstEval-shaped crossed model (where the joint factor fills
in; a short run gives its cost per iteration) and a small crossed design where both fit.

    bash tools/run python -m benchmarks.location_blocks
"""

from __future__ import annotations

import time
import warnings

import arviz_stats as azs
import numpy as np
import pandas as pd
import xarray as xr

import bayesglmm as bg
from bayesglmm.samplers import ModelParts
from bayesglmm.samplers.gibbs import choose_clusters
from bayesglmm.samplers.gibbs.chain import run_chain
from bayesglmm.samplers.gibbs.design import gibbs_design
from benchmarks.insteval_like import simulate


def _small_crossed(seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    site, rater = rng.integers(0, 40, 2000), rng.integers(0, 30, 2000)
    x = rng.normal(size=2000)
    effects = rng.normal(0, 0.7, 40)[site] + rng.normal(0, 0.5, 30)[rater]
    y = 1 + 0.5 * x + effects + rng.normal(size=2000)
    return pd.DataFrame({"y": y, "x": x, "site": site, "rater": rater})


def _min_ess(draws: dict[str, np.ndarray], names: list[str]) -> float:
    return min(
        float(azs.ess(xr.DataArray(column[None, :], dims=("chain", "draw"))))
        for name in names
        for column in draws[name].T
    )


def time_blocks(formula: str, data: pd.DataFrame, iterations: int, joint_iterations: int) -> list:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = bg.Model(formula, data)
    design = gibbs_design(
        ModelParts(model.graph, model.spec, model.family, model.link, model.priors)
    )
    names = ["b", *(f"sd_{g.name}" for g in design.groups)]
    rows = []
    factors = range(len(design.groups))
    for label, clusters, n in [
        ("joint", (tuple(factors),), joint_iterations),
        ("one factor per block", tuple((g,) for g in factors), iterations),
        ("chosen by choose_clusters", choose_clusters(design), iterations),
    ]:
        start = time.perf_counter()
        draws = run_chain(design, clusters, draws=n, tune=n // 5, seed=1)
        seconds = time.perf_counter() - start
        ess = _min_ess(draws, names) if n >= 200 else float("nan")
        rows.append([label, str(clusters), seconds / (n + n // 5) * 1e3, ess, ess / seconds])
    return rows


def main() -> None:
    columns = ["blocks", "clusters", "ms per iteration", "min bulk ESS", "ESS/s"]
    cases = [
        (
            "small crossed: 2,000 rows, 40 x 30 levels",
            "y ~ x + (1 | site) + (1 | rater)",
            _small_crossed(),
            2000,
            2000,
        ),
        (
            "InstEval-shaped: 73,421 rows, 2,972 x 1,128 + 14",
            "y ~ x + (1 | s) + (1 | d) + (1 | dept)",
            simulate(),
            1000,
            10,
        ),
    ]
    for title, formula, data, iterations, joint_iterations in cases:
        table = pd.DataFrame(
            time_blocks(formula, data, iterations, joint_iterations), columns=columns
        )
        print(f"\n{title}\n{table.round(3).to_string(index=False)}", flush=True)


if __name__ == "__main__":
    main()
