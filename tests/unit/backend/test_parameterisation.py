"""centered="auto": each grouping factor centred or non-centred from how well the data
inform its levels (bayesglmm.backend.parameterisation)."""

import numpy as np
import pandas as pd
import pytest

import bayesglmm as bg
from bayesglmm.backend.parameterisation import KAPPA_THRESHOLD


def simulated(levels: int, per_level: int, sd: float, sigma: float, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    g = np.repeat(np.arange(levels), per_level)
    x = rng.normal(size=levels * per_level)
    y = 1 + 0.5 * x + rng.normal(0, sd, levels)[g] + rng.normal(0, sigma, len(g))
    return pd.DataFrame({"y": y, "x": x, "g": g.astype(str)})


def test_well_informed_levels_are_centred():
    model = bg.Model("Reaction ~ Days + (Days | Subject)", bg.datasets.load("sleepstudy"))
    choice = model.centring["Subject"]
    assert choice.centered and choice.kappa > KAPPA_THRESHOLD
    assert model.centered == frozenset({"Subject"})
    assert (
        choice.reason == f"centred: the data inform each level well (kappa {choice.kappa:.3g} > 1)"
    )
    assert f"[correlated, {choice.reason}]" in repr(model)


def test_levels_dominated_by_the_prior_stay_non_centred():
    model = bg.Model("y ~ x + (1 | g)", simulated(40, 3, sd=0.2, sigma=2.0, seed=1))
    choice = model.centring["g"]
    assert not choice.centered and choice.kappa < KAPPA_THRESHOLD
    assert model.centered == frozenset()


def test_kappa_estimates_information_times_group_variance():
    # per level, n / sigma^2 * tau^2 = 50 / 1 * 1; the moment estimate of tau^2 from 30
    # levels has a relative sd of about sqrt(2 / 29) = 0.26
    kappa = bg.Model("y ~ x + (1 | g)", simulated(30, 50, sd=1.0, sigma=1.0, seed=2)).centring
    assert kappa["g"].kappa == pytest.approx(50, rel=0.5)


@pytest.mark.parametrize(("plot_sd", "centred"), [(0.0, False), (2.0, True)])
def test_a_factor_nested_in_another_is_chosen_by_its_own_information(plot_sd, centred):
    # 4 rows of sd 1 per whole plot: kappa is about 4 * plot_sd^2 for the plots
    rng = np.random.default_rng(3)
    data = pd.DataFrame(
        {"block": np.repeat(list("abcdef"), 8), "plot": np.repeat(np.arange(12), 4).astype(str)}
    )
    blocks = dict(zip("abcdef", rng.normal(0, 3, 6), strict=True))
    plots = np.repeat(rng.normal(0, 1, 12), 4) * plot_sd
    data["y"] = rng.normal(size=48) + data["block"].map(blocks) + plots
    choice = bg.Model("y ~ 1 + (1 | block) + (1 | block:plot)", data).centring["block:plot"]
    assert choice.centered is centred
    assert (choice.kappa > 1) is centred
    expected = "centred: the data inform" if centred else "non-centred: the prior dominates"
    assert choice.reason.startswith(expected)


def test_structured_and_parameter_groups_stay_non_centred():
    data = simulated(12, 6, sd=1.0, sigma=0.5, seed=4).assign(t=lambda d: d.groupby("g").cumcount())
    model = bg.Model(bg.formula("y ~ x + ar1(t | g)", sigma="~ 1 + (1 | g)"), data)
    reasons = {name: choice.reason for name, choice in model.centring.items()}
    assert reasons == {
        "g:t": "non-centred: ar1 effects are always non-centred",
        "g__sigma": "non-centred: effects on sigma are always non-centred",
    }


def test_an_explicit_choice_overrides_auto():
    data = bg.datasets.load("sleepstudy")
    model = bg.Model("Reaction ~ Days + (Days | Subject)", data, centered=False)
    assert model.centring is None and model.centered == frozenset()
    assert "[correlated]" in repr(model)


def test_an_outer_factor_is_informed_only_through_the_effects_nested_in_it():
    data = bg.datasets.load("cbpp").assign(observation=lambda d: np.arange(len(d)).astype(str))
    formula = "incidence | trials(size) ~ period + (1 | herd)"
    alone = bg.Model(formula, data, family="binomial").centring["herd"]
    nested = bg.Model(f"{formula} + (1 | observation)", data, family="binomial").centring
    assert alone.centered and alone.kappa > 1
    assert not nested["herd"].centered and nested["herd"].kappa < alone.kappa
    assert not nested["observation"].centered
