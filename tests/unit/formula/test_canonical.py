"""The canonical order of rows and levels: shuffled rows and relabelled levels give the
sampler the same arrays (bit for bit), and the levels map back by label."""

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from bayesglmm.families import get_family
from bayesglmm.formula import build_spec, parse_formula
from bayesglmm.formula.canonical import canonical_order

ORDER_FREE = ["x", "z", "f", "log(w)", "I(x**2)", "x:f", "x*z"]
RANDOM = [
    "(1 | g)",
    "(1 + x | g)",
    "(x || h)",
    "(1 | g:h)",
    "(1 | g/h)",
    "(1 | g) + (0 + z | h)",
    "(1 + x | g) + (1 | h)",
]


def canonical(formula: str, data: pd.DataFrame, family: str = "gaussian"):
    return canonical_order(build_spec(parse_formula(formula), data, get_family(family)[0]))


def frame(rng: np.random.Generator, rows: int = 48) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "y": rng.normal(size=rows).round(1),
            "x": rng.integers(0, 3, rows).astype(float),
            "z": rng.normal(size=rows),
            "w": rng.uniform(1, 2, rows),
            "f": rng.choice(["lo", "mid", "hi"], rows),
            "g": np.repeat([f"g{i}" for i in range(6)], rows // 6),
            "h": np.tile(["a", "b", "c", "d"], rows // 4),
        }
    )


def shuffled_and_relabelled(data: pd.DataFrame, seed: int) -> tuple[pd.DataFrame, dict]:
    """The rows in another order, and g and h under new labels that sort differently."""
    rng = np.random.default_rng(seed)
    names = {
        column: dict(
            zip(
                sorted(data[column].unique()),
                [f"{column}-{n}" for n in rng.permutation(data[column].nunique())],
                strict=True,
            )
        )
        for column in ("g", "h")
    }
    other = data.iloc[rng.permutation(len(data))].reset_index(drop=True)
    return other.assign(**{c: other[c].map(m) for c, m in names.items()}), names


def sampled_arrays(spec) -> list[np.ndarray]:
    """Every array the sampler is given about the rows and levels."""
    arrays = [spec.response.values, spec.fixed.matrix]
    for group in spec.all_groups:
        arrays += [group.index, group.values]
    return arrays


def relabelled(level: str, names: dict) -> str:
    parts = level.split(":")
    columns = ("g", "h") if len(parts) == 2 else None
    if columns:
        return ":".join(names[c][p] for c, p in zip(columns, parts, strict=True))
    return next(mapping[level] for mapping in names.values() if level in mapping)


@given(
    st.lists(st.sampled_from(ORDER_FREE), max_size=3, unique=True),
    st.sampled_from(RANDOM),
    st.integers(0, 2**32 - 1),
)
@settings(max_examples=40, deadline=None)
def test_shuffled_rows_and_relabelled_levels_give_identical_arrays(fixed, random, seed):
    data = frame(np.random.default_rng(seed))
    formula = "y ~ " + " + ".join([*fixed, random])
    other, _ = shuffled_and_relabelled(data, seed + 1)
    first, second = canonical(formula, data), canonical(formula, other)
    for a, b in zip(sampled_arrays(first.spec), sampled_arrays(second.spec), strict=True):
        assert np.array_equal(a, b)
    for spec in (first.spec, second.spec):
        for group in spec.all_groups:
            labels = spec.data[list(group.factors)].astype(str).agg(":".join, axis=1)
            assert [group.levels[i] for i in group.index] == labels.tolist()


def test_levels_told_apart_by_their_data_map_to_their_new_labels():
    """With every level's data its own, each canonical position holds the same level under
    its new label (levels with identical data are interchangeable, so only their data
    must match)."""
    rng = np.random.default_rng(5)
    data = frame(rng).assign(y=rng.normal(size=48))
    other, names = shuffled_and_relabelled(data, 6)
    formula = "y ~ x + (1 + x | g) + (1 | h) + (1 | g:h)"
    first, second = canonical(formula, data), canonical(formula, other)
    for a, b in zip(first.spec.all_groups, second.spec.all_groups, strict=True):
        assert [relabelled(level, names) for level in a.levels] == list(b.levels)


def test_the_rows_map_back_to_the_callers_order():
    data = frame(np.random.default_rng(3))
    order = canonical("y ~ x + (1 | g)", data)
    assert not np.array_equal(order.spec.response.values, data["y"].to_numpy())
    assert np.array_equal(order.original_rows(order.spec.response.values), data["y"].to_numpy())
    assert np.array_equal(order.spec.row_labels, data.index[order.rows])


def test_levels_whose_rows_all_tie_are_ordered_once_each():
    """1,000 levels with identical rows: ties are broken in one round, each level once."""
    data = pd.DataFrame(
        {"y": np.tile([0.0, 1.0], 1000), "g": np.repeat([f"g{i:04d}" for i in range(1000)], 2)}
    )
    order = canonical("y ~ 1 + (1 | g)", data)
    group = order.spec.groups[0]
    assert sorted(group.levels) == sorted(set(data["g"]))
    assert np.array_equal(group.index, np.tile(np.arange(1000), 2))
    assert np.array_equal(order.spec.response.values, np.repeat([0.0, 1.0], 1000))


def test_a_crossed_design_symmetric_under_a_swap_gives_one_order():
    """Two crossed factors whose levels all tie until one factor's tie is broken."""
    data = pd.DataFrame(
        {"y": [1.0, 2.0, 2.0, 1.0], "g": ["a", "a", "b", "b"], "h": ["c", "d", "c", "d"]}
    )
    swapped = data.assign(g=data["g"].map({"a": "b", "b": "a"}))
    formula = "y ~ 1 + (1 | g) + (1 | h)"
    first, second = canonical(formula, data), canonical(formula, swapped)
    for a, b in zip(sampled_arrays(first.spec), sampled_arrays(second.spec), strict=True):
        assert np.array_equal(a, b)
