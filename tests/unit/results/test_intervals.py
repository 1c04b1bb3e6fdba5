"""Credible intervals (bayesglmm.results.intervals), the package settings
(bayesglmm.options) and summary tables (bayesglmm.results.tables) against numpy."""

import numpy as np
import pandas as pd
import pytest
import xarray as xr

import bayesglmm as bg
from bayesglmm.options import Settings, checked_ci_prob, current
from bayesglmm.results.intervals import (
    interval_bounds,
    interval_columns,
    interval_header,
    interval_of,
    interval_quantiles,
    resolve_ci_prob,
)
from bayesglmm.results.tables import STAT_COLUMNS, stat_columns, summarize

CI_MESSAGE = "ci_prob must be a probability strictly between 0 and 1, such as 0.9, not {}."


@pytest.fixture(autouse=True)
def default_settings():
    """Every test runs at the default settings; the earlier ones come back after it."""
    with bg.options(ci_prob=0.95):
        yield


# --- intervals ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ci_prob", "columns", "quantiles", "header"),
    [
        (0.95, ["2.5%", "97.5%"], (0.025, 0.975), ["l-95% CI", "u-95% CI"]),
        (0.9, ["5%", "95%"], (0.05, 0.95), ["l-90% CI", "u-90% CI"]),
        (0.89, ["5.5%", "94.5%"], (0.055, 0.945), ["l-89% CI", "u-89% CI"]),
        (0.8, ["10%", "90%"], (0.1, 0.9), ["l-80% CI", "u-80% CI"]),
        (0.5, ["25%", "75%"], (0.25, 0.75), ["l-50% CI", "u-50% CI"]),
        (0.999, ["0.05%", "99.95%"], (0.0005, 0.9995), ["l-99.9% CI", "u-99.9% CI"]),
    ],
)
def test_interval_labels(ci_prob, columns, quantiles, header):
    assert interval_columns(ci_prob) == columns
    assert interval_quantiles(ci_prob) == quantiles
    assert interval_header(columns) == header


def test_interval_bounds_are_numpy_quantiles():
    draws = np.random.default_rng(3).normal(size=(400, 3))
    bounds = interval_bounds(draws, 0.8)
    assert bounds.shape == (2, 3)
    np.testing.assert_array_equal(bounds, np.quantile(draws, [0.1, 0.9], axis=0))
    np.testing.assert_array_equal(
        interval_bounds(draws.T, 0.5, axis=1), np.quantile(draws, [0.25, 0.75], axis=0)
    )


def test_interval_of_a_table():
    table = pd.DataFrame(columns=["mean", "sd", "5.5%", "94.5%", "ess_bulk"])
    assert interval_of(table) == ("5.5%", "94.5%")


def test_resolve_ci_prob_reads_the_setting_when_none():
    assert resolve_ci_prob(None) == 0.95
    assert resolve_ci_prob(0.5) == 0.5
    with bg.options(ci_prob=0.8):
        assert resolve_ci_prob(None) == 0.8
        assert resolve_ci_prob(0.9) == 0.9
    with pytest.raises(bg.ArgumentError) as error:
        resolve_ci_prob(95)
    assert str(error.value) == CI_MESSAGE.format(95)


# --- options ------------------------------------------------------------------------------------


def test_options_in_a_with_block_are_restored():
    assert bg.options().ci_prob == 0.95
    with bg.options(ci_prob=0.9) as settings:
        assert settings == Settings(ci_prob=0.9)
        assert bg.options().ci_prob == 0.9
        with bg.options(ci_prob=0.5):
            assert current().ci_prob == 0.5
        assert current().ci_prob == 0.9
    assert current().ci_prob == 0.95


def test_options_are_restored_after_an_error_in_the_block():
    with pytest.raises(RuntimeError), bg.options(ci_prob=0.5):
        raise RuntimeError
    assert current().ci_prob == 0.95


def test_setting_an_option_outside_a_block_lasts():
    change = bg.options(ci_prob=0.8)
    assert change.ci_prob == 0.8 and current().ci_prob == 0.8
    assert repr(change) == "Settings(ci_prob=0.8)"
    assert stat_columns() == ["mean", "sd", "10%", "90%", "ess_bulk", "ess_tail", "rhat"]
    bg.options(ci_prob=0.95)
    assert stat_columns() == STAT_COLUMNS


def test_an_unknown_option_is_refused():
    with pytest.raises(bg.ArgumentError) as error:
        bg.options(ci=0.9)
    assert str(error.value) == "bg.options() has no option 'ci'; the options are ci_prob."
    assert current() == Settings()


@pytest.mark.parametrize(
    ("value", "shown"),
    [(1.5, "1.5"), (0, "0"), (1, "1"), (True, "True"), ("0.9", "'0.9'"), (float("nan"), "nan")],
)
def test_an_invalid_ci_prob_is_refused(value, shown):
    with pytest.raises(bg.ArgumentError) as error:
        bg.options(ci_prob=value)
    assert str(error.value) == CI_MESSAGE.format(shown)
    assert current() == Settings()


def test_checked_ci_prob_gives_a_float():
    assert checked_ci_prob(np.float64(0.9)) == 0.9
    assert type(checked_ci_prob(np.float64(0.9))) is float


# --- summarize ----------------------------------------------------------------------------------


def labelled_draws() -> xr.DataArray:
    rng = np.random.default_rng(11)
    values = rng.normal(loc=[0.0, 3.0], scale=[1.0, 0.5], size=(4, 250, 2))
    return xr.DataArray(values, dims=("chain", "draw", "coef"), coords={"coef": ["Intercept", "x"]})


def test_summarize_at_ci_prob_08_against_numpy():
    draws = labelled_draws()
    table = summarize(draws, ci_prob=0.8)
    assert table.columns.tolist() == ["mean", "sd", "10%", "90%", "ess_bulk", "ess_tail", "rhat"]
    assert table.index.name == "coef" and table.index.tolist() == ["Intercept", "x"]
    flat = draws.to_numpy().reshape(-1, 2)
    np.testing.assert_allclose(table["mean"], flat.mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(table["sd"], flat.std(axis=0, ddof=1), rtol=1e-12)
    low, high = np.quantile(flat, [0.1, 0.9], axis=0)
    np.testing.assert_allclose(table["10%"], low, rtol=1e-12)
    np.testing.assert_allclose(table["90%"], high, rtol=1e-12)
    # independent draws: ESS near the 1000 draws, R-hat near 1
    assert ((table["ess_bulk"] > 700) & (table["ess_bulk"] < 1400)).all()
    assert (abs(table["rhat"] - 1) < 0.02).all()


def test_summarize_follows_the_setting():
    draws = labelled_draws()
    with bg.options(ci_prob=0.8):
        table = summarize(draws)
    pd.testing.assert_frame_equal(table, summarize(draws, ci_prob=0.8))
    assert summarize(draws).columns.tolist() == STAT_COLUMNS


@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")
def test_summarize_scalar_and_two_dimensional_draws():
    # constant draws have no R-hat (0 / 0, arviz-stats warns)
    constant = xr.DataArray(np.full((2, 10), 1.5), dims=("chain", "draw"))
    table = summarize(constant, ci_prob=0.8)
    assert table.index.tolist() == [0]
    assert table.loc[0, ["mean", "sd", "10%", "90%"]].tolist() == [1.5, 0.0, 1.5, 1.5]
    rng = np.random.default_rng(5)
    grid = xr.DataArray(
        rng.normal(size=(2, 50, 2, 3)),
        dims=("chain", "draw", "g", "term"),
        coords={"g": ["a", "b"], "term": ["t1", "t2", "t3"]},
    )
    table = summarize(grid, ci_prob=0.8)
    assert table.index.names == ["g", "term"]
    assert table.index.tolist() == [(g, t) for g in "ab" for t in ("t1", "t2", "t3")]
    expected = np.quantile(grid.sel(g="b", term="t2").to_numpy(), 0.9)
    assert table.loc[("b", "t2"), "90%"] == pytest.approx(expected, rel=1e-12)
