"""The log density, gradient, expansion and precompute of a graph, rewritten once per
structure and linked for numba (see :mod:`.nutpie_sampler`).

:func:`compiled_functions` rewrites the graph, moves data-only terms out of it
(:mod:`.hoist`) and links the three functions; the rewritten graphs are kept by
:mod:`.graph_store`, so a later process links them without rewriting.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import pytensor
import pytensor.tensor as pt
from pytensor.compile.mode import Mode
from pytensor.graph.fg import FrozenFunctionGraph
from pytensor.graph.replace import clone_replace
from pytensor.graph.rewriting.utils import rewrite_graph

from bayesglmm.samplers import graph_store, hoist
from bayesglmm.samplers.hoist import hoist_data_terms


@dataclass(frozen=True)
class GraphFunctions:
    """The compiled functions of one graph structure: ``logp_fn``, ``expand_fn`` and
    ``precompute_fn`` as in :class:`~bayesglmm.samplers.nutpie_sampler.CompiledGraph`, none
    tied to a model's variables."""

    logp_fn: object
    expand_fn: object
    precompute_fn: object


ONCE_PER_FIT = Mode(linker="py", optimizer="fast_run")
"""Mode of ``precompute_fn``, which runs once per fit: PyTensor's Python linker, whose NumPy
and SciPy calls need no compile (numba's compile of the infection model's eight hoisted
terms took 1.3 s on an empty cache)."""

LINKERS = ("numba", "numba", "py")
"""The linkers of ``logp_fn``, ``expand_fn`` and ``precompute_fn``."""

RECIPE = hashlib.sha256(Path(__file__).read_bytes() + Path(hoist.__file__).read_bytes()).hexdigest()
"""What rewrites and compiles a graph here: this module's and :mod:`.hoist`'s source, part of
every :mod:`.graph_store` key, so a change to either never meets graphs rewritten before."""


def compiled_functions(
    values: list[pt.TensorVariable],
    symbols: list[pt.TensorVariable],
    row_flags: tuple[bool, ...],
    outputs: list[pt.TensorVariable],
) -> GraphFunctions:
    """Compile ``outputs`` (log density, gradient, public variables) from their rewritten
    graphs, which an earlier process may have stored for this structure
    (:mod:`.graph_store`). Fresh or stored, the same frozen graphs are linked, so numba's
    cache serves both and a seed gives the same draws."""
    key = graph_store.structure_key(values + symbols, outputs, f"{RECIPE} {row_flags}")
    graphs = None if key is None else graph_store.load(key)
    if graphs is None:
        graphs = _rewritten(values, symbols, row_flags, outputs)
        if key is not None:
            graph_store.store(key, graphs)
    logp_fn, expand_fn, precompute_fn = (
        _linked(graph, linker) for graph, linker in zip(graphs, LINKERS, strict=True)
    )
    return GraphFunctions(logp_fn.vm.jit_fn, expand_fn.vm.jit_fn, precompute_fn)


def _rewritten(
    values: list[pt.TensorVariable],
    symbols: list[pt.TensorVariable],
    row_flags: tuple[bool, ...],
    outputs: list[pt.TensorVariable],
) -> list[FrozenFunctionGraph]:
    """The rewritten graphs of the log density and gradient, the expansion and the
    precompute of hoisted terms (PyTensor rewrites a graph when it makes a function of it;
    numba compiles only at a function's first call, which these never get)."""
    logp, gradient, *public = clone_replace(outputs, {})  # rewrites change the graph they get
    logp, gradient = rewrite_graph(
        [logp, gradient], include=("canonicalize", "stabilize", "local_remove_check_parameter")
    )
    rows = [symbol for symbol, row in zip(symbols, row_flags, strict=True) if row]
    (logp, gradient), hoisted, hoisted_symbols = hoist_data_terms([logp, gradient], symbols, rows)
    functions = [
        pytensor.function(
            values + symbols + hoisted_symbols,
            [logp, gradient],
            mode="NUMBA",
            on_unused_input="ignore",
        ),
        pytensor.function(values + symbols, public, mode="NUMBA", on_unused_input="ignore"),
        pytensor.function(symbols, hoisted, mode=ONCE_PER_FIT, on_unused_input="ignore"),
    ]
    return [function.maker.fgraph.freeze() for function in functions]


def _linked(graph: FrozenFunctionGraph, linker: str) -> pytensor.compile.Function:
    """A function of a stored, already rewritten graph, linked without rewriting again."""
    mutable = graph.unfreeze()
    return pytensor.function(
        mutable.inputs,
        mutable.outputs,
        mode=Mode(linker=linker, optimizer=None),
        on_unused_input="ignore",
        accept_inplace=True,
    )
