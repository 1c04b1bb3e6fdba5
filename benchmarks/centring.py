"""Centred, non-centred and ``centered="auto"`` group effects on every benchmark model.

Each model is fitted at the default settings (4 chains x (1000 + 1000), nutpie, seed 1)
three times, with ``centered=False``, ``True`` and ``"auto"``, and the table records the
divergences, the largest R-hat and the smallest bulk ESS over the reported parameters,
the sampling time and the minimum ESS per second, plus the choice ``"auto"`` made.

    bash tools/run python benchmarks/centring.py > benchmarks/centring.md

``--models`` picks rows of the table by name and ``--seeds`` fits each with several seeds
(the column ``seed``), as for the nested designs:

    bash tools/run python benchmarks/centring.py --models "oats split plot" "split plot" \
        "epil, observation effect" --seeds 1 2 3
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from collections.abc import Callable

import numpy as np
import pandas as pd

import bayesglmm as bg
from bayesglmm.datasets.simulate import simulate_hospital, simulate_split_plot

MODELS: dict[str, Callable[[], tuple[str, pd.DataFrame, str]]] = {
    "infection": lambda: (
        "favorable | trials(n) ~ treatment + (1 | clinic)",
        bg.datasets.load("infection"),
        "binomial",
    ),
    "cbpp": lambda: (
        "incidence | trials(size) ~ period + (1 | herd)",
        bg.datasets.load("cbpp"),
        "binomial",
    ),
    "sleepstudy": lambda: (
        "Reaction ~ Days + (Days | Subject)",
        bg.datasets.load("sleepstudy"),
        "gaussian",
    ),
    "sleepstudy, intercept": lambda: (
        "Reaction ~ Days + (1 | Subject)",
        bg.datasets.load("sleepstudy"),
        "gaussian",
    ),
    "epil": lambda: (
        "y ~ lbase * trt + lage + V4 + (1 | subject)",
        bg.datasets.load("epil"),
        "poisson",
    ),
    "epil, observation effect": lambda: (
        "y ~ lbase * trt + lage + V4 + (1 | subject) + (1 | visit)",
        bg.datasets.load("epil").assign(visit=lambda d: np.arange(len(d))),
        "poisson",
    ),
    "split plot": lambda: (
        "count ~ management * seed_mix + (1 | block) + (1 | block:management)",
        simulate_split_plot(seed=3),
        "poisson",
    ),
    "oats split plot": lambda: (
        "yield ~ nitro * variety + (1 | block) + (1 | block:variety)",
        bg.datasets.load("oats"),
        "gaussian",
    ),
    "tumours by doctor": lambda: (
        "tumors ~ I(age - 50) + stage + (1 | doctor)",
        simulate_hospital(seed=4),
        "poisson",
    ),
}


def diagnostics(fit: bg.Fit) -> dict[str, float]:
    """Divergences, worst R-hat and lowest bulk ESS over the reported parameters."""
    table = fit.diagnose().table
    divergent = int(fit.idata["sample_stats"]["diverging"].sum())
    return {
        "divergences": divergent,
        "max_rhat": float(table["rhat"].max()),
        "min_ess_bulk": float(table["ess_bulk"].min()),
    }


def run(name: str, centered, seed: int = 1) -> dict[str, object]:
    formula, data, family = MODELS[name]()
    model = bg.Model(formula, data, family=family, centered=centered)
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", bg.ConvergenceWarning)
        fit = model.fit(seed=seed, progress=False)
    seconds = time.perf_counter() - start
    row = {"model": name, "centered": str(centered), "seed": seed, **diagnostics(fit)}
    row["seconds"] = seconds
    row["ess_per_s"] = row["min_ess_bulk"] / seconds
    if model.centring is not None:
        row["auto_choice"] = "; ".join(
            f"{group}: {choice.reason}" for group, choice in model.centring.items()
        )
    return row


def markdown(table: pd.DataFrame) -> str:
    """A pipe table, numbers to three significant digits."""
    cells = table.map(lambda v: f"{v:.3g}" if isinstance(v, float) else str(v))
    lines = ["| " + " | ".join(table.columns) + " |", "|" + "---|" * len(table.columns)]
    lines += ["| " + " | ".join(row) + " |" for row in cells.to_numpy().tolist()]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", choices=list(MODELS), default=list(MODELS))
    parser.add_argument("--seeds", nargs="+", type=int, default=[1])
    args = parser.parse_args()
    rows = []
    for name in args.models:
        for centered in (False, True, "auto"):
            for seed in args.seeds:
                rows.append(run(name, centered, seed))
                print(rows[-1], file=sys.stderr, flush=True)
    print(markdown(pd.DataFrame(rows).fillna("")))


if __name__ == "__main__":
    main()
