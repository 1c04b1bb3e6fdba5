"""R-hat and bulk ESS of many parameters at once equal arviz-stats's, one at a time."""

import arviz_stats as azs
import numpy as np
import pytest
import xarray as xr

from bayesglmm.results.convergence import rhat_and_bulk_ess
from bayesglmm.results.tables import convergence_stats


def autoregressive(phi: float, draws: int, rng: np.random.Generator) -> np.ndarray:
    """20 parameters x 4 chains of AR(1) draws; the first five chains disagree in their
    means, the next three are rounded (ties)."""
    noise = rng.normal(size=(20, 4, draws))
    values = np.zeros_like(noise)
    values[:, :, 0] = noise[:, :, 0]
    for t in range(1, draws):
        values[:, :, t] = phi * values[:, :, t - 1] + noise[:, :, t]
    values[:5] += rng.normal(size=(5, 4, 1))
    values[5:8] = np.round(values[5:8])
    return values


def by_arviz(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    draws = xr.DataArray(np.moveaxis(values, 0, -1), dims=("chain", "draw", "parameter"))
    return azs.rhat(draws).to_numpy(), azs.ess(draws, method="bulk").to_numpy()


@pytest.mark.parametrize("phi", [-0.7, 0.0, 0.5, 0.9, 0.99])
@pytest.mark.parametrize("draws", [7, 50, 501])
def test_equal_to_arviz_stats_one_parameter_at_a_time(phi, draws):
    values = autoregressive(phi, draws, np.random.default_rng(draws))
    rhat, ess = rhat_and_bulk_ess(values)
    expected_rhat, expected_ess = by_arviz(values)
    np.testing.assert_allclose(rhat, expected_rhat, rtol=1e-12)
    np.testing.assert_allclose(ess, expected_ess, rtol=1e-12)


def test_draws_arviz_rules_on_apart_are_left_to_it():
    """A constant element (arviz-stats: no R-hat, ESS = draws) and one with a NaN draw."""
    values = np.random.default_rng(3).normal(size=(4, 300, 3, 2))
    values[:, :, 1, 0] = 2.0
    values[0, 3, 2, 1] = np.nan
    draws = xr.DataArray(values, dims=("chain", "draw", "level", "term"))
    stats = convergence_stats(draws)
    assert np.isnan(stats.sel(stat="rhat", level=1, term=0))
    assert float(stats.sel(stat="ess_bulk", level=1, term=0)) == 1200.0
    ours = rhat_and_bulk_ess(np.moveaxis(values.reshape(4, 300, 6), -1, 0))
    assert np.isnan(ours[0][[2, 5]]).all()
    expected = xr.concat([azs.rhat(draws), azs.ess(draws, method="bulk")], dim="stat").to_numpy()
    np.testing.assert_allclose(stats.to_numpy(), expected, rtol=1e-12)


def test_one_chain_goes_to_arviz_stats():
    draws = xr.DataArray(np.random.default_rng(4).normal(size=(1, 400)), dims=("chain", "draw"))
    stats = convergence_stats(draws)
    assert np.isnan(float(stats.sel(stat="rhat")))
    assert float(stats.sel(stat="ess_bulk")) == pytest.approx(float(azs.ess(draws, method="bulk")))
