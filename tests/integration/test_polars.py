"""polars (and any __dataframe__ or __arrow_c_stream__ table) wherever pandas is taken."""

import numpy as np
import pandas as pd
import pytest

import bayesglmm as bg
from bayesglmm.frames import as_pandas
from tests.conftest import quiet_fit

pl = pytest.importorskip("polars")

FORMULA = "favorable | trials(n) ~ treatment + (1 | clinic)"
ACCEPTED = "a DataFrame (pandas, polars, or any table with __dataframe__ or __arrow_c_stream__)"


class _InterchangeOnly:
    """A table that speaks only the dataframe interchange protocol (polars 2 dropped it;
    pyarrow's tables still speak it)."""

    def __init__(self, frame):
        self.frame = frame

    def __dataframe__(self, nan_as_null=False, allow_copy=True):
        return self.frame.__dataframe__(nan_as_null=nan_as_null, allow_copy=allow_copy)


class _ArrowOnly:
    """A table that speaks only the Arrow PyCapsule stream interface."""

    def __init__(self, frame):
        self.frame = frame

    def __arrow_c_stream__(self, requested_schema=None):
        return self.frame.__arrow_c_stream__(requested_schema)


@pytest.fixture(scope="module")
def infection():
    return bg.datasets.load("infection")


@pytest.fixture(scope="module")
def fits(infection):
    """The same model fitted from the pandas frame and from its polars copy, same seed."""
    options = dict(draws=100, tune=100, chains=2, seed=3)
    frames = {"pandas": infection, "polars": pl.from_pandas(infection)}
    return {
        name: quiet_fit(bg.Model(FORMULA, frame, family="binomial"), **options)
        for name, frame in frames.items()
    }


def _new_rows() -> pd.DataFrame:
    """Rows of a seen and an unseen clinic, both arms."""
    return pd.DataFrame(
        {
            "clinic": [1, 1, 99, 99],
            "treatment": pd.Categorical(["drug", "control"] * 2, categories=["control", "drug"]),
            "n": [20, 20, 30, 30],
        }
    )


def test_a_model_from_polars_gives_bit_identical_draws(fits):
    from_pandas, from_polars = fits["pandas"].posterior, fits["polars"].posterior
    assert sorted(from_pandas.data_vars) == sorted(from_polars.data_vars)
    for name in from_pandas.data_vars:
        assert np.array_equal(from_pandas[name].to_numpy(), from_polars[name].to_numpy()), name
    pd.testing.assert_frame_equal(fits["pandas"].fixef(), fits["polars"].fixef())


def test_predictions_with_polars_newdata_equal_those_with_pandas(fits):
    fit = fits["pandas"]
    rows = _new_rows()
    for kind in ("mean", "response"):
        expected = fit.predict(rows, kind=kind, seed=5)
        got = fit.predict(pl.from_pandas(rows), kind=kind, seed=5)
        pd.testing.assert_frame_equal(got, expected)
    # string columns, as a polars frame built by hand usually has them
    by_hand = pl.DataFrame(
        {"clinic": [1, 1, 99, 99], "treatment": ["drug", "control"] * 2, "n": [20] * 2 + [30] * 2}
    )
    pd.testing.assert_frame_equal(
        fit.predict(by_hand, re="none"), fit.predict(rows, re="none"), check_dtype=False
    )


def test_set_data_template_and_overdispersion_take_polars(infection):
    subset = infection[infection["clinic"] <= 6].reset_index(drop=True)
    from_pandas = bg.Model(FORMULA, infection, family="binomial")
    from_polars = bg.Model(FORMULA, infection, family="binomial")
    from_pandas.set_data(subset)
    from_polars.set_data(pl.from_pandas(subset))
    assert from_polars.spec.n_obs == from_pandas.spec.n_obs == 12
    assert np.array_equal(from_polars.spec.fixed.matrix, from_pandas.spec.fixed.matrix)
    pd.testing.assert_frame_equal(from_polars.spec.data, from_pandas.spec.data)

    roles = dict(successes="favorable", trials="n", treatment="treatment", centre="clinic")
    template = bg.Model.from_template("multicentre_trial", pl.from_pandas(infection), **roles)
    assert template.spec.n_obs == len(infection)
    assert [group.name for group in template.spec.groups] == ["clinic", "clinic:treatment"]

    wide = bg.Model(FORMULA, pl.from_pandas(infection), family="binomial", overdispersion=True)
    assert wide.formula.endswith("+ (1 | observation)")


@pytest.mark.parametrize("wrapper", [_InterchangeOnly, _ArrowOnly], ids=["interchange", "arrow"])
def test_tables_speaking_only_a_protocol_are_taken(infection, wrapper):
    table = pl.from_pandas(infection.assign(treatment=infection["treatment"].astype(str)))
    model = bg.Model(FORMULA, wrapper(table.to_arrow()), family="binomial")
    reference = bg.Model(FORMULA, infection, family="binomial")
    assert model.spec.fixed.names == reference.spec.fixed.names
    assert np.array_equal(model.spec.fixed.matrix, reference.spec.fixed.matrix)
    assert np.array_equal(model.spec.response.values, reference.spec.response.values)


def test_polars_categorical_levels_are_sorted_and_enum_levels_kept():
    labels = ["placebo", "drug", "placebo", "control"]
    categorical = pl.DataFrame({"arm": labels}, schema={"arm": pl.Categorical})
    enum = pl.DataFrame({"arm": labels}, schema={"arm": pl.Enum(["placebo", "drug", "control"])})
    assert list(as_pandas(categorical)["arm"].cat.categories) == ["control", "drug", "placebo"]
    assert list(as_pandas(enum)["arm"].cat.categories) == ["placebo", "drug", "control"]
    assert list(as_pandas(enum)["arm"]) == labels


def test_pandas_passes_through_uncopied_and_unchanged(fits, infection):
    assert as_pandas(infection) is infection
    before = infection.copy(deep=True)
    rows = _new_rows()
    rows_before = rows.copy(deep=True)
    bg.Model(FORMULA, infection, family="binomial", overdispersion=True)
    bg.Model(FORMULA, infection, family="binomial").set_data(infection)
    fits["pandas"].predict(rows, kind="response", seed=1)
    pd.testing.assert_frame_equal(infection, before)
    pd.testing.assert_frame_equal(rows, rows_before)


def test_other_types_are_refused_with_the_exact_message(fits, infection):
    with pytest.raises(bg.DataError) as error:
        bg.Model(FORMULA, infection.to_numpy(), family="binomial")
    assert str(error.value) == (
        f"data must be {ACCEPTED}, not ndarray; wrap it with pandas.DataFrame(...)."
    )
    with pytest.raises(bg.DataError) as error:
        fits["pandas"].predict(pl.from_pandas(_new_rows())["n"])
    assert str(error.value) == (
        f"newdata must be {ACCEPTED}, not Series; wrap it with pandas.DataFrame(...), or "
        "pandas.DataFrame([row]) for one row."
    )
    with pytest.raises(bg.DataError) as error:
        bg.Model(FORMULA, pl.from_pandas(infection).lazy(), family="binomial")
    assert str(error.value) == (
        f"data must be {ACCEPTED}, not LazyFrame; collect it first, for example with .collect()."
    )
    with pytest.raises(bg.DataError) as error:
        as_pandas(_ArrowOnly(pl.Series("x", [1, 2])), "newdata")
    assert str(error.value).startswith(
        "newdata (_ArrowOnly) could not be converted to a pandas DataFrame: "
    )
