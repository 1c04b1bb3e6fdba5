"""bayesglmm's PyMC graph against a hand-written PyMC model of the same parameterisation.

Two models of issue 11: the 73,421-row InstEval-shaped crossed LMM of
``benchmarks/insteval_like.py`` (``y ~ x + (1 | s) + (1 | d) + (1 | dept)``, non-centred)
and a bernoulli ``y ~ x + (1 + x | g)`` with 10^5 rows and 1,000 groups (non-centred,
LKJ-correlated). The hand-written models use the same priors, the same centred-predictor
intercept and the same non-centred effects, written as a PyMC user would. Both graphs are
compiled by nutpie's native numba path with :data:`REPRODUCIBLE_FLAGS`, ours as bayesglmm
samples at this size (:func:`~bayesglmm.samplers.nutpie_sampler.compile_native`, the
arrays other than the per-row ones frozen in as constants, as the hand-written model holds
all its data), and the log density plus gradient is timed at the same random point,
alternating the two in rounds within one process so that load on the machine hits both
alike. The compile times are printed too.

    bash tools/run python -m benchmarks.hand_written             # per-gradient cost
    bash tools/run python -m benchmarks.hand_written --sample    # also ESS/s end to end
    bash tools/run python -m benchmarks.hand_written --sample --model crossed   # one model
"""

from __future__ import annotations

import argparse
import time
import warnings
from dataclasses import replace

import numpy as np
import nutpie
import pandas as pd
import pymc as pm
import pytensor.tensor as pt

import bayesglmm as bg
from bayesglmm.compile_cache import reproducible_compile
from bayesglmm.samplers.nutpie_sampler import compile_native
from benchmarks.insteval_like import simulate as simulate_crossed

CROSSED = "y ~ x + (1 | s) + (1 | d) + (1 | dept)"
SLOPES = "y ~ x + (1 + x | g)"


def simulate_slopes(seed: int = 2, n_obs: int = 100_000, n_groups: int = 1_000) -> pd.DataFrame:
    """Bernoulli rows with a correlated random intercept and slope per group."""
    rng = np.random.default_rng(seed)
    g = rng.integers(0, n_groups, n_obs)
    x = rng.normal(size=n_obs)
    u = rng.multivariate_normal([0, 0], [[0.5, 0.1], [0.1, 0.2]], size=n_groups)
    eta = -0.3 + 0.8 * x + u[g, 0] + u[g, 1] * x
    return pd.DataFrame({"y": rng.binomial(1, 1 / (1 + np.exp(-eta))), "x": x, "g": g})


def _prior(model: bg.Model, key: str) -> dict[str, float]:
    return {name: float(value) for name, value in model.priors[key].parameters().items()}


def hand_written_crossed(model: bg.Model, data: pd.DataFrame) -> pm.Model:
    """The crossed LMM as a PyMC user writes it, with ``model``'s priors."""
    x = data["x"].to_numpy(float)
    codes = {g: pd.factorize(data[g], sort=True) for g in ("s", "d", "dept")}
    with pm.Model() as hand:
        intercept = pm.StudentT("Intercept", **_prior(model, "Intercept"))
        slope = pm.Normal("b_x", **_prior(model, "b[x]"))
        eta = intercept + slope * (x - x.mean())
        for g, (index, levels) in codes.items():
            sd = pm.HalfStudentT(f"sd_{g}", **_prior(model, f"sd[{g}][Intercept]"))
            z = pm.Normal(f"z_{g}", 0.0, 1.0, shape=len(levels))
            eta = eta + sd * z[index]
        sigma = pm.HalfStudentT("sigma", **_prior(model, "sigma"))
        pm.Normal("y", eta, sigma, observed=data["y"].to_numpy(float))
    return hand


def hand_written_slopes(model: bg.Model, data: pd.DataFrame) -> pm.Model:
    """The bernoulli random-slope model as a PyMC user writes it, with ``model``'s priors."""
    x = data["x"].to_numpy(float)
    index, levels = pd.factorize(data["g"], sort=True)
    with pm.Model() as hand:
        intercept = pm.StudentT("Intercept", **_prior(model, "Intercept"))
        slope = pm.Normal("b_x", **_prior(model, "b[x]"))
        sd = pt.stack(
            [
                pm.HalfStudentT(f"sd_g_{term}", **_prior(model, f"sd[g][{term}]"))
                for term in ("Intercept", "x")
            ]
        )
        chol = pm.LKJCorr("chol_g", n=2, eta=_prior(model, "cor[g]")["eta"])
        z = pm.Normal("z_g", 0.0, 1.0, shape=(len(levels), 2))
        effects = pt.dot(z, chol.T) * sd
        eta = intercept + slope * (x - x.mean()) + effects[index, 0] + effects[index, 1] * x
        pm.Bernoulli("y", logit_p=eta, observed=data["y"].to_numpy(int))
    return hand


def _compiled(graph: pm.Model):
    with reproducible_compile(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return nutpie.compile_pymc_model(graph)


def gradient_seconds(compiled, point: np.ndarray, evaluations: int = 300) -> float:
    """Seconds per log density and gradient at ``point``."""
    compiled.logp_func(point)
    start = time.perf_counter()
    for _ in range(evaluations):
        compiled.logp_func(point)
    return (time.perf_counter() - start) / evaluations


def compare(name: str, ours: bg.Model, hand: pm.Model, rounds: int = 4) -> dict:
    """Per-gradient cost of our graph and the hand-written one, alternating in rounds."""
    start = time.perf_counter()
    native = compile_native(ours.graph)
    compile_seconds = {"bayesglmm": time.perf_counter() - start}
    start = time.perf_counter()
    compiled = {"bayesglmm": native, "hand-written": _compiled(hand)}
    compile_seconds["hand-written"] = time.perf_counter() - start
    sizes = {label: c.n_dim for label, c in compiled.items()}
    assert len(set(sizes.values())) == 1, f"{name}: different parameter counts {sizes}"
    point = np.random.default_rng(0).normal(0, 0.3, sizes["bayesglmm"])
    times: dict[str, list[float]] = {label: [] for label in compiled}
    for _ in range(rounds):
        for label, function in compiled.items():
            times[label].append(gradient_seconds(function, point))
    best = {label: min(values) * 1e3 for label, values in times.items()}
    return {
        "model": name,
        "bayesglmm (ms)": round(best["bayesglmm"], 3),
        "hand-written (ms)": round(best["hand-written"], 3),
        "ratio": round(best["bayesglmm"] / best["hand-written"], 2),
        "compile (s): bayesglmm, hand-written": ", ".join(
            f"{compile_seconds[label]:.1f}" for label in compiled
        ),
    }


def _min_ess(posterior, names: list[str]) -> float:
    import arviz_stats as azs

    return float(min(azs.ess(posterior[name], method="bulk").min() for name in names))


def sample(name: str, ours: bg.Model, hand: pm.Model, data: pd.DataFrame) -> dict:
    """End-to-end minimum bulk ESS per second (4 chains x (1000 + 1000), nutpie, seed 1):
    bayesglmm's ``Model`` and ``fit`` at the defaults (``centered="auto"``) on ``ours``'s
    formula and ``data``, against compiling and sampling the hand-written non-centred model,
    over the fixed effects, sds and dispersion; and bayesglmm with ``sampler="auto"``,
    which picks Gibbs for both models."""
    ours_seconds, ours_ess = _ours(ours, data, "nutpie")
    auto_seconds, auto_ess = _ours(ours, data, "auto")
    start = time.perf_counter()
    trace = nutpie.sample(
        _compiled(hand), draws=1000, tune=1000, chains=4, seed=1, progress_bar=False
    )
    hand_seconds = time.perf_counter() - start
    names = [v.name for v in hand.free_RVs if not v.name.startswith(("z_", "chol_"))]
    hand_ess = _min_ess(trace.posterior, names)
    return {
        "model": name,
        "bayesglmm ESS/s": round(ours_ess / ours_seconds, 2),
        "hand-written ESS/s": round(hand_ess / hand_seconds, 2),
        "ratio": round(ours_ess / ours_seconds / (hand_ess / hand_seconds), 2),
        "bayesglmm (s, min ESS)": f"{ours_seconds:.0f}, {ours_ess:.0f}",
        "hand-written (s, min ESS)": f"{hand_seconds:.0f}, {hand_ess:.0f}",
        "sampler='auto' (s, min ESS)": f"{auto_seconds:.0f}, {auto_ess:.0f}",
        "auto ratio": round(auto_ess / auto_seconds / (hand_ess / hand_seconds), 2),
    }


def _ours(ours: bg.Model, data: pd.DataFrame, sampler: str) -> tuple[float, float]:
    """Seconds and minimum bulk ESS of bayesglmm's defaults with ``sampler``, end to end."""
    start = time.perf_counter()
    default = replace(ours.arguments, centered="auto").build(data)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = default.fit(draws=1000, tune=1000, chains=4, seed=1, progress=False, sampler=sampler)
    return time.perf_counter() - start, float(fit.summary()["ess_bulk"].min())


def cases() -> list[tuple[str, bg.Model, pm.Model, pd.DataFrame]]:
    """The two models, built by bayesglmm and by hand."""
    crossed = simulate_crossed()
    slopes = simulate_slopes()
    ours_crossed = bg.Model(CROSSED, crossed, centered=False)
    ours_slopes = bg.Model(SLOPES, slopes, family="bernoulli", centered=False)
    return [
        (
            "crossed LMM, 73,421 rows",
            ours_crossed,
            hand_written_crossed(ours_crossed, crossed),
            crossed,
        ),
        (
            "bernoulli (1 + x | g), 10^5 rows",
            ours_slopes,
            hand_written_slopes(ours_slopes, slopes),
            slopes,
        ),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--sample", action="store_true", help="also ESS/s end to end")
    parser.add_argument(
        "--model", choices=["crossed", "slopes"], help="only this model (default: both)"
    )
    args = parser.parse_args()
    models = cases()
    if args.model is not None:
        models = [models[0 if args.model == "crossed" else 1]]
    rows = [compare(name, ours, hand, args.rounds) for name, ours, hand, _ in models]
    print(pd.DataFrame(rows).to_markdown(index=False))
    if args.sample:
        rows = [sample(*model) for model in models]
        print(pd.DataFrame(rows).to_markdown(index=False))


if __name__ == "__main__":
    main()
