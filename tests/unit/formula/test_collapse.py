"""Exact fast paths: rows with one linear predictor are sampled as one row, and the
posterior, the per-row log-likelihood and the prior predictive are those of the rows."""

from unittest import mock

import numpy as np
import pandas as pd
import pytest

import bayesglmm as bg
from bayesglmm.backend import build_pymc_model
from tests.conftest import quiet_fit


def bernoulli_rows(cbpp: pd.DataFrame) -> pd.DataFrame:
    """cbpp as one 0/1 row per animal."""
    return pd.DataFrame(
        [
            {"herd": row.herd, "period": str(row.period), "y": int(animal < row.incidence)}
            for row in cbpp.itertuples()
            for animal in range(int(row.size))
        ]
    )


@pytest.fixture(scope="module")
def cbpp():
    return bg.datasets.load("cbpp")


def assert_log_density_changes_as_over_the_rows(model: bg.Model) -> None:
    """Between two points, the sampled graph's log density changes by what the graph of the
    uncollapsed rows' does: they differ only by a constant."""
    rows_graph = build_pymc_model(
        model.canonical.spec, model.family, model.link, model.priors, model.centered
    )
    changes = []
    for graph in (model.graph.model, rows_graph.model):
        logp = graph.compile_logp()
        start = graph.initial_point()
        moved = {name: value + 0.3 for name, value in start.items()}
        changes.append(float(logp(moved) - logp(start)))
    assert changes[0] == pytest.approx(changes[1], rel=1e-10)


def test_bernoulli_rows_that_share_a_predictor_are_one_binomial_row(cbpp):
    model = bg.Model("y ~ period + (1 | herd)", bernoulli_rows(cbpp), family="bernoulli")
    assert model.collapsed
    assert (model.spec.n_obs, model.sampled_spec.n_obs) == (842, 56)
    assert model.sampled_family.name == "binomial"
    assert model.sampled_spec.response.trials.sum() == 842
    assert model.sampled_spec.response.values.sum() == cbpp["incidence"].sum()
    assert_log_density_changes_as_over_the_rows(model)


def test_poisson_rows_that_share_a_predictor_are_one_row_with_a_log_count_offset():
    rng = np.random.default_rng(2)
    data = pd.DataFrame({"g": np.repeat([f"g{i}" for i in range(8)], 10), "x": np.tile([0, 1], 40)})
    data["y"] = rng.poisson(np.exp(0.5 + 0.4 * data["x"]))
    model = bg.Model("y ~ x + (1 | g)", data, family="poisson")
    assert (model.sampled_spec.n_obs, model.sampled_family.name) == (16, "poisson")
    assert np.allclose(model.sampled_spec.offset, np.log(5.0))
    assert_log_density_changes_as_over_the_rows(model)


def test_rows_with_their_own_predictor_or_weights_are_not_collapsed():
    rng = np.random.default_rng(3)
    data = pd.DataFrame(
        {
            "y": rng.integers(0, 2, 40),
            "x": rng.normal(size=40),
            "w": 2.0,
            "g": np.repeat(list("abcd"), 10),
        }
    )
    assert not bg.Model("y ~ x + (1 | g)", data, family="bernoulli").collapsed
    assert not bg.Model("y | weights(w) ~ 1 + (1 | g)", data, family="bernoulli").collapsed
    assert not bg.Model("y ~ 1 + (1 | g)", data, family="poisson", link="sqrt").collapsed
    assert bg.Model("y ~ 1 + (1 | g)", data).collapsed
    assert not bg.Model("y | se(w) ~ 1 + (1 | g)", data).collapsed


def test_the_collapsed_posterior_is_the_binomial_posterior_and_stays_per_row(cbpp):
    options = dict(draws=1000, tune=1000, chains=2, seed=5)
    rows = quiet_fit(
        bg.Model("y ~ period + (1 | herd)", bernoulli_rows(cbpp), family="bernoulli"), **options
    )
    counts = quiet_fit(
        bg.Model("incidence | trials(size) ~ period + (1 | herd)", cbpp, family="binomial"),
        **options,
    )
    first, second = rows.summary(), counts.summary()
    for name in first.index:
        a, b = first.loc[name], second.loc[name]
        error = np.hypot(a["sd"] / np.sqrt(a["ess_bulk"]), b["sd"] / np.sqrt(b["ess_bulk"]))
        assert abs(a["mean"] - b["mean"]) < 4 * error, name
    assert np.asarray(rows.loo().pareto_k).size == 842


def test_the_prior_predictive_of_a_collapsed_model_is_per_row(cbpp):
    data = bernoulli_rows(cbpp)
    check = bg.Model("y ~ period + (1 | herd)", data, family="bernoulli").prior_predictive(
        draws=20, seed=1
    )
    assert check.replicated.shape == (20, 842)
    assert set(np.unique(check.replicated)) == {0.0, 1.0}
    assert np.array_equal(check.observed, data["y"].to_numpy(dtype=float))


def subsampled_plots(seed: int = 4) -> pd.DataFrame:
    """An RCBD with 3 treatments in 6 blocks and 4 measurements per plot."""
    rng = np.random.default_rng(seed)
    plots = pd.DataFrame(
        [(f"b{b}", t) for b in range(6) for t in ("a", "b", "c")], columns=["block", "trt"]
    )
    plots["plot_effect"] = rng.normal(0, 0.5, len(plots))
    data = plots.loc[plots.index.repeat(4)].reset_index(drop=True)
    block_effect = dict(zip([f"b{b}" for b in range(6)], rng.normal(0, 1.0, 6), strict=True))
    mean = 10 + data["trt"].map({"a": 0.0, "b": 1.0, "c": 2.0}) + data["block"].map(block_effect)
    data["y"] = rng.normal(mean + data["plot_effect"], 0.8)
    return data.drop(columns="plot_effect")


def test_gaussian_rows_that_share_a_predictor_are_one_row_of_their_sufficient_statistics():
    data = subsampled_plots()
    model = bg.Model("y ~ trt + (1 | block) + (1 | block:trt)", data)
    response = model.sampled_spec.response
    assert (model.spec.n_obs, model.sampled_spec.n_obs) == (72, 18)
    assert response.replicates.tolist() == [4.0] * 18
    cells = data.groupby(["block", "trt"])["y"]
    assert sorted(response.values) == pytest.approx(sorted(cells.mean()))
    assert response.within_squares == pytest.approx(
        float(((data["y"] - cells.transform("mean")) ** 2).sum())
    )
    assert "18 gaussian rows: rows with one linear predictor merged" in str(model)
    assert_log_density_changes_as_over_the_rows(model)


@pytest.mark.parametrize("sampler", ["nutpie", "gibbs"])
def test_the_collapsed_gaussian_posterior_is_the_posterior_of_the_rows(sampler):
    data = subsampled_plots()
    formula = "y ~ trt + (1 | block) + (1 | block:trt)"
    options = dict(draws=1000, tune=1000, chains=2, seed=6, sampler=sampler)
    collapsed = quiet_fit(bg.Model(formula, data), **options)
    with mock.patch("bayesglmm.model.collapsible", return_value=False):
        rows = bg.Model(formula, data)
    assert not rows.collapsed
    first, second = collapsed.summary(), quiet_fit(rows, **options).summary()
    for name in first.index:
        a, b = first.loc[name], second.loc[name]
        error = np.hypot(a["sd"] / np.sqrt(a["ess_bulk"]), b["sd"] / np.sqrt(b["ess_bulk"]))
        assert abs(a["mean"] - b["mean"]) < 4 * error, name
        assert a["sd"] == pytest.approx(b["sd"], rel=0.25), name
    assert collapsed.log_likelihood().shape[-1] == 72
