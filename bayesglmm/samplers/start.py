"""Where NUTS chains start: PyMC's jittered initial point, each fixed slope's jitter scaled
to its predictor (:meth:`~bayesglmm.backend.PyMCGraph.start_scales`).

PyMC, like Stan, jitters every unconstrained value by the same U(-1, 1) whatever its scale;
on a predictor measured in large units that starts the linear predictor far from the data.

Examples
--------
>>> import bayesglmm as bg
>>> data = bg.datasets.load("sleepstudy")
>>> graph = bg.Model("Reaction ~ Days + (1 | Subject)", data).graph
>>> graph.start_scales()["b_slopes"].round(3).tolist()  # 1 / sd(Days)
[0.348]
>>> start = start_point_function(graph)
>>> bool(abs(start(1)["b_slopes"][0]) <= 0.348)
True
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import numpy as np
import pymc as pm
import pytensor
from pymc.initial_point import make_initial_point_fn

from bayesglmm.backend import PyMCGraph


def start_point_function(
    graph: PyMCGraph, transformed: bool = True
) -> Callable[[int], dict[str, np.ndarray]]:
    """``seed -> {name: array}``, a chain's starting point: values by value-variable name
    on the unconstrained scale, or by variable name on the model's scale with
    ``transformed=False``.

    Every value but the fixed slopes is PyMC's jittered initial point for that seed; each
    slope's jitter is scaled by :meth:`~bayesglmm.backend.PyMCGraph.start_scales` (slopes
    are untransformed, so both scales agree for them). The functions are built from
    PyTensor's Python implementations rather than C: they run once per chain, and the C
    version's compile and linking cost 0.2 s of sleepstudy's fit on a warm cache. Calls
    take turns, since a compiled PyTensor function keeps its inputs and outputs in storage
    of its own.
    """
    model = graph.model
    with pytensor.config.change_flags(cxx=""):
        jittered = make_initial_point_fn(
            model=model, jitter_rvs=set(model.free_RVs), return_transformed=transformed
        )
        centre = make_initial_point_fn(
            model=model, jitter_rvs=set(), return_transformed=transformed
        )
    lock = threading.Lock()

    def start(seed: int) -> dict[str, np.ndarray]:
        with lock:
            point = {name: np.array(value) for name, value in jittered(seed).items()}
            base = {name: np.array(value) for name, value in centre(seed).items()}
        for name, scale in graph.start_scales().items():
            point[name] = base[name] + (point[name] - base[name]) * scale
        return point

    return start


def flat_start(
    start: Callable[[int], dict[str, np.ndarray]], model: pm.Model
) -> Callable[[int], np.ndarray]:
    """``seed -> array``, the unconstrained starting point ``start`` gives as one flat
    vector of ``model``'s value variables in their order (nutpie's layout)."""
    names = [value.name for value in model.value_vars]

    def flat(seed: int) -> np.ndarray:
        point = start(seed)
        return np.concatenate([np.asarray(point[name], dtype=float).ravel() for name in names])

    return flat
