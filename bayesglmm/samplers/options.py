"""What every sampler receives: the model's parts and the sampling options.

Examples
--------
>>> SamplingOptions(draws=500, tune=500, chains=2, cores=None, seed=1).resolved().cores
2
"""

from __future__ import annotations

import math
import os
import time
from dataclasses import dataclass, replace

import numpy as np

from bayesglmm.backend import PyMCGraph
from bayesglmm.errors import SamplerError
from bayesglmm.families.family import Family
from bayesglmm.families.links import Link
from bayesglmm.formula.spec import ModelSpec
from bayesglmm.priors.resolve import Priors


@dataclass(frozen=True)
class ModelParts:
    """A model as samplers see it: the PyMC graph and what it was built from."""

    graph: PyMCGraph
    spec: ModelSpec
    family: Family
    link: Link
    priors: Priors


@dataclass(frozen=True)
class SamplingOptions:
    """Options shared by all samplers, as passed to ``Model.fit``."""

    draws: int = 1000
    tune: int = 1000
    chains: int = 4
    cores: int | None = None
    seed: int | None = None
    target_accept: float = 0.8
    progress: bool = True
    time_limit: float | None = None
    cores_requested: int | None = None
    """``cores`` as the user passed it, before :meth:`resolved` filled it in."""

    def resolved(self) -> SamplingOptions:
        """Fill in ``cores`` (one per chain, up to the machine's cores) and a random ``seed``.

        Raises
        ------
        SamplerError
            For a count (``draws``, ``chains``, ``tune``, ``cores``) that is not a whole
            number in range, a ``seed`` outside ``0 .. 2**64 - 1``, a ``target_accept``
            outside (0, 1), or a ``time_limit`` that is not a positive number of seconds.
        """
        limit = self.time_limit
        if limit is not None and (not _is_number(limit) or not 0 < limit < math.inf):
            raise SamplerError(
                f"time_limit must be a positive number of seconds, got {limit!r}; pass for "
                "example fit(time_limit=60), or time_limit=None for no limit."
            )
        for name, lowest, example in (("draws", 1, 1000), ("chains", 1, 4), ("tune", 0, 1000)):
            value = getattr(self, name)
            if not _is_whole(value) or value < lowest:
                kind = "a positive" if lowest else "a non-negative"
                raise SamplerError(
                    f"{name} must be {kind} whole number, got {value!r}; for example "
                    f"fit({name}={example})."
                )
        if self.seed is not None and (not _is_whole(self.seed) or not 0 <= self.seed < 2**64):
            raise SamplerError(
                f"seed must be a whole number from 0 to 2**64 - 1, got {self.seed!r}; for "
                "example fit(seed=1)."
            )
        if not _is_number(self.target_accept) or not 0 < self.target_accept < 1:
            raise SamplerError(
                f"target_accept must lie between 0 and 1, got {self.target_accept!r}; for "
                "example fit(target_accept=0.95) against divergences."
            )
        if self.cores is not None and (not _is_whole(self.cores) or self.cores < 1):
            raise SamplerError(
                f"cores must be a positive whole number, got {self.cores!r}; for example "
                "fit(cores=2), or cores=None to let the sampler choose."
            )
        cores = self.cores or min(self.chains, os.cpu_count() or 1)
        seed = self.seed if self.seed is not None else int(np.random.SeedSequence().entropy % 2**31)
        limit = None if limit is None else float(limit)
        return replace(
            self, cores=cores, cores_requested=self.cores, seed=int(seed), time_limit=limit
        )

    def one_chain_at_a_time(self) -> SamplingOptions:
        """These options with ``cores=1``, unless the user asked for a number of cores or
        set a time limit (a run stopped by its limit should keep draws from every chain).

        For samplers whose every log-density call holds Python's GIL, so that chains in
        threads take turns anyway and only add the cost of handing the GIL over.

        Examples
        --------
        >>> SamplingOptions(chains=4, seed=1).resolved().one_chain_at_a_time().cores
        1
        >>> SamplingOptions(chains=4, cores=2, seed=1).resolved().one_chain_at_a_time().cores
        2
        """
        if self.cores_requested is not None or self.time_limit is not None:
            return self
        return replace(self, cores=1)


def check_draw_storage(options: SamplingOptions, spec: ModelSpec) -> None:
    """Refuse ``draws`` and ``chains`` whose draws alone would not fit in the machine's
    memory, before a sampler tries to allocate them (and dies). Counted, as a lower bound:
    8 bytes for every fixed coefficient and group effect, and one more value, per draw.

    Raises
    ------
    SamplerError
        Naming the size of the draws and of the memory.
    """
    values_per_draw = (
        1
        + sum(len(part.fixed.names) for part in spec.linear_parts)
        + sum(group.n_levels * len(group.terms) for group in spec.all_groups)
        + sum(v.shape[1] + 1 for smooth in spec.all_smooths for v in smooth.values)
    )
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    needed = 8 * options.draws * options.chains * values_per_draw
    if needed > memory:
        raise SamplerError(
            f"draws={options.draws} with chains={options.chains} would keep "
            f"{options.draws * options.chains} draws of {values_per_draw} values, at least "
            f"{needed / 2**30:,.0f} GiB, more than this machine's {memory / 2**30:,.0f} GiB of "
            "memory; ask for fewer draws (1000 to 4000 per chain are usually plenty)."
        )


def _is_number(value: object) -> bool:
    return not isinstance(value, bool) and isinstance(value, int | float | np.integer | np.floating)


def _is_whole(value: object) -> bool:
    return not isinstance(value, bool) and isinstance(value, int | np.integer)


def record_run(
    posterior, description: str, options: SamplingOptions, started: float, prepared: float
) -> None:
    """Write a run's settings and timings (``time.perf_counter()`` when it started, when the
    sampler was ready, and now) into the attributes of its ``posterior`` group."""
    finished = time.perf_counter()
    posterior.attrs.setdefault("incomplete", False)
    posterior.attrs.update(
        sampler=description,
        draws=posterior.sizes["draw"],
        tune=options.tune,
        chains=posterior.sizes["chain"],
        seed=options.seed,
        target_accept=options.target_accept,
        prepare_seconds=prepared - started,
        sampling_seconds=finished - prepared,
        seconds=finished - started,
    )
