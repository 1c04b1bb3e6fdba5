"""Predictive checks (numbers) and plots (written as PNGs and checked for size)."""

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

import bayesglmm as bg
from tests.conftest import quiet_fit


@pytest.fixture(scope="module")
def cbpp_fit():
    model = bg.Model(
        "incidence | trials(size) ~ period + (1 | herd)",
        bg.datasets.load("cbpp"),
        family="binomial",
    )
    return quiet_fit(model, draws=300, tune=300, chains=2, seed=2)


def test_statistics_and_p_values_follow_their_definition(cbpp_fit):
    check = cbpp_fit.ppc(statistics={"q90": lambda y: np.quantile(y, 0.9)}, ndraws=200, seed=3)
    spec = cbpp_fit.spec
    proportions = spec.response.values / spec.response.trials
    assert check.observed == pytest.approx(proportions)
    replicated_sd = check.replicated.std(axis=1, ddof=1)
    row = check.statistics.loc["sd"]
    assert row["observed"] == pytest.approx(proportions.std(ddof=1))
    assert row["replicated"] == pytest.approx(replicated_sd.mean())
    assert row["p_value"] == pytest.approx(np.mean(replicated_sd >= proportions.std(ddof=1)))
    zeros = check.statistics.loc["zeros"]
    assert zeros["observed"] == pytest.approx(np.mean(spec.response.values == 0))
    assert check.statistics.index.tolist() == ["mean", "sd", "zeros", "max", "q90"]
    assert check.replicated.shape == (200, 56)
    counts = check.replicated * spec.response.trials
    assert counts == pytest.approx(np.round(counts))


def test_grouped_check_compares_each_herd(cbpp_fit):
    check = cbpp_fit.ppc(group="herd", ndraws=200, seed=3)
    herd = cbpp_fit.spec.group("herd")
    first = herd.index == 0
    observed = check.observed[first].mean()
    replicated = check.replicated[:, first].mean(axis=1)
    row = check.groups.iloc[0]
    assert check.groups.index[0] == herd.levels[0]
    assert row["observed"] == pytest.approx(observed)
    assert row["p_value"] == pytest.approx(np.mean(replicated >= observed))


def test_prior_predictive_draws_from_the_priors():
    model = bg.Model("y ~ trt + (1 | subject)", bg.datasets.load("epil"), family="poisson")
    check = model.prior_predictive(draws=300, seed=1)
    assert check.replicated.shape == (300, 236)
    assert check.default_kind == "rootogram"
    zeros = np.mean(check.replicated == 0, axis=1)
    assert check.statistics.loc["zeros", "replicated"] == pytest.approx(zeros.mean())
    assert check.statistics.loc["zeros", "p_value"] == pytest.approx(
        np.mean(zeros >= np.mean(check.observed == 0))
    )


def test_unknown_group_is_named(cbpp_fit):
    with pytest.raises(bg.DataError, match="'farm' is not a grouping factor or column"):
        cbpp_fit.ppc(group="farm")


@pytest.mark.parametrize(
    "draw",
    [
        lambda fit: fit.ppc(seed=1).figure,
        lambda fit: fit.ppc(kind="zeros", seed=1).figure,
        lambda fit: fit.ppc(kind="density", seed=1).figure,
        lambda fit: fit.ppc(group="herd", seed=1).group_figure,
        lambda fit: fit.plot_ranef("herd"),
        lambda fit: fit.plot_shrinkage("herd"),
        lambda fit: fit.plot_trace(),
        lambda fit: fit.plot_rank(),
        lambda fit: fit.plot_effects("period"),
    ],
    ids=[
        "calibration",
        "zeros",
        "density",
        "grouped",
        "caterpillar",
        "shrinkage",
        "trace",
        "rank",
        "effects",
    ],
)
def test_plots_are_written_as_pngs(cbpp_fit, draw, tmp_path):
    path = tmp_path / "plot.png"
    draw(cbpp_fit).savefig(path)
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(header[16:20], "big"), int.from_bytes(header[20:24], "big")
    assert width >= 300 and height >= 200
    assert path.stat().st_size > 10_000


def test_rootogram_needs_counts(cbpp_fit):
    with pytest.raises(ValueError, match="a rootogram needs counts or ordered categories"):
        cbpp_fit.ppc(kind="rootogram", seed=1)


def test_an_ordinal_fit_gets_its_rootogram_and_report(tmp_path):
    rng = np.random.default_rng(1)
    x = rng.normal(size=120)
    rating = np.clip(np.round(2 + x + rng.normal(size=120)), 1, 4).astype(int)
    model = bg.Model("rating ~ x", pd.DataFrame({"x": x, "rating": rating}), family="cumulative")
    fit = quiet_fit(model, draws=200, tune=200, chains=2, seed=1)
    check = fit.ppc(ndraws=100, seed=1)
    assert check.default_kind == "rootogram"
    heights = check.figure.axes[0].patches
    observed = np.bincount(check.observed.astype(int), minlength=len(heights))[: len(heights)]
    assert [round(bar.get_height() ** 2) for bar in heights] == observed.tolist()
    fit.report(tmp_path / "ordinal.html")
    assert "Posterior predictive check (rootogram)" in (tmp_path / "ordinal.html").read_text()


@pytest.fixture(scope="module")
def sleep_fit():
    model = bg.Model("Reaction ~ Days + (Days | Subject)", bg.datasets.load("sleepstudy"))
    return quiet_fit(model, draws=100, tune=200, chains=2, seed=1)


def test_every_plot_is_a_matplotlib_figure(cbpp_fit, sleep_fit):
    figures = [
        cbpp_fit.plot_ranef("herd"),
        cbpp_fit.plot_shrinkage("herd"),
        cbpp_fit.plot_trace(),
        cbpp_fit.plot_rank(),
        cbpp_fit.plot_effects("period"),
        cbpp_fit.plot_emmeans("period"),
        cbpp_fit.ppc(seed=1).figure,
        sleep_fit.plot_trace(),
    ]
    assert [type(figure) for figure in figures] == [Figure] * len(figures)


def test_trace_shows_every_reported_element_with_a_chain_legend(sleep_fit):
    figure = sleep_fit.plot_trace()
    labels = [axes.get_ylabel() for axes in figure.axes if axes.get_ylabel()]
    assert labels == [
        "b\nIntercept",
        "b\nDays",
        "sd_Subject\nIntercept",
        "sd_Subject\nDays",
        "sigma",
        "cor_Subject\nIntercept,Days",
    ]
    legend = figure.legends[0]
    assert legend.get_title().get_text() == "chain"
    assert [text.get_text() for text in legend.get_texts()] == ["0", "1"]


def test_trace_of_an_unknown_parameter_is_refused(sleep_fit):
    with pytest.raises(bg.DataError, match="'rho' is not a reported parameter; choose from b,"):
        sleep_fit.plot_trace(["rho"])


def test_zeros_are_checked_for_counts_only(cbpp_fit, sleep_fit):
    assert sleep_fit.ppc(seed=1).statistics.index.tolist() == ["mean", "sd", "max"]
    assert "zeros" in cbpp_fit.ppc(seed=1).statistics.index
    with pytest.raises(
        bg.ArgumentError,
        match="this check has no statistic 'zeros'; the share of zeros is checked for counts",
    ):
        sleep_fit.ppc(kind="zeros", seed=1)
