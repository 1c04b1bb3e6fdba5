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

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import xarray as xr

from bayesglmm.backend.parameterisation import KAPPA_THRESHOLD, choose_centring
from bayesglmm.errors import SamplerError
from bayesglmm.registry import Registry
from bayesglmm.samplers.gibbs import gibbs_ineligibility, prepare_gibbs
from bayesglmm.samplers.gibbs.design import CONJUGATE_KINDS
from bayesglmm.samplers.jax_backend import prepare_jax
from bayesglmm.samplers.nutpie_sampler import prepare_nutpie
from bayesglmm.samplers.options import ModelParts, SamplingOptions
from bayesglmm.samplers.pymc_sampler import PyMCSampler

__all__ = [
    "BACKENDS",
    "SAMPLERS",
    "AutoChoice",
    "ModelParts",
    "PreparedSampler",
    "Sampler",
    "SamplingOptions",
    "auto_choice",
    "check_names",
    "get_sampler",
    "kept_after_new_data",
    "prepare_sampler",
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


GIBBS_MIN_ROWS = 5_000
"""Rows from which ``sampler="auto"`` prefers the Gibbs sampler to NUTS, where it applies,
for models whose group effects are uncorrelated (intercepts, ``||`` terms)."""

GIBBS_MIN_ROWS_CORRELATED = 10_000
"""The same for models with correlated group effects (``(1 + x | g)``), which mix slowly
under Gibbs.

Both measured on every Gibbs-eligible benchmark model (``benchmarks/sampler_choice.py``,
``benchmarks/README.md``): NUTS, with its data-chosen parameterisation, gets more effective
draws per second below them (Gibbs / NUTS from 0.05 to 0.83, and 0.13 to 0.72 on
correlated bernoulli slopes up to 5,000 rows; one near tie, 1.08 on epil's 236 negative
binomial rows), Gibbs above them (1.1x on 7,185 gaussian rows and 1.5x on 8,617 bernoulli
rows with intercepts; 2.4x on 20,000 bernoulli rows with correlated slopes, where hsb's
7,185 gaussian rows with them give 0.05; about 50x on the 73,421-row crossed gaussian
design).

Above them Gibbs still loses where the data inform a factor's levels weakly (see
:func:`weakly_informed`): gaussian ``(1 + x | g)`` with 20,000 and 50,000 rows and slope sd
0.03 (kappa 0.16 and 0.09) gave Gibbs / NUTS 0.53 and 0.37, against 0.91 and 1.56 with
slope sd 0.5 (kappa 22)."""


def weakly_informed(parts: ModelParts) -> tuple[str, float] | None:
    """The first grouping factor whose levels the data inform weakly relative to its
    variance (``kappa <= 1``, :mod:`bayesglmm.backend.parameterisation`), and its kappa.

    A Gibbs sampler that draws the effects given their variance and the variance given the
    effects works in the centred parameterisation, which mixes at rate ``1 / (1 + kappa)``
    (Papaspiliopoulos, Roberts & Sköld 2007): slowly where the prior dominates each level.
    Factors whose kappa is not estimated (nested ones) do not count.
    """
    for name, choice in choose_centring(parts.spec, parts.family, parts.link).items():
        if choice.kappa is not None and choice.kappa <= KAPPA_THRESHOLD:
            return name, choice.kappa
    return None


def auto_choice(parts: ModelParts) -> tuple[str, str]:
    """The sampler ``sampler="auto"`` takes for ``parts`` and why: Gibbs for conditionally
    conjugate models (gaussian, or logit binomial and negative binomial after Polya-Gamma
    augmentation) from :data:`GIBBS_MIN_ROWS` rows (:data:`GIBBS_MIN_ROWS_CORRELATED` with
    correlated group effects) whose every factor the data inform well
    (:func:`weakly_informed`), NUTS (nutpie) otherwise."""
    reason = gibbs_ineligibility(parts)
    if reason is not None:
        return "nutpie", f"no Gibbs sampler applies: {reason}"
    augmented = CONJUGATE_KINDS[(parts.family.name, parts.link.name)] != "gaussian"
    model = f"the {parts.family.name} model with {parts.link.name} link is conjugate" + (
        " after Polya-Gamma augmentation" if augmented else ""
    )
    correlated = any(len(block) > 1 for g in parts.spec.all_groups for block in g.blocks)
    if correlated:
        model += " with correlated group effects"
    threshold = GIBBS_MIN_ROWS_CORRELATED if correlated else GIBBS_MIN_ROWS
    rows = parts.spec.n_obs
    if rows < threshold:
        return (
            "nutpie",
            f"{model} but has {rows} rows (< {threshold}), where NUTS gets more effective "
            "draws per second",
        )
    weak = weakly_informed(parts)
    if weak is not None:
        name, kappa = weak
        return (
            "nutpie",
            f"{model} and has {rows} rows (>= {threshold}), but the data inform the levels "
            f"of '{name}' weakly (kappa {kappa:.3g} <= {KAPPA_THRESHOLD:g}), where Gibbs "
            "mixes slowly and NUTS gets more effective draws per second",
        )
    return "gibbs", f"{model} and has {rows} rows (>= {threshold}), where Gibbs outpaces NUTS"


def prepare_auto(parts: ModelParts) -> AutoChoice:
    """The sampler of :func:`auto_choice`, prepared, with its reason."""
    name, reason = auto_choice(parts)
    return AutoChoice(SAMPLERS[name].prepare(parts), reason)


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
    holds_data
        Its prepared form holds the data and priors (the Gibbs design; ``"auto"`` may have
        chosen Gibbs), so ``Model.set_data`` discards it. The NUTS samplers read the
        graph's data each time they run.
    """

    name: str
    summary: str
    prepare: Callable[[ModelParts], PreparedSampler]
    holds_data: bool = False


SAMPLERS: Registry[Sampler] = Registry(
    "sampler",
    [
        Sampler(
            "nutpie",
            "NUTS by nutpie, with a cached numba compile",
            lambda parts: prepare_nutpie(parts.graph, parts.spec),
        ),
        Sampler("pymc", "NUTS by PyMC", lambda parts: PyMCSampler(parts.graph)),
        Sampler("gibbs", "block Gibbs for conditionally conjugate models", prepare_gibbs, True),
        Sampler(
            "auto",
            "Gibbs for large conditionally conjugate models, nutpie otherwise",
            prepare_auto,
            True,
        ),
    ],
    SamplerError,
)
"""Every sampler by name."""


@dataclass(frozen=True)
class Backend:
    """How the log density of a NUTS sampler is compiled.

    Attributes
    ----------
    name
        Name used in ``fit(backend=name)``.
    summary
        One line on what it does.
    prepare
        ``prepare(sampler, parts)``: the prepared sampler called ``sampler`` on this
        backend; it refuses samplers the backend does not run.
    """

    name: str
    summary: str
    prepare: Callable[[str, ModelParts], PreparedSampler]


def _prepare_on_jax(sampler: str, parts: ModelParts) -> PreparedSampler:
    if sampler != "nutpie":
        raise SamplerError(
            f"backend='jax' runs NUTS through nutpie, so it needs sampler='nutpie', not "
            f"'{sampler}' (the Gibbs sampler's row sweeps are numba code; PyMC's own NUTS has "
            "no JAX path here)."
        )
    return prepare_jax(parts.graph)


BACKENDS: Registry[Backend] = Registry(
    "backend",
    [
        Backend(
            "numba",
            "PyTensor's numba backend (the default)",
            lambda sampler, parts: SAMPLERS[sampler].prepare(parts),
        ),
        Backend("jax", "JAX, with row data split across JAX's devices", _prepare_on_jax),
    ],
    SamplerError,
)
"""Every compile backend by name."""


def prepare_sampler(sampler: str, backend: str, parts: ModelParts) -> PreparedSampler:
    """The sampler ``sampler`` prepared for ``parts`` on the compile ``backend``.

    Raises
    ------
    SamplerError
        For an unknown sampler or backend, or a sampler the backend does not run.
    ArgumentError
        For ``backend="jax"`` without JAX installed.
    """
    check_names(sampler, backend)
    return BACKENDS[backend].prepare(sampler, parts)


def kept_after_new_data(
    prepared: dict[tuple[str, str], PreparedSampler],
) -> dict[tuple[str, str], PreparedSampler]:
    """The prepared samplers, by ``(sampler, backend)``, that new data leave valid: those
    whose sampler does not hold the data (:attr:`Sampler.holds_data`)."""
    return {key: ready for key, ready in prepared.items() if not SAMPLERS[key[0]].holds_data}


def check_names(sampler: object, backend: object) -> None:
    """Refuse an unknown sampler or backend (of any type) with the known names.

    Raises
    ------
    SamplerError
        Naming the unknown one.
    """
    get_sampler(sampler)
    BACKENDS[backend]


def get_sampler(name: str) -> Sampler:
    """Look up a sampler by name.

    Raises
    ------
    SamplerError
        For an unknown name, listing the known ones.
    """
    return SAMPLERS[name]
