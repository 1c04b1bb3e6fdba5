"""Load a fit written by :meth:`bayesglmm.Fit.save`.

Examples
--------
>>> import tempfile, bayesglmm as bg
>>> model = bg.Model("Reaction ~ Days + (Days | Subject)", bg.datasets.load("sleepstudy"))
>>> fit = model.fit(draws=100, tune=200, chains=2, seed=1, progress=False)
>>> path = tempfile.mkdtemp() + "/sleep.zarr"
>>> fit.save(path)
>>> loaded = bg.load(path)
>>> bool((loaded.posterior["b"] == fit.posterior["b"]).all())
True
"""

from __future__ import annotations

import warnings
from pathlib import Path

import xarray as xr

from bayesglmm.errors import DataError
from bayesglmm.formula.distributional import BayesFormula
from bayesglmm.model import Model
from bayesglmm.results import Fit
from bayesglmm.results.storage import (
    COVARIANCE_PREFIX,
    DATA_GROUP,
    RECORD_KEY,
    ModelRecord,
    covariances_from_tree,
    frame_from_dataset,
)


def load(path: str | Path) -> Fit:
    """Read a saved fit: draws, model and data, ready to summarise and predict.

    Raises
    ------
    DataError
        When ``path`` is not a fit saved by bayesglmm.
    """
    if not Path(path).exists():
        raise DataError(f"no saved fit at '{path}'; save one with fit.save('{path}').")
    tree = xr.open_datatree(path, engine="zarr", consolidated=False).load()
    if RECORD_KEY not in tree.attrs or DATA_GROUP not in tree.children:
        raise DataError(f"'{path}' is a zarr store but not a fit saved by bayesglmm.")
    record = ModelRecord.from_json(tree.attrs[RECORD_KEY])
    data = frame_from_dataset(tree[DATA_GROUP].to_dataset())
    model = Model(
        BayesFormula(record.formula, record.parameters),
        data,
        family=record.family,
        link=record.link,
        priors=record.priors,
        centered=list(record.centered),
        covariances=covariances_from_tree(tree),
        residual=record.residual,
    )
    draws = xr.DataTree.from_dict(
        {
            name: tree[name].to_dataset()
            for name in tree.children
            if name != DATA_GROUP and not name.startswith(COVARIANCE_PREFIX)
        }
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return Fit(
            draws,
            model.spec,
            model.family,
            model.link,
            model.priors,
            record.observed_name,
            model.centered,
        )
