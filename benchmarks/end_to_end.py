"""End-to-end benchmark on the bundled datasets: bayesglmm (nutpie or Gibbs) and Bambi.

Each (tool, dataset) pair runs in a fresh Python process, so in-process caches do
not help any tool; all keep their on-disk compile caches (PyTensor's C cache for
Bambi's PyMC sampler, PyTensor's numba cache for bayesglmm), and one untimed warm-up
run per pair fills them. The timed run measures model build + compile + sampling
with 4 chains x (1000 tune + 1000 draws) and reports the minimum bulk ESS over the
fixed effects and group sds, and ESS per second of wall time.

Tools: ``bayesglmm`` (default sampler, nutpie), ``jax`` (nutpie through the JAX backend,
``fit(backend="jax")``, needs the jax extra), ``gibbs`` (bayesglmm's Gibbs sampler, for the
datasets it applies to) and ``bambi`` (needs the bench extra, ``pip install -e ".[bench]"``).
Besides the bundled datasets, ``slopes_1e5`` is the simulated bernoulli ``y ~ x + (1 + x |
g)`` with 10^5 rows and 1,000 groups of ``benchmarks/hand_written.py``::

    bash tools/run python benchmarks/end_to_end.py                      # nutpie vs Bambi
    bash tools/run python benchmarks/end_to_end.py --tools bayesglmm gibbs \
        --datasets cbpp infection sleepstudy
    bash tools/run python benchmarks/end_to_end.py --tools bayesglmm jax \
        --datasets cbpp sleepstudy epil infection slopes_1e5
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import textwrap
from pathlib import Path

BRMS_REFERENCE = Path(__file__).resolve().parents[1] / "tests" / "reference"
"""The brms 2.18 reference results (copies of ``../shared/reference``): total seconds and
minimum bulk ESS of brms's fit of each shared dataset."""

CASES = {
    "cbpp": {
        "bayesglmm": ("incidence | trials(size) ~ period + (1 | herd)", "binomial"),
        "bambi": ("p(incidence, size) ~ period + (1 | herd)", "binomial"),
        "gibbs": ("incidence | trials(size) ~ period + (1 | herd)", "binomial"),
    },
    "sleepstudy": {
        "bayesglmm": ("Reaction ~ Days + (Days | Subject)", "gaussian"),
        "bambi": ("Reaction ~ Days + (Days | Subject)", "gaussian"),
        "gibbs": ("Reaction ~ Days + (Days | Subject)", "gaussian"),
    },
    "epil": {
        "bayesglmm": ("y ~ lbase * trt + lage + V4 + (1 | subject)", "poisson"),
        "bambi": ("y ~ lbase * trt + lage + V4 + (1 | subject)", "poisson"),
    },
    "infection": {
        "bayesglmm": ("favorable | trials(n) ~ treatment + (1 | clinic)", "binomial"),
        "bambi": ("p(favorable, n) ~ treatment + (1 | clinic)", "binomial"),
        "gibbs": ("favorable | trials(n) ~ treatment + (1 | clinic)", "binomial"),
    },
    "slopes_1e5": {"bayesglmm": ("y ~ x + (1 + x | g)", "bernoulli")},
}
for _case in CASES.values():
    _case["jax"] = _case["bayesglmm"]

BAYESGLMM = textwrap.dedent(
    """
    import json, sys, time, warnings
    warnings.simplefilter("ignore")
    import bayesglmm as bg
    formula, family, dataset, sampler, backend = sys.argv[1:6]
    if dataset == "slopes_1e5":
        from benchmarks.hand_written import simulate_slopes
        data = simulate_slopes()
    else:
        data = bg.datasets.load(dataset)
    began = time.perf_counter()
    fit = bg.Model(formula, data, family=family).fit(
        draws=1000, tune=1000, chains=4, seed=1, progress=False, sampler=sampler,
        backend=backend)
    seconds = time.perf_counter() - began
    table = fit.summary()
    keep = [i for i in table.index if i.startswith(("b[", "sd_"))]
    print(json.dumps({"seconds": seconds, "min_ess": float(table.loc[keep, "ess_bulk"].min()),
                      "divergences": int(fit.idata.sample_stats["diverging"].sum())}))
    """
)

RUNNERS = {
    "bayesglmm": (BAYESGLMM, "nutpie numba"),
    "jax": (BAYESGLMM, "nutpie jax"),
    "gibbs": (BAYESGLMM, "gibbs numba"),
    "bambi": (
        textwrap.dedent(
            """
        import json, sys, time, warnings
        warnings.simplefilter("ignore")
        import arviz_stats as azs
        import bambi as bmb
        import bayesglmm as bg
        formula, family, dataset = sys.argv[1:4]
        data = bg.datasets.load(dataset)
        began = time.perf_counter()
        idata = bmb.Model(formula, data, family=family).fit(
            draws=1000, tune=1000, chains=4, random_seed=1, progressbar=False)
        seconds = time.perf_counter() - began
        posterior = idata.posterior.to_dataset()
        keep = [v for v in posterior.data_vars
                if not v.endswith("_offset") and ("|" not in v or v.endswith("_sigma"))
                and v not in ("sigma", "alpha")]
        ess = azs.ess(posterior[keep], method="bulk")
        divergences = int(idata.sample_stats["diverging"].sum())
        print(json.dumps({"seconds": seconds,
                          "min_ess": float(min(float(ess[v].min()) for v in keep)),
                          "divergences": divergences}))
        """
        ),
        "",
    ),
}


def run(tool: str, dataset: str, warm_up: bool = True) -> dict:
    """One timed run of ``tool`` on ``dataset`` in a fresh process, after an untimed warm-up
    unless ``warm_up`` is False."""
    formula, family = CASES[dataset][tool]
    script, settings = RUNNERS[tool]
    command = [sys.executable, "-c", script, formula, family, dataset, *settings.split()]
    if warm_up:
        subprocess.run(command, check=True, capture_output=True, text=True)
    result = subprocess.run(command, check=True, capture_output=True, text=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tools", nargs="+", default=["bayesglmm", "bambi"])
    parser.add_argument("--datasets", nargs="+", default=list(CASES))
    parser.add_argument(
        "--no-warm-up",
        dest="warm_up",
        action="store_false",
        help="skip the untimed warm-up run (for the long simulated datasets)",
    )
    args = parser.parse_args()
    rows = []
    for dataset in args.datasets:
        results = {
            tool: run(tool, dataset, args.warm_up) for tool in args.tools if tool in CASES[dataset]
        }
        for tool, r in results.items():
            r["ess_per_second"] = r["min_ess"] / r["seconds"]
            rows.append((dataset, tool, r))
            print(
                f"{dataset:11s} {tool:10s} {r['seconds']:6.1f} s  min ESS {r['min_ess']:6.0f}  "
                f"ESS/s {r['ess_per_second']:6.1f}  divergences {r['divergences']}",
                file=sys.stderr,
                flush=True,
            )
    print("| dataset | tool | wall time (s) | min bulk ESS | min ESS/s | divergences |")
    print("|---|---|---:|---:|---:|---:|")
    for dataset, tool, r in rows:
        print(
            f"| {dataset} | {tool} | {r['seconds']:.1f} | {r['min_ess']:.0f} | "
            f"{r['ess_per_second']:.1f} | {r['divergences']} |"
        )
    print(ratios(rows))


def brms_ess_per_second(dataset: str) -> float | None:
    """brms's minimum bulk ESS per second of its reference fit, when there is one."""
    path = BRMS_REFERENCE / f"{dataset}.json"
    if not path.exists():
        return None
    brms = json.loads(path.read_text())["brms"]
    return brms["min_ess_bulk"] / brms["total_seconds"]


def ratios(rows: list[tuple[str, str, dict]]) -> str:
    """Each bayesglmm tool's minimum ESS/s over Bambi's (same run) and brms's (reference)."""
    rates = {(dataset, tool): r["ess_per_second"] for dataset, tool, r in rows}
    lines = ["| dataset | tool | / Bambi | / brms |", "|---|---|---:|---:|"]
    for (dataset, tool), rate in rates.items():
        if tool == "bambi":
            continue
        bambi = rates.get((dataset, "bambi"))
        brms = brms_ess_per_second(dataset)
        cells = [f"{rate / other:.2f}" if other else "" for other in (bambi, brms)]
        lines.append(f"| {dataset} | {tool} | {cells[0]} | {cells[1]} |")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
