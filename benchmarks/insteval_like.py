"""An InstEval-shaped synthetic Gaussian LMM: 73,421 ratings, 2,972 students x 1,128 lecturers.

The design copies the shape of lme4's InstEval data (Bates et al. 2015): students
crossed with lecturers, lecturers nested in 14 departments, about 25 ratings per
student and 65 per lecturer with a skewed spread, and a binary observation-level
covariate. True values are close to lme4's estimates for ``y ~ service + (1|s) +
(1|d) + (1|dept)`` on the real data.

    bash tools/run python benchmarks/insteval_like.py          # Gibbs, 4 chains x 1000 draws
    bash tools/run python benchmarks/insteval_like.py --nutpie # also time nutpie
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
import pandas as pd

import bayesglmm as bg

TRUTH = {
    "b[Intercept]": 3.2,
    "b[x]": -0.08,
    "sd_s[Intercept]": 0.32,
    "sd_d[Intercept]": 0.51,
    "sd_dept[Intercept]": 0.08,
    "sigma": 1.18,
}


def simulate(seed: int = 1, n_obs: int = 73_421) -> pd.DataFrame:
    """The synthetic InstEval-shaped data."""
    rng = np.random.default_rng(seed)
    n_s, n_d, n_dept = 2_972, 1_128, 14
    lecturer_weight = rng.gamma(1.2, size=n_d)
    lecturer = rng.choice(n_d, size=n_obs, p=lecturer_weight / lecturer_weight.sum())
    student = np.concatenate([np.arange(n_s), rng.integers(0, n_s, n_obs - n_s)])
    dept_of_lecturer = np.concatenate([np.arange(n_dept), rng.integers(0, n_dept, n_d - n_dept)])
    dept = dept_of_lecturer[lecturer]
    x = rng.binomial(1, 0.4, n_obs)
    eta = (
        TRUTH["b[Intercept]"]
        + TRUTH["b[x]"] * x
        + rng.normal(0, TRUTH["sd_s[Intercept]"], n_s)[student]
        + rng.normal(0, TRUTH["sd_d[Intercept]"], n_d)[lecturer]
        + rng.normal(0, TRUTH["sd_dept[Intercept]"], n_dept)[dept]
    )
    y = eta + rng.normal(0, TRUTH["sigma"], n_obs)
    return pd.DataFrame({"y": y, "x": x, "s": student, "d": lecturer, "dept": dept})


def run(sampler: str, data: pd.DataFrame, centered: bool = False) -> dict:
    """Fit with 4 chains x (1000 warm-up + 1000 draws); time and minimum ESS over b, sd, sigma."""
    start = time.perf_counter()
    model = bg.Model("y ~ x + (1 | s) + (1 | d) + (1 | dept)", data, centered=centered)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = model.fit(sampler=sampler, draws=1000, tune=1000, chains=4, seed=1, progress=False)
    seconds = time.perf_counter() - start
    table = fit.summary()
    return {
        "sampler": fit.idata.posterior.attrs["sampler"],
        "seconds": seconds,
        "min_ess": float(table["ess_bulk"].min()),
        "max_rhat": float(table["rhat"].max()),
        "table": table,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nutpie", action="store_true", help="also fit with nutpie")
    parser.add_argument("--centered", action="store_true", help="centred group effects for NUTS")
    parser.add_argument("--skip-gibbs", action="store_true")
    args = parser.parse_args()
    data = simulate()
    samplers = [*([] if args.skip_gibbs else ["gibbs"]), *(["nutpie"] if args.nutpie else [])]
    for sampler in samplers:
        result = run(sampler, data, centered=args.centered and sampler == "nutpie")
        print(
            f"{result['sampler']}: {result['seconds']:.1f} s, min bulk ESS "
            f"{result['min_ess']:.0f}, max R-hat {result['max_rhat']:.3f}, "
            f"min ESS/s {result['min_ess'] / result['seconds']:.1f}"
        )
        print(
            result["table"][["mean", "sd", "ess_bulk", "rhat"]]
            .round(3)
            .assign(truth=pd.Series(TRUTH))
        )


if __name__ == "__main__":
    main()
