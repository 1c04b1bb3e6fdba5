"""Samplers, kept in a registry: each prepares a model once and then draws from it.

``prepare(parts)`` does the per-model work (compiling, setting up factorisations)
and returns an object with a ``description`` and a ``run(options)`` method that
returns a DataTree with ``posterior`` and ``sample_stats``. The model caches the
prepared object, so refits skip the preparation.

Examples
--------
>>> from bayesglmm.samplers import SAMPLERS
>>> sorted(SAMPLERS)
['auto', 'gibbs', 'nutpie', 'pymc']
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import xarray as xr

from bayesglmm.errors import SamplerError
from bayesglmm.samplers.gibbs import gibbs_ineligibility, prepare_gibbs
from bayesglmm.samplers.nutpie_sampler import prepare_nutpie
from bayesglmm.samplers.options import ModelParts, SamplingOptions
from bayesglmm.samplers.pymc_sampler import PyMCSampler

__all__ = [
    "SAMPLERS",
    "AutoChoice",
    "ModelParts",
    "PreparedSampler",
    "Sampler",
    "SamplingOptions",
    "get_sampler",
]


class PreparedSampler(Protocol):
    """A model made ready for one sampler."""

    description: str

    def run(self, options: SamplingOptions) -> xr.DataTree: ...


@dataclass(frozen=True)
class AutoChoice:
    """What ``sampler="auto"`` chose, and why."""

    chosen: PreparedSampler
    reason: str

    @property
    def description(self) -> str:
        """The chosen sampler, marked as chosen automatically."""
        return f"{self.chosen.description}, chosen by sampler='auto'"

    def run(self, options: SamplingOptions) -> xr.DataTree:
        """Run the chosen sampler."""
        return self.chosen.run(options)


def prepare_auto(parts: ModelParts) -> AutoChoice:
    """Gibbs when the model is conditionally conjugate, NUTS (nutpie) otherwise."""
    reason = gibbs_ineligibility(parts)
    if reason is None:
        return AutoChoice(
            prepare_gibbs(parts),
            f"the {parts.family.name} model with {parts.link.name} link is conditionally conjugate",
        )
    return AutoChoice(
        prepare_nutpie(parts.graph, parts.spec), f"no Gibbs sampler applies: {reason}"
    )


@dataclass(frozen=True)
class Sampler:
    """A sampler in the registry.

    Attributes
    ----------
    name
        Name used in ``fit(sampler=name)``.
    summary
        One line on what it does.
    prepare
        ``prepare(parts)`` returns a :class:`PreparedSampler`.
    """

    name: str
    summary: str
    prepare: Callable[[ModelParts], PreparedSampler]


SAMPLERS: dict[str, Sampler] = {
    sampler.name: sampler
    for sampler in [
        Sampler(
            "nutpie",
            "NUTS by nutpie, with a cached numba compile",
            lambda parts: prepare_nutpie(parts.graph, parts.spec),
        ),
        Sampler("pymc", "NUTS by PyMC", lambda parts: PyMCSampler(parts.graph)),
        Sampler("gibbs", "block Gibbs for conditionally conjugate models", prepare_gibbs),
        Sampler("auto", "Gibbs where it applies, nutpie otherwise", prepare_auto),
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
