"""The batch store: one zarr group holding every finished fit of a batch.

Layout: ``<path>/zarr.json`` (a zarr group whose attributes mark a bayesglmm batch),
``<path>/status.json`` (one record per finished fit) and ``<path>/fits/<name>/``, each a
saved fit as :func:`bayesglmm.persistence.save_fit` writes it. Fits are written one by one
as they finish, each moved into place whole, so a batch stopped halfway keeps every fit it
finished, and a rerun with the same store skips them.

Examples
--------
>>> import tempfile
>>> store = BatchStore.open(tempfile.mkdtemp() + "/batch.zarr")
>>> store.finished()
{}
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import tarfile
import tempfile
from pathlib import Path

from bayesglmm.errors import StoreError

MARKER = {"zarr_format": 3, "node_type": "group", "attributes": {"bayesglmm_batch": 1}}
"""The root ``zarr.json`` of a batch store."""

NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.\-]{0,199}")
"""A fit name usable as a folder name everywhere."""


def check_name(name: object) -> str:
    """``name`` if it can name a fit in a store.

    Raises
    ------
    StoreError
        For anything but letters, digits, ``_``, ``.`` and ``-`` (not first), up to 200.
    """
    if not isinstance(name, str) or not NAME.fullmatch(name) or name in (".", ".."):
        raise StoreError(
            f"a fit name must be letters, digits, '_', '.' or '-' (not first), such as "
            f"'site_1', not {name!r}; rename the dataset."
        )
    return name


class BatchStore:
    """A batch store on disk (see the module docstring)."""

    def __init__(self, path: Path):
        self.path = path

    @classmethod
    def open(cls, path: str | Path) -> BatchStore:
        """Open the batch store at ``path``, creating it when ``path`` does not exist.

        Raises
        ------
        StoreError
            When ``path`` exists but is not a batch store.
        """
        path = Path(path)
        marker = path / "zarr.json"
        if path.exists():
            try:
                known = json.loads(marker.read_text())["attributes"]["bayesglmm_batch"]
            except (OSError, ValueError, KeyError, TypeError):
                raise StoreError(
                    f"'{path}' exists and is not a bayesglmm batch store; give fit_many a new "
                    "path, or the path of an earlier batch to resume it."
                ) from None
            if known != MARKER["attributes"]["bayesglmm_batch"]:
                raise StoreError(f"'{path}' is a batch store of another format ({known}).")
            return cls(path)
        (path / "fits").mkdir(parents=True)
        marker.write_text(json.dumps(MARKER))
        (path / "status.json").write_text("{}")
        return cls(path)

    def finished(self) -> dict[str, dict]:
        """The status record of every fit in the store, by name."""
        return json.loads((self.path / "status.json").read_text())

    def fit_path(self, name: str) -> Path:
        """Where the fit called ``name`` is stored."""
        return self.path / "fits" / check_name(name)

    def write(self, name: str, archive: bytes, record: dict) -> None:
        """Store one finished fit (a tar of its saved store) and its status record."""
        target = self.fit_path(name)
        staging = Path(tempfile.mkdtemp(prefix=f".{name}-", dir=self.path / "fits"))
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            tar.extractall(staging, filter="data")
        if target.exists():
            shutil.rmtree(target)
        os.replace(staging, target)
        self._record(name, record)

    def write_failure(self, name: str, record: dict) -> None:
        """Record a fit that failed (it has no draws; a resumed batch runs it again)."""
        self._record(name, record)

    def _record(self, name: str, record: dict) -> None:
        records = self.finished()
        records[name] = record
        temporary = self.path / "status.json.tmp"
        temporary.write_text(json.dumps(records, indent=1))
        os.replace(temporary, self.path / "status.json")

    def copy_to(self, path: str | Path, overwrite: bool = False) -> None:
        """Copy the whole store to ``path``.

        Raises
        ------
        StoreError
            When ``path`` exists (unless ``overwrite=True`` and it is a batch store).
        """
        path = Path(path)
        if path.exists():
            if not overwrite:
                raise StoreError(
                    f"'{path}' exists; give batch.save a new path, or overwrite=True to "
                    "replace an earlier batch store."
                )
            BatchStore.open(path)
            shutil.rmtree(path)
        shutil.copytree(self.path, path)
