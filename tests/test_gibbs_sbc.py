"""Simulation-based calibration of every Gibbs path (slow; run with ``pytest -m slow``)."""

import pytest

from benchmarks.sbc_gibbs import ranks, uniformity


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["gaussian", "binomial", "negbinomial"])
def test_rank_histograms_are_uniform(kind):
    """Ranks of 100 prior draws among posterior draws: no parameter fails uniformity at 0.1%."""
    p_values = uniformity(ranks(kind, sims=100, seed=1))
    assert (p_values > 0.001).all(), p_values.round(4).to_dict()
