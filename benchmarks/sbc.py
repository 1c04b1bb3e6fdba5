"""Simulation-based calibration (SBC) of every family group and sampler.

For each case (a family, its priors and a simulator) and each simulation: draw the
parameters of ``y ~ x + (1 | g)`` from the model's own priors, simulate data from the
family, fit, and record the rank of each true value among thinned posterior draws
(Talts et al. 2018, "Validating Bayesian inference algorithms with simulation-based
calibration", arXiv:1804.06788). Ranks are uniform when the sampler is right. Besides
the parameters, the log-likelihood of the simulated data is a test quantity: it depends
on the data and catches errors the parameters alone miss (Modrák et al. 2023,
"Simulation-based calibration checking for Bayesian computation: the choice of test
quantities shapes sensitivity", Bayesian Analysis).

Uniformity is tested twice per quantity: a chi-square test on the 10-bin rank histogram,
and the ECDF-difference test with simultaneous bands of Säilynoja, Bürkner & Vehtari
(2022, "Graphical test for discrete uniformity and its applications in goodness-of-fit
evaluation and multiple sample comparison", Statistics and Computing 32:32), its p-value
calibrated by simulating uniform ranks.

    bash tools/run python -m benchmarks.sbc --sims 200      # every case, into benchmarks/sbc/
    bash tools/run python -m benchmarks.sbc --sims 200 --cases gamma --samplers nutpie
    bash tools/run python -m benchmarks.sbc --report        # only rebuild the README
    bash tools/run python -m benchmarks.sbc --sims 200 --batch --out benchmarks/sbc_batch

Each (case, sampler) writes its ranks to ``benchmarks/sbc/<case>-<sampler>.csv``, its
diagnostics to a JSON file and its rank plots to a PNG beside it; ``benchmarks/sbc/README.md``
is rebuilt from the saved studies after every pair and lists the pairs not run yet.
``tests/integration/test_sbc.py`` uses the same functions.
"""

from __future__ import annotations

import argparse
import datetime
import functools
import json
import os
import platform
import time
import warnings
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, replace
from functools import cache
from importlib import metadata
from pathlib import Path

import arviz_stats as azs
import numpy as np
import pandas as pd
import xarray as xr
from scipy import special, stats

import bayesglmm as bg
from bayesglmm import naming
from bayesglmm.backend.contract import graph_coords, posterior_dims
from bayesglmm.errors import ConvergenceWarning, DataWarning
from bayesglmm.priors import Prior
from bayesglmm.results.linear_predictor import pointwise_log_likelihood

GROUPS, PER_GROUP = 10, 8
"""Design of every simulated dataset: 10 groups of 8 rows, one standard-normal ``x``."""
KEPT = 99
"""Posterior draws kept per fit: ranks run 0..KEPT."""


@dataclass(frozen=True)
class Draws:
    """How long each fit runs: one chain of ``KEPT * thin`` draws after ``tune`` warm-up
    iterations; a fit whose smallest bulk ESS is below ``KEPT`` is rerun once with the
    thinning raised to give about ``KEPT`` independent kept draws, at most ``max_thin``."""

    thin: int = 10
    max_thin: int = 80
    tune: int = 500


STUDY = Draws()
"""The settings of the study in ``benchmarks/sbc/``."""
BINS = 10
"""Bins of the rank histograms and of the chi-square test."""
CATEGORIES = 4
"""Categories of the ordinal response."""
ALPHA = 0.01
"""Level of the bands drawn in the plots."""
OUT = Path(__file__).parent / "sbc"

Simulator = Callable[[np.random.Generator, np.ndarray, Mapping[str, np.ndarray]], dict]
"""``simulate(rng, eta, params)``: the response columns of one dataset, given the linear
predictor per row and the family's parameters."""


@dataclass(frozen=True)
class Case:
    """One model to calibrate.

    Attributes
    ----------
    name
        Name in file names and tables.
    group
        The family group it stands for.
    family
        The bayesglmm family.
    response
        Left-hand side of ``response ~ x + (1 | g)``.
    priors
        A prior for every parameter key of the model; the truth is drawn from these.
    simulate
        The response given the linear predictor and parameters, written from the
        family's documented parametrisation (not from bayesglmm's own generator).
    samplers
        Samplers to calibrate.
    """

    name: str
    group: str
    family: str
    response: str
    priors: dict[str, Prior]
    simulate: Simulator
    samplers: tuple[str, ...] = ("nutpie",)

    @property
    def formula(self) -> str:
        """The model formula."""
        return f"{self.response} ~ x + (1 | g)"


def _binomial(rng, eta, p):
    trials = rng.integers(1, 11, eta.size)
    return {"y": rng.binomial(trials, special.expit(eta)), "n": trials}


def _negbinomial(rng, eta, p):
    mean = np.exp(eta)
    return {"y": rng.negative_binomial(p["shape"], p["shape"] / (p["shape"] + mean))}


def _beta(rng, eta, p):
    mean = special.expit(eta)
    return {"y": rng.beta(mean * p["phi"], (1 - mean) * p["phi"])}


def _cumulative(rng, eta, p):
    latent = eta + rng.logistic(size=eta.size)
    positions = 1 + (latent[:, None] > p["threshold"][None, :]).sum(axis=1)
    return {"y": pd.Categorical(positions, categories=range(1, CATEGORIES + 1), ordered=True)}


def _hurdle_poisson(rng, eta, p):
    mean = np.exp(eta)
    zero_prob = np.exp(-mean)
    positive = stats.poisson.ppf(zero_prob + rng.random(eta.size) * (1 - zero_prob), mean)
    return {"y": np.where(rng.random(eta.size) < p["hu"], 0, np.maximum(positive, 1))}


def _gamma(rng, eta, p):
    return {"y": rng.gamma(p["shape"], np.exp(eta) / p["shape"])}


def _zero_inflated_poisson(rng, eta, p):
    counts = rng.poisson(np.exp(eta))
    return {"y": np.where(rng.random(eta.size) < p["zi"], 0, counts)}


def _censored(event: np.ndarray, rng: np.random.Generator) -> dict:
    """Right-censoring at independent exponential times with mean 2 (non-informative)."""
    censoring = rng.exponential(2.0, event.size)
    return {"y": np.minimum(event, censoring), "c": (event > censoring).astype(int)}


def _censored_exponential(rng, eta, p):
    return _censored(rng.exponential(np.exp(eta)), rng)


def _censored_weibull(rng, eta, p):
    scale = np.exp(eta) / special.gamma(1 + 1 / p["shape"])
    return _censored(scale * rng.weibull(p["shape"], eta.size), rng)


N = bg.priors.Normal
CASES: dict[str, Case] = {
    case.name: case
    for case in [
        Case(
            "gaussian",
            "gaussian",
            "gaussian",
            "y",
            {
                "Intercept": N(0, 1),
                "b[x]": N(0, 1),
                "sd[g][Intercept]": bg.priors.HalfStudentT(3, 1),
                "sigma": bg.priors.HalfNormal(1),
            },
            lambda rng, eta, p: {"y": rng.normal(eta, p["sigma"])},
            ("nutpie", "gibbs"),
        ),
        Case(
            "binomial",
            "bernoulli/binomial",
            "binomial",
            "y | trials(n)",
            {
                "Intercept": N(0, 1),
                "b[x]": N(0, 1),
                "sd[g][Intercept]": bg.priors.HalfStudentT(3, 1),
            },
            _binomial,
            ("nutpie", "gibbs"),
        ),
        Case(
            "negbinomial",
            "poisson/negbinomial",
            "negbinomial",
            "y",
            {
                "Intercept": N(1, 0.5),
                "b[x]": N(0, 0.5),
                "sd[g][Intercept]": bg.priors.HalfStudentT(3, 0.5),
                "shape": bg.priors.Gamma(4, 1),
            },
            _negbinomial,
            ("nutpie", "gibbs"),
        ),
        Case(
            "beta",
            "gamma/beta",
            "beta",
            "y",
            {
                "Intercept": N(0, 0.5),
                "b[x]": N(0, 0.5),
                "sd[g][Intercept]": bg.priors.HalfNormal(0.5),
                "phi": bg.priors.Gamma(10, 1),
            },
            _beta,
        ),
        Case(
            "cumulative",
            "ordinal (cumulative)",
            "cumulative",
            "y",
            {
                "b[x]": N(0, 1),
                "sd[g][Intercept]": bg.priors.HalfNormal(1),
                "threshold": N(0, 2),
            },
            _cumulative,
        ),
        Case(
            "hurdle_poisson",
            "zero-inflated/hurdle",
            "hurdle_poisson",
            "y",
            {
                "Intercept": N(1, 0.5),
                "b[x]": N(0, 0.5),
                "sd[g][Intercept]": bg.priors.HalfNormal(0.5),
                "hu": bg.priors.Beta(3, 5),
            },
            _hurdle_poisson,
        ),
        Case(
            "weibull_censored",
            "censored survival",
            "weibull",
            "y | cens(c)",
            {
                "Intercept": N(0, 0.5),
                "b[x]": N(0, 0.5),
                "sd[g][Intercept]": bg.priors.HalfNormal(0.5),
                "shape": bg.priors.Gamma(8, 4),
            },
            _censored_weibull,
        ),
        Case(
            "bernoulli",
            "bernoulli/binomial",
            "bernoulli",
            "y",
            {
                "Intercept": N(0, 1),
                "b[x]": N(0, 1),
                "sd[g][Intercept]": bg.priors.HalfStudentT(3, 1),
            },
            lambda rng, eta, p: {"y": rng.binomial(1, special.expit(eta))},
            ("nutpie", "gibbs"),
        ),
        Case(
            "poisson",
            "poisson/negbinomial",
            "poisson",
            "y",
            {
                "Intercept": N(1, 0.5),
                "b[x]": N(0, 0.5),
                "sd[g][Intercept]": bg.priors.HalfNormal(0.5),
            },
            lambda rng, eta, p: {"y": rng.poisson(np.exp(eta))},
        ),
        Case(
            "gamma",
            "gamma/beta",
            "gamma",
            "y",
            {
                "Intercept": N(0, 0.5),
                "b[x]": N(0, 0.5),
                "sd[g][Intercept]": bg.priors.HalfNormal(0.5),
                "shape": bg.priors.Gamma(8, 2),
            },
            _gamma,
        ),
        Case(
            "zero_inflated_poisson",
            "zero-inflated/hurdle",
            "zero_inflated_poisson",
            "y",
            {
                "Intercept": N(1, 0.5),
                "b[x]": N(0, 0.5),
                "sd[g][Intercept]": bg.priors.HalfNormal(0.5),
                "zi": bg.priors.Beta(2, 5),
            },
            _zero_inflated_poisson,
        ),
        Case(
            "exponential_censored",
            "censored survival",
            "exponential",
            "y | cens(c)",
            {
                "Intercept": N(0, 0.5),
                "b[x]": N(0, 0.5),
                "sd[g][Intercept]": bg.priors.HalfNormal(0.5),
            },
            _censored_exponential,
        ),
    ]
}
"""Cases of every family group with the samplers that apply to each: one family per group
first (the study in ``benchmarks/sbc/``), then the group's other families."""

WRONG_SIGMA = replace(
    CASES["gaussian"],
    name="gaussian_wrong_sigma",
    group="misspecified: data with 2 sigma",
    simulate=lambda rng, eta, p: {"y": rng.normal(eta, 2 * p["sigma"])},
)
"""A deliberately wrong likelihood: the data's residual sd is twice the ``sigma`` drawn
from the prior, so the model's ``sigma`` is misspecified. SBC must reject it."""
ALL_CASES = {**CASES, WRONG_SIGMA.name: WRONG_SIGMA}


def _truth(case: Case, x: np.ndarray, group: np.ndarray, rng: np.random.Generator):
    """Parameters drawn from ``case.priors``: (values in the posterior's layout, eta)."""
    priors = case.priors
    sd = priors["sd[g][Intercept]"].draw(rng)
    effects = rng.normal(0.0, sd, GROUPS)
    slope = priors["b[x]"].draw(rng)
    values: dict[str, np.ndarray] = {"sd_g": np.array([sd]), "r_g": effects[:, None]}
    if "Intercept" in priors:
        centred = priors["Intercept"].draw(rng)
        eta = centred + slope * (x - x.mean()) + effects[group]
        values["b"] = np.array([centred - slope * x.mean(), slope])
    else:
        eta = slope * x + effects[group]
        values["b"] = np.array([slope])
    family, _ = bg.families.get_family(case.family)
    for parameter in family.dispersion:
        prior = priors[parameter.name]
        values[parameter.name] = (
            np.sort(prior.draw(rng, size=CATEGORIES - 1))
            if parameter.ordered
            else np.asarray(prior.draw(rng))
        )
    return values, eta


def simulate(case: Case, rng: np.random.Generator) -> tuple[pd.DataFrame, dict]:
    """A dataset of ``case`` and the true parameters it was simulated from."""
    group = np.repeat(np.arange(GROUPS), PER_GROUP)
    x = rng.normal(size=group.size)
    truth, eta = _truth(case, x, group, rng)
    family_parameters = {k: v for k, v in truth.items() if k not in ("b", "sd_g", "r_g")}
    data = pd.DataFrame({"x": x, "g": group, **case.simulate(rng, eta, family_parameters)})
    return data, truth


def quantities(posterior: xr.Dataset, model: bg.Model | bg.Fit) -> dict[str, np.ndarray]:
    """Every parameter, the first group effect and the log-likelihood of the data, per sample.

    Applied alike to the posterior and to the truth (a one-draw dataset of the same layout);
    ``model`` is the model or its fit (either gives the spec, family and link).
    """
    values_of = {}
    for name in ("b", "sd_g", *model.family.dispersion_names):
        values = posterior[name].stack(sample=("chain", "draw")).transpose("sample", ...)
        if values.ndim == 1:
            values_of[name] = values.to_numpy()
            continue
        dim = values.dims[1]
        for label in values[dim].to_numpy():
            values_of[f"{name}[{label}]"] = values.sel({dim: label}).to_numpy()
    first = posterior["r_g"].isel(g=0, g_term=0)
    values_of[f"r_g[{first['g'].item()}]"] = first.stack(sample=("chain", "draw")).to_numpy()
    loglik = pointwise_log_likelihood(posterior, model.spec, model.family, model.link)
    values_of["loglik"] = loglik.reshape(-1, loglik.shape[-1]).sum(axis=1)
    return values_of


def truth_dataset(truth: Mapping[str, np.ndarray], spec) -> xr.Dataset:
    """The true values as a one-draw posterior of a model of ``spec``, laid out by the
    backend's contract of posterior dims and coords (so the worker of a batch, which has the
    fit but not the model, builds it too)."""
    dims_of, coords = posterior_dims(spec), graph_coords(spec)
    variables = {}
    for name, value in truth.items():
        value = np.asarray(value)
        dims = dims_of.get(name, (naming.CUTPOINT,) if value.ndim == 1 else ())
        variables[name] = ((naming.CHAIN, naming.DRAW, *dims), value[None, None])
    used = {dim for dims, _ in variables.values() for dim in dims[2:]}
    return xr.Dataset(variables, coords={dim: coords[dim] for dim in used})


def build_model(case: Case, data: pd.DataFrame) -> bg.Model:
    """The model of ``case`` on ``data``, checked to use ``case.priors`` for every parameter.

    Group effects are non-centred, set explicitly so that every simulation fits the same
    parameterisation whatever the data.

    Raises
    ------
    ValueError
        When a parameter's prior is a default (autoscaled to the data, so not the prior the
        truth is drawn from) or differs from ``case.priors``.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        model = bg.Model(case.formula, data, family=case.family, priors=case.priors, centered=False)
    in_force = dict(model.priors)
    if in_force != case.priors:
        raise ValueError(
            f"case {case.name}: the model's priors {in_force} are not the case's "
            f"{case.priors}; give every parameter an explicit prior."
        )
    return model


@dataclass
class Result:
    """Ranks and diagnostics of one (case, sampler) study.

    Attributes
    ----------
    ranks
        One row per simulation, one column per test quantity; ranks in ``0..KEPT``.
    ess
        Bulk ESS of each quantity over all draws of the fit the ranks come from.
    thin
        Thinning of that fit (more than ``Draws.thin`` after a rerun for low ESS).
    divergences
        Divergent transitions of that fit.
    seconds
        Wall time per simulation (simulate, swap data, fit, rank).
    draws
        The settings of the fits.
    """

    ranks: pd.DataFrame
    ess: pd.DataFrame
    thin: np.ndarray
    divergences: np.ndarray
    seconds: np.ndarray
    draws: Draws


def ranks_of(fit: bg.Fit, truth: Mapping[str, np.ndarray], thin: int) -> tuple[dict, dict, int]:
    """Ranks of the truth among every ``thin``-th draw of ``fit``, the bulk ESS of each
    quantity over all draws, and the number of divergences."""
    drawn = quantities(fit.posterior, fit)
    true = quantities(truth_dataset(truth, fit.spec), fit)
    ranks = {name: int(np.sum(v[thin - 1 :: thin] < true[name][0])) for name, v in drawn.items()}
    table = xr.DataArray(np.stack(list(drawn.values()), axis=-1)[None], dims=("chain", "draw", "q"))
    ess = dict(zip(drawn, azs.ess(table, method="bulk").to_numpy(), strict=True))
    return ranks, ess, int(fit.idata.sample_stats["diverging"].sum())


def _ranks(model: bg.Model, sampler: str, truth: dict, thin: int, tune: int, seed: int):
    """Fit one chain of ``KEPT * thin`` draws and rank the truth (:func:`ranks_of`)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        fit = model.fit(
            draws=KEPT * thin,
            tune=tune,
            chains=1,
            cores=1,
            seed=seed,
            sampler=sampler,
            progress=False,
        )
    return ranks_of(fit, truth, thin)


def run(case: Case, sampler: str, sims: int, seed: int = 0, draws: Draws = STUDY) -> Result:
    """Run ``sims`` simulations of ``case`` with ``sampler``, one compiled model throughout.

    The model is built once and refitted with ``Model.set_data``, so NUTS compiles once.
    A fit whose smallest bulk ESS is below ``KEPT`` is rerun once, thinned enough for
    about ``KEPT`` independent kept draws (see :class:`Draws`), as Talts et al. advise.
    Simulation ``i`` uses ``np.random.default_rng([seed, i])``: results are reproducible
    and any simulation can be rerun alone.
    """
    model = None
    ranks, ess, thins, divergences, seconds = [], [], [], [], []
    for sim in range(sims):
        start = time.perf_counter()
        rng = np.random.default_rng([seed, sim])
        data, truth = simulate(case, rng)
        if model is None:
            model = build_model(case, data)
        else:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DataWarning)
                model.set_data(data)
        thin = draws.thin
        fit_seed = int(rng.integers(2**32))
        rank, sizes, diverged = _ranks(model, sampler, truth, thin, draws.tune, fit_seed)
        smallest = min(sizes.values())
        if smallest < KEPT and draws.max_thin > thin:
            thin = min(draws.max_thin, int(np.ceil(1.25 * thin * KEPT / max(smallest, 1.0))))
            fit_seed = int(rng.integers(2**32))
            rank, sizes, diverged = _ranks(model, sampler, truth, thin, draws.tune, fit_seed)
        ranks.append(rank)
        ess.append(sizes)
        thins.append(thin)
        divergences.append(diverged)
        seconds.append(time.perf_counter() - start)
    return Result(
        pd.DataFrame(ranks),
        pd.DataFrame(ess),
        np.array(thins),
        np.array(divergences),
        np.array(seconds),
        draws,
    )


@dataclass(frozen=True)
class BatchRanks:
    """``evaluate(name, fit)`` for :func:`bayesglmm.fit_many`: the ranks, ESS and
    divergences of one simulation, flattened to ``rank:<q>``, ``ess:<q>``, ``divergences``."""

    truths: dict[str, dict]
    thin: int

    def __call__(self, name: str, fit: bg.Fit) -> dict[str, float]:
        ranks, ess, divergences = ranks_of(fit, self.truths[name], self.thin)
        return {
            **{f"rank:{q}": value for q, value in ranks.items()},
            **{f"ess:{q}": value for q, value in ess.items()},
            "divergences": divergences,
        }


def run_batch(
    case: Case, sampler: str, sims: int, seed: int = 0, draws: Draws = STUDY, client=None
) -> Result:
    """:func:`run` on a Dask cluster through :func:`bayesglmm.fit_many` (``client`` as
    there: None starts a local cluster). Simulation ``i`` is drawn from
    ``np.random.default_rng([seed, i])`` as in :func:`run`; the fits' seeds come from
    ``fit_many``'s spawning, so the ranks differ from :func:`run`'s draw for draw but not
    in distribution. Fits with a bulk ESS below ``KEPT`` are rerun once, thinned, as a
    second batch per thinning."""
    simulated = {
        f"sim{sim:04d}": simulate(case, np.random.default_rng([seed, sim])) for sim in range(sims)
    }
    datasets = {name: data for name, (data, _) in simulated.items()}
    truths = {name: truth for name, (_, truth) in simulated.items()}

    def fitted(names: list[str], thin: int, batch_seed: int):
        batch = bg.fit_many(
            functools.partial(build_model, case),
            {name: datasets[name] for name in names},
            client=client,
            draws=KEPT * thin,
            tune=draws.tune,
            chains=1,
            sampler=sampler,
            seed=batch_seed,
            progress=False,
            evaluate=BatchRanks({name: truths[name] for name in names}, thin),
        )
        failed = batch.status().query("status != 'ok'")
        if len(failed):
            raise RuntimeError(f"{len(failed)} SBC fits failed: {failed['error'].iloc[0]}")
        return batch.values(), batch.status().set_index("fit")["seconds"]

    values, seconds = fitted(list(datasets), draws.thin, seed)
    thins = pd.Series(draws.thin, index=values.index)
    smallest = values.filter(like="ess:").min(axis=1)
    needed = np.minimum(draws.max_thin, np.ceil(1.25 * draws.thin * KEPT / smallest.clip(lower=1)))
    rerun = needed[(smallest < KEPT) & (draws.max_thin > draws.thin)].astype(int)
    for thin, names in rerun.groupby(rerun).groups.items():
        again, more = fitted(list(names), int(thin), seed + int(thin))
        values.loc[again.index] = again
        seconds.loc[more.index] += more
        thins.loc[again.index] = int(thin)
    order = list(datasets)
    values = values.loc[order]
    column = {name: name.split(":", 1)[1] for name in values.columns if ":" in name}
    return Result(
        values.filter(like="rank:").rename(columns=column).astype(int).reset_index(drop=True),
        values.filter(like="ess:").rename(columns=column).reset_index(drop=True),
        thins.loc[order].to_numpy(),
        values["divergences"].astype(int).to_numpy(),
        seconds.loc[order].to_numpy(),
        draws,
    )


def bin_counts(ranks: np.ndarray, bins: int = BINS) -> np.ndarray:
    """Counts of ranks ``0..KEPT`` in ``bins`` equal bins."""
    return np.bincount(np.asarray(ranks) * bins // (KEPT + 1), minlength=bins)


def chi_square_p(ranks: np.ndarray, bins: int = BINS) -> float:
    """Chi-square p-value of the binned ranks against the uniform."""
    return float(stats.chisquare(bin_counts(ranks, bins)).pvalue)


def _min_tail(below: np.ndarray, sims: int) -> np.ndarray:
    """Smallest two-sided pointwise binomial tail probability of ECDF counts ``below``
    (the number of ranks below each of ``1..KEPT``), over the evaluation points."""
    z = np.arange(1, KEPT + 1) / (KEPT + 1)
    tails = np.minimum(stats.binom.cdf(below, sims, z), stats.binom.sf(below - 1, sims, z))
    return np.minimum(1.0, 2 * tails).min(axis=-1)


@cache
def _null_min_tails(sims: int, reps: int = 20_000) -> np.ndarray:
    """:func:`_min_tail` of ``reps`` sets of ``sims`` uniform ranks, sorted."""
    counts = np.random.default_rng(2022).multinomial(sims, np.full(KEPT + 1, 1 / (KEPT + 1)), reps)
    return np.sort(_min_tail(np.cumsum(counts, axis=1)[:, :KEPT], sims))


def _below(ranks: np.ndarray) -> np.ndarray:
    return np.cumsum(np.bincount(np.asarray(ranks), minlength=KEPT + 1))[:KEPT]


def ecdf_p(ranks: np.ndarray) -> float:
    """p-value of the simultaneous ECDF test (Säilynoja et al. 2022): the smallest level at
    which the ECDF of the ranks leaves the simultaneous band, by Monte Carlo."""
    null = _null_min_tails(len(ranks))
    observed = _min_tail(_below(ranks), len(ranks))
    return float((1 + np.searchsorted(null, observed, side="right")) / (1 + null.size))


def ecdf_band(sims: int, alpha: float = ALPHA) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Evaluation points and the simultaneous ``1 - alpha`` band of the ECDF minus the
    uniform CDF there (Säilynoja et al. 2022)."""
    gamma = np.quantile(_null_min_tails(sims), alpha)
    z = np.arange(1, KEPT + 1) / (KEPT + 1)
    low = stats.binom.ppf(gamma / 2, sims, z) / sims - z
    high = stats.binom.ppf(1 - gamma / 2, sims, z) / sims - z
    return z, low, high


def uniformity(ranks: pd.DataFrame) -> pd.DataFrame:
    """Chi-square and ECDF p-values of every column of ``ranks``."""
    return pd.DataFrame(
        {
            "chi_square_p": {name: chi_square_p(col.to_numpy()) for name, col in ranks.items()},
            "ecdf_p": {name: ecdf_p(col.to_numpy()) for name, col in ranks.items()},
        }
    )


def plot(ranks: pd.DataFrame, title: str, path: Path) -> None:
    """Rank histograms with the 99% band of each bin's count (Talts et al. 2018) over ECDF
    differences with the 99% simultaneous band (Säilynoja et al. 2022), one column each."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sims, names = len(ranks), list(ranks.columns)
    figure, axes = plt.subplots(
        2, len(names), figsize=(2.3 * len(names), 4.6), squeeze=False, sharey="row"
    )
    low, high = stats.binom.ppf([ALPHA / 2, 1 - ALPHA / 2], sims, 1 / BINS)
    z, band_low, band_high = ecdf_band(sims)
    for column, name in enumerate(names):
        values = ranks[name].to_numpy()
        top, bottom = axes[0, column], axes[1, column]
        top.axhspan(low, high, color="0.85")
        top.axhline(sims / BINS, color="0.5", lw=0.8)
        top.bar(np.arange(BINS), bin_counts(values), width=0.9, color="C0")
        top.set_title(name, fontsize=9)
        top.set_xticks([])
        bottom.fill_between(z, band_low, band_high, color="0.85", step="mid")
        bottom.step(z, _below(values) / sims - z, where="mid", color="C0")
        bottom.axhline(0, color="0.5", lw=0.8)
        bottom.set_xlabel("rank / (draws + 1)", fontsize=8)
    axes[0, 0].set_ylabel("simulations per bin", fontsize=8)
    axes[1, 0].set_ylabel("ECDF - uniform", fontsize=8)
    figure.suptitle(title, fontsize=10)
    figure.tight_layout()
    figure.savefig(path, dpi=90)
    plt.close(figure)


def save(case: Case, sampler: str, result: Result, out: Path = OUT) -> None:
    """Write the ranks, the diagnostics and the plot of one study into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    stem = out / f"{case.name}-{sampler}"
    rerun = result.thin > result.draws.thin
    result.ranks.to_csv(f"{stem}.csv", index_label="sim")
    summary = {
        "case": case.name,
        "group": case.group,
        "family": case.family,
        "formula": case.formula,
        "sampler": sampler,
        "priors": {key: str(prior) for key, prior in case.priors.items()},
        "sims": len(result.ranks),
        "seconds_per_sim": float(result.seconds.mean()),
        "fits_with_divergences": int((result.divergences > 0).sum()),
        "draws": asdict(result.draws),
        "fits_rerun_for_ess": int(rerun.sum()),
        "median_thin_of_reruns": float(np.median(result.thin[rerun])) if rerun.any() else None,
        "median_ess": {k: float(v) for k, v in result.ess.median().items()},
        "share_ess_below_kept": {k: float(v) for k, v in (result.ess < KEPT).mean().items()},
    }
    Path(f"{stem}.json").write_text(json.dumps(summary, indent=1) + "\n")
    plot(
        result.ranks,
        f"{case.name}, {sampler}: {len(result.ranks)} simulations",
        Path(f"{stem}.png"),
    )


def _machine() -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    return f"{os.cpu_count()}-core {cpu}, {platform.system()} {platform.release()}"


def _versions() -> str:
    packages = ["bayesglmm", "pymc", "pytensor", "nutpie", "numba", "arviz", "numpy", "scipy"]
    return ", ".join(
        [f"Python {platform.python_version()}"] + [f"{p} {metadata.version(p)}" for p in packages]
    )


def verdict(p_values: pd.DataFrame) -> str:
    """``pass`` when no p-value is below 0.001 (the slow tests' threshold), else ``FAIL``."""
    return "pass" if p_values.min().min() > 0.001 else "FAIL"


def _p(value: float) -> str:
    """A p-value for the tables: three decimals, or the bound below the ECDF test's
    resolution of 1/20,001."""
    return "< 0.0001" if value < 1e-4 else f"{value:.4f}" if value < 0.01 else f"{value:.3f}"


def _row(cells: list[object]) -> str:
    """A markdown table row; pipes inside cells (formulas, threshold names) are escaped."""
    return "| " + " | ".join(str(cell).replace("|", "\\|") for cell in cells) + " |"


SUMMARY_COLUMNS = [
    "family group",
    "case",
    "sampler",
    "simulations",
    "min p-value",
    "verdict",
    "s per simulation",
    "fits with divergences",
    "fits rerun for ESS",
]
DETAIL_COLUMNS = [
    "case",
    "sampler",
    "quantity",
    "chi-square p",
    "ECDF p",
    "median ESS",
    "ESS < kept",
]


def report(command: str, out: Path = OUT) -> str:
    """The results (markdown) of every study saved in ``out``; pairs not run are listed."""
    summary, detail, missing = [], [], []
    for case in ALL_CASES.values():
        for sampler in case.samplers:
            stem = out / f"{case.name}-{sampler}"
            if not Path(f"{stem}.json").exists():
                missing.append(f"{case.name} with {sampler}")
                continue
            meta = json.loads(Path(f"{stem}.json").read_text())
            p_values = uniformity(pd.read_csv(f"{stem}.csv", index_col="sim"))
            summary.append(
                _row(
                    [
                        case.group,
                        case.name,
                        sampler,
                        meta["sims"],
                        _p(p_values.min().min()),
                        verdict(p_values),
                        f"{meta['seconds_per_sim']:.2f}",
                        meta["fits_with_divergences"],
                        meta["fits_rerun_for_ess"],
                    ]
                )
            )
            detail.extend(
                _row(
                    [
                        case.name,
                        sampler,
                        quantity,
                        _p(row["chi_square_p"]),
                        _p(row["ecdf_p"]),
                        f"{meta['median_ess'][quantity]:.0f}",
                        f"{100 * meta['share_ess_below_kept'][quantity]:.0f}%",
                    ]
                )
                for quantity, row in p_values.iterrows()
            )
    cases = "\n".join(
        _row(
            [
                case.name,
                case.family,
                f"`{case.formula}`",
                ", ".join(f"`{key}` {prior}" for key, prior in case.priors.items()),
                ", ".join(case.samplers),
            ]
        )
        for case in ALL_CASES.values()
    )
    return TEMPLATE.format(
        command=command,
        date=datetime.date.today().isoformat(),
        machine=_machine(),
        versions=_versions(),
        kept=KEPT,
        draws=KEPT * STUDY.thin,
        thin=STUDY.thin,
        max_thin=STUDY.max_thin,
        tune=STUDY.tune,
        groups=GROUPS,
        per_group=PER_GROUP,
        cases=cases,
        summary_header=_row(SUMMARY_COLUMNS),
        summary_rule=_row(["---"] * len(SUMMARY_COLUMNS)),
        summary="\n".join(summary),
        detail_header=_row(DETAIL_COLUMNS),
        detail_rule=_row(["---"] * len(DETAIL_COLUMNS)),
        detail="\n".join(detail),
        missing="Not run yet: " + "; ".join(missing) + "." if missing else "Every pair was run.",
    )


TEMPLATE = """# Simulation-based calibration

Generated by `{command}` on {date} (`benchmarks/sbc.py`; its docstring has the method).
Machine: {machine}. {versions}.

Each simulation draws the parameters of the case's model from its priors (the exact priors
the model uses: `build_model` refuses a default, autoscaled prior), simulates a dataset of
{groups} groups x {per_group} rows with `x ~ N(0, 1)`, fits one chain of {draws} draws after
{tune} warm-up iterations and records the rank (0-{kept}) of each true value among every
{thin}th draw (Talts et al. 2018). A fit whose smallest bulk ESS is below {kept} is rerun once
with the thinning raised to give about {kept} independent kept draws (at most {max_thin}).
Test quantities: every fixed effect, the group sd, the first group effect, the family
parameters and the log-likelihood of the simulated data at the parameters (Modrák et al.
2023). Uniformity: chi-square test on 10 bins, and the ECDF-difference test with
simultaneous bands (Säilynoja, Bürkner & Vehtari 2022), its p-value from 20,000 simulated
sets of uniform ranks. Verdict: `pass` when every p-value of the pair exceeds 0.001 (the
threshold of the slow tests in `tests/integration/test_sbc.py`), else `FAIL`.

## Cases

| case | family | formula | priors | samplers |
|---|---|---|---|---|
{cases}

## Results

{summary_header}
{summary_rule}
{summary}

{missing}

`gaussian_wrong_sigma` is the negative control: its data have residual sd `2 sigma` while
its model says `sigma`, so it must fail.

## p-values per quantity

Median ESS: the bulk ESS of all draws of the fit each rank comes from, median over
simulations; ESS < kept: the share of those fits with fewer than {kept} effective draws
(kept draws not nearly independent even after the rerun).

{detail_header}
{detail_rule}
{detail}

Plots: `<case>-<sampler>.png`, rank histograms (top; grey: 99% band of each bin's count)
and ECDF minus uniform CDF (bottom; grey: 99% simultaneous band). Ranks:
`<case>-<sampler>.csv`; diagnostics: `<case>-<sampler>.json`.
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sims", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--cases", nargs="+", choices=ALL_CASES, default=list(ALL_CASES))
    parser.add_argument("--samplers", nargs="+", default=["nutpie", "gibbs"])
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument(
        "--batch",
        nargs="?",
        const="local",
        metavar="SCHEDULER",
        help="run the simulations through bg.fit_many: on a local cluster, or on the Dask "
        "scheduler at this address",
    )
    parser.add_argument(
        "--report", action="store_true", help="only rebuild README.md from the saved studies"
    )
    args = parser.parse_args()
    command = "bash tools/run python -m benchmarks.sbc --sims 200" + (
        "" if args.batch is None else f" --batch --out {args.out}"
    )
    pairs = [] if args.report else [(n, s) for s in args.samplers for n in args.cases]
    for name, sampler in pairs:
        case = ALL_CASES[name]
        if sampler not in case.samplers:
            continue
        if args.batch is None:
            result = run(case, sampler, args.sims, args.seed)
        else:
            client = None if args.batch == "local" else args.batch
            result = run_batch(case, sampler, args.sims, args.seed, client=client)
        save(case, sampler, result, args.out)
        p_values = uniformity(result.ranks)
        print(
            f"{name} {sampler}: {args.sims} sims, {result.seconds.mean():.2f} s each, "
            f"min p {p_values.min().min():.3g} ({verdict(p_values)})",
            flush=True,
        )
        (args.out / "README.md").write_text(report(command, args.out))
    if args.report:
        (args.out / "README.md").write_text(report(command, args.out))


if __name__ == "__main__":
    main()
