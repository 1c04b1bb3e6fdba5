"""NUTS ``target_accept`` 0.8 (the default), 0.9 and 0.95 on the centring benchmark models
plus six designs outside the benchmark table, seeds 1-3.

Each model is fitted at the default settings (4 chains x (1000 + 1000), nutpie,
``centered="auto"``) after one short untimed fit that warms the compile cache; every row
records divergences, the worst R-hat and the smallest bulk ESS over the reported
parameters, and the wall time of the fit.

    bash tools/run python -m benchmarks.target_accept > target_accept.jsonl
    bash tools/run python -m benchmarks.target_accept --models multicentre --seeds 1 2

The six designs are simulated here, each from its own fixed seed: a binomial multi-centre
trial (8 centres x 2 treatments, centre sd 0.5, centre x treatment sd 0.3), a poisson
random slope (8 groups x 30 rows, sds 0.5 and 0.2, correlation 0.3), a gaussian repeated
measures design with AR(1) residuals (24 subjects x 5 times, rho 0.6), a subsampling
design (4 rooms x 3 pens x 5 animals, room sd 1, pen sd 0.5) and two randomised complete
blocks (gaussian, 4 blocks x 5 treatments; poisson, 5 blocks x 6 treatments x 2).
"""

from __future__ import annotations

import argparse
import json
import time
import warnings
from collections.abc import Callable

import numpy as np
import pandas as pd

import bayesglmm as bg
from benchmarks.centring import MODELS as CENTRING_MODELS
from benchmarks.centring import diagnostics


def multicentre(seed: int = 11) -> pd.DataFrame:
    """Favourable responses ``k`` of ``n`` patients by centre and treatment."""
    rng = np.random.default_rng(seed)
    centre_effect = rng.normal(0, 0.5, 8)
    rows = []
    for centre in range(8):
        for treatment in ("control", "drug"):
            n = int(rng.integers(15, 45))
            eta = -0.4 + 0.7 * (treatment == "drug") + centre_effect[centre] + rng.normal(0, 0.3)
            k = int(rng.binomial(n, 1 / (1 + np.exp(-eta))))
            rows.append({"centre": f"c{centre}", "trt": treatment, "n": n, "k": k})
    return pd.DataFrame(rows)


def poisson_slopes(seed: int = 12) -> pd.DataFrame:
    """Counts with a correlated random intercept and slope in 8 groups of 30."""
    rng = np.random.default_rng(seed)
    group = np.repeat(np.arange(8), 30)
    x = rng.normal(size=group.size)
    effects = rng.normal(size=(8, 2)) @ np.linalg.cholesky([[0.25, 0.03], [0.03, 0.04]]).T
    mu = np.exp(1 + 0.3 * x + effects[group, 0] + effects[group, 1] * x)
    return pd.DataFrame({"y": rng.poisson(mu), "x": x, "g": [f"g{i}" for i in group]})


def ar1_residual(seed: int = 13) -> pd.DataFrame:
    """24 subjects measured at 5 times, subject intercept sd 1, AR(1) residuals rho 0.6."""
    rng = np.random.default_rng(seed)
    rows = []
    for subject in range(24):
        treatment = "A" if subject % 2 else "B"
        intercept, residual = rng.normal(0, 1), rng.normal(0, 1)
        for time_ in range(5):
            if time_:
                residual = 0.6 * residual + 0.8 * rng.normal()
            mean = 10 + 0.5 * (treatment == "A") + 0.2 * time_ + intercept
            rows.append(
                {"subject": f"s{subject}", "trt": treatment, "time": time_, "y": mean + residual}
            )
    return pd.DataFrame(rows)


def subsampling(seed: int = 14) -> pd.DataFrame:
    """5 animals in each of 3 pens (one treatment each) in each of 4 rooms."""
    rng = np.random.default_rng(seed)
    rows = []
    for room in range(4):
        room_effect = rng.normal(0, 1)
        for pen, treatment in enumerate("abc"):
            pen_effect = rng.normal(0, 0.5)
            for _ in range(5):
                y = 20 + pen + room_effect + pen_effect + rng.normal(0, 1)
                rows.append({"room": f"r{room}", "pen": f"p{pen}", "trt": treatment, "y": y})
    return pd.DataFrame(rows)


def rcbd(seed: int, blocks: int, treatments: int, replicates: int, poisson: bool):
    """A randomised complete block design, block sd 0.4 (poisson) or 1 (gaussian)."""
    rng = np.random.default_rng(seed)
    block_effect = rng.normal(0, 0.4 if poisson else 1, blocks)
    rows = []
    for block in range(blocks):
        for treatment in range(treatments):
            for _ in range(replicates):
                eta = (2 + 0.2 * treatment if poisson else 5 + 0.5 * treatment) + block_effect[
                    block
                ]
                y = rng.poisson(np.exp(eta)) if poisson else eta + rng.normal()
                rows.append({"block": f"b{block}", "trt": f"t{treatment}", "y": y})
    return pd.DataFrame(rows)


Case = Callable[[], tuple[str, pd.DataFrame, str, dict[str, str]]]
MODELS: dict[str, Case] = {
    **{name: (lambda make=make: (*make(), {})) for name, make in CENTRING_MODELS.items()},
    "multicentre": lambda: (
        "k | trials(n) ~ trt + (1 | centre) + (1 | centre:trt)",
        multicentre(),
        "binomial",
        {},
    ),
    "poisson slopes": lambda: ("y ~ x + (1 + x | g)", poisson_slopes(), "poisson", {}),
    "ar1 residual": lambda: (
        "y ~ trt * C(time) + (1 | subject)",
        ar1_residual(),
        "gaussian",
        {"residual": "ar1(time | subject)"},
    ),
    "subsampling": lambda: ("y ~ trt + (1 | room) + (1 | room:pen)", subsampling(), "gaussian", {}),
    "rcbd gaussian": lambda: ("y ~ trt + (1 | block)", rcbd(15, 4, 5, 1, False), "gaussian", {}),
    "rcbd poisson": lambda: ("y ~ trt + (1 | block)", rcbd(16, 5, 6, 2, True), "poisson", {}),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", choices=list(MODELS), default=list(MODELS))
    parser.add_argument("--targets", nargs="+", type=float, default=[0.8, 0.9, 0.95])
    parser.add_argument("--seeds", nargs="+", type=int, default=[1, 2, 3])
    args = parser.parse_args()
    for name in args.models:
        formula, data, family, options = MODELS[name]()
        model = bg.Model(formula, data, family=family, **options)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", bg.ConvergenceWarning)
            model.fit(draws=30, tune=30, chains=1, seed=9, progress=False)
            for target in args.targets:
                for seed in args.seeds:
                    start = time.perf_counter()
                    fit = model.fit(seed=seed, progress=False, target_accept=target)
                    seconds = round(time.perf_counter() - start, 2)
                    row = {"model": name, "target_accept": target, "seed": seed}
                    print(json.dumps({**row, **diagnostics(fit), "seconds": seconds}), flush=True)


if __name__ == "__main__":
    main()
