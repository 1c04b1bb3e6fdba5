"""Rewritten graphs kept on disk, so that a new process skips PyTensor's graph rewriting.

numba keeps the machine code of a compiled log density in its on-disk cache, but before it
can look that code up, PyTensor rewrites the graph again in every new process: 0.6 s of the
infection model's 3.2 s fit and 1 s of sleepstudy's on a warm cache (benchmarks/README.md,
"Compile time"). :func:`store` keeps the rewritten graphs of one graph structure, frozen
(PyTensor's ``FrozenFunctionGraph``) and pickled, and :func:`load` returns them in a later
process, to be linked without rewriting; the draws are bit-identical to those of a fresh
rewrite (``tests/integration/test_reproducibility.py``).

The key (:func:`structure_key`) is a SHA-256 of the graph before rewriting, node by node:
each operation's pickle, where its inputs come from, constants' values and every type,
plus the versions of the libraries and the ``recipe`` that rewrote it. A graph with another
structure, another rewrite or other library versions never finds an entry. The files live
in ``graphs`` inside PyTensor's compile directory, beside the pickled entries PyTensor and
numba keep there and unpickle themselves, written by bayesglmm only; the newest
:data:`STORE_LIMIT` are kept.

Examples
--------
>>> import pytensor.tensor as pt
>>> x = pt.dvector("x")
>>> structure_key([x], [pt.exp(x).sum()], "a") == structure_key([x], [pt.exp(x).sum()], "a")
True
>>> structure_key([x], [pt.exp(x).sum()], "a") == structure_key([x], [pt.log(x).sum()], "a")
False
"""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path

import pytensor
from pytensor.graph.basic import Variable
from pytensor.graph.fg import FrozenFunctionGraph

STORE_LIMIT = 200
"""How many stored graph structures the folder keeps; the least recently used go first."""

FOLDER = "graphs"
"""The folder of the store inside PyTensor's compile directory."""

LIBRARIES = ("pytensor", "pymc", "numba", "numpy")
"""Libraries whose versions are part of every key (bayesglmm's own code enters through the
``recipe``)."""

UNREADABLE = (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError, TypeError)
"""What reading a stored entry may raise when the file is truncated or from other code;
the entry is then treated as missing."""


UNPICKLABLE = (pickle.PicklingError, AttributeError, TypeError)
"""What pickling a graph raises when one of its operations holds a local function."""


def folder() -> Path:
    """Where the store keeps its files."""
    return Path(pytensor.config.compiledir) / FOLDER


def structure_key(
    inputs: Sequence[Variable], outputs: Sequence[Variable], recipe: str
) -> str | None:
    """SHA-256 of the structure of the graph from ``inputs`` to ``outputs``, of ``recipe``
    (what rewrites it) and of :data:`LIBRARIES`' versions; None for a graph with an operation
    that cannot be pickled (PyTensor's ``OpFromGraph`` gradients, as in mixtures), which is
    then rewritten in every process."""
    try:
        return _digest(inputs, outputs, recipe)
    except UNPICKLABLE:
        return None


def _digest(inputs: Sequence[Variable], outputs: Sequence[Variable], recipe: str) -> str:
    frozen = FrozenFunctionGraph.from_io(inputs, outputs)
    digest = hashlib.sha256(recipe.encode())
    digest.update(repr([(name, metadata.version(name)) for name in LIBRARIES]).encode())
    digest.update(pickle.dumps([pickle.dumps(variable.type) for variable in frozen.inputs]))
    origin: dict[Variable, tuple] = {v: ("input", i) for i, v in enumerate(frozen.inputs)}
    for position, node in enumerate(frozen.toposort()):
        sources = [
            origin[variable]
            if variable in origin
            else ("constant", pickle.dumps(variable.data), pickle.dumps(variable.type))
            for variable in node.inputs
        ]
        kinds = [pickle.dumps(output.type) for output in node.outputs]
        digest.update(pickle.dumps((pickle.dumps(node.op), sources, kinds)))
        origin.update({output: ("node", position, k) for k, output in enumerate(node.outputs)})
    ends = [
        origin.get(output) or ("constant", pickle.dumps(output.data)) for output in frozen.outputs
    ]
    digest.update(pickle.dumps(ends))
    return digest.hexdigest()


def load(key: str) -> list[FrozenFunctionGraph] | None:
    """The rewritten graphs stored under ``key``, or None."""
    path = folder() / f"{key}.pkl"
    try:
        with path.open("rb") as file:
            graphs = pickle.load(file)
        os.utime(path)
    except UNREADABLE:
        return None
    return graphs


def store(key: str, graphs: Sequence[FrozenFunctionGraph]) -> None:
    """Keep rewritten ``graphs`` under ``key``, written to a temporary file and renamed, so a
    reader never sees half a file. A compile directory that cannot be written leaves the
    store as it was."""
    try:
        content = pickle.dumps(list(graphs), protocol=pickle.HIGHEST_PROTOCOL)
    except UNPICKLABLE:
        return
    try:
        folder().mkdir(exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder(), suffix=".tmp", delete=False) as file:
            file.write(content)
        os.replace(file.name, folder() / f"{key}.pkl")
        _prune()
    except OSError:
        return


def _prune() -> None:
    """Delete all but the :data:`STORE_LIMIT` most recently used entries."""
    entries = sorted(folder().glob("*.pkl"), key=lambda path: path.stat().st_mtime)
    for path in entries[: max(0, len(entries) - STORE_LIMIT)]:
        path.unlink(missing_ok=True)
