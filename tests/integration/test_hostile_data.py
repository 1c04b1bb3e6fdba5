"""Hostile and degenerate data: one package error or one warning, naming the column or term.

Each case used to end in an internal traceback (``y ~ 0``, more columns than rows, a date
column, zero trials), a silently wrong design (a column named ``Intercept``, duplicated or
function-named columns, numbers stored as text) or no word at all (constant responses,
separation, near-collinearity, slopes that do not vary within groups).
"""

import warnings

import numpy as np
import pandas as pd
import pytest

import bayesglmm as bg


@pytest.fixture
def data():
    rng = np.random.default_rng(5)
    frame = pd.DataFrame(
        {
            "y": rng.normal(size=30),
            "x": rng.normal(size=30),
            "z": rng.normal(size=30),
            "g": np.repeat(list("abcdef"), 5),
            "n": 4,
            "s": rng.integers(0, 5, 30),
        }
    )
    return frame


def data_warnings(*args, **kwargs) -> list[str]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        bg.Model(*args, **kwargs)
    return [str(w.message) for w in caught if issubclass(w.category, bg.DataWarning)]


def test_a_model_without_population_terms_is_refused(data):
    with pytest.raises(bg.FormulaError) as caught:
        bg.Model("y ~ 0 + (1 | g)", data)
    assert str(caught.value) == (
        "'y ~ 0 + (1 | g)' has no population-level term; bayesglmm needs at least an "
        "intercept. Write '1' in place of '0' (or drop '- 1')."
    )


def test_more_columns_than_rows_is_refused(data):
    small = data.head(3)
    with pytest.raises(bg.DataError) as caught:
        bg.Model("y ~ x + z + s + n", small)
    assert str(caught.value) == (
        "the fixed effects have 5 columns but the data has only 3 rows, so they cannot all be "
        "estimated; remove terms or add data."
    )


def test_a_date_column_is_refused_with_a_conversion(data):
    dated = data.assign(when=pd.date_range("2020-01-01", periods=30))
    with pytest.raises(bg.DataError, match=r"column 'when' \(used in 'x \+ when'\) holds dat"):
        bg.Model("y ~ x + when", dated)


def test_zero_trials_are_refused_naming_the_rows(data):
    zeros = data.assign(n=np.where(np.arange(30) < 2, 0, 4), s=np.where(np.arange(30) < 2, 0, 1))
    with pytest.raises(bg.DataError) as caught:
        bg.Model("s | trials(n) ~ x", zeros, family="binomial")
    assert str(caught.value) == (
        "trials 'n' is 0 in 2 of 30 rows (first: [0, 1]); a row with no trials carries no "
        "information and has no proportion to predict. Remove those rows, e.g. "
        "data[data['n'] > 0]."
    )


def test_a_column_named_intercept_is_refused(data):
    with pytest.raises(bg.DataError, match="column 'Intercept' \\(used in 'x \\+ Intercept'\\)"):
        bg.Model("y ~ x + Intercept", data.assign(Intercept=data["z"]))


def test_a_duplicated_used_column_is_refused(data):
    doubled = pd.concat([data, data[["x"]]], axis=1)
    with pytest.raises(bg.DataError) as caught:
        bg.Model("y ~ x", doubled)
    assert str(caught.value) == (
        "the data has 2 columns named 'x' (used in 'x'); give each column a unique name."
    )


def test_a_column_named_like_a_called_function_is_refused(data):
    with pytest.raises(bg.DataError) as caught:
        bg.Model("y ~ log(abs(z)) + log", data.rename(columns={"x": "log"}))
    assert str(caught.value) == (
        "the data has a column named 'log', which hides the function log() that "
        "'log(abs(z)) + log' calls; rename the column, for example "
        "data.rename(columns={'log': 'log_'})."
    )


def test_an_unused_column_named_in_the_text_does_not_change_the_rows(data):
    # 'C' and 'log' appear in the formula's text as functions; their missing values
    # must not drop rows (they are not used as data).
    frame = data.assign(C=np.nan, log=np.nan)
    model = bg.Model("y ~ C(g) + log(abs(z))", frame)
    assert model.spec.n_obs == 30


def test_a_response_named_like_a_dimension_is_fitted_under_another_name(data):
    model = bg.Model("obs ~ x", data.rename(columns={"y": "obs"}))
    assert model.graph.observed_name == "y"


@pytest.mark.parametrize(
    "formula",
    ["y.v ~ a.b + (a.b | g)", "`y.v` ~ `a.b` + (`a.b` | g)", "y.v ~ Q('a.b') + (Q('a.b') | g)"],
)
def test_dotted_names_work_in_the_response_the_fixed_part_and_slopes(formula, data):
    frame = data.rename(columns={"y": "y.v", "x": "a.b"})
    spec = bg.Model(formula, frame).spec
    assert spec.response.values == pytest.approx(data["y"].to_numpy())
    assert spec.fixed.matrix[:, 1] == pytest.approx(data["x"].to_numpy())
    assert spec.groups[0].values[:, 1] == pytest.approx(data["x"].to_numpy())


def test_a_constant_response_is_named(data):
    assert data_warnings("y ~ x", data.assign(y=2.5)) == [
        "the response 'y' is 2.5 in every row, so the data say nothing about how it varies: "
        "the spread and every effect are identified by their priors alone. Check that the "
        "right column is the response."
    ]


def test_separation_names_the_predictor(data):
    separated = data.assign(event=(data["x"] > 0.1).astype(int))
    threshold = data["x"][data["x"] <= 0.1].max()
    assert data_warnings("event ~ x + z", separated, family="bernoulli") == [
        f"'x' separates the outcomes completely: every row with x > {threshold:g} has event = 1 "
        "((quasi-)complete separation). Its coefficient b[x] is identified by its prior alone; "
        "set an informative prior on it, or merge the levels that have only one outcome."
    ]


def test_quasi_complete_separation_by_a_level(data):
    level = data.assign(arm=np.where(np.arange(30) < 10, "a", "b"))
    level["s"] = np.where(level["arm"] == "a", 0, level["s"])
    messages = data_warnings("s | trials(n) ~ arm", level, family="binomial")
    assert len(messages) == 1
    assert messages[0].startswith("'arm[T.b]' separates the outcomes quasi-completely")


def test_near_collinearity_gives_the_condition_number_and_columns(data):
    noise = np.random.default_rng(1).normal(size=len(data))
    close = data.assign(w=data["x"] + 0.01 * noise)
    (message,) = data_warnings("y ~ x + w + z", close)
    assert message.startswith("the fixed effects are nearly collinear (condition number ")
    assert "mainly 'x', 'w':" in message


def test_a_slope_without_variation_within_groups_is_named(data):
    by_group = data.assign(w=data.groupby("g")["x"].transform("mean"))
    assert data_warnings("y ~ w + (w | g)", by_group) == [
        "'w' does not vary within any level of 'g', so its random slope cannot be told apart "
        "from the random intercept of 'g'; drop it from the random term, e.g. (1 | g), and "
        "keep 'w' as a fixed effect."
    ]


def test_numbers_stored_as_text_are_named_but_grouping_labels_are_not(data):
    text = data.assign(dose=data["x"].round(2).astype(str), g=data["g"].map(ord).astype(str))
    (message,) = data_warnings("y ~ dose + (1 | g)", text)
    assert message.startswith("column 'dose' holds numbers stored as text, so it is used as a")


def test_no_warning_for_an_ordinary_design(data):
    assert data_warnings("y ~ x + z + (1 + x | g)", data) == []


def test_the_intercept_prior_centre_follows_a_tiny_mean():
    rng = np.random.default_rng(2)
    rare = pd.DataFrame({"y": rng.poisson(0.002, 5000), "x": rng.normal(size=5000)})
    prior = bg.Model("y ~ x", rare, family="poisson").priors["Intercept"]
    assert prior.mu == pytest.approx(np.log(rare["y"].mean()))
    none = bg.Model("y ~ x", rare.assign(y=0), family="poisson").priors["Intercept"]
    assert none.mu == pytest.approx(np.log(0.5 / 5000))


def test_a_categorical_of_number_labels_is_a_deliberate_factor(data):
    doses = data.assign(dose=pd.Categorical(data["x"].round(1).astype(str)))
    assert data_warnings("y ~ dose", doses) == []
