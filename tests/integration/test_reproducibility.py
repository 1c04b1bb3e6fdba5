"""The same seed gives bit-identical draws whether the compiled functions were built afresh
(an empty compile cache) or loaded from the cache, in separate processes, for every sampler."""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import bayesglmm as bg
from bayesglmm.samplers import nutpie_chains

FITS = textwrap.dedent(
    """
    import hashlib, warnings
    import bayesglmm as bg
    warnings.simplefilter("ignore", bg.ConvergenceWarning)
    model = bg.Model("favorable | trials(n) ~ treatment + (1 | clinic)",
                     bg.datasets.load("infection"), family="binomial")
    for sampler in ("nutpie", "pymc", "gibbs"):
        fit = model.fit(draws=100, tune=100, chains=2, seed=7, sampler=sampler, progress=False)
        digest = hashlib.sha256()
        for name in sorted(fit.posterior.data_vars):
            digest.update(fit.posterior[name].to_numpy().tobytes())
        print(sampler, digest.hexdigest())
    """
)


def _draw_digests(compiledir: Path) -> list[str]:
    env = {key: value for key, value in os.environ.items() if key != "PYTENSOR_FLAGS"}
    result = subprocess.run(
        [sys.executable, "-c", FITS],
        env={**env, "PYTENSOR_FLAGS": f"base_compiledir={compiledir}"},
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


def test_a_cold_and_a_warm_compile_cache_give_the_same_draws(tmp_path: Path):
    cold = _draw_digests(tmp_path / "cache")
    warm = _draw_digests(tmp_path / "cache")
    assert cold[0::2] == ["nutpie", "pymc", "gibbs"]
    assert warm == cold


def test_chains_one_after_another_or_at_once_give_the_same_draws(monkeypatch):
    """Each chain has its own seed, so the default (nutpie's cached compile runs the chains
    one at a time) and ``cores=2`` give bit-identical draws."""
    running_at_once = []
    real_run_chains = nutpie_chains.run_chains

    def run_chains(start, options):
        running_at_once.append(options.cores)
        return real_run_chains(start, options)

    monkeypatch.setattr("bayesglmm.samplers.nutpie_sampler.run_chains", run_chains)
    model = bg.Model("Reaction ~ Days + (Days | Subject)", bg.datasets.load("sleepstudy"))
    options = {"draws": 100, "tune": 100, "chains": 2, "seed": 3, "progress": False}
    one_after_another = model.fit(**options)
    at_once = model.fit(cores=2, **options)
    assert running_at_once == [1, 2]
    assert one_after_another.posterior.equals(at_once.posterior)
