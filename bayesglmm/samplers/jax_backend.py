"""NUTS by nutpie with the log density compiled by JAX: ``model.fit(backend="jax")``.

nutpie's JAX backend (``nutpie.compile_pymc_model(..., backend="jax")``) turns the PyMC
graph into a JAX function with its gradient (``jax.value_and_grad``) and passes the data
as arguments (the model is not frozen, so the data stay arguments rather than constants
of the compiled function). Those arguments are placed on JAX's devices here: on a machine with one
device (a CPU, or one GPU, where JAX's CUDA build sees it) all of them go to it; with
several, every array with one entry per row is split by rows across
``jax.devices()`` with a :class:`jax.sharding.NamedSharding` over a one-axis mesh, and
the rest (priors, group sizes) is replicated. ``jax.jit`` then computes each device's
rows where they lie and adds the per-device sums of the log density and its gradient.

The Gibbs sampler's row sweeps stay in numba: their Polya-Gamma draws are sequential
rejection samplers per row, which do not map onto JAX's array programs, so
``backend="jax"`` applies to ``sampler="nutpie"`` only.

Install JAX with the extra, ``pip install 'bayesglmm[jax]'`` (CPU), or JAX's CUDA build
for GPUs, ``pip install 'jax[cuda12]'``.

Examples
--------
>>> import bayesglmm as bg
>>> model = bg.Model("favorable | trials(n) ~ treatment + (1 | clinic)",
...                  bg.datasets.load("infection"), family="binomial")
>>> fit = model.fit(draws=100, tune=100, chains=2, seed=1, progress=False,
...                 backend="jax")
>>> fit.idata.posterior.attrs["sampler"]
'NUTS (nutpie, JAX on 1 cpu device)'
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from importlib.util import find_spec

import numpy as np
import nutpie
import xarray as xr

from bayesglmm import naming
from bayesglmm.backend import PyMCGraph
from bayesglmm.errors import ArgumentError
from bayesglmm.samplers.nutpie_sampler import draw_with_nutpie, quiet_compile
from bayesglmm.samplers.options import SamplingOptions
from bayesglmm.samplers.start import flat_start, start_point_function

ROWS_AXIS = "rows"
"""The name of the device mesh's one axis, along which row data are split."""


def require_jax() -> None:
    """Raise the extra to install when JAX is missing."""
    if find_spec("jax") is None:
        raise ArgumentError(
            "backend='jax' needs JAX, which is not installed; install it with "
            "pip install 'bayesglmm[jax]' (CPU), or pip install 'jax[cuda12]' for NVIDIA "
            "GPUs."
        )


def place_on_devices(values: dict[str, np.ndarray], rows: int, devices: list) -> dict:
    """The data on the devices: arrays with ``rows`` entries along their first axis split
    across ``devices`` (evenly; the rows must divide among them), the others replicated.

    Examples
    --------
    >>> import jax
    >>> placed = place_on_devices({"y": np.zeros(4), "sd": np.ones(1)}, 4, jax.devices())
    >>> placed["y"].sharding.num_devices == len(jax.devices())
    True
    """
    import jax
    from jax.sharding import Mesh, NamedSharding, PartitionSpec

    mesh = Mesh(np.array(devices), (ROWS_AXIS,))
    replicated = NamedSharding(mesh, PartitionSpec())
    split = NamedSharding(mesh, PartitionSpec(ROWS_AXIS))
    placed = {}
    for name, value in values.items():
        by_rows = len(devices) > 1 and np.ndim(value) >= 1 and np.shape(value)[0] == rows
        if by_rows and rows % len(devices):
            by_rows = False
        placed[name] = jax.device_put(value, split if by_rows else replicated)
    return placed


def compile_jax(graph: PyMCGraph):
    """nutpie's JAX compile of ``graph``, its log density and gradient by JAX, the data
    left as arguments (the model is not frozen); chains start where
    :func:`~bayesglmm.samplers.start.start_point_function` says."""
    with quiet_compile():
        compiled = nutpie.compile_pymc_model(
            graph.model,
            backend="jax",
            gradient_backend="jax",
            var_names=list(graph.public_names),
            freeze_model=False,
        )
    start = flat_start(start_point_function(graph), graph.model)
    return dataclasses.replace(compiled, _make_initial_points=start)


@dataclass
class JaxNutpie:
    """A PyMC graph compiled by nutpie's JAX backend, its row data on JAX's devices.

    The compile is redone when ``Model.set_data`` changes the sizes.
    """

    graph: PyMCGraph
    _compiled: dict = field(default_factory=dict)

    @property
    def description(self) -> str:
        import jax

        devices = jax.devices()
        return f"NUTS (nutpie, JAX on {len(devices)} {devices[0].platform} device" + (
            "s)" if len(devices) > 1 else ")"
        )

    def run(self, options: SamplingOptions) -> xr.DataTree:
        """Compile for the current data sizes if needed, place the data, then sample."""
        import jax

        values = {v.name: np.asarray(v.get_value()) for v in self.graph.model.data_vars}
        shapes = tuple((name, value.shape) for name, value in values.items())
        if shapes not in self._compiled:
            self._compiled[shapes] = compile_jax(self.graph)
        rows = len(values[naming.OBSERVED_DATA])
        placed = place_on_devices(values, rows, jax.devices())
        return draw_with_nutpie(self._compiled[shapes].with_data(**placed), options)


def prepare_jax(graph: PyMCGraph) -> JaxNutpie:
    """The model ready for ``backend="jax"``; an error naming the extra without JAX."""
    require_jax()
    return JaxNutpie(graph)
