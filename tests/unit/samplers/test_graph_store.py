"""Rewritten graphs kept on disk (bayesglmm.samplers.graph_store): keys that follow the
structure, entries a later compile links without rewriting, and the same draws."""

import os
import warnings

import numpy as np
import pytensor.tensor as pt
import pytest
from pytensor.compile.builders import OpFromGraph

import bayesglmm as bg
from bayesglmm.samplers import graph_compile, graph_store, nutpie_sampler

FORMULA = "favorable | trials(n) ~ treatment + (1 | clinic)"


@pytest.fixture
def store_folder(tmp_path, monkeypatch):
    monkeypatch.setattr(graph_store, "folder", lambda: tmp_path / "graphs")
    monkeypatch.setattr(nutpie_sampler, "_compiled_structures", [])
    return tmp_path / "graphs"


def _draws(**model_arguments) -> np.ndarray:
    model = bg.Model(FORMULA, bg.datasets.load("infection"), family="binomial", **model_arguments)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", bg.ConvergenceWarning)
        fit = model.fit(draws=100, tune=100, chains=2, seed=5, progress=False)
    nutpie_sampler._compiled_structures.clear()
    return fit.posterior["b"].to_numpy()


def test_the_key_follows_structure_constants_and_recipe():
    x, y = pt.dvector("x"), pt.dvector("y")
    key = graph_store.structure_key([x], [pt.exp(x).sum()], "recipe")
    renamed = pt.dvector("other name")
    assert graph_store.structure_key([renamed], [pt.exp(renamed).sum()], "recipe") == key
    assert graph_store.structure_key([x], [pt.log(x).sum()], "recipe") != key
    assert graph_store.structure_key([x], [pt.exp(2 * x).sum()], "recipe") != key
    assert graph_store.structure_key([x], [pt.exp(x).sum()], "another recipe") != key
    assert graph_store.structure_key([x, y], [pt.exp(x).sum()], "recipe") != key
    assert len(key) == 64


def test_a_second_compile_links_the_stored_graphs_and_draws_the_same(store_folder, monkeypatch):
    fresh = _draws()
    assert len(list(store_folder.glob("*.pkl"))) == 1

    def no_rewriting(*arguments):
        raise AssertionError("the graphs were rewritten again")

    monkeypatch.setattr(graph_compile, "_rewritten", no_rewriting)
    np.testing.assert_array_equal(_draws(), fresh)


def test_another_structure_gets_its_own_entry(store_folder):
    _draws()
    _draws(link="probit")
    assert len(list(store_folder.glob("*.pkl"))) == 2


def test_an_unreadable_entry_is_rewritten_and_replaced(store_folder):
    fresh = _draws()
    (entry,) = store_folder.glob("*.pkl")
    entry.write_bytes(b"not a pickle")
    assert graph_store.load(entry.stem) is None
    np.testing.assert_array_equal(_draws(), fresh)
    assert graph_store.load(entry.stem) is not None


def test_the_store_keeps_the_most_recently_used_entries(store_folder, monkeypatch):
    monkeypatch.setattr(graph_store, "STORE_LIMIT", 2)
    x = pt.dvector("x")
    graphs = [pt.exp(x).sum(), pt.log(x).sum(), pt.sin(x).sum()]
    for k, output in enumerate(graphs):
        frozen = graph_store.FrozenFunctionGraph.from_io([x], [output])
        graph_store.store(f"entry{k}", [frozen])
        os.utime(store_folder / f"entry{k}.pkl", (1_000 + k, 1_000 + k))
    assert sorted(path.stem for path in store_folder.glob("*.pkl")) == ["entry1", "entry2"]
    (restored,) = graph_store.load("entry2")
    assert restored == graph_store.FrozenFunctionGraph.from_io([x], [graphs[2]])


def test_a_graph_that_cannot_be_pickled_has_no_key():
    x = pt.dvector("x")
    square = OpFromGraph([x], [x**2])
    gradient = pt.grad(square(x).sum(), x)
    assert graph_store.structure_key([x], [gradient], "recipe") is None
