"""Simulation-based calibration (Talts et al. 2018) of each Gibbs path.

For each path (gaussian, logit binomial, negative binomial) and each simulation:
draw the parameters of ``y ~ x + (1 | g)`` from the prior, simulate data, fit
with the Gibbs sampler, and record the rank of each true value among thinned
posterior draws. If the sampler is correct the ranks are uniform; a chi-square
test on a 10-bin rank histogram checks that.

    bash tools/run python benchmarks/sbc_gibbs.py --sims 200     # prints a markdown table

The slow-marked test ``tests/test_gibbs_sbc.py`` runs a shorter version.
"""

from __future__ import annotations

import argparse
import warnings

import numpy as np
import pandas as pd
from scipy import special, stats

import bayesglmm as bg
from bayesglmm.samplers import ModelParts
from bayesglmm.samplers.gibbs import choose_clusters
from bayesglmm.samplers.gibbs.chain import run_chain
from bayesglmm.samplers.gibbs.design import gibbs_design

GROUPS, PER_GROUP = 10, 8
KEPT, THIN = 99, 10
PRIORS = {
    "Intercept": bg.priors.Normal(0, 1),
    "b": bg.priors.Normal(0, 1),
    "sd": bg.priors.HalfStudentT(3, 1),
}
DISPERSION_PRIORS = {
    "gaussian": ("sigma", bg.priors.HalfNormal(1)),
    "binomial": None,
    "negbinomial": ("shape", bg.priors.Gamma(4, 1)),
}


def _simulate(kind: str, rng: np.random.Generator) -> tuple[pd.DataFrame, dict[str, float]]:
    g = np.repeat(np.arange(GROUPS), PER_GROUP)
    x = rng.normal(size=g.size)
    centred_intercept = rng.normal(0, 1)
    slope = rng.normal(0, 1)
    sd = abs(stats.t.rvs(3, scale=1, random_state=rng))
    effects = rng.normal(0, sd, GROUPS)
    eta = centred_intercept + slope * (x - x.mean()) + effects[g]
    truth = {
        "b[Intercept]": centred_intercept - slope * x.mean(),
        "b[x]": slope,
        "sd_g[Intercept]": sd,
        "r_g[0]": effects[0],
    }
    data = pd.DataFrame({"x": x, "g": g, "n": 10})
    if kind == "gaussian":
        truth["sigma"] = abs(rng.normal(0, 1))
        data["y"] = rng.normal(eta, truth["sigma"])
    elif kind == "binomial":
        data["y"] = rng.binomial(10, special.expit(eta))
    else:
        truth["shape"] = rng.gamma(4, 1)
        mean = np.exp(np.clip(eta, -20, 8))
        data["y"] = rng.negative_binomial(truth["shape"], truth["shape"] / (truth["shape"] + mean))
    return data, truth


def ranks(kind: str, sims: int, seed: int = 0) -> pd.DataFrame:
    """Rank (0-99) of each true value among 99 thinned posterior draws, one row per simulation."""
    rng = np.random.default_rng(seed)
    family = "binomial" if kind == "binomial" else kind
    response = "y | trials(n)" if kind == "binomial" else "y"
    rows = []
    for sim in range(sims):
        data, truth = _simulate(kind, rng)
        priors = dict(PRIORS)
        if DISPERSION_PRIORS[kind] is not None:
            name, prior = DISPERSION_PRIORS[kind]
            priors[name] = prior
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model = bg.Model(f"{response} ~ x + (1 | g)", data, family=family, priors=priors)
        parts = ModelParts(model.graph, model.spec, model.family, model.link, model.priors)
        design = gibbs_design(parts)
        draws = run_chain(design, choose_clusters(design), KEPT * THIN, 300, seed * 100_000 + sim)
        posterior = {
            "b[Intercept]": draws["b"][:, 0],
            "b[x]": draws["b"][:, 1],
            "sd_g[Intercept]": draws["sd_g"][:, 0],
            "r_g[0]": draws["r_g"][:, 0, 0],
        }
        if design.dispersion is not None:
            posterior[design.dispersion[0]] = draws[design.dispersion[0]]
        rows.append(
            {name: int(np.sum(values[::THIN] < truth[name])) for name, values in posterior.items()}
        )
    return pd.DataFrame(rows)


def uniformity(table: pd.DataFrame, bins: int = 10) -> pd.Series:
    """Chi-square p-value of each parameter's rank histogram against the uniform."""
    p_values = {}
    for name, column in table.items():
        counts = np.bincount(column.to_numpy() * bins // (KEPT + 1), minlength=bins)
        p_values[name] = stats.chisquare(counts).pvalue
    return pd.Series(p_values)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sims", type=int, default=200)
    args = parser.parse_args()
    print("| path | parameter | simulations | chi-square p-value (10 bins) |")
    print("|---|---|---:|---:|")
    for kind in ("gaussian", "binomial", "negbinomial"):
        for name, p_value in uniformity(ranks(kind, args.sims)).items():
            print(f"| {kind} | {name} | {args.sims} | {p_value:.3f} |", flush=True)


if __name__ == "__main__":
    main()
