"""Residual correlations: bayesglmm's one-solve likelihood (``bayesglmm/backend/rescor.py``)
against PyMC's ``MvNormal`` with a Cholesky factor, on the same multivariate graph.

The model is the High School and Beyond bivariate model of the case study,
``bf(MathAch ~ Sex + Minority + Sector + (1 | p | School)) + bf(SES ~ ...)`` with
residual correlations, 7,185 rows. The reference graph is bayesglmm's own with the
correlated rows observed through ``pm.MvNormal(mu, chol=...)`` instead, as a PyMC user
writes it; both are compiled by nutpie's numba path, and the log density plus gradient
is timed at the same random point, alternating in rounds. ``--sample`` also fits both,
4 chains x (1000 + 1000), and reports the minimum bulk ESS per second end to end.

    bash tools/run python -m benchmarks.rescor
    bash tools/run python -m benchmarks.rescor --sample
"""

from __future__ import annotations

import argparse
import time
from unittest import mock

import numpy as np
import pandas as pd
import pymc as pm

import bayesglmm as bg
from benchmarks.hand_written import _compiled, gradient_seconds

COVARIATES = "Sex + Minority + Sector + (1 | p | School)"


def pymc_rows(name, family, mean, chol, observed, dims, nu=None):
    """The correlated rows as PyMC's own multivariate normal."""
    return pm.MvNormal(name, mu=mean, chol=chol, observed=observed, dims=dims)


def hsb_model() -> bg.Model:
    formula = bg.formula(f"MathAch ~ {COVARIATES}") + bg.formula(f"SES ~ {COVARIATES}")
    return bg.Model(formula, bg.datasets.load("hsb"), rescor=True)


def models() -> dict[str, bg.Model]:
    ours = hsb_model()
    with mock.patch("bayesglmm.backend.multivariate.correlated_rows", pymc_rows):
        reference = hsb_model()
    return {"one solve (bayesglmm)": ours, "pm.MvNormal": reference}


def gradients(fitted: dict[str, bg.Model], rounds: int = 4) -> pd.DataFrame:
    compiled = {label: _compiled(model.graph.model) for label, model in fitted.items()}
    size = {c.n_dim for c in compiled.values()}
    assert len(size) == 1, size
    point = np.random.default_rng(0).normal(0, 0.3, size.pop())
    times: dict[str, list[float]] = {label: [] for label in compiled}
    for _ in range(rounds):
        for label, function in compiled.items():
            times[label].append(gradient_seconds(function, point, evaluations=200))
    return pd.DataFrame({"ms per gradient": {k: min(v) * 1e3 for k, v in times.items()}})


def sampling(fitted: dict[str, bg.Model]) -> pd.DataFrame:
    rows = {}
    for label, model in fitted.items():
        start = time.perf_counter()
        fit = model.fit(draws=1000, tune=1000, chains=4, seed=1, progress=False)
        seconds = time.perf_counter() - start
        ess = float(fit.summary()["ess_bulk"].min())
        rows[label] = {"seconds": seconds, "min bulk ESS": ess, "ESS/s": ess / seconds}
    return pd.DataFrame(rows).T


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sample", action="store_true", help="also fit both models")
    arguments = parser.parse_args()
    fitted = models()
    table = gradients(fitted)
    if arguments.sample:
        table = table.join(sampling(fitted))
    reference = table.loc["pm.MvNormal", "ms per gradient"]
    table["gradient cost vs pm.MvNormal"] = table["ms per gradient"] / reference
    print(table.round(3).to_markdown())


if __name__ == "__main__":
    main()
