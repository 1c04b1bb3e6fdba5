"""fit.save and bg.load round-trip a fit exactly, never destroy other data, and refuse
damaged stores with a StoreError naming the file or key."""

import errno
import hashlib
import json
import shutil
import warnings
from pathlib import Path

import pandas as pd
import pytest
import xarray as xr

import bayesglmm as bg
from bayesglmm import persistence
from tests.conftest import quiet_fit


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    data = bg.datasets.load("cbpp")
    data["period"] = pd.Categorical(data["period"].astype(str), categories=["4", "3", "2", "1"])
    model = bg.Model(
        "incidence | trials(size) ~ period + (1 | herd)",
        data,
        family="binomial",
        priors={"b": bg.priors.Normal(0, 2), "sd[herd]": bg.priors.HalfNormal(1.5)},
        centered=True,
    )
    fit = quiet_fit(model, draws=200, tune=200, chains=2, seed=5)
    path = tmp_path_factory.mktemp("fits") / "cbpp.zarr"
    fit.save(path)
    return fit, bg.load(path), path


def test_every_group_of_draws_is_identical(saved):
    fit, loaded, _ = saved
    assert sorted(loaded.idata.children) == sorted(fit.idata.children)
    for name in fit.idata.children:
        xr.testing.assert_identical(fit.idata[name].to_dataset(), loaded.idata[name].to_dataset())


def test_model_priors_and_coding_survive(saved):
    fit, loaded, _ = saved
    assert loaded.spec.formula.text == fit.spec.formula.text
    assert (loaded.family.name, loaded.link.name) == ("binomial", "logit")
    assert loaded.spec.fixed.names == ("Intercept", "period[T.3]", "period[T.2]", "period[T.1]")
    pd.testing.assert_frame_equal(loaded.priors.to_frame(), fit.priors.to_frame())
    assert loaded.spec.groups[0].levels == fit.spec.groups[0].levels
    assert loaded.centered == frozenset({"herd"})
    pd.testing.assert_frame_equal(loaded.summary(), fit.summary())
    assert repr(loaded) == repr(fit)


def test_a_loaded_fit_predicts_like_the_original(saved):
    fit, loaded, _ = saved
    new = pd.DataFrame({"period": ["1", "4"], "herd": [3, 99]})
    pd.testing.assert_frame_equal(
        loaded.predict(new, seed=2), fit.predict(new, seed=2), check_exact=True
    )


def test_loading_a_missing_or_foreign_store_is_explained(tmp_path):
    with pytest.raises(bg.StoreError) as caught:
        bg.load(tmp_path / "nothing.zarr")
    assert str(caught.value) == (
        f"no saved fit at '{tmp_path / 'nothing.zarr'}'; save one with "
        f"fit.save('{tmp_path / 'nothing.zarr'}')."
    )
    foreign = tmp_path / "foreign.zarr"
    xr.Dataset({"a": ("x", [1.0])}).to_zarr(foreign, consolidated=False)
    with pytest.raises(bg.StoreError, match="is a zarr store but not a fit saved by bayesglmm"):
        bg.load(foreign)


DAMAGED = "restore the store from a copy, or fit the model again and save it."


@pytest.fixture(scope="module")
def other_fit():
    """A second, different fit, to overwrite the first with."""
    model = bg.Model(
        "incidence | trials(size) ~ period + (1 | herd)",
        bg.datasets.load("cbpp"),
        family="binomial",
    )
    return quiet_fit(model, draws=100, tune=100, chains=2, seed=6)


@pytest.fixture
def store(saved, tmp_path):
    """A fresh copy of the saved store, to change or damage."""
    return Path(shutil.copytree(saved[2], tmp_path / "fit.zarr"))


def assert_same_draws(loaded: bg.Fit, fit: bg.Fit) -> None:
    assert sorted(loaded.idata.children) == sorted(fit.idata.children)
    for name in fit.idata.children:
        xr.testing.assert_identical(loaded.idata[name].to_dataset(), fit.idata[name].to_dataset())


def hidden_siblings(path: Path) -> list[str]:
    return sorted(p.name for p in path.parent.iterdir() if p.name.startswith("."))


def edit_root(store: Path, change, reseal: bool = True) -> None:
    """Apply ``change`` to the root attributes; with ``reseal``, update the record's
    checksum in the manifest, as if the edit had been saved that way."""
    root = store / "zarr.json"
    metadata = json.loads(root.read_text())
    change(metadata["attributes"])
    record = metadata["attributes"].get("bayesglmm")
    if reseal and isinstance(record, str):
        manifest = metadata["attributes"]["bayesglmm_manifest"]
        manifest["record_sha256"] = hashlib.sha256(record.encode()).hexdigest()
    root.write_text(json.dumps(metadata))


def edit_record(store: Path, change) -> None:
    """Apply ``change`` to the parsed model record and reseal it."""

    def rewrite(attributes):
        record = json.loads(attributes["bayesglmm"])
        change(record)
        attributes["bayesglmm"] = json.dumps(record)

    edit_root(store, rewrite)


@pytest.mark.parametrize("overwrite", [False, True])
def test_a_directory_of_other_files_is_never_replaced(saved, tmp_path, monkeypatch, overwrite):
    fit = saved[0]
    (tmp_path / "notes.txt").write_text("my notes")
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "raw.csv").write_text("a,b\n1,2\n")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(bg.StoreError) as caught:
        fit.save(".", overwrite=overwrite)
    assert str(caught.value) == (
        "'.' is a directory holding files that are not a fit saved by bayesglmm; bayesglmm "
        "will not replace it, even with overwrite=True. Save to another path."
    )
    assert (tmp_path / "notes.txt").read_text() == "my notes"
    assert (tmp_path / "data" / "raw.csv").read_text() == "a,b\n1,2\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data", "notes.txt"]


def test_a_store_with_an_added_file_is_not_replaced(saved, store):
    (store / "notes.txt").write_text("mine")
    with pytest.raises(bg.StoreError, match="is a directory holding files that are not a fit"):
        saved[0].save(store, overwrite=True)
    assert (store / "notes.txt").read_text() == "mine"


def test_an_empty_directory_is_replaced_only_with_overwrite(saved, tmp_path):
    fit, target = saved[0], tmp_path / "empty"
    target.mkdir()
    with pytest.raises(bg.StoreError) as caught:
        fit.save(target)
    assert str(caught.value) == (
        f"'{target}' already exists (an empty directory); pass overwrite=True to replace it, "
        "or save to another path."
    )
    assert list(target.iterdir()) == []
    fit.save(target, overwrite=True)
    assert_same_draws(bg.load(target), fit)
    assert hidden_siblings(target) == []


def test_an_earlier_store_is_replaced_only_with_overwrite(saved, other_fit, store):
    fit = saved[0]
    with pytest.raises(bg.StoreError) as caught:
        other_fit.save(store)
    assert str(caught.value) == (
        f"'{store}' already exists (a saved fit); pass overwrite=True to replace it, or save "
        "to another path."
    )
    assert_same_draws(bg.load(store), fit)
    other_fit.save(store, overwrite=True)
    assert_same_draws(bg.load(store), other_fit)
    assert hidden_siblings(store) == []


@pytest.mark.parametrize("overwrite", [False, True])
def test_a_plain_file_is_never_replaced(saved, tmp_path, overwrite):
    target = tmp_path / "fit.zarr"
    target.write_text("not a store")
    with pytest.raises(bg.StoreError) as caught:
        saved[0].save(target, overwrite=overwrite)
    assert str(caught.value) == (
        f"'{target}' is a file, not a saved fit; bayesglmm will not replace it, even with "
        "overwrite=True. Save to another path, or remove the file yourself."
    )
    assert target.read_text() == "not a store"
    assert hidden_siblings(target) == []


def test_saving_into_a_missing_folder_is_refused(saved, tmp_path):
    target = tmp_path / "no" / "fit.zarr"
    with pytest.raises(bg.StoreError) as caught:
        saved[0].save(target)
    assert str(caught.value) == (
        f"cannot save to '{target}': the folder '{target.parent}' does not exist. Create it "
        "first, or save to another path."
    )
    assert not (tmp_path / "no").exists()


def test_a_save_that_fails_part_way_leaves_the_old_store(saved, other_fit, store, monkeypatch):
    def write_posterior_then_fail(tree, directory, **options):
        tree["posterior"].to_dataset().to_zarr(Path(directory) / "posterior", **options)
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(xr.DataTree, "to_zarr", write_posterior_then_fail)
    with pytest.raises(bg.StoreError) as caught:
        other_fit.save(store, overwrite=True)
    assert str(caught.value) == (
        f"could not save the fit to '{store}' ([Errno 28] No space left on device); "
        f"'{store}' was left as it was. Check that the folder is writable and has space, or "
        "save to another path."
    )
    assert_same_draws(bg.load(store), saved[0])
    assert hidden_siblings(store) == []


def test_an_interrupted_save_leaves_the_old_store(saved, other_fit, store, monkeypatch):
    def interrupt(tree, directory, **options):
        raise KeyboardInterrupt

    monkeypatch.setattr(xr.DataTree, "to_zarr", interrupt)
    with pytest.raises(KeyboardInterrupt):
        other_fit.save(store, overwrite=True)
    assert_same_draws(bg.load(store), saved[0])
    assert hidden_siblings(store) == []


def test_a_failed_rename_into_place_puts_the_old_store_back(saved, other_fit, store, monkeypatch):
    real_rename, renames = persistence.os.rename, []

    def fail_second(source, destination):
        renames.append((Path(source).name, Path(destination).name))
        if len(renames) == 2:
            raise OSError(errno.EACCES, "Permission denied")
        real_rename(source, destination)

    monkeypatch.setattr(persistence.os, "rename", fail_second)
    with pytest.raises(bg.StoreError, match=r"\(\[Errno 13\] Permission denied\); '.*' was left"):
        other_fit.save(store, overwrite=True)
    assert renames[0][0] == "fit.zarr" and renames[0][1].endswith(".replaced")
    assert renames[1][1] == "fit.zarr" and renames[1][0].endswith(".saving")
    assert renames[2] == (renames[0][1], "fit.zarr")
    assert_same_draws(bg.load(store), saved[0])
    assert hidden_siblings(store) == []


def test_a_loaded_fit_keeps_its_convergence_messages_without_warning_again(saved):
    fit, _, path = saved
    assert fit.warnings
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        loaded = bg.load(path)
    assert [w for w in caught if issubclass(w.category, bg.ConvergenceWarning)] == []
    assert loaded.warnings == fit.warnings


def flip_byte(file: Path) -> None:
    content = bytearray(file.read_bytes())
    content[len(content) // 2] ^= 0xFF
    file.write_bytes(bytes(content))


def truncate(file: Path) -> None:
    file.write_bytes(file.read_bytes()[:10])


CHUNK = "posterior/b/c/0/0/0"


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (flip_byte, "does not match its checksum: it was changed, truncated or damaged"),
        (truncate, "does not match its checksum: it was changed, truncated or damaged"),
        (Path.unlink, "is missing from the saved fit"),
    ],
)
def test_a_damaged_chunk_is_named(store, damage, message):
    damage(store / CHUNK)
    with pytest.raises(bg.StoreError) as caught:
        bg.load(store)
    assert str(caught.value).startswith(f"'{store / CHUNK}' {message}")
    assert str(caught.value).endswith(DAMAGED)


def test_a_file_added_to_a_store_is_named(store):
    (store / "posterior" / "extra").write_text("1")
    with pytest.raises(bg.StoreError) as caught:
        bg.load(store)
    assert str(caught.value) == (
        f"'{store / 'posterior' / 'extra'}' was not written by fit.save and could change what "
        "loads; remove it, or save the fit again."
    )


def test_a_chunk_resealed_after_damage_is_still_a_store_error(store):
    truncate(store / CHUNK)

    def reseal_chunk(attributes):
        digest = hashlib.sha256((store / CHUNK).read_bytes()).hexdigest()
        attributes["bayesglmm_manifest"]["files"][CHUNK] = digest

    edit_root(store, reseal_chunk)
    with pytest.raises(bg.StoreError) as caught:
        bg.load(store)
    assert str(caught.value).startswith(
        f"'{store}' passed its checksums but could not be read as a zarr store ("
    )
    assert str(caught.value).endswith(DAMAGED)


def test_an_edited_record_fails_its_checksum(store):
    edit_root(
        store, lambda a: a.update(bayesglmm=a["bayesglmm"].replace("binomial", "poisson")), False
    )
    with pytest.raises(bg.StoreError) as caught:
        bg.load(store)
    assert str(caught.value) == (
        f"the model record (root attribute 'bayesglmm') in '{store / 'zarr.json'}' does not "
        f"match its checksum: it was changed after the fit was saved; {DAMAGED}"
    )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda r: r.pop("formula"), "the model record lacks the key 'formula'"),
        (lambda r: r.pop("priors"), "the model record lacks the key 'priors'"),
        (lambda r: r.update(centered="herd"), "the model record's key 'centered' is not a list"),
        (
            lambda r: r["priors"].update(b=["Laplace", {"mu": 0, "b": 1}]),
            "the model record's prior for 'b' is of class 'Laplace', which this bayesglmm "
            "does not know (it knows Normal, StudentT,",
        ),
        (
            lambda r: r["priors"].update(b=["__import__('os').getcwd", {}]),
            "the model record's prior for 'b' is of class '__import__('os').getcwd', which",
        ),
        (
            lambda r: r["priors"].update(b=["Normal", {"mu": "__import__('os')", "sigma": 1}]),
            "the model record's prior for 'b' (Normal) has parameters",
        ),
    ],
)
def test_a_bad_record_names_the_key(store, change, message):
    edit_record(store, change)
    with pytest.raises(bg.StoreError) as caught:
        bg.load(store)
    assert str(caught.value).startswith(
        f"root attribute 'bayesglmm' in '{store / 'zarr.json'}': {message}"
    )
    assert str(caught.value).endswith(
        "Load it with the bayesglmm that saved it, or fit the model again and save it."
    )


def test_an_unparseable_or_missing_record_is_named(store):
    edit_root(store, lambda a: a.update(bayesglmm='{"formula": "y ~'))
    with pytest.raises(bg.StoreError, match=r"'bayesglmm' in '.*zarr.json': the model record is "):
        bg.load(store)
    edit_root(store, lambda a: a.pop("bayesglmm"))
    with pytest.raises(bg.StoreError) as caught:
        bg.load(store)
    assert str(caught.value) == (
        f"'{store / 'zarr.json'}' lacks the model record (root attribute 'bayesglmm'); {DAMAGED}"
    )


def test_an_unparseable_root_metadata_file_is_named(store):
    (store / "zarr.json").write_text('{"attributes": {"bayesglmm_manifest"')
    with pytest.raises(bg.StoreError) as caught:
        bg.load(store)
    assert str(caught.value).startswith(
        f"'{store / 'zarr.json'}' is not readable JSON (JSONDecodeError: "
    )
    assert str(caught.value).endswith(DAMAGED)


def test_a_record_the_model_cannot_be_rebuilt_from_is_a_store_error(store):
    edit_record(store, lambda r: r.update(family="nonsense"))
    with pytest.raises(bg.StoreError) as caught:
        bg.load(store)
    assert str(caught.value).startswith(
        f"the model saved in '{store}' cannot be rebuilt (FamilyError: "
    )
    assert str(caught.value).endswith("load it with that version, or fit the model again.")


def test_a_newer_store_format_asks_for_an_upgrade(store):
    def newer(attributes):
        attributes["bayesglmm_manifest"].update(format_version=2, written_by="bayesglmm 9.0")

    edit_root(store, newer)
    with pytest.raises(bg.StoreError) as caught:
        bg.load(store)
    assert str(caught.value) == (
        f"'{store}' was written in store format 2 by bayesglmm 9.0; this bayesglmm "
        f"({bg.__version__}) reads format 1. Upgrade bayesglmm (pip install --upgrade "
        "bayesglmm) to load it."
    )


def test_a_manifest_without_its_format_version_is_named(store):
    edit_root(store, lambda a: a["bayesglmm_manifest"].pop("format_version"))
    with pytest.raises(bg.StoreError) as caught:
        bg.load(store)
    assert str(caught.value) == (
        f"the manifest 'bayesglmm_manifest' in '{store / 'zarr.json'}' lacks the key "
        f"'format_version'; {DAMAGED}"
    )


def test_unknown_record_keys_from_a_newer_version_are_ignored(saved, store):
    edit_record(store, lambda r: r.update(future_option={"nested": [1, 2]}, another=None))
    loaded = bg.load(store)
    assert_same_draws(loaded, saved[0])
    assert loaded.spec.formula.text == saved[0].spec.formula.text


def test_loading_a_plain_file_or_a_half_replaced_store_is_explained(tmp_path):
    plain = tmp_path / "fit.zarr"
    plain.write_text("x")
    with pytest.raises(bg.StoreError) as caught:
        bg.load(plain)
    assert str(caught.value) == f"'{plain}' is a file, not a fit saved by bayesglmm (a directory)."
    plain.unlink()
    (tmp_path / ".fit.zarr.0a1b2c.replaced").mkdir()
    with pytest.raises(bg.StoreError) as caught:
        bg.load(plain)
    assert str(caught.value).endswith(
        f"An interrupted save left the earlier store at '{tmp_path / '.fit.zarr.0a1b2c.replaced'}'."
    )


def test_a_resealed_record_with_a_code_formula_runs_no_code(store, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    payload = "I(0*np._pytesttester.os.system('touch pwned'))"
    edit_record(store, lambda r: r.update(formula=f"incidence | trials(size) ~ {payload}"))
    with pytest.raises(bg.StoreError) as caught:
        bg.load(store)
    assert str(caught.value).startswith(
        f"the model saved in '{store}' cannot be rebuilt (FormulaError: "
    )
    assert not (tmp_path / "pwned").exists()


def test_a_store_without_its_manifest_cannot_be_checked(store):
    edit_root(store, lambda a: a.pop("bayesglmm_manifest"), reseal=False)
    with pytest.raises(bg.StoreError) as caught:
        bg.load(store)
    assert str(caught.value) == (
        f"'{store}' holds a bayesglmm model record but no manifest 'bayesglmm_manifest', so it "
        "cannot be checked: it was saved before stores carried checksums, or the manifest was "
        "removed. Load it with the bayesglmm that saved it and save it again."
    )
