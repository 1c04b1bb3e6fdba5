"""Save a fit to a checked zarr store and load it back.

A store is a directory: the fit's DataTree in zarr format with the model record and data
(see :mod:`bayesglmm.results.storage`), and a manifest in the root attributes holding the
store format version and the SHA-256 of the record and of every file except the root
``zarr.json`` (which holds the manifest). Saving writes a hidden sibling directory and
renames it into place, so an interrupted save leaves the old store or the new one, never a
mixture; it replaces only an earlier bayesglmm store, and only when asked to. Loading
checks the manifest before reading any draws, so a changed, truncated, missing or added
file is reported by name instead of loading as wrong numbers.

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
>>> fit.save(path)  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
bayesglmm.errors.StoreError: '...sleep.zarr' already exists (a saved fit); pass overwrite=True ...
>>> fit.save(path, overwrite=True)
"""

from __future__ import annotations

import glob
import hashlib
import json
import os
import secrets
import shutil
from importlib.metadata import version
from pathlib import Path

import pandas as pd
import xarray as xr
import zarr

from bayesglmm.errors import StoreError
from bayesglmm.formula.distributional import BayesFormula, MultivariateFormula
from bayesglmm.model import Model
from bayesglmm.results import Fit
from bayesglmm.results.multivariate import MultivariateFit
from bayesglmm.results.storage import (
    COVARIANCE_PREFIX,
    DATA_GROUP,
    RECORD_KEY,
    ModelRecord,
    covariances_from_tree,
    covariances_to_datasets,
    frame_from_dataset,
    frame_to_dataset,
    user_priors,
)

FORMAT_VERSION = 1
"""Version of the store layout, independent of the package version; bumped when a change
would mislead an older reader."""
FORMAT_NAME = "bayesglmm fit"
"""The manifest's ``format`` entry, which marks a directory as a bayesglmm store."""
MANIFEST_KEY = "bayesglmm_manifest"
"""Root attribute holding the manifest: format, format version and checksums."""
ROOT = "zarr.json"
"""The root group's metadata file, which holds the record and the manifest."""
DAMAGED = "restore the store from a copy, or fit the model again and save it"
"""What to do about a store that fails its checks."""


def save_fit(fit: Fit | MultivariateFit, path: str | Path, overwrite: bool = False) -> None:
    """Write ``fit`` to a new zarr store at ``path`` (a directory); read it with ``bg.load``.

    The store is written to a hidden directory beside ``path`` and renamed into place;
    with ``overwrite=True`` an earlier store (or an empty directory) at ``path`` is
    renamed aside, the new one renamed in, and only then the old one deleted. An error or
    interruption on the way leaves ``path`` as it was and removes the hidden directory.

    Raises
    ------
    StoreError
        When ``path`` exists and ``overwrite`` is false; when it is a file, a symbolic link
        or a directory holding anything but a bayesglmm store (whatever ``overwrite``
        says); when its folder does not exist; or when the store cannot be written.
    """
    _check_path_type(path, "fit.save('fit.zarr')")
    target = Path(os.path.abspath(path))
    _check_target(target, path, overwrite)
    tree = _fit_tree(fit)
    staging = target.with_name(f".{target.name}.{secrets.token_hex(6)}.saving")
    try:
        staging.mkdir()
        _write_store(tree, staging)
        aside = _put_in_place(staging, target)
    except BaseException as error:
        shutil.rmtree(staging, ignore_errors=True)
        if isinstance(error, OSError):
            raise StoreError(
                f"could not save the fit to '{path}' ({error}); '{path}' was left as it was. "
                "Check that the folder is writable and has space, or save to another path."
            ) from None
        raise
    if aside is not None:
        try:
            shutil.rmtree(aside)
        except OSError as error:
            raise StoreError(
                f"the fit was saved to '{path}', but the store it replaced, moved to "
                f"'{aside}', could not be deleted ({error}); delete it yourself."
            ) from None


def load(path: str | Path) -> Fit | MultivariateFit:
    """Read a fit saved by :meth:`bayesglmm.Fit.save`: draws, model and data, ready to
    summarise and predict. Every file is checked against the store's manifest first.

    Raises
    ------
    StoreError
        When ``path`` is not a bayesglmm store, comes from a newer store format, or has a
        changed, truncated, missing or unexpected file, or a model record that cannot be
        read; the message names the file or record key.
    """
    _check_path_type(path, "bg.load('fit.zarr')")
    store = Path(path)
    record = _checked_record(store, path)
    try:
        tree = xr.open_datatree(store, engine="zarr", consolidated=False).load()
    except Exception as error:
        raise StoreError(
            f"'{path}' passed its checksums but could not be read as a zarr store "
            f"({type(error).__name__}: {error}); {DAMAGED}."
        ) from None
    if DATA_GROUP not in tree.children:
        raise StoreError(f"'{path}' lacks the group '{DATA_GROUP}' (the data); {DAMAGED}.")
    try:
        return _rebuild(tree, record)
    except Exception as error:
        raise StoreError(
            f"the model saved in '{path}' cannot be rebuilt ({type(error).__name__}: {error}); "
            f"it was saved by bayesglmm {record.version}: load it with that version, or fit "
            "the model again."
        ) from None


def _check_path_type(path: object, example: str) -> None:
    if not isinstance(path, str | os.PathLike):
        raise StoreError(
            f"the path of a saved fit must be text or a pathlib.Path, not "
            f"{type(path).__name__} ({path!r}); for example {example}."
        )


def _fit_tree(fit: Fit | MultivariateFit) -> xr.DataTree:
    """The DataTree a store holds: the fit's groups, its data and known covariances, and
    the model record in the root attributes."""
    if isinstance(fit, MultivariateFit):
        return _multivariate_tree(fit)
    spec = fit.spec
    record = ModelRecord(
        formula=spec.formula.text,
        parameters=tuple(
            (p.name, p.formula.text.split("~", 1)[1].strip()) for p in spec.parameters
        ),
        residual=None if spec.residual is None else spec.residual.text,
        family=fit.family.name,
        link=fit.link.name,
        priors=user_priors(fit.priors),
        centered=tuple(sorted(fit.centered)),
        observed_name=fit.observed_name,
        version=version("bayesglmm"),
    )
    groups = {name: fit.idata[name].to_dataset() for name in fit.idata.children}
    rows = spec.data if spec.imputed_rows is None else pd.concat([spec.data, spec.imputed_rows])
    groups[DATA_GROUP] = frame_to_dataset(rows)
    groups.update(covariances_to_datasets(spec))
    tree = xr.DataTree.from_dict(groups)
    tree.attrs[RECORD_KEY] = record.to_json()
    return tree


def _multivariate_tree(fit: MultivariateFit) -> xr.DataTree:
    """:func:`_fit_tree` of a multivariate fit: its responses' formulas, families and
    centred factors in the record, and the rows of all its responses."""
    model = fit.model
    record = ModelRecord(
        formula=str(model.formula),
        parameters=(),
        residual=None,
        family=model.family.name,
        link=model.link.name,
        priors=user_priors(fit.priors),
        centered=(),
        observed_name=model.graph.observed_name,
        version=version("bayesglmm"),
        responses=tuple(
            (
                formula.mean,
                None if formula.family is None else view.family.name,
                tuple(sorted(view.centered)),
            )
            for formula, view in zip(model.formula.responses, model.views, strict=True)
        ),
        rescor=model.rescor,
    )
    groups = {name: fit.idata[name].to_dataset() for name in fit.idata.children}
    groups[DATA_GROUP] = frame_to_dataset(model.data)
    for view in model.views:
        groups.update(covariances_to_datasets(view.spec))
    tree = xr.DataTree.from_dict(groups)
    tree.attrs[RECORD_KEY] = record.to_json()
    return tree


def _rebuild_multivariate(tree: xr.DataTree, record: ModelRecord) -> MultivariateFit:
    """The multivariate fit a checked store describes."""
    formula = MultivariateFormula(
        tuple(BayesFormula(text, (), family) for text, family, _ in record.responses)
    )
    names = formula.names
    model = Model(
        formula,
        frame_from_dataset(tree[DATA_GROUP].to_dataset()),
        family=record.family,
        link=record.link,
        priors=record.priors,
        centered={name: list(c) for name, (_, _, c) in zip(names, record.responses, strict=True)},
        covariances=covariances_from_tree(tree),
        rescor=record.rescor,
    )
    draws = _draws(tree)
    return MultivariateFit(draws, model, warn_convergence=False)


def _draws(tree: xr.DataTree) -> xr.DataTree:
    """The groups of a store that hold the fit's draws (not its data or covariances)."""
    return xr.DataTree.from_dict(
        {
            name: tree[name].to_dataset()
            for name in tree.children
            if name != DATA_GROUP and not name.startswith(COVARIANCE_PREFIX)
        }
    )


def _rebuild(tree: xr.DataTree, record: ModelRecord) -> Fit | MultivariateFit:
    """The fit a checked store describes."""
    if record.responses:
        return _rebuild_multivariate(tree, record)
    model = Model(
        BayesFormula(record.formula, record.parameters),
        frame_from_dataset(tree[DATA_GROUP].to_dataset()),
        family=record.family,
        link=record.link,
        priors=record.priors,
        centered=list(record.centered),
        covariances=covariances_from_tree(tree),
        residual=record.residual,
    )
    draws = _draws(tree)
    return Fit(
        draws,
        model.spec,
        model.family,
        model.link,
        model.priors,
        record.observed_name,
        model.centered,
        warn_convergence=False,
    )


def _check_target(target: Path, shown: str | Path, overwrite: bool) -> None:
    """Refuse to save at ``target`` unless it is new, or ``overwrite`` is set and it holds
    an earlier store or nothing."""
    if target.is_symlink():
        raise StoreError(
            f"'{shown}' is a symbolic link; bayesglmm will not replace it, even with "
            "overwrite=True. Save to another path."
        )
    if not target.exists():
        if not target.parent.is_dir():
            raise StoreError(
                f"cannot save to '{shown}': the folder '{target.parent}' does not exist. "
                "Create it first, or save to another path."
            )
        return
    if not target.is_dir():
        raise StoreError(
            f"'{shown}' is a file, not a saved fit; bayesglmm will not replace it, even with "
            "overwrite=True. Save to another path, or remove the file yourself."
        )
    empty = not any(target.iterdir())
    if not empty and not _is_store(target):
        raise StoreError(
            f"'{shown}' is a directory holding files that are not a fit saved by bayesglmm; "
            "bayesglmm will not replace it, even with overwrite=True. Save to another path."
        )
    if not overwrite:
        kind = "an empty directory" if empty else "a saved fit"
        raise StoreError(
            f"'{shown}' already exists ({kind}); pass overwrite=True to replace it, or save "
            "to another path."
        )


def _is_store(directory: Path) -> bool:
    """Whether ``directory`` holds a bayesglmm store and nothing else: a manifest marked
    as ours that lists every other file in it."""
    try:
        manifest = json.loads((directory / ROOT).read_text())["attributes"][MANIFEST_KEY]
        listed = set(manifest["files"]) if manifest["format"] == FORMAT_NAME else set()
    except (OSError, ValueError, KeyError, TypeError):
        return False
    return bool(listed) and set(_files(directory)) <= listed | {ROOT}


def _write_store(tree: xr.DataTree, directory: Path) -> None:
    """Write ``tree`` into the empty ``directory``, then its manifest."""
    tree.to_zarr(directory, mode="w", consolidated=False)
    manifest = {
        "format": FORMAT_NAME,
        "format_version": FORMAT_VERSION,
        "written_by": f"bayesglmm {version('bayesglmm')}",
        "record_sha256": _digest(tree.attrs[RECORD_KEY].encode()),
        "files": {name: _sha256(directory / name) for name in _files(directory) if name != ROOT},
    }
    zarr.open_group(directory, mode="r+").attrs[MANIFEST_KEY] = manifest


def _put_in_place(staging: Path, target: Path) -> Path | None:
    """Rename ``staging`` to ``target``; a directory already at ``target`` is renamed aside
    first (and back should the second rename fail). Returns where it was put aside."""
    if not target.exists():
        os.rename(staging, target)
        return None
    aside = staging.with_suffix(".replaced")
    os.rename(target, aside)
    try:
        os.rename(staging, target)
    except BaseException:
        os.rename(aside, target)
        raise
    return aside


def _checked_record(store: Path, shown: str | Path) -> ModelRecord:
    """The model record of ``store`` once the store is checked: a bayesglmm store of a
    format this version reads, whose record and files match their checksums, with no
    other files."""
    if not store.exists():
        aside = sorted(store.parent.glob(f".{glob.escape(store.name)}.*.replaced"))
        hint = f" An interrupted save left the earlier store at '{aside[0]}'." if aside else ""
        raise StoreError(f"no saved fit at '{shown}'; save one with fit.save('{shown}').{hint}")
    if not store.is_dir():
        raise StoreError(f"'{shown}' is a file, not a fit saved by bayesglmm (a directory).")
    root = store / ROOT
    attributes = _root_attributes(store, shown)
    manifest = attributes.get(MANIFEST_KEY)
    if manifest is None and RECORD_KEY in attributes:
        raise StoreError(
            f"'{shown}' holds a bayesglmm model record but no manifest '{MANIFEST_KEY}', so "
            "it cannot be checked: it was saved before stores carried checksums, or the "
            "manifest was removed. Load it with the bayesglmm that saved it and save it again."
        )
    if manifest is None:
        raise StoreError(
            f"'{shown}' is a zarr store but not a fit saved by bayesglmm: its root attributes "
            f"lack the manifest '{MANIFEST_KEY}' that fit.save writes."
        )
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT_NAME:
        raise StoreError(
            f"the root attribute '{MANIFEST_KEY}' in '{root}' does not mark a fit saved by "
            f"bayesglmm; {DAMAGED}."
        )
    for key in ("format_version", "record_sha256", "files"):
        if key not in manifest:
            raise StoreError(
                f"the manifest '{MANIFEST_KEY}' in '{root}' lacks the key '{key}'; {DAMAGED}."
            )
    format_version = manifest["format_version"]
    if not isinstance(format_version, int) or format_version < 1:
        raise StoreError(
            f"the manifest in '{root}' gives the store format {format_version!r}, not a "
            f"positive integer; {DAMAGED}."
        )
    if format_version > FORMAT_VERSION:
        raise StoreError(
            f"'{shown}' was written in store format {format_version} by "
            f"{manifest.get('written_by', 'a newer bayesglmm')}; this bayesglmm "
            f"({version('bayesglmm')}) reads format {FORMAT_VERSION}. Upgrade bayesglmm "
            "(pip install --upgrade bayesglmm) to load it."
        )
    text = attributes.get(RECORD_KEY)
    if text is None:
        raise StoreError(
            f"'{root}' lacks the model record (root attribute '{RECORD_KEY}'); {DAMAGED}."
        )
    if not isinstance(text, str) or _digest(text.encode()) != manifest["record_sha256"]:
        raise StoreError(
            f"the model record (root attribute '{RECORD_KEY}') in '{root}' does not match its "
            f"checksum: it was changed after the fit was saved; {DAMAGED}."
        )
    _check_files(store, manifest["files"], root)
    try:
        return ModelRecord.from_json(text)
    except StoreError as error:
        raise StoreError(
            f"root attribute '{RECORD_KEY}' in '{root}': {error}. Load it with the bayesglmm "
            "that saved it, or fit the model again and save it."
        ) from None


def _root_attributes(store: Path, shown: str | Path) -> dict:
    """The attributes of the root group, read from its ``zarr.json`` as plain JSON."""
    root = store / ROOT
    if not root.is_file():
        raise StoreError(f"'{shown}' is not a fit saved by bayesglmm: it has no '{ROOT}'.")
    try:
        metadata = json.loads(root.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise StoreError(
            f"'{root}' is not readable JSON ({type(error).__name__}: {error}); {DAMAGED}."
        ) from None
    attributes = metadata.get("attributes", {}) if isinstance(metadata, dict) else None
    if not isinstance(attributes, dict):
        raise StoreError(f"'{root}' is not the metadata of a zarr group; {DAMAGED}.")
    return attributes


def _check_files(store: Path, checksums: object, root: Path) -> None:
    """Check every file in ``checksums`` (relative path to SHA-256) is in ``store`` with
    those bytes, and that ``store`` has no other file besides ``root``."""
    if not isinstance(checksums, dict):
        raise StoreError(f"the manifest in '{root}' has no table of file checksums; {DAMAGED}.")
    present = set(_files(store))
    for name, expected in checksums.items():
        if name not in present:
            raise StoreError(f"'{store / name}' is missing from the saved fit; {DAMAGED}.")
        try:
            actual = _sha256(store / name)
        except OSError as error:
            raise StoreError(
                f"'{store / name}' cannot be read ({error}); check its permissions."
            ) from None
        if actual != expected:
            raise StoreError(
                f"'{store / name}' does not match its checksum: it was changed, truncated or "
                f"damaged after the fit was saved; {DAMAGED}."
            )
    unexpected = sorted(present - set(checksums) - {ROOT})
    if unexpected:
        raise StoreError(
            f"'{store / unexpected[0]}' was not written by fit.save and could change what "
            "loads; remove it, or save the fit again."
        )


def _files(directory: Path) -> list[str]:
    """Every file under ``directory``, as sorted POSIX paths relative to it."""
    return sorted(p.relative_to(directory).as_posix() for p in directory.rglob("*") if p.is_file())


def _digest(data: bytes) -> str:
    """The SHA-256 of ``data``, in hex."""
    return hashlib.sha256(data).hexdigest()


def _sha256(file: Path) -> str:
    """The SHA-256 of a file's bytes, in hex."""
    digest = hashlib.sha256()
    with file.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
