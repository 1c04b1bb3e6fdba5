"""Samplers, kept in a registry: each prepares a model once and then draws from it.

Examples
--------
>>> from bayesglmm.samplers import SAMPLERS
>>> sorted(SAMPLERS)
['nutpie', 'pymc']
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass

import xarray as xr

from bayesglmm.errors import SamplerError
from bayesglmm.samplers.nutpie_sampler import compile_graph, sample_nutpie
from bayesglmm.samplers.options import ModelParts, SamplingOptions
from bayesglmm.samplers.pymc_sampler import sample_pymc

__all__ = ["SAMPLERS", "ModelParts", "Sampler", "SamplingOptions", "get_sampler"]


@dataclass(frozen=True)
class Sampler:
    """A sampler: ``prepare`` runs once per model (compiling), ``run`` once per fit.

    Attributes
    ----------
    name
        Name used in ``fit(sampler=name)``.
    description
        One line for printouts.
    prepare
        ``prepare(parts)`` returns what ``run`` needs; cached on the model.
    run
        ``run(prepared, options)`` returns a DataTree with ``posterior`` and ``sample_stats``.
    """

    name: str
    description: str
    prepare: Callable[[ModelParts], object]
    run: Callable[[object, SamplingOptions], xr.DataTree]


SAMPLERS: dict[str, Sampler] = {
    sampler.name: sampler
    for sampler in [
        Sampler(
            "nutpie",
            "NUTS (nutpie)",
            prepare=lambda parts: compile_graph(parts.graph),
            run=sample_nutpie,
        ),
        Sampler("pymc", "NUTS (PyMC)", prepare=lambda parts: parts.graph, run=sample_pymc),
    ]
}
"""Every sampler by name."""


def get_sampler(name: str) -> Sampler:
    """Look up a sampler by name.

    Raises
    ------
    SamplerError
        For an unknown name, listing the known ones.
    """
    if name not in SAMPLERS:
        close = difflib.get_close_matches(str(name), SAMPLERS, n=1)
        hint = f" Did you mean '{close[0]}'?" if close else ""
        raise SamplerError(
            f"unknown sampler '{name}'.{hint} Known samplers: {', '.join(SAMPLERS)}."
        )
    return SAMPLERS[name]
