"""Property-based tests (hypothesis): the parser and the design builder over generated
formulas, data and level names, and a fit that must not depend on row order or labels."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import bayesglmm as bg
from bayesglmm.formula import parse_formula
from tests.conftest import quiet_fit

PREDICTORS = ["x", "z", "f", "log(w)", "I(x**2)", "x:f", "x*z", "C(f)", "scale(z)"]
GROUPS = ["g", "h", "g:h", "g/h"]
SLOPES = ["1", "x", "1 + x", "0 + x", "z + x"]
SETTINGS = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def frame(rng: np.random.Generator, rows: int = 48) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "y": rng.normal(size=rows),
            "x": rng.normal(size=rows),
            "z": rng.normal(size=rows),
            "w": rng.uniform(1, 2, rows),
            "f": rng.choice(["lo", "mid", "hi"], rows),
            "g": np.repeat([f"g{i}" for i in range(6)], rows // 6),
            "h": np.tile(["a", "b", "c", "d"], rows // 4),
        }
    )


formulas = st.builds(
    lambda fixed, random: "y ~ " + " + ".join([*fixed, *random]) if fixed or random else "y ~ 1",
    st.lists(st.sampled_from(PREDICTORS), max_size=3, unique=True),
    st.lists(
        st.builds(
            lambda slope, bars, group: f"({slope} {bars} {group})",
            st.sampled_from(SLOPES),
            st.sampled_from(["|", "||"]),
            st.sampled_from(GROUPS),
        ),
        max_size=2,
        unique=True,
    ),
)


def render(parsed) -> str:
    """Formula text rebuilt from a parse: response, fixed part and each random term once."""
    random = list(dict.fromkeys(term.text for term in parsed.random))
    return " + ".join([f"{parsed.response.text} ~ {parsed.fixed}", *random])


def spec_signature(spec) -> tuple:
    """Everything about a spec that decides the model, comparable with ==."""
    groups = sorted(
        (
            group.name,
            group.levels,
            tuple(group.index.tolist()),
            tuple(sorted(zip(group.terms, group.values.T.round(12).tolist(), strict=True))),
            len(group.blocks),
        )
        for group in spec.groups
    )
    fixed = sorted(zip(spec.fixed.names, spec.fixed.matrix.T.round(12).tolist(), strict=True))
    return tuple(spec.response.values.tolist()), tuple(fixed), tuple(groups)


@given(formulas)
@settings(max_examples=200, deadline=None)
def test_parsing_what_a_parse_renders_gives_the_same_parse(formula):
    parsed = parse_formula(formula)
    again = parse_formula(render(parsed))
    assert again.fixed == parsed.fixed
    assert [(t.expr, t.group, t.correlated) for t in again.random] == [
        (t.expr, t.group, t.correlated) for t in parsed.random
    ]


@given(st.sampled_from(SLOPES[1:]), st.integers(0, 2**32 - 1))
@SETTINGS
def test_nesting_is_the_sum_of_its_levels(slope, seed):
    data = frame(np.random.default_rng(seed))
    nested = bg.Model(f"y ~ x + ({slope} | g/h)", data).spec
    summed = bg.Model(f"y ~ x + ({slope} | g) + ({slope} | g:h)", data).spec
    assert spec_signature(nested) == spec_signature(summed)
    assert [g.blocks for g in nested.groups] == [g.blocks for g in summed.groups]


@given(st.integers(0, 2**32 - 1))
@SETTINGS
def test_double_bar_is_separate_uncorrelated_terms(seed):
    data = frame(np.random.default_rng(seed))
    double = bg.Model("y ~ x + (x || g)", data).spec
    separate = bg.Model("y ~ x + (1 | g) + (0 + x | g)", data).spec
    assert spec_signature(double) == spec_signature(separate)
    assert double.groups[0].blocks == separate.groups[0].blocks == ((0,), (1,))


level_names = st.lists(
    st.one_of(
        st.text(min_size=1, max_size=8),
        st.sampled_from(["1.0", "1", "01", "None", "nan", "a b", "ü", "零", " ", "a:b", "[x]"]),
    ),
    min_size=2,
    max_size=6,
    unique=True,
)


@given(level_names, st.integers(0, 2**32 - 1))
@SETTINGS
def test_any_level_names_give_one_level_each(names, seed):
    rng = np.random.default_rng(seed)
    rows = 4 * len(names)
    labels = rng.permutation(np.repeat(np.array(names, dtype=object), 4))
    data = pd.DataFrame({"y": rng.normal(size=rows), "g": labels})
    group = bg.Model("y ~ 1 + (1 | g)", data).spec.groups[0]
    assert sorted(group.levels) == sorted(names)
    assert [group.levels[i] for i in group.index] == list(labels)


def test_values_that_print_alike_are_refused():
    data = pd.DataFrame({"y": np.arange(6.0), "g": pd.Series([1, "1", 2, 2, 3, 3], dtype=object)})
    with pytest.raises(bg.DataError) as caught:
        bg.Model("y ~ 1 + (1 | g)", data)
    assert str(caught.value) == (
        "column 'g' has different values that read the same as labels ('1'); give the "
        "column one type, for example data['g'].astype(str)."
    )


STRANGE = ["plot 1", "ü-Nord", "1.0", "None", "零", "a:b"]


@pytest.fixture(scope="module")
def strange_fit():
    rng = np.random.default_rng(11)
    effects = dict(zip(STRANGE, rng.normal(0, 1, len(STRANGE)), strict=True))
    labels = np.repeat(STRANGE, 8)
    x = rng.normal(size=len(labels))
    data = pd.DataFrame(
        {
            "y": 2 + 0.5 * x + np.array([effects[g] for g in labels]) + rng.normal(0, 0.5, 48),
            "x": x,
            "plot": labels,
        }
    )
    model = bg.Model("y ~ x + (1 | plot)", data)
    return quiet_fit(model, draws=300, tune=300, chains=2, seed=2)


def test_strange_level_names_survive_fitting_saving_and_predicting(strange_fit, tmp_path):
    """Spaces, unicode, float-like and 'None' labels, and the ':' that joins levels."""
    fit = strange_fit
    assert sorted(fit.posterior["r_plot"]["plot"].to_numpy().tolist()) == sorted(STRANGE)
    fit.save(tmp_path / "strange.zarr")
    loaded = bg.load(tmp_path / "strange.zarr")
    assert loaded.ranef().equals(fit.ranef())
    new = pd.DataFrame({"x": [0.0, 0.0], "plot": ["零", "plot 1"]})
    assert loaded.predict(new, seed=1).equals(fit.predict(new, seed=1))


@pytest.fixture(scope="module")
def shuffled_pair():
    """Data, the same rows shuffled with the levels renamed, and the renaming."""
    rng = np.random.default_rng(4)
    data = frame(rng, rows=120)
    effects = dict(zip([f"g{i}" for i in range(6)], rng.normal(0, 1, 6), strict=True))
    data["y"] = 1 + 0.7 * data["x"] + data["g"].map(effects) + rng.normal(0, 0.3, 120)
    relabel = {f"g{i}": f"site {5 - i}" for i in range(6)}
    shuffled = data.sample(frac=1.0, random_state=9).assign(g=lambda d: d["g"].map(relabel))
    return data, shuffled, relabel


def same_draws(first, second, relabel) -> bool:
    """Whether two fits hold bit-identical draws, levels matched through ``relabel``."""
    renamed = second.posterior.assign_coords(
        g=[
            {new: old for old, new in relabel.items()}[level]
            for level in second.posterior["g"].values
        ]
    ).sel(g=first.posterior["g"].values)
    return all(
        np.array_equal(first.posterior[name].values, renamed[name].values)
        for name in first.posterior.data_vars
    )


@pytest.mark.parametrize("sampler", ["nutpie", "pymc", "gibbs"])
def test_row_order_and_level_labels_do_not_change_the_draws(shuffled_pair, sampler):
    """The same data shuffled and relabelled give bit-identical draws for a seed."""
    data, shuffled, relabel = shuffled_pair
    options = dict(draws=200, tune=200, chains=2, seed=3, sampler=sampler)
    first = quiet_fit(bg.Model("y ~ x + (1 | g)", data), **options)
    second = quiet_fit(bg.Model("y ~ x + (1 | g)", shuffled), **options)
    assert same_draws(first, second, relabel)
    assert list(second.posterior["g"].values) == sorted(relabel.values())


def test_set_data_with_shuffled_rows_gives_the_draws_of_a_new_model(shuffled_pair):
    data, shuffled, relabel = shuffled_pair
    options = dict(draws=200, tune=200, chains=2, seed=3)
    model = bg.Model("y ~ x + (1 | g)", shuffled.assign(y=shuffled["y"] + 1.0))
    quiet_fit(model, **options)
    model.set_data(shuffled)
    assert same_draws(
        quiet_fit(bg.Model("y ~ x + (1 | g)", data), **options),
        quiet_fit(model, **options),
        relabel,
    )


def test_the_prior_predictive_is_in_the_callers_row_order(shuffled_pair):
    """Each shuffled row gets the prior predictive draws of the row it came from."""
    data, shuffled, _ = shuffled_pair
    first = bg.Model("y ~ x + (1 | g)", data).prior_predictive(draws=50, seed=1)
    second = bg.Model("y ~ x + (1 | g)", shuffled).prior_predictive(draws=50, seed=1)
    assert np.array_equal(second.observed, shuffled["y"].to_numpy())
    assert np.array_equal(second.replicated, first.replicated[:, shuffled.index])
