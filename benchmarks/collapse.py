"""The exact fast path of ``bayesglmm/formula/collapse.py``: bernoulli and poisson rows that
share a linear predictor, sampled row by row and collapsed, in one process.

Models: cbpp written as 842 bernoulli rows (56 distinct predictors), and a designed
bernoulli experiment of 200 subjects x 24 items x 2 conditions x 3 replicates (28,800
rows, 9,600 distinct). Each is fitted with 4 chains x (1000 + 1000) at seed 1, once with
the collapse switched off (``WORTHWHILE_SHARE = 0``) and once at the default, after a warm-up
fit of each so that both run on a warm compile cache.

    bash tools/run python -m benchmarks.collapse
"""

from __future__ import annotations

import numpy as np
import pandas as pd

import bayesglmm as bg
from bayesglmm.formula import collapse


def cbpp_rows() -> pd.DataFrame:
    """cbpp as one 0/1 row per animal."""
    return pd.DataFrame(
        [
            {"herd": row.herd, "period": str(row.period), "y": int(animal < row.incidence)}
            for row in bg.datasets.load("cbpp").itertuples()
            for animal in range(int(row.size))
        ]
    )


def crossed_experiment(seed: int = 3) -> pd.DataFrame:
    """Subjects crossed with items, two conditions, three replicates of every cell."""
    rng = np.random.default_rng(seed)
    subject, item, condition, _ = np.meshgrid(
        np.arange(200), np.arange(24), np.arange(2), np.arange(3), indexing="ij"
    )
    subject, item, condition = subject.ravel(), item.ravel(), condition.ravel()
    eta = -0.2 + 0.6 * condition + rng.normal(0, 0.8, 200)[subject] + rng.normal(0, 0.5, 24)[item]
    return pd.DataFrame(
        {
            "y": rng.binomial(1, 1 / (1 + np.exp(-eta))),
            "condition": np.where(condition == 1, "treated", "control"),
            "subject": subject.astype(str),
            "item": item.astype(str),
        }
    )


MODELS = {
    "cbpp as bernoulli rows": ("y ~ period + (1 | herd)", cbpp_rows),
    "subjects x items, 28,800 rows": (
        "y ~ condition + (1 | subject) + (1 | item)",
        crossed_experiment,
    ),
}


def measure(formula: str, data: pd.DataFrame, share: float) -> dict[str, float]:
    collapse.WORTHWHILE_SHARE = share
    model = bg.Model(formula, data, family="bernoulli")
    model.fit(draws=100, tune=100, chains=2, seed=2, progress=False)
    fit = model.fit(draws=1000, tune=1000, chains=4, seed=1, progress=False)
    seconds = fit.posterior.attrs["seconds"]
    ess = float(fit.summary()["ess_bulk"].min())
    return {"rows": model.sampled_spec.n_obs, "seconds": seconds, "ess_per_second": ess / seconds}


def main() -> None:
    default = collapse.WORTHWHILE_SHARE
    print("| model | rows sampled | seconds | min bulk ESS/s | speed-up |")
    print("|---|---:|---:|---:|---:|")
    for name, (formula, make) in MODELS.items():
        data = make()
        rows = measure(formula, data, 0.0)
        merged = measure(formula, data, default)
        for label, result in (("row by row", rows), ("collapsed", merged)):
            ratio = merged["ess_per_second"] / rows["ess_per_second"] if label == "collapsed" else 1
            print(
                f"| {name}, {label} | {result['rows']} | {result['seconds']:.1f} | "
                f"{result['ess_per_second']:.0f} | {ratio:.1f}x |"
            )
    collapse.WORTHWHILE_SHARE = default


if __name__ == "__main__":
    main()
