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
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd
import xarray as xr

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

    def to_json(self) -> str:
        """The record as a JSON string."""
        priors = {key: [type(p).__name__, asdict(p)] for key, p in self.priors.items()}
        return json.dumps({**asdict(self), "priors": priors})

    @classmethod
    def from_json(cls, text: str) -> ModelRecord:
        """Read a record written by :meth:`to_json`."""
        fields = json.loads(text)
        priors = {key: PRIORS[name](**values) for key, (name, values) in fields["priors"].items()}
        parameters = tuple(tuple(pair) for pair in fields.get("parameters", ()))
        return cls(
            **{
                **fields,
                "priors": priors,
                "centered": tuple(fields["centered"]),
                "parameters": parameters,
            }
        )


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
