"""What a saved fit stores besides its draws (bayesglmm.results.storage): the model record
as JSON and the data as an xarray Dataset, both read back exactly."""

import json

import numpy as np
import pandas as pd
import pytest

import bayesglmm as bg
from bayesglmm.priors import LKJ, Beta, HalfStudentT, Normal, StudentT
from bayesglmm.priors.resolve import resolve_priors
from bayesglmm.results.storage import (
    ModelRecord,
    _prior_from_json,
    frame_from_dataset,
    frame_to_dataset,
    user_priors,
)

KNOWN_CLASSES = (
    "Normal, StudentT, HalfNormal, HalfStudentT, HalfCauchy, Exponential, Gamma, "
    "InverseGamma, Beta, LKJ, Dirichlet"
)


def record(**changes) -> ModelRecord:
    values = {
        "formula": "y ~ x + (1 | g)",
        "family": "zero_inflated_poisson",
        "link": "log",
        "priors": {
            "b": Normal(0, 1),
            "sd[g]": HalfStudentT(3, 2.5),
            "cor": LKJ(2),
            "Intercept": StudentT(3, 0.5, 2.5),
            "rho[t]": Beta(2, 3),
        },
        "centered": ("g",),
        "observed_name": "y",
        "version": "0.1.0",
        "parameters": (("zi", "~ x"),),
        "residual": None,
    }
    return ModelRecord(**{**values, **changes})


# --- ModelRecord --------------------------------------------------------------------------------


def test_the_record_round_trips_through_json():
    original = record()
    text = original.to_json()
    back = ModelRecord.from_json(text)
    assert back == original
    assert type(back.centered) is tuple and back.parameters == (("zi", "~ x"),)
    assert all(type(back.priors[key]) is type(p) for key, p in original.priors.items())
    with_residual = record(residual="ar1(t | g)", centered=(), parameters=())
    assert ModelRecord.from_json(with_residual.to_json()) == with_residual


def test_the_json_layout():
    values = json.loads(record().to_json())
    assert values == {
        "formula": "y ~ x + (1 | g)",
        "family": "zero_inflated_poisson",
        "link": "log",
        "priors": {
            "b": ["Normal", {"mu": 0, "sigma": 1}],
            "sd[g]": ["HalfStudentT", {"nu": 3, "sigma": 2.5}],
            "cor": ["LKJ", {"eta": 2}],
            "Intercept": ["StudentT", {"nu": 3, "mu": 0.5, "sigma": 2.5}],
            "rho[t]": ["Beta", {"alpha": 2, "beta": 3}],
        },
        "centered": ["g"],
        "observed_name": "y",
        "version": "0.1.0",
        "parameters": [["zi", "~ x"]],
        "residual": None,
        "responses": [],
        "rescor": None,
    }


def test_optional_keys_default_and_unknown_keys_are_ignored():
    values = json.loads(record().to_json())
    del values["parameters"], values["residual"]
    values["written_by_a_newer_version"] = [1, 2]
    back = ModelRecord.from_json(json.dumps(values))
    assert back == record(parameters=(), residual=None)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda v: "not json", "the model record is not valid JSON"),
        (lambda v: [v], "the model record is not a JSON object"),
        (lambda v: {k: x for k, x in v.items() if k != "link"}, "lacks the key 'link'"),
        (lambda v: {**v, "version": 1}, "the model record's key 'version' is not a string"),
        (
            lambda v: {**v, "residual": 3},
            "the model record's key 'residual' is neither a string nor null",
        ),
        (
            lambda v: {**v, "centered": "g"},
            "the model record's key 'centered' is not a list of names",
        ),
        (
            lambda v: {**v, "parameters": [["zi"]]},
            "the model record's key 'parameters' is not a list of [name, formula] pairs",
        ),
        (lambda v: {**v, "priors": []}, "the model record's key 'priors' is not a JSON object"),
    ],
)
def test_a_bad_record_is_refused(change, message):
    changed = change(json.loads(record().to_json()))
    text = changed if isinstance(changed, str) else json.dumps(changed)
    with pytest.raises(bg.StoreError) as error:
        ModelRecord.from_json(text)
    if message == "the model record is not valid JSON":
        assert str(error.value).startswith("the model record is not valid JSON (")
    elif message.startswith("lacks"):
        assert str(error.value) == f"the model record {message}"
    else:
        assert str(error.value) == message


def test_a_prior_is_rebuilt_from_its_class_name_and_parameters():
    assert _prior_from_json("b", ["Normal", {"mu": 0, "sigma": 2.5}]) == Normal(0, 2.5)
    assert _prior_from_json("cor", ["LKJ", {"eta": 1.5}]) == LKJ(1.5)


def test_a_prior_of_an_unknown_class_is_refused():
    with pytest.raises(bg.StoreError) as error:
        _prior_from_json("b", ["Laplace", {"mu": 0, "b": 1}])
    assert str(error.value) == (
        "the model record's prior for 'b' is of class 'Laplace', which this bayesglmm does "
        f"not know (it knows {KNOWN_CLASSES}); a newer bayesglmm may have written it"
    )


@pytest.mark.parametrize(
    ("parameters", "shown"),
    [
        ({"mu": 0}, '{"mu": 0}'),
        ({"mu": 0, "sigma": 1, "nu": 3}, '{"mu": 0, "sigma": 1, "nu": 3}'),
        ({"mu": "0", "sigma": 1}, '{"mu": "0", "sigma": 1}'),
        ({"mu": True, "sigma": 1}, '{"mu": true, "sigma": 1}'),
        ({"mu": None, "sigma": 1}, '{"mu": null, "sigma": 1}'),
    ],
)
def test_a_prior_with_the_wrong_parameters_is_refused(parameters, shown):
    with pytest.raises(bg.StoreError) as error:
        _prior_from_json("b[x]", ["Normal", parameters])
    assert str(error.value) == (
        f"the model record's prior for 'b[x]' (Normal) has parameters {shown}; Normal takes "
        "the numbers mu, sigma"
    )


@pytest.mark.parametrize(
    "entry", ["Normal", ["Normal"], ["Normal", [0, 1]], [1, {"mu": 0}], ["Normal", {}, 1]]
)
def test_a_prior_that_is_not_a_pair_is_refused(entry):
    with pytest.raises(bg.StoreError) as error:
        _prior_from_json("sigma", entry)
    assert str(error.value) == (
        "the model record's prior for 'sigma' is not a [class name, parameters] pair"
    )


def test_only_the_users_priors_are_kept():
    defaults = {"b[x]": Normal(0, 1), "b[z]": Normal(0, 2), "sigma": HalfStudentT(3, 1)}
    priors = resolve_priors(defaults, {"b": Normal(0, 5)})
    assert user_priors(priors) == {"b[x]": Normal(0, 5), "b[z]": Normal(0, 5)}


# --- the data -----------------------------------------------------------------------------------


def mixed_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "g": pd.Categorical(["b", "a", "c", "b"], categories=["c", "b", "a"]),
            "dose": pd.Categorical(["lo", "hi", "lo", "mid"], ["lo", "mid", "hi"], ordered=True),
            "count": np.array([1, -2, 3, 4], dtype=np.int64),
            "small": np.array([1, 2, 3, 4], dtype=np.int32),
            "value": [0.1, 2.5, np.nan, -1e300],
            "flag": [True, False, True, True],
            "label": ["x", "y", "zz", ""],
        },
        index=pd.Index([10, 11, 12, 13], name="row_id"),
    )


def test_a_frame_round_trips_exactly():
    frame = mixed_frame()
    back = frame_from_dataset(frame_to_dataset(frame))
    pd.testing.assert_frame_equal(back, frame)
    assert back["g"].cat.categories.tolist() == ["c", "b", "a"]
    assert not back["g"].cat.ordered and back["dose"].cat.ordered
    assert back["dose"].cat.categories.tolist() == ["lo", "mid", "hi"]
    assert back.columns.tolist() == frame.columns.tolist()
    assert back.index.name == "row_id"


def test_the_dataset_holds_codes_and_levels():
    dataset = frame_to_dataset(mixed_frame())
    assert list(dataset.sizes.items()) == [("row", 4)]
    np.testing.assert_array_equal(dataset["g"].to_numpy(), [1, 2, 0, 1])
    assert dataset["g"].attrs == {"categories": '["c", "b", "a"]', "ordered": 0}
    assert dataset["dose"].attrs == {"categories": '["lo", "mid", "hi"]', "ordered": 1}
    assert dataset["count"].dtype == np.int64 and dataset["small"].dtype == np.int32
    assert dataset["flag"].dtype == bool
    assert dataset["label"].dtype.kind == "U"
    assert json.loads(dataset.attrs["columns"]) == list(mixed_frame().columns)
    assert json.loads(dataset.attrs["index_name"]) == "row_id"
    np.testing.assert_array_equal(dataset["row"].to_numpy(), [10, 11, 12, 13])


def test_an_unnamed_index_and_non_string_levels_round_trip():
    frame = pd.DataFrame(
        {"level": pd.Categorical([3, 1, 3], categories=[3, 1]), "y": [0.5, 1.5, 2.5]}
    )
    back = frame_from_dataset(frame_to_dataset(frame))
    pd.testing.assert_frame_equal(back, frame)
    assert back.index.name is None
    assert back["level"].cat.categories.tolist() == [3, 1]


def test_a_bundled_dataset_round_trips():
    frame = bg.datasets.load("sleepstudy")
    pd.testing.assert_frame_equal(frame_from_dataset(frame_to_dataset(frame)), frame)


def test_a_stored_prior_with_invalid_numbers_is_a_store_error():
    with pytest.raises(
        bg.StoreError,
        match=r"^the model record's prior for 'b' is invalid: Normal: sigma must be positive, "
        r"got -1$",
    ):
        _prior_from_json("b", ["Normal", {"mu": 0, "sigma": -1}])
