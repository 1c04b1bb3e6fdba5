"""fit.diagnose(): the checks, their numbers and their messages."""

import arviz_stats as azs
import numpy as np
import pandas as pd
import pytest
import xarray as xr

import bayesglmm as bg
from bayesglmm.results.diagnostics import diagnosis, divergence_location
from tests.conftest import quiet_fit


def _reported(ess_tail=1000.0):
    return pd.DataFrame(
        {
            "rhat": [1.0],
            "ess_bulk": [1000.0],
            "ess_tail": [ess_tail],
            "mcse_mean": [0.02],
            "mcse_sd": [0.01],
            "sd": [0.5],
        },
        index=["sd_herd[Intercept]"],
    )


def _stats(diverging, depth=None):
    variables = {"diverging": (("chain", "draw"), diverging)}
    if depth is not None:
        variables["reached_max_treedepth"] = (("chain", "draw"), depth)
    return xr.Dataset(variables)


def test_divergences_are_located_at_small_sds():
    rng = np.random.default_rng(1)
    sd = rng.lognormal(0, 0.5, size=(2, 500))
    diverging = sd < np.quantile(sd, 0.02)
    label, inside, outside = divergence_location(diverging, {"sd_herd[Intercept]": sd})
    assert label == "sd_herd[Intercept]"
    assert inside == pytest.approx(sd[diverging].mean())
    assert outside == pytest.approx(sd[~diverging].mean())
    result = diagnosis(
        _reported(),
        _reported()[["rhat", "ess_bulk"]],
        _stats(diverging),
        None,
        {"sd_herd[Intercept]": sd},
    )
    by_chain = ", ".join(str(n) for n in diverging.sum(axis=1))
    assert result.problems == 1
    assert result.verdicts[0].endswith(
        f"Divergences by chain: {by_chain}. They gather at small values of sd_herd[Intercept] "
        f"(mean {inside:.3g} in divergent draws, {outside:.3g} in the others): a funnel "
        "between a group sd and its effects. Switch that factor's parametrisation with "
        "centered=, or give the sd a tighter prior."
    )


def test_tree_depth_bfmi_and_tail_ess_are_flagged():
    depth = np.zeros((2, 100), dtype=bool)
    depth[0, :5] = True
    result = diagnosis(
        _reported(ess_tail=250.0),
        _reported()[["rhat", "ess_bulk"]],
        _stats(np.zeros((2, 100), dtype=bool), depth),
        np.array([0.9, 0.2]),
        {},
    )
    assert result.problems == 3
    assert result.verdicts == [
        "tail ESS is below 400 for 1 parameter (lowest: sd_herd[Intercept] at 250): the 95% "
        "intervals are imprecise. Draw more (for example fit(draws=2000)).",
        "2.5% of draws hit the maximum tree depth: NUTS needed very long trajectories, which "
        "is slow and often means strong correlations or very different scales. Try centered= "
        "for factors with many rows per level, or tighter priors.",
        "E-BFMI is below 0.3 in chain 1 (0.20): the sampler explores the energy distribution "
        "poorly, typically because of heavy tails or a funnel. Reparameterise with centered=, "
        "or use tighter priors on the group sds.",
        "No transition diverged.",
        "Monte Carlo error of the posterior means is at most 4.0% of the posterior sd (worst: "
        "sd_herd[Intercept], MCSE 0.02).",
    ]


def test_a_healthy_fit_reports_its_numbers():
    model = bg.Model(
        "favorable | trials(n) ~ treatment + (1 | clinic)",
        bg.datasets.load("infection"),
        family="binomial",
        centered=True,
    )
    fit = quiet_fit(model, draws=1000, tune=1000, chains=2, seed=4)
    result = fit.diagnose()
    assert result.problems == 0
    assert result.verdicts[0] == ("R-hat is at most 1.01 and bulk ESS at least 400 everywhere.")
    b = fit.posterior["b"].sel(coef="treatment[T.drug]")
    row = result.table.loc["b[treatment[T.drug]]"]
    assert row["mcse_mean"] == pytest.approx(float(azs.mcse(b)), rel=1e-12)
    assert row["ess_tail"] == pytest.approx(float(azs.ess(b, method="tail")), rel=1e-12)
    bfmi = azs.bfmi(fit.idata)["energy"].to_numpy()
    assert f"E-BFMI is at least {bfmi.min():.2f} in every chain." in result.verdicts
    assert "No problems found." in repr(result)
    assert "<li>No transition diverged.</li>" in result._repr_html_()
    checked, everything = fit.convergence_table, fit.all_parameters
    assert checked.index.tolist() == everything.index.tolist()
    assert len(checked) == 2 + 1 + 8  # b, sd and the clinics' effects
    for column in ("rhat", "ess_bulk"):  # computed all at once against arviz-stats's one by one
        np.testing.assert_allclose(checked[column], everything[column], rtol=1e-12)
