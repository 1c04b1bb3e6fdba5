"""NUTS through nutpie, with a compile step that is cached across fits and datasets.

nutpie's own PyMC path wraps the model in a numba C callback that cannot be
cached, so every fit pays 6-20 s of compilation. Here the log density and its
gradient are compiled by PyTensor's numba backend with every data array (and
every prior parameter, which the backend enters as data) passed as an
argument. PyTensor caches that function on disk by graph structure, so a
model with the same formula shape compiles in about a second on every later
fit, whatever its data, and within one process a new ``Model`` whose graph equals one
compiled before reuses its functions without rewriting or linking again. nutpie calls
the function through its Python-function interface.

Examples
--------
>>> import bayesglmm as bg
>>> model = bg.Model("favorable | trials(n) ~ treatment + (1 | clinic)",
...                  bg.datasets.load("infection"), family="binomial")
>>> fit = model.fit(draws=200, tune=200, chains=2, seed=1, progress=False)
>>> fit.idata.posterior.attrs["sampler"]
'NUTS (nutpie)'
"""

from __future__ import annotations

import dataclasses
import threading
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np
import nutpie
import pandas as pd
import pytensor
import pytensor.tensor as pt
import xarray as xr
from nutpie.compiled_pyfunc import from_pyfunc
from pymc.model.transform.optimization import freeze_dims_and_data
from pytensor.compile.sharedvalue import SharedVariable
from pytensor.graph.basic import equal_computations
from pytensor.graph.replace import clone_replace
from pytensor.graph.traversal import graph_inputs

from bayesglmm.backend import PyMCGraph
from bayesglmm.compile_cache import reproducible_compile
from bayesglmm.errors import SamplerError
from bayesglmm.samplers.graph_compile import GraphFunctions, compiled_functions
from bayesglmm.samplers.nutpie_chains import run_chains, start_chain
from bayesglmm.samplers.options import SamplingOptions
from bayesglmm.samplers.start import flat_start, start_point_function
from bayesglmm.samplers.stopping import Stop, keep_drawn, kept_chains

LOW_RANK_MAX_PARAMETERS = 200
"""Models with at most this many unconstrained parameters use nutpie's low-rank mass
matrix adaptation, larger ones its diagonal default. On the reference datasets (30-70
parameters) low rank gives 1.3-3x the minimum ESS per second of the diagonal; on a
407-doctor poisson model (413 parameters) it gave a tenth of the diagonal's ESS at three
times the cost per draw (see benchmarks/README.md)."""


def adaptation_settings(n_parameters: int) -> dict[str, object]:
    """Mass matrix adaptation for a model with ``n_parameters`` unconstrained parameters."""
    return {"adaptation": "low_rank"} if n_parameters <= LOW_RANK_MAX_PARAMETERS else {}


COMPILE_NOTICES = (
    "PyTensor could not link to a BLAS installation",
    "Numba will use object mode",
    "Numba assume_a=",
)
"""Starts of the performance notices (UserWarnings) PyTensor prints while compiling to
numba: about speed, not results, and nothing a bayesglmm user can act on."""


@contextmanager
def quiet_compile() -> Iterator[None]:
    """Silence :data:`COMPILE_NOTICES`, and only those, while compiling."""
    with warnings.catch_warnings():
        for notice in COMPILE_NOTICES:
            warnings.filterwarnings("ignore", message=notice, category=UserWarning)
        yield


@dataclass
class CompiledGraph:
    """Numba-compiled log density, gradient and expansion of a PyMC graph.

    Nothing here depends on the data's values or sizes: those are read from the
    model's shared variables each time :meth:`arguments` is called, so one
    compiled graph serves every dataset set with ``Model.set_data``.

    Attributes
    ----------
    logp_fn
        ``logp_fn(*values, *data, *hoisted) -> (logp, gradient)``.
    expand_fn
        ``expand_fn(*values, *data) -> public variables``.
    precompute_fn
        ``precompute_fn(*data) -> hoisted terms``, appended to the data of ``logp_fn``.
    point_fn
        ``point_fn(seed) -> {value name: array}``, a chain's jittered starting point
        (:func:`~bayesglmm.samplers.start.start_point_function`).
    shared
        The model's shared variables, in the order data are passed.
    """

    graph: PyMCGraph
    logp_fn: object
    expand_fn: object
    precompute_fn: object
    point_fn: Callable[[int], dict[str, np.ndarray]]
    shared: list[SharedVariable]
    description: str = "NUTS (nutpie)"

    def run(self, options: SamplingOptions) -> xr.DataTree:
        """Draw from the posterior with nutpie (see :func:`sample_nutpie`)."""
        return sample_nutpie(self, options)

    def arguments(self) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """Current data arguments of ``expand_fn`` and of ``logp_fn``."""
        data = [np.asarray(variable.get_value()) for variable in self.shared]
        return data, data + list(self.precompute_fn(*data))


def _symbolic_like(variable: SharedVariable) -> pt.TensorVariable:
    """A symbolic input like ``variable``, of any shape (a ``TensorType`` called directly, as
    ``pt.tensor`` would read a name with a comma, such as ``a,b__index``, as a NumPy dtype)."""
    kind = pt.TensorType(variable.type.dtype, shape=(None,) * variable.type.ndim)
    return kind(name=variable.name)


def compile_graph(graph: PyMCGraph) -> CompiledGraph:
    """Compile the log density, its gradient and the public variables with numba.

    Shared variables (data, prior parameters, dimension lengths) become explicit
    arguments so that the compiled function depends only on the graph's
    structure, and terms that depend on the data alone are computed once per
    fit rather than at every gradient evaluation (see :mod:`.hoist`). It compiles with
    :func:`~bayesglmm.compile_cache.reproducible_compile`, so a seed gives the same draws on
    a cold and a warm compile cache, and silences PyTensor's performance notices
    (:func:`quiet_compile`), also those of the initial-point function.
    """
    with pytensor.config.change_flags(traceback__limit=0), reproducible_compile(), quiet_compile():
        return _compile_graph(graph)


@dataclass(frozen=True)
class _Compiled:
    """A graph compiled earlier in this process: its inputs, outputs and functions."""

    inputs: list[pt.TensorVariable]
    outputs: list[pt.TensorVariable]
    row_flags: tuple[bool, ...]
    functions: GraphFunctions


REUSE_LIMIT = 16
"""How many compiled graph structures a process keeps for :func:`_reusable`."""

_compiled_structures: list[_Compiled] = []
_compiled_lock = threading.Lock()


def _reusable(
    inputs: list[pt.TensorVariable], outputs: list[pt.TensorVariable], row_flags: tuple[bool, ...]
) -> GraphFunctions | None:
    """The functions of an earlier graph of this process that computes the same outputs
    from inputs of the same types, static shapes included (PyTensor's
    ``equal_computations``), so a new ``Model`` of a formula, family and priors already
    fitted in this process skips the graph rewriting and linking."""
    with _compiled_lock:
        for earlier in _compiled_structures:
            if (
                earlier.row_flags == row_flags
                and [v.type for v in earlier.inputs] == [v.type for v in inputs]
                and equal_computations(outputs, earlier.outputs, inputs, earlier.inputs)
            ):
                return earlier.functions
    return None


def _remember(compiled: _Compiled) -> None:
    with _compiled_lock:
        _compiled_structures.append(compiled)
        del _compiled_structures[: max(0, len(_compiled_structures) - REUSE_LIMIT)]


def _compile_graph(graph: PyMCGraph) -> CompiledGraph:
    model = graph.model
    values = list(model.value_vars)
    logp = model.logp()
    gradient = pt.concatenate([g.ravel() for g in pt.grad(logp, values)])
    by_name = {variable.name: variable for variable in model.unobserved_value_vars}
    public = [by_name[name] for name in graph.public_names]
    outputs = [logp, gradient, *public]
    shared = [v for v in graph_inputs(outputs) if isinstance(v, SharedVariable)]
    symbols = [_symbolic_like(v) for v in shared]
    outputs = clone_replace(outputs, dict(zip(shared, symbols, strict=True)))
    row_flags = tuple(v.name in graph.row_data for v in shared)
    functions = _reusable(values + symbols, outputs, row_flags)
    if functions is None:
        functions = compiled_functions(values, symbols, row_flags, outputs)
        _remember(_Compiled(values + symbols, outputs, row_flags, functions))
    point_fn = start_point_function(graph)
    compiled = CompiledGraph(
        graph=graph,
        logp_fn=functions.logp_fn,
        expand_fn=functions.expand_fn,
        precompute_fn=functions.precompute_fn,
        point_fn=point_fn,
        shared=shared,
    )
    point = point_fn(0)
    _, logp_data = compiled.arguments()
    compiled.logp_fn(*[point[v.name] for v in values], *logp_data)
    return compiled


def _splitter(shapes: list[tuple[int, ...]]):
    bounds = np.cumsum([0] + [int(np.prod(shape, dtype=int)) for shape in shapes])
    pieces = list(zip(bounds[:-1], bounds[1:], shapes, strict=True))

    def split(x: np.ndarray) -> list[np.ndarray]:
        return [x[start:stop].reshape(shape) for start, stop, shape in pieces]

    return split


def _nutpie_model(compiled: CompiledGraph):
    graph = compiled.graph
    model = graph.model
    value_names = [v.name for v in model.value_vars]
    point = compiled.point_fn(0)
    split = _splitter([point[name].shape for name in value_names])
    data, logp_data = compiled.arguments()
    logp_fn, expand_fn = compiled.logp_fn, compiled.expand_fn
    names = list(graph.public_names)
    output_shapes = [np.shape(out) for out in expand_fn(*[point[n] for n in value_names], *data)]

    def make_logp():
        def logp(x: np.ndarray) -> tuple[float, np.ndarray]:
            value, grad = logp_fn(*split(x), *logp_data)
            value = float(value)
            return (value if value < np.inf else -np.inf), grad

        return logp

    def make_expand(seed1: int, seed2: int, chain: int):
        def expand(x: np.ndarray) -> dict[str, np.ndarray]:
            return dict(zip(names, expand_fn(*split(x), *data), strict=True))

        return expand

    dims = {name: tuple(model.named_vars_to_dims.get(name, ())) for name in names}
    used_dims = {dim for dim_names in dims.values() for dim in dim_names}
    coords = {dim: pd.Index(model.coords[dim]) for dim in used_dims}
    return from_pyfunc(
        sum(point[name].size for name in value_names),
        make_logp,
        make_expand,
        [np.dtype("float64")] * len(names),
        output_shapes,
        names,
        coords=coords,
        dims=dims,
        make_initial_point_fn=flat_start(compiled.point_fn, model),
    )


def compile_native(graph: PyMCGraph):
    """nutpie's native compile of ``graph`` with every array but the per-row ones frozen
    into it as constants, with :func:`~bayesglmm.compile_cache.reproducible_compile`."""
    frozen = [v.name for v in graph.model.data_vars if v.name not in graph.row_data]
    model = freeze_dims_and_data(graph.model, data=frozen)
    with reproducible_compile(), quiet_compile():
        compiled = nutpie.compile_pymc_model(model, var_names=list(graph.public_names))
    start = flat_start(start_point_function(graph), graph.model)
    return dataclasses.replace(compiled, initial_point_func=start)


@dataclass
class NativeNutpie:
    """A PyMC graph compiled by nutpie's own numba path.

    nutpie's native C callback runs chains in parallel without Python in the loop, but
    its compile cannot be cached, so it pays off only on large data (see
    :data:`NATIVE_WORK`). The callback's compile time grows quickly with the number of data
    arrays it reads (27 for a three-factor crossed LMM took 16 s against 3 s for five), so
    every array but the per-row ones is frozen into the graph as a constant. The compile is
    redone when ``Model.set_data`` changes the sizes or a frozen array.
    """

    graph: PyMCGraph
    description: str = "NUTS (nutpie, native compile)"
    _compiled: dict = field(default_factory=dict)

    def _shared_values(self) -> dict[str, np.ndarray]:
        return {v.name: np.asarray(v.get_value()) for v in self.graph.model.data_vars}

    def _key(self, values: dict[str, np.ndarray]) -> tuple:
        """The row arrays' shapes and the frozen arrays' values, which a compile fixes."""
        return tuple(
            (name, value.shape)
            if name in self.graph.row_data
            else (name, value.shape, value.dtype.str, value.tobytes())
            for name, value in values.items()
        )

    def run(self, options: SamplingOptions) -> xr.DataTree:
        """Compile for the current data if needed, then sample."""
        values = self._shared_values()
        key = self._key(values)
        if key not in self._compiled:
            self._compiled[key] = compile_native(self.graph)
        rows = {name: value for name, value in values.items() if name in self.graph.row_data}
        return draw_with_nutpie(self._compiled[key].with_data(**rows), options)


NATIVE_WORK = 200_000
"""Rows x columns (fixed plus group terms) above which nutpie's native compile is used."""


def prepare_nutpie(graph: PyMCGraph, spec) -> CompiledGraph | NativeNutpie:
    """The cached-compile path for small data, nutpie's native path for large data."""
    columns = (
        sum(part.fixed.matrix.shape[1] for part in spec.linear_parts)
        + sum(len(g.terms) for g in spec.all_groups)
        + sum(v.shape[1] for smooth in spec.all_smooths for v in smooth.values)
    )
    if spec.n_obs * columns > NATIVE_WORK:
        return NativeNutpie(graph)
    return compile_graph(graph)


ARVIZ_STAT_NAMES = {
    "depth": "tree_depth",
    "maxdepth_reached": "reached_max_treedepth",
    "mean_tree_accept": "acceptance_rate",
    "logp": "lp",
}
"""nutpie's sampler statistics renamed to ArviZ's (and PyMC's) conventions."""


def _arviz_names(trace: xr.DataTree) -> xr.DataTree:
    """``posterior`` and ``sample_stats`` of a nutpie trace, statistics with ArviZ names."""
    stats = trace["sample_stats"].to_dataset()
    stats = stats.rename({old: new for old, new in ARVIZ_STAT_NAMES.items() if old in stats})
    return xr.DataTree.from_dict(
        {"posterior": trace["posterior"].to_dataset(), "sample_stats": stats}
    )


def draw_with_nutpie(nutpie_model, options: SamplingOptions) -> xr.DataTree:
    """Run nutpie on a compiled model; ``posterior`` and ``sample_stats`` with ArviZ names.

    Each chain is its own nutpie sampler (:mod:`~bayesglmm.samplers.nutpie_chains`), so a
    chain that raises loses only its own draws. Ctrl-C or the end of
    ``options.time_limit`` stops every chain and keeps the draws made so far (see
    :func:`~bayesglmm.samplers.stopping.keep_drawn`).

    Raises
    ------
    SamplerError
        For ``tune=0``, or when every chain failed.
    SamplingInterrupted
        When the run was stopped before any chain finished warm-up.
    """
    if options.tune < 1:
        raise SamplerError(
            "nutpie needs at least one warm-up iteration to start its adaptation, got tune=0; "
            "pass tune=1 or more (1000 is the default), or sampler='pymc' or 'gibbs', which "
            "can start from their initial values."
        )
    settings = adaptation_settings(nutpie_model.n_dim)
    traces, failed, reason = run_chains(start_chain(nutpie_model, options, settings), options)
    if all(trace is None for trace in traces):
        kept_chains(Stop(reason, [0] * options.chains, failed), options)
    tree = _joined(traces)
    drawn = (~np.isnan(tree["sample_stats"]["lp"].to_numpy())).sum(axis=1)
    stop = Stop(reason, [int(n) for n in drawn], failed)
    return keep_drawn(tree, stop, options)


def _joined(traces: list[xr.DataTree | None]) -> xr.DataTree:
    """The chains' traces as one, along ``chain`` in their order; a chain without a trace
    (failed, or never started) and the end of a shorter chain are NaN."""
    present = [(chain, trace) for chain, trace in enumerate(traces) if trace is not None]
    parts = {}
    for group in ("posterior", "sample_stats"):
        datasets = [
            _arviz_names(trace)[group].to_dataset().assign_coords(chain=[chain])
            for chain, trace in present
        ]
        joined = xr.concat(datasets, dim="chain", join="outer")
        parts[group] = joined.reindex(chain=range(len(traces)))
    return xr.DataTree.from_dict(parts)


def sample_nutpie(compiled: CompiledGraph, options: SamplingOptions) -> xr.DataTree:
    """Draw from the posterior with nutpie's NUTS.

    Every call of the log density goes through nutpie's Python-function interface and holds
    the GIL, so unless the user set ``cores`` or ``time_limit`` the chains run one after another
    (:meth:`~bayesglmm.samplers.options.SamplingOptions.one_chain_at_a_time`): on 2 cores
    that took 15-25% less time than two at once on the shared datasets, and the same on a
    10,000-row bernoulli slopes model (benchmarks/README.md).

    Returns a DataTree with ``posterior`` (the public variables) and ``sample_stats``.
    """
    return draw_with_nutpie(_nutpie_model(compiled), options.one_chain_at_a_time())
