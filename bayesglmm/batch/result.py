"""The result of :func:`bayesglmm.fit_many`: the status of every fit, one long summary
table, each fit on request, and the store that holds them.

Examples
--------
>>> import tempfile
>>> from bayesglmm.batch.store import BatchStore
>>> batch = Batch(BatchStore.open(tempfile.mkdtemp() + "/b.zarr"), ["a"])
>>> batch.status()[["fit", "status"]].values.tolist()
[['a', 'not run']]
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pandas as pd

from bayesglmm.batch.store import BatchStore
from bayesglmm.errors import StoreError
from bayesglmm.persistence import load

STATUS_COLUMNS = ["fit", "status", "error", "seconds", "compiled", "attempts", "seed", "warnings"]


class Batch:
    """Many fits of one model, as :func:`bayesglmm.fit_many` returns them.

    Parameters
    ----------
    store
        Where the finished fits are.
    names
        Every fit of the batch, in the order given.
    """

    def __init__(self, store: BatchStore, names: list[str]):
        self.store = store
        self.names = list(names)
        self._fits: dict = {}

    def status(self) -> pd.DataFrame:
        """One row per fit: ``status`` (``ok``, ``failed`` or ``not run``), the error,
        seconds, whether it compiled a model, attempts, its seed and its warnings (one per
        line)."""
        records = self.store.finished()
        rows = []
        for name in self.names:
            record = records.get(name, {"status": "not run"})
            rows.append(
                [
                    name,
                    record["status"],
                    record.get("error"),
                    record.get("seconds"),
                    record.get("compiled"),
                    record.get("attempts", 0),
                    record.get("seed"),
                    "\n".join(record.get("warnings", [])),
                ]
            )
        return pd.DataFrame(rows, columns=STATUS_COLUMNS)

    def ok(self) -> list[str]:
        """The names of the fits that finished."""
        records = self.store.finished()
        return [name for name in self.names if records.get(name, {}).get("status") == "ok"]

    def values(self) -> pd.DataFrame:
        """What ``fit_many(..., evaluate=...)`` returned for each finished fit, one row per
        fit (indexed by name)."""
        records = self.store.finished()
        rows = {name: records[name].get("values", {}) for name in self.ok()}
        return pd.DataFrame.from_dict(rows, orient="index").rename_axis("fit")

    def summary(self) -> pd.DataFrame:
        """One long table: ``fit``, ``parameter`` and the posterior summary (mean, sd,
        interval, ESS, R-hat) of every reported parameter of every finished fit."""
        records = self.store.finished()
        parts = []
        for name in self.ok():
            table = pd.DataFrame(records[name]["summary"])
            parts.append(table.assign(fit=name))
        if not parts:
            return pd.DataFrame(columns=["fit", "parameter"])
        table = pd.concat(parts, ignore_index=True)
        return table[["fit", *[c for c in table.columns if c != "fit"]]]

    def __getitem__(self, name: str):
        """The full :class:`bayesglmm.Fit` called ``name``, loaded from the store."""
        if name not in self.ok():
            status = self.status().set_index("fit")
            state = status.loc[name, "status"] if name in status.index else "not in the batch"
            raise StoreError(f"fit '{name}' has no draws: it is {state}.")
        if name not in self._fits:
            self._fits[name] = load(self.store.fit_path(name))
        return self._fits[name]

    def save(self, path: str | Path, overwrite: bool = False) -> None:
        """Copy the batch's store (every finished fit and the status) to ``path``."""
        self.store.copy_to(path, overwrite)

    def __iter__(self) -> Iterator[str]:
        return iter(self.names)

    def __len__(self) -> int:
        return len(self.names)

    def __repr__(self) -> str:
        counts = self.status()["status"].value_counts()
        shown = ", ".join(f"{count} {state}" for state, count in counts.items())
        return f"Batch of {len(self)} fits ({shown}) in {self.store.path}"
