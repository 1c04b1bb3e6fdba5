"""``sampler="auto"`` against both samplers on every model a Gibbs sampler can fit.

Each model is fitted end to end at the default settings (4 chains x (1000 + 1000), seed 1)
by nutpie and by Gibbs, each after a short fit that warms the compile caches. The table
records each sampler's minimum bulk ESS over the reported parameters (fixed effects, sds,
correlations, dispersion) per second, their ratio, the sampler ``"auto"`` picks
(:func:`bayesglmm.samplers.auto_choice`) and whether that is the faster one.

    bash tools/run python -m benchmarks.sampler_choice > /tmp/sampler_choice.md
"""

from __future__ import annotations

import sys
import time
import warnings
from collections.abc import Callable

import numpy as np
import pandas as pd

import bayesglmm as bg
from bayesglmm.samplers import ModelParts, auto_choice
from benchmarks.centring import MODELS as CENTRING_MODELS
from benchmarks.centring import markdown
from benchmarks.hand_written import simulate_slopes


def simulate_gaussian_slopes(n_obs: int, slope_sd: float, seed: int = 4) -> pd.DataFrame:
    """Gaussian rows, 100 per group, with group intercepts of sd 1 and slopes of sd
    ``slope_sd`` correlated 0.3, residual sd 1: the data inform each slope with
    ``kappa = 100 slope_sd^2`` (the rule of ``bayesglmm.backend.parameterisation``)."""
    rng = np.random.default_rng(seed)
    n_groups = n_obs // 100
    g = rng.permutation(np.repeat(np.arange(n_groups), 100))
    x = rng.normal(size=n_obs)
    covariance = 0.3 * slope_sd
    u = rng.multivariate_normal([0, 0], [[1, covariance], [covariance, slope_sd**2]], n_groups)
    y = 0.5 + 0.3 * x + u[g, 0] + u[g, 1] * x + rng.normal(size=n_obs)
    return pd.DataFrame({"y": y, "x": x, "g": g})


MODELS: dict[str, Callable[[], tuple[str, pd.DataFrame, str]]] = {
    **{name: CENTRING_MODELS[name] for name in ("infection", "cbpp")},
    "epil, negative binomial": lambda: (
        "y ~ lbase * trt + lage + V4 + (1 | subject)",
        bg.datasets.load("epil"),
        "negbinomial",
    ),
    **{
        f"bernoulli slopes, {n} rows": (
            lambda n=n: (
                "y ~ x + (1 + x | g)",
                simulate_slopes(n_obs=n, n_groups=n // 100),
                "bernoulli",
            )
        )
        for n in (500, 1000, 2000, 5000, 20000)
    },
    "hospital remission": lambda: (
        "remission ~ il6 + crp + stage + length_of_stay + experience + (1 | doctor)",
        bg.datasets.simulate_hospital(seed=2026).assign(
            length_of_stay=lambda d: d["length_of_stay"] - 5,
            experience=lambda d: d["experience"] - 17,
        ),
        "bernoulli",
    ),
    **{name: CENTRING_MODELS[name] for name in ("sleepstudy", "sleepstudy, intercept")},
    "oats split plot": lambda: (
        "yield ~ variety * nitrogen + (1 | block) + (1 | block:variety)",
        bg.datasets.load("oats"),
        "gaussian",
    ),
    "hsb, intercept": lambda: (
        "MathAch ~ SES + Sector + (1 | School)",
        bg.datasets.load("hsb"),
        "gaussian",
    ),
    "hsb, SES slopes": lambda: (
        "MathAch ~ SES + Sector + (1 + SES | School)",
        bg.datasets.load("hsb"),
        "gaussian",
    ),
    **{
        f"gaussian slopes, sd {slope_sd}, {n} rows": (
            lambda n=n, slope_sd=slope_sd: (
                "y ~ x + (1 + x | g)",
                simulate_gaussian_slopes(n, slope_sd),
                "gaussian",
            )
        )
        for n in (20_000, 50_000)
        for slope_sd in (0.5, 0.03)
    },
}


def run(name: str) -> dict[str, object]:
    formula, data, family = MODELS[name]()
    model = bg.Model(formula, data, family=family)
    parts = ModelParts(
        model.graph, model.sampled_spec, model.sampled_family, model.link, model.priors
    )
    choice, reason = auto_choice(parts)
    rates = {}
    for sampler in ("nutpie", "gibbs"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", bg.ConvergenceWarning)
            model.fit(sampler=sampler, draws=20, tune=20, chains=1, seed=2, progress=False)
            fresh = bg.Model(formula, data, family=family)
            start = time.perf_counter()
            fit = fresh.fit(sampler=sampler, seed=1, progress=False)
            seconds = time.perf_counter() - start
        rates[sampler] = float(fit.diagnose().table["ess_bulk"].min()) / seconds
    faster = max(rates, key=rates.get)
    return {
        "model": name,
        "rows": model.spec.n_obs,
        "nutpie ESS/s": rates["nutpie"],
        "gibbs ESS/s": rates["gibbs"],
        "gibbs / nutpie": rates["gibbs"] / rates["nutpie"],
        "auto": choice,
        "auto is faster": "yes" if choice == faster else "no",
        "reason": reason,
    }


def main() -> None:
    names = sys.argv[1:] or list(MODELS)
    rows = []
    for name in names:
        rows.append(run(name))
        print(rows[-1], file=sys.stderr, flush=True)
    print(markdown(pd.DataFrame(rows)))


if __name__ == "__main__":
    main()
