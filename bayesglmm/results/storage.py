"""What a saved fit holds besides its draws: the model record and the data, as xarray.

A saved fit is the fit's DataTree plus a ``model_data`` group (the used rows and
columns, with categorical codings) and a JSON record in the root attributes: formula,
family, link, the user's priors and the centred grouping factors. Defaults are not
stored; they are recomputed from the same data and so come out identical.

Examples
--------
>>> frame = pd.DataFrame({"g": pd.Categorical(["b", "a"], categories=["b", "a"]), "y": [1.0, 2]})
>>> frame_from_dataset(frame_to_dataset(frame))["g"].cat.categories.tolist()
['b', 'a']
"""

from __future__ import annotations

import json
from dataclasses import MISSING, asdict, dataclass, fields

import numpy as np
import pandas as pd
import xarray as xr

from bayesglmm.errors import PriorError, StoreError
from bayesglmm.priors.distributions import PRIORS, Prior
from bayesglmm.priors.resolve import Priors

RECORD_KEY = "bayesglmm"
DATA_GROUP = "model_data"
COVARIANCE_PREFIX = "covariance_"
"""Saved known covariances (``gr(g, cov = A)``) are groups ``covariance_<name>``."""


@dataclass(frozen=True)
class ModelRecord:
    """Everything besides the data needed to rebuild a fitted model."""

    formula: str
    family: str
    link: str
    priors: dict[str, Prior]
    centered: tuple[str, ...]
    observed_name: str
    version: str
    parameters: tuple[tuple[str, str], ...] = ()
    residual: str | None = None
    responses: tuple[tuple[str, str | None, tuple[str, ...]], ...] = ()
    """For a multivariate model: per response its formula, its own family (None for the
    model's) and its centred grouping factors."""
    rescor: bool | None = None
    """For a multivariate model: whether its residuals are correlated."""

    def to_json(self) -> str:
        """The record as a JSON string."""
        priors = {key: [type(p).__name__, asdict(p)] for key, p in self.priors.items()}
        return json.dumps({**asdict(self), "priors": priors})

    @classmethod
    def from_json(cls, text: str) -> ModelRecord:
        """Read a record written by :meth:`to_json`.

        Keys this version does not know (written by a newer bayesglmm) are ignored. Prior
        classes are looked up by name in :data:`~bayesglmm.priors.distributions.PRIORS`;
        nothing in the text is evaluated.

        Raises
        ------
        StoreError
            When the text is not a JSON object, a required key is missing, or a prior is
            not a known class with numeric parameters.

        Examples
        --------
        >>> text = ModelRecord("y ~ x", "gaussian", "identity", {}, (), "y", "0.1.0").to_json()
        >>> ModelRecord.from_json(text.replace('"priors"', '"future": 1, "priors"')).formula
        'y ~ x'
        >>> ModelRecord.from_json(text.replace('"formula"', '"formulas"'))
        Traceback (most recent call last):
        ...
        bayesglmm.errors.StoreError: the model record lacks the key 'formula'
        """
        try:
            values = json.loads(text)
        except (TypeError, ValueError) as error:
            raise StoreError(f"the model record is not valid JSON ({error})") from None
        if not isinstance(values, dict):
            raise StoreError("the model record is not a JSON object")
        known = {field.name: field for field in fields(cls)}
        for name, field in known.items():
            if field.default is MISSING and name not in values:
                raise StoreError(f"the model record lacks the key '{name}'")
        values = {name: value for name, value in values.items() if name in known}
        for name in ("formula", "family", "link", "observed_name", "version"):
            if not isinstance(values[name], str):
                raise StoreError(f"the model record's key '{name}' is not a string")
        if not isinstance(values.get("residual"), str | None):
            raise StoreError("the model record's key 'residual' is neither a string nor null")
        if not _strings(values["centered"]):
            raise StoreError("the model record's key 'centered' is not a list of names")
        pairs = values.get("parameters", [])
        if not (isinstance(pairs, list) and all(_strings(p) and len(p) == 2 for p in pairs)):
            raise StoreError(
                "the model record's key 'parameters' is not a list of [name, formula] pairs"
            )
        responses = values.get("responses", [])
        if not (
            isinstance(responses, list)
            and all(
                isinstance(r, list)
                and len(r) == 3
                and isinstance(r[0], str)
                and isinstance(r[1], str | None)
                and _strings(r[2])
                for r in responses
            )
        ):
            raise StoreError(
                "the model record's key 'responses' is not a list of [formula, family, "
                "centred factors] triples"
            )
        if not isinstance(values.get("rescor"), bool | None):
            raise StoreError("the model record's key 'rescor' is neither true, false nor null")
        if not isinstance(values["priors"], dict):
            raise StoreError("the model record's key 'priors' is not a JSON object")
        priors = {key: _prior_from_json(key, entry) for key, entry in values["priors"].items()}
        return cls(
            **{
                **values,
                "priors": priors,
                "centered": tuple(values["centered"]),
                "parameters": tuple(tuple(pair) for pair in pairs),
                "responses": tuple((r[0], r[1], tuple(r[2])) for r in responses),
            }
        )


def _strings(value: object) -> bool:
    """Whether ``value`` is a JSON list of strings."""
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


def _prior_from_json(key: str, entry: object) -> Prior:
    """The prior ``[class name, {parameter: number}]`` stored for ``key``."""
    if not (
        isinstance(entry, list)
        and len(entry) == 2
        and isinstance(entry[0], str)
        and isinstance(entry[1], dict)
    ):
        raise StoreError(
            f"the model record's prior for '{key}' is not a [class name, parameters] pair"
        )
    name, parameters = entry
    if name not in PRIORS:
        raise StoreError(
            f"the model record's prior for '{key}' is of class '{name}', which this bayesglmm "
            f"does not know (it knows {', '.join(PRIORS)}); a newer bayesglmm may have written "
            "it"
        )
    expected = {field.name for field in fields(PRIORS[name])}
    numeric = all(
        all(isinstance(v, int | float) and not isinstance(v, bool) for v in value)
        if isinstance(value, list)
        else isinstance(value, int | float) and not isinstance(value, bool)
        for value in parameters.values()
    )
    if set(parameters) != expected or not numeric:
        raise StoreError(
            f"the model record's prior for '{key}' ({name}) has parameters "
            f"{json.dumps(parameters)}; {name} takes the numbers {', '.join(sorted(expected))}"
        )
    try:
        return PRIORS[name](**parameters)
    except PriorError as error:
        raise StoreError(f"the model record's prior for '{key}' is invalid: {error}") from None


def user_priors(priors: Priors) -> dict[str, Prior]:
    """The priors the user set, by key."""
    return {key: prior for key, prior in priors.items() if priors.source(key) == "user"}


def frame_to_dataset(frame: pd.DataFrame) -> xr.Dataset:
    """The columns of ``frame`` over dim ``row``; categoricals as codes with their levels."""
    variables = {}
    for name, column in frame.items():
        if isinstance(column.dtype, pd.CategoricalDtype):
            attrs = {
                "categories": json.dumps(column.cat.categories.tolist()),
                "ordered": int(column.cat.ordered),
            }
            variables[str(name)] = xr.Variable("row", column.cat.codes.to_numpy(), attrs)
        elif pd.api.types.is_numeric_dtype(column.dtype) or column.dtype == bool:
            variables[str(name)] = xr.Variable("row", column.to_numpy())
        else:
            variables[str(name)] = xr.Variable("row", column.astype(str).to_numpy(dtype=str))
    dataset = xr.Dataset(variables, coords={"row": frame.index.to_numpy()})
    dataset.attrs["index_name"] = json.dumps(frame.index.name)
    dataset.attrs["columns"] = json.dumps([str(name) for name in frame.columns])
    return dataset


def frame_from_dataset(dataset: xr.Dataset) -> pd.DataFrame:
    """Inverse of :func:`frame_to_dataset`."""
    columns = {}
    for name in json.loads(dataset.attrs["columns"]):
        variable = dataset[name]
        values = variable.to_numpy()
        if "categories" in variable.attrs:
            columns[name] = pd.Categorical.from_codes(
                values,
                categories=json.loads(variable.attrs["categories"]),
                ordered=bool(variable.attrs["ordered"]),
            )
        elif values.dtype.kind in "TUO":
            columns[name] = np.asarray(values, dtype=object).astype(str)
        else:
            columns[name] = values
    index = pd.Index(dataset["row"].to_numpy(), name=json.loads(dataset.attrs["index_name"]))
    return pd.DataFrame(columns, index=index)


def covariances_to_datasets(spec) -> dict[str, xr.Dataset]:
    """The known covariance matrices of ``spec``'s groups, one dataset each, by group name
    in the saved tree."""
    return {
        f"{COVARIANCE_PREFIX}{group.covariance}": xr.Dataset(
            {"matrix": (("level", "level2"), group.covariance_factor @ group.covariance_factor.T)},
            coords={"level": list(group.levels), "level2": list(group.levels)},
        )
        for group in spec.all_groups
        if group.covariance is not None
    }


def covariances_from_tree(tree: xr.DataTree) -> dict[str, pd.DataFrame]:
    """Inverse of :func:`covariances_to_datasets`: the matrices as labelled DataFrames."""
    matrices = {}
    for name in tree.children:
        if name.startswith(COVARIANCE_PREFIX):
            matrix = tree[name]["matrix"]
            labels = [str(level) for level in matrix["level"].to_numpy()]
            matrices[name[len(COVARIANCE_PREFIX) :]] = pd.DataFrame(
                matrix.to_numpy(), index=labels, columns=labels
            )
    return matrices
