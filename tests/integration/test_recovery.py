"""Parameter recovery: every family finds the truth of data simulated from it.

Each family is simulated from ``y ~ x + (1 | g)`` with known intercept, slope,
group sd and dispersion (zero-inflation, hurdle probability, ordinal thresholds;
right-censored times for the survival families), then fitted with the default
priors, for one simulation seed. Central 95% intervals miss the truth 5% of the
time by design, so with dozens of checks a few misses are expected: the tests ask
that no truth lies more than 4 posterior sds from the posterior mean (a biased
model fails this), and that the 95% intervals cover at least 85% of the truths
over all families and seeds (overconfident intervals fail this). The slow-marked
test checks coverage per family over 40 seeds.
"""

import numpy as np
import pandas as pd
import pytest
from scipy import special, stats

import bayesglmm as bg
from tests.conftest import quiet_fit

TRUTH = {"b[Intercept]": 0.3, "b[x]": 0.5, "sd_g[Intercept]": 0.6}
DISPERSION = {"sigma": 0.7, "nu": 6.0, "shape": 4.0, "phi": 12.0, "zi": 0.3, "hu": 0.35}
THRESHOLDS = {"threshold[1|2]": -0.8, "threshold[2|3]": 0.4, "threshold[3|4]": 1.6}
GROUPS, PER_GROUP = 30, 10
CENSORING_MEAN = 6.0
"""Mean of the exponential censoring times of the survival families (about 20% censored)."""


def zero_truncated(rng, quantile, p0: np.ndarray) -> np.ndarray:
    """Zero-truncated counts by inversion: the quantile of a uniform draw above ``P(0)``."""
    return quantile(p0 + rng.random(p0.size) * (1 - p0))


def censored_times(rng, times: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Observed times and right-censoring flags under exponential censoring."""
    limits = rng.exponential(CENSORING_MEAN, times.size)
    return np.minimum(times, limits), (times > limits).astype(int)


def simulate(family: str, seed: int) -> pd.DataFrame:
    """Data from ``y ~ x + (1 | g)`` with the true values above, on the family's default link.

    The ordinal family's latent logistic noise has its own random stream, so that the
    data of every other family stay those drawn before it was added.
    """
    rng = np.random.default_rng(seed)
    g = np.repeat(np.arange(GROUPS), PER_GROUP)
    x = rng.normal(size=g.size)
    eta = (
        TRUTH["b[Intercept]"]
        + TRUTH["b[x]"] * x
        + rng.normal(0, TRUTH["sd_g[Intercept]"], GROUPS)[g]
    )
    d = DISPERSION
    mu = np.exp(eta)
    nb_p = d["shape"] / (d["shape"] + mu)
    weibull_scale = mu / special.gamma(1 + 1 / d["shape"])
    latent = eta - TRUTH["b[Intercept]"] + np.random.default_rng([seed, 1]).logistic(size=eta.size)
    y = {
        "gaussian": lambda: rng.normal(eta, d["sigma"]),
        "student_t": lambda: eta + d["sigma"] * rng.standard_t(d["nu"], eta.size),
        "lognormal": lambda: rng.lognormal(eta, d["sigma"]),
        "gamma": lambda: rng.gamma(d["shape"], np.exp(eta) / d["shape"]),
        "beta": lambda: rng.beta(special.expit(eta) * d["phi"], special.expit(-eta) * d["phi"]),
        "bernoulli": lambda: rng.binomial(1, special.expit(eta)),
        "binomial": lambda: rng.binomial(8, special.expit(eta)),
        "poisson": lambda: rng.poisson(np.exp(eta)),
        "negbinomial": lambda: rng.negative_binomial(d["shape"], nb_p),
        "zero_inflated_poisson": lambda: np.where(
            rng.random(eta.size) < d["zi"], 0, rng.poisson(mu)
        ),
        "zero_inflated_negbinomial": lambda: np.where(
            rng.random(eta.size) < d["zi"], 0, rng.negative_binomial(d["shape"], nb_p)
        ),
        "hurdle_poisson": lambda: np.where(
            rng.random(eta.size) < d["hu"],
            0,
            zero_truncated(rng, lambda q: stats.poisson.ppf(q, mu), np.exp(-mu)),
        ),
        "hurdle_negbinomial": lambda: np.where(
            rng.random(eta.size) < d["hu"],
            0,
            zero_truncated(
                rng, lambda q: stats.nbinom.ppf(q, d["shape"], nb_p), nb_p ** d["shape"]
            ),
        ),
        "beta_binomial": lambda: rng.binomial(
            8, rng.beta(special.expit(eta) * d["phi"], special.expit(-eta) * d["phi"])
        ),
        "exponential": lambda: rng.exponential(mu),
        "weibull": lambda: weibull_scale * rng.weibull(d["shape"], eta.size),
        "inverse_gaussian": lambda: rng.wald(mu, d["shape"]),
        "cumulative": lambda: 1 + (latent[:, None] > np.array(list(THRESHOLDS.values()))).sum(1),
    }[family]()
    data = pd.DataFrame({"y": y, "x": x, "g": g, "n": 8})
    if bg.FAMILIES[family].censorable:
        data["y"], data["c"] = censored_times(rng, y)
    return data


FORMULAS = {
    "binomial": "y | trials(n) ~ x + (1 | g)",
    "beta_binomial": "y | trials(n) ~ x + (1 | g)",
    "exponential": "y | cens(c) ~ x + (1 | g)",
    "weibull": "y | cens(c) ~ x + (1 | g)",
}
"""Formulas other than ``y ~ x + (1 | g)``."""


def recovered(family: str, seed: int) -> pd.DataFrame:
    """Truth, posterior summary and whether the 95% interval covers it, per parameter."""
    formula = FORMULAS.get(family, "y ~ x + (1 | g)")
    model = bg.Model(formula, simulate(family, seed), family=family)
    summary = quiet_fit(model, draws=500, tune=500, chains=2, seed=seed).summary()
    truth = pd.Series({**TRUTH, **DISPERSION, **THRESHOLDS}).reindex(summary.index).dropna()
    table = summary.loc[truth.index].assign(truth=truth, family=family, seed=seed)
    table["z"] = (table["truth"] - table["mean"]) / table["sd"]
    table["covered"] = (table["2.5%"] < table["truth"]) & (table["truth"] < table["97.5%"])
    return table


FAMILIES = list(bg.FAMILIES)
SEEDS = [101]


@pytest.fixture(scope="module")
def recoveries() -> pd.DataFrame:
    return pd.concat([recovered(family, seed) for family in FAMILIES for seed in SEEDS])


@pytest.mark.parametrize("family", FAMILIES)
def test_no_truth_is_far_from_its_posterior(recoveries, family):
    rows = recoveries[recoveries["family"] == family]
    parameters = (
        2
        + len(bg.FAMILIES[family].dispersion_names)
        + (len(THRESHOLDS) - 1 if bg.FAMILIES[family].thresholds else 1)
    )
    assert len(rows) == len(SEEDS) * parameters
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
