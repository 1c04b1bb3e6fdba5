"""Parameter recovery: every family finds the truth of data simulated from it.

Each family is simulated from ``y ~ x + (1 | g)`` with known intercept, slope,
group sd and dispersion, then fitted with the default priors, for several
simulation seeds. Central 95% intervals miss the truth 5% of the time by
design, so with dozens of checks a few misses are expected: the tests ask that
no truth lies more than 4 posterior sds from the posterior mean (a biased
model fails this), and that the 95% intervals cover at least 85% of the truths
over all families and seeds (overconfident intervals fail this). The
slow-marked test checks coverage per family over many more seeds.
"""

import numpy as np
import pandas as pd
import pytest
from scipy import special

import bayesglmm as bg

from .conftest import quiet_fit

TRUTH = {"b[Intercept]": 0.3, "b[x]": 0.5, "sd_g[Intercept]": 0.6}
DISPERSION = {"sigma": 0.7, "nu": 6.0, "shape": 4.0, "phi": 12.0}
GROUPS, PER_GROUP = 30, 10


def simulate(family: str, seed: int) -> pd.DataFrame:
    """Data from ``y ~ x + (1 | g)`` with the true values above, on the family's default link."""
    rng = np.random.default_rng(seed)
    g = np.repeat(np.arange(GROUPS), PER_GROUP)
    x = rng.normal(size=g.size)
    eta = (
        TRUTH["b[Intercept]"]
        + TRUTH["b[x]"] * x
        + rng.normal(0, TRUTH["sd_g[Intercept]"], GROUPS)[g]
    )
    d = DISPERSION
    y = {
        "gaussian": lambda: rng.normal(eta, d["sigma"]),
        "student_t": lambda: eta + d["sigma"] * rng.standard_t(d["nu"], eta.size),
        "lognormal": lambda: rng.lognormal(eta, d["sigma"]),
        "gamma": lambda: rng.gamma(d["shape"], np.exp(eta) / d["shape"]),
        "beta": lambda: rng.beta(special.expit(eta) * d["phi"], special.expit(-eta) * d["phi"]),
        "bernoulli": lambda: rng.binomial(1, special.expit(eta)),
        "binomial": lambda: rng.binomial(8, special.expit(eta)),
        "poisson": lambda: rng.poisson(np.exp(eta)),
        "negbinomial": lambda: rng.negative_binomial(
            d["shape"], d["shape"] / (d["shape"] + np.exp(eta))
        ),
    }[family]()
    return pd.DataFrame({"y": y, "x": x, "g": g, "n": 8})


def recovered(family: str, seed: int) -> pd.DataFrame:
    """Truth, posterior summary and whether the 95% interval covers it, per parameter."""
    formula = "y | trials(n) ~ x + (1 | g)" if family == "binomial" else "y ~ x + (1 | g)"
    model = bg.Model(formula, simulate(family, seed), family=family)
    summary = quiet_fit(model, draws=500, tune=500, chains=2, seed=seed).summary()
    truth = pd.Series({**TRUTH, **DISPERSION}).reindex(summary.index).dropna()
    table = summary.loc[truth.index].assign(truth=truth, family=family, seed=seed)
    table["z"] = (table["truth"] - table["mean"]) / table["sd"]
    table["covered"] = (table["2.5%"] < table["truth"]) & (table["truth"] < table["97.5%"])
    return table


FAMILIES = list(bg.FAMILIES)
SEEDS = [101, 202, 303]


@pytest.fixture(scope="module")
def recoveries() -> pd.DataFrame:
    return pd.concat([recovered(family, seed) for family in FAMILIES for seed in SEEDS])


@pytest.mark.parametrize("family", FAMILIES)
def test_no_truth_is_far_from_its_posterior(recoveries, family):
    rows = recoveries[recoveries["family"] == family]
    assert len(rows) == len(SEEDS) * (3 + len(bg.FAMILIES[family].dispersion_names))
    worst = rows.iloc[int(np.argmax(rows["z"].abs().to_numpy()))]
    assert abs(worst["z"]) < 4, (
        f"{family} seed {worst['seed']}: {worst.name} is {worst['z']:+.2f} sds off"
    )


def test_95_percent_intervals_cover_the_truths(recoveries):
    assert recoveries["covered"].mean() >= 0.85


@pytest.mark.slow
@pytest.mark.parametrize("family", FAMILIES)
def test_interval_coverage_over_many_seeds(family):
    """Over 40 simulated datasets, 95% intervals cover 88-99.5% of the truths."""
    table = pd.concat([recovered(family, 1000 + seed) for seed in range(40)])
    assert 0.88 <= table["covered"].mean() <= 0.995
