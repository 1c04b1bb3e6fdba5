"""bg.power: designs, simulation at known values, the decision rule, and agreement with
the analytic power of a gaussian two-arm design balanced within sites."""

import numpy as np
import pytest
from scipy import stats

import bayesglmm as bg
from bayesglmm.power.design import design_frame, design_grid
from bayesglmm.power.rule import parse_rule
from bayesglmm.power.simulate import simulate

FORMULA = "y ~ trt + (1 | site)"
TRUTH = {"b[trt[T.drug]]": 0.5, "sd[site]": 0.7, "sigma": 1.0}
RULE = "P(b[trt[T.drug]] > 0) > 0.975"


def analytic_power(sites: int, rows_per_site: int, effect: float, sigma: float) -> float:
    """Power of the within-site contrast: with both arms balanced in every site, the site
    effects cancel and the effect's estimate has variance 4 sigma^2 / N; its posterior is
    close to a t with N - sites - 1 degrees of freedom, so the rule passes when the
    t statistic passes the 0.975 quantile (a noncentral t probability)."""
    rows = sites * rows_per_site
    df = rows - sites - 1
    noncentrality = effect / (2 * sigma / np.sqrt(rows))
    return float(stats.nct.sf(stats.t.ppf(0.975, df), df, noncentrality))


def test_treatments_are_balanced_within_sites_or_assigned_between():
    frame = design_frame({"site": 3, "rows_per_site": 6, "trt": ["c", "d"]}, ["site"])
    assert frame.groupby(["site", "trt"]).size().tolist() == [3] * 6
    between = design_frame(
        {"site": 4, "rows_per_site": 2, "trt": ["c", "d"], "between": ["trt"]}, ["site"]
    )
    assert between.groupby("site")["trt"].agg(set).tolist() == [{"c"}, {"d"}, {"c"}, {"d"}]
    grid = design_grid({"site": [4, 8], "rows_per_site": [5, 10], "trt": ["c", "d"]}, ["site"])
    assert [(p["site"], p["rows_per_site"]) for p in grid] == [(4, 5), (4, 10), (8, 5), (8, 10)]


def test_simulation_draws_effects_and_responses_at_the_truth():
    frame = design_frame({"site": 200, "rows_per_site": 20, "trt": ["control", "drug"]}, ["site"])
    data = simulate(FORMULA, "gaussian", frame, {**TRUTH, "Intercept": 2.0}, seed=5)
    arms = data.groupby("trt")["y"].mean()
    rows = len(data)
    assert arms["drug"] - arms["control"] == pytest.approx(0.5, abs=4 * 2 / np.sqrt(rows))
    site_means = data.groupby("site")["y"].mean()
    assert site_means.var() == pytest.approx(0.7**2 + 1 / 20, rel=0.25)
    within = data["y"] - data.groupby(["site", "trt"])["y"].transform("mean")
    assert within.var() * rows / (rows - 400) == pytest.approx(1.0, rel=0.05)


def test_counts_are_simulated_as_integers_with_their_mean():
    frame = design_frame({"site": 100, "rows_per_site": 10, "trt": ["c", "d"]}, ["site"])
    truth = {"Intercept": np.log(3.0), "b[trt[T.d]]": 0.0, "sd[site]": 0.0}
    data = simulate("y ~ trt + (1 | site)", "poisson", frame, truth, seed=2)
    assert data["y"].dtype == np.int64
    assert data["y"].mean() == pytest.approx(3.0, abs=4 * np.sqrt(3 / 1000))


def test_bad_designs_truths_and_rules_are_named():
    frame = design_frame({"site": 2, "trt": ["c", "d"]}, ["site"])
    with pytest.raises(bg.ArgumentError, match=r"^truth has no parameter 'b\[trt\]'\. Did you"):
        simulate(FORMULA, "gaussian", frame, {"b[trt]": 1.0, "sd[site]": 1, "sigma": 1}, seed=1)
    with pytest.raises(bg.ArgumentError, match=r"^truth gives no value for 'sigma'"):
        simulate(FORMULA, "gaussian", frame, {"sd[site]": 1.0}, seed=1)
    with pytest.raises(bg.ArgumentError, match=r"^the design gives no number of levels for"):
        design_frame({"trt": ["c", "d"]}, ["site"])
    with pytest.raises(bg.ArgumentError, match=r"^a binomial power design needs the trials"):
        simulate("y ~ trt + (1 | site)", "binomial", frame, {"sd[site]": 1.0}, seed=1)
    with pytest.raises(bg.FormulaError, match=r"^a power rule reads 'P\(<hypothesis>\) >"):
        parse_rule("b[x] > 0")
    with pytest.raises(bg.FormulaError, match=r"needs a direction"):
        parse_rule("P(b[x] = 0) > 0.9")
    assert parse_rule(RULE).passes(0.98)


def test_power_agrees_with_the_analytic_power(dask_client):
    result = bg.power(
        FORMULA,
        design={"site": 8, "rows_per_site": 10, "trt": ["control", "drug"]},
        truth=TRUTH,
        rule=RULE,
        nsim=80,
        draws=500,
        tune=500,
        seed=3,
        client=dask_client,
        progress=False,
    )
    row = result.table.iloc[0]
    expected = analytic_power(8, 10, 0.5, 1.0)
    assert row["fits"] == 80
    assert abs(row["power"] - expected) < 3 * np.sqrt(expected * (1 - expected) / 80)
    assert result.table.columns.tolist() == [
        "site",
        "rows_per_site",
        "nsim",
        "fits",
        "power",
        "mc_se",
        "failing_checks",
    ]
    assert type(result.plot()).__name__ == "Figure"


def test_a_template_with_roles_gives_the_same_model(dask_client):
    result = bg.power(
        "multicentre_trial",
        family="binomial",
        roles={"successes": "y", "trials": "trials", "treatment": "trt", "centre": "site"},
        design={"site": 6, "rows_per_site": 2, "trt": ["control", "drug"], "trials": 30},
        truth={"b[trt[T.drug]]": 0.8, "sd[site]": 0.3, "sd[site:trt]": 0.1},
        rule="P(b[trt[T.drug]] > 0) > 0.9",
        nsim=4,
        draws=200,
        tune=200,
        seed=1,
        client=dask_client,
        progress=False,
    )
    fit = result.batch["p0-0000"]
    assert fit.spec.formula.text == "y | trials(trials) ~ trt + (1 | site) + (1 | site:trt)"
    assert result.table.loc[0, "fits"] == 4


@pytest.mark.slow
def test_power_curve_agrees_with_the_analytic_power_at_every_size(dask_client):
    result = bg.power(
        FORMULA,
        design={"site": [4, 8, 16], "rows_per_site": 10, "trt": ["control", "drug"]},
        truth=TRUTH,
        rule=RULE,
        nsim=300,
        seed=4,
        client=dask_client,
        progress=False,
    )
    for row in result.table.itertuples():
        expected = analytic_power(row.site, 10, 0.5, 1.0)
        assert abs(row.power - expected) < 3 * np.sqrt(expected * (1 - expected) / 300)


def test_the_command_line_prints_the_power_table(dask_client, tmp_path):
    from click.testing import CliRunner

    from bayesglmm.cli import main

    arguments = ["power", FORMULA, "--design", "site=4", "--design", "rows_per_site=4"]
    arguments += ["--design", "trt=control,drug", "--rule", RULE, "--nsim", "3"]
    for pair in ("b[trt[T.drug]]=0.5", "sd[site]=0.7", "sigma=1"):
        arguments += ["--truth", pair]
    arguments += ["--draws", "100", "--tune", "100", "--out", str(tmp_path / "power.png")]
    result = CliRunner().invoke(main, [*arguments, "--scheduler", dask_client.scheduler.address])
    assert result.exit_code == 0, result.output
    table = result.output.splitlines()
    header = table.index(" site  rows_per_site  nsim  fits    power    mc_se  failing_checks")
    assert table[header + 1].split()[:4] == ["4", "4", "3", "3"]
    assert (tmp_path / "power.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    bad = CliRunner().invoke(
        main, ["power", FORMULA, "--design", "site", "--truth", "s=1", "--rule", RULE]
    )
    assert (
        bad.output
        == "error: --design takes NAME=VALUE, such as --design site=4,8,16; got 'site'.\n"
    )
    assert bad.exit_code == 2
