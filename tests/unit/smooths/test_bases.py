"""Spline bases and their mixed-model form: straight lines are unpenalised, every basis is
linear beyond the data, the centred columns sum to zero and new values map through the
stored knots."""

import numpy as np
import pytest

from bayesglmm.smooths.bases import BASES, marginal_basis, quantile_knots
from bayesglmm.smooths.mixed import mixed_form, tensor_mixed_form

KINDS = sorted(BASES)


@pytest.fixture
def x():
    return np.sort(np.random.default_rng(0).uniform(0.0, 2.0, 120))


@pytest.mark.parametrize("kind", KINDS)
def test_a_line_is_in_the_span_and_unpenalised(kind, x):
    basis = marginal_basis(kind, x, 8)
    columns = basis.evaluate(x)
    line = 3.0 - 2.0 * x
    beta = np.linalg.lstsq(columns, line, rcond=None)[0]
    assert np.allclose(columns @ beta, line, atol=1e-8)
    assert beta @ basis.penalty @ beta == pytest.approx(0.0, abs=1e-6)
    wiggle = np.linalg.lstsq(columns, np.sin(3 * x), rcond=None)[0]
    assert wiggle @ basis.penalty @ wiggle > 1e-2


@pytest.mark.parametrize("kind", KINDS)
def test_every_basis_is_linear_beyond_the_data(kind, x):
    basis = marginal_basis(kind, x, 8)
    beta = np.linalg.lstsq(basis.evaluate(x), np.sin(3 * x), rcond=None)[0]
    for outside in (np.array([-1.0, -0.5, -0.25]), np.array([2.25, 2.5, 3.0])):
        values = basis.evaluate(outside) @ beta
        slopes = np.diff(values) / np.diff(outside)
        assert slopes[0] == pytest.approx(slopes[1], rel=1e-6)


def test_quantile_knots_spread_through_the_distinct_values():
    assert quantile_knots(np.array([0.0, 0.0, 1.0, 2.0, 4.0]), 3).tolist() == [0.0, 1.5, 4.0]


@pytest.mark.parametrize("kind", KINDS)
def test_mixed_form_centres_and_separates_the_line(kind, x):
    basis = marginal_basis(kind, x, 8)
    columns = basis.evaluate(x)
    fixed, (penalised,) = mixed_form(columns, basis.penalty, orient=x).columns([columns])
    assert fixed.shape == (120, 1) and penalised.shape == (120, 6)
    assert np.allclose(fixed.sum(axis=0), 0.0) and np.allclose(penalised.sum(axis=0), 0.0)
    assert np.corrcoef(fixed[:, 0], x)[0, 1] == pytest.approx(1.0)
    assert np.allclose(fixed.T @ penalised, 0.0, atol=1e-8)
    assert np.mean(np.sum(penalised**2, axis=1)) == pytest.approx(1.0)


def test_mixed_form_of_a_level_centres_over_its_rows(x):
    basis = marginal_basis("cr", x, 6)
    columns = basis.evaluate(x)
    level = np.arange(120) % 3 == 0
    fixed, (penalised,) = mixed_form(columns, basis.penalty, level).columns([columns])
    assert np.allclose(penalised[level].sum(axis=0), 0.0)
    assert np.allclose(fixed[level].sum(axis=0), 0.0)


def test_tensor_product_has_one_block_per_penalty_and_three_fixed_columns():
    rng = np.random.default_rng(1)
    x, z = rng.uniform(size=(2, 80))
    bx, bz = marginal_basis("cr", x, 5), marginal_basis("cr", z, 4)
    bases = [bx.evaluate(x), bz.evaluate(z)]
    fixed, blocks = tensor_mixed_form(bases, [bx.penalty, bz.penalty]).columns(bases)
    assert fixed.shape[1] == 3
    assert [block.shape[1] for block in blocks] == [6, 6, 4]
    assert fixed.shape[1] + sum(block.shape[1] for block in blocks) == 5 * 4 - 1
    design = np.column_stack([np.ones(80), fixed, *blocks])
    assert np.linalg.matrix_rank(design) == 20
    line = np.linalg.lstsq(np.column_stack([np.ones(80), fixed]), 1 + x * z, rcond=None)[1]
    assert line[0] == pytest.approx(0.0, abs=1e-12)
