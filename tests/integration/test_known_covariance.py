"""Known covariance among levels, ``(1 | gr(animal, cov = A))``: the animal model.

A pedigree's additive relationship matrix is built with the tabular method (Henderson
1976): ``A[i, i] = 1 + A[sire, dam] / 2`` and ``A[i, j] = (A[j, sire] + A[j, dam]) / 2``
for ``j`` older than ``i``.
"""

from unittest import mock

import numpy as np
import pandas as pd
import pytest

import bayesglmm as bg
from bayesglmm.formula import parse_formula
from tests.conftest import quiet_fit

FOUNDERS, GENERATIONS, OFFSPRING = 40, 3, 80
ADDITIVE_SD, RESIDUAL_SD = 1.2, 0.6


def pedigree(rng: np.random.Generator) -> tuple[list[str], list[int | None], list[int | None]]:
    """Animals in birth order with the positions of their sires and dams (None for founders)."""
    names = [f"a{i:03d}" for i in range(FOUNDERS)]
    sires: list[int | None] = [None] * FOUNDERS
    dams: list[int | None] = [None] * FOUNDERS
    parents = np.arange(FOUNDERS)
    for _ in range(GENERATIONS):
        start = len(names)
        for _ in range(OFFSPRING):
            sire, dam = rng.choice(parents, 2, replace=False)
            sires.append(int(sire))
            dams.append(int(dam))
            names.append(f"a{len(names):03d}")
        parents = np.arange(start, len(names))
    return names, sires, dams


def relationship_matrix(sires: list[int | None], dams: list[int | None]) -> np.ndarray:
    """Henderson's tabular method for the additive relationship matrix."""
    n = len(sires)
    a = np.zeros((n, n))
    for i in range(n):
        s, d = sires[i], dams[i]
        a[i, i] = 1.0 + (0.5 * a[s, d] if s is not None and d is not None else 0.0)
        for j in range(i):
            value = 0.5 * (
                (a[j, s] if s is not None else 0.0) + (a[j, d] if d is not None else 0.0)
            )
            a[i, j] = a[j, i] = value
    return a


@pytest.fixture(scope="module")
def animals() -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(2)
    names, sires, dams = pedigree(rng)
    a = relationship_matrix(sires, dams)
    breeding_values = np.linalg.cholesky(a) @ rng.normal(0, ADDITIVE_SD, len(names))
    measured = np.arange(FOUNDERS, len(names))
    records = np.repeat(measured, 2)
    x = rng.normal(size=records.size)
    y = 2.0 + 0.5 * x + breeding_values[records] + rng.normal(0, RESIDUAL_SD, records.size)
    data = pd.DataFrame({"animal": [names[i] for i in records], "x": x, "y": y})
    return data, pd.DataFrame(a, index=names, columns=names)


def test_gr_parses_the_grouping_column_and_the_covariance_name():
    term = parse_formula("y ~ x + (1 | gr(animal, cov = A))").random[0]
    assert (term.group, term.covariance, term.expr) == (("animal",), "A", "1")


def test_levels_follow_the_matrix_including_ancestors_without_records(animals):
    data, a = animals
    model = bg.Model("y ~ x + (1 | gr(animal, cov = A))", data, covariances={"A": a})
    group = model.spec.group("animal")
    assert group.levels == tuple(a.index)
    assert group.levels[group.index[0]] == data["animal"].iloc[0]
    np.testing.assert_allclose(
        group.covariance_factor @ group.covariance_factor.T, a.to_numpy(), atol=1e-12
    )


def test_additive_variance_is_recovered_from_the_pedigree(animals):
    data, a = animals
    model = bg.Model("y ~ x + (1 | gr(animal, cov = A))", data, covariances={"A": a})
    summary = quiet_fit(model, draws=1000, tune=1000, chains=2, seed=4).summary()
    for name, truth in {
        "sd_animal[Intercept]": ADDITIVE_SD,
        "sigma": RESIDUAL_SD,
        "b[x]": 0.5,
    }.items():
        row = summary.loc[name]
        assert row["2.5%"] < truth < row["97.5%"], (name, row["mean"])


def test_identity_covariance_gives_the_plain_random_intercept_density():
    data = pd.DataFrame({"g": list("aabbccdd"), "y": [1.0, 1.4, 0.2, 0.5, 2.0, 1.7, 0.9, 1.1]})
    identity = pd.DataFrame(np.eye(4), index=list("abcd"), columns=list("abcd"))
    known = bg.Model("y ~ 1 + (1 | gr(g, cov = I))", data, covariances={"I": identity})
    # the plain factor's graph would sweep its mean into the intercept (a change of
    # coordinates, bayesglmm.backend.sweep); compare it in the same coordinates
    with mock.patch("bayesglmm.backend.pymc_model.sweep_plan", return_value={}):
        plain = bg.Model("y ~ 1 + (1 | g)", data, centered=False)
        plain.pymc_model  # noqa: B018 - built inside the patch
    effects = {"a": 0.3, "b": -1.0, "c": 0.8, "d": 0.1}

    def point(model):
        """The same point, its effects in the level order of the model's graph."""
        levels = model.sampled_spec.group("g").levels
        return {
            "Intercept": 1.0,
            "sd_g_log__": np.array([np.log(0.7)]),
            "z_g": np.array([[effects[level]] for level in levels]),
            "sigma_log__": np.log(0.4),
        }

    densities = [model.pymc_model.compile_logp()(point(model)) for model in (known, plain)]
    assert densities[0] == pytest.approx(densities[1], rel=1e-12)


def test_a_missing_covariance_is_named_with_the_fix(animals):
    data, _ = animals
    with pytest.raises(bg.DataError) as error:
        bg.Model("y ~ x + (1 | gr(animal, cov = A))", data)
    assert str(error.value) == (
        "'(1 | gr(animal, cov = A))' uses the covariance 'A', but it was not given (given: "
        "none); pass Model(..., covariances={'A': A}) with A a DataFrame whose index and "
        "columns are the levels of 'animal'."
    )


def test_levels_missing_from_the_matrix_are_listed(animals):
    data, a = animals
    smaller = a.iloc[:-1, :-1]
    with pytest.raises(bg.DataError) as error:
        bg.Model("y ~ x + (1 | gr(animal, cov = A))", data, covariances={"A": smaller})
    assert str(error.value) == (
        "1 levels of 'animal' in the data are not in covariance 'A': 'a279'. Add them to "
        "the matrix."
    )


def test_a_singular_matrix_is_refused():
    data = pd.DataFrame({"g": list("aabb"), "y": [1.0, 2.0, 3.0, 4.0]})
    singular = pd.DataFrame(np.ones((2, 2)), index=["a", "b"], columns=["a", "b"])
    with pytest.raises(bg.DataError, match="covariance 'K' is not positive definite"):
        bg.Model("y ~ 1 + (1 | gr(g, cov = K))", data, covariances={"K": singular})


def test_known_covariance_groups_are_not_centred_and_not_gibbs(animals):
    data, a = animals
    with pytest.raises(bg.DataError, match="always non-centred"):
        bg.Model(
            "y ~ x + (1 | gr(animal, cov = A))",
            data,
            covariances={"A": a},
            centered=["animal"],
        )
    model = bg.Model("y ~ x + (1 | gr(animal, cov = A))", data, covariances={"A": a})
    with pytest.raises(bg.SamplerError, match="known covariance among its levels"):
        model.fit(sampler="gibbs", progress=False)


def test_a_saved_animal_model_loads_with_its_matrix(animals, tmp_path):
    data, a = animals
    model = bg.Model("y ~ x + (1 | gr(animal, cov = A))", data, covariances={"A": a})
    fit = quiet_fit(model, draws=100, tune=200, chains=2, seed=1)
    fit.save(tmp_path / "animal.zarr")
    loaded = bg.load(tmp_path / "animal.zarr")
    group = loaded.spec.group("animal")
    np.testing.assert_allclose(
        group.covariance_factor @ group.covariance_factor.T, a.to_numpy(), atol=1e-12
    )
    pd.testing.assert_frame_equal(loaded.fixef(), fit.fixef())
