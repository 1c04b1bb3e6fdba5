"""How far each fixed slope's starting value is jittered.

PyMC jitters every unconstrained value by U(-1, 1), which moves the linear predictor by
``x_j`` per unit of slope ``b_j``. A slope whose column has a root mean square above 1
(arrival times of 22 to 29 hours, their interactions) is jittered by U(-1, 1) / rms(x_j)
instead, so that it moves the linear predictor by about 1 at most, as the slope of a
standardised predictor does. Unscaled, the zero-inflated Poisson of the Owls data started at
log densities near -1e7, where one chain's step size collapsed and it never reached the mode.
The samplers apply the scales (:mod:`bayesglmm.samplers.start`).

Examples
--------
>>> import bayesglmm as bg
>>> graph = bg.Model("Reaction ~ Days + (1 | Subject)", bg.datasets.load("sleepstudy")).graph
>>> graph.slope_designs
{'b_slopes': ('X_centred', None)}
>>> start_scales(graph.model, graph.slope_designs)["b_slopes"].round(3).tolist()
[0.348]
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
import pymc as pm

from bayesglmm import naming
from bayesglmm.backend.contract import LinearPart


def start_scales(
    model: pm.Model, designs: Mapping[str, tuple[str, int | None]]
) -> dict[str, np.ndarray]:
    """The jitter width of each value variable of :func:`slope_designs`, from the current
    data of ``model``: 1 / max(1, rms of its column)."""
    scales = {}
    for value, (design, column) in designs.items():
        x = np.asarray(model[design].get_value())
        scale = 1.0 / np.maximum(np.sqrt(np.mean(np.square(x), axis=0)), 1.0)
        scales[value] = scale if column is None else scale[column]
    return scales


def slope_designs(
    parts: Iterable[LinearPart], model: pm.Model
) -> dict[str, tuple[str, int | None]]:
    """Each untransformed value variable of the fixed slopes of ``parts`` in ``model``, with
    the graph data of the design it multiplies and, for one coefficient of slopes split by
    prior class (:func:`~bayesglmm.backend.contract.prior_variable`), its column."""
    free = {rv.name for rv in model.free_RVs if model.rvs_to_transforms.get(rv) is None}
    designs: dict[str, tuple[str, int | None]] = {}
    for part in parts:
        fixed, suffix = part.fixed, part.suffix
        design = naming.fixed_design(suffix, "centred" if fixed.has_intercept else None)
        if design not in model.named_vars:
            continue
        name = naming.slopes(suffix) if fixed.has_intercept else naming.coefficients(suffix)
        count = len(fixed.names) - int(fixed.has_intercept)
        for level in (name, naming.swept_level(name)):
            if level in free:
                designs[level] = (design, None)
            for column in range(count):
                element = naming.graph_data(level, str(column))
                if element in free:
                    designs[element] = (design, column)
    return designs
