"""Gibbs-style block samplers for conditionally conjugate GLMMs (``fit(sampler="gibbs")``).

See :mod:`.design` for which models qualify, :mod:`.location` for the two location
schemes, :mod:`.variances` for the prior each update targets (the same priors as the
NUTS backend), and :mod:`.chain` for one iteration. Chains run in parallel threads
with a progress bar; draws come back in the same DataTree layout as NUTS. Ctrl-C and
``time_limit`` stop every chain after its current iteration, keeping the draws so far;
a chain that raises loses only its own draws.

Examples
--------
>>> import bayesglmm as bg
>>> model = bg.Model("Reaction ~ Days + (Days | Subject)", bg.datasets.load("sleepstudy"))
>>> fit = model.fit(sampler="gibbs", draws=300, tune=300, chains=2, seed=1, progress=False)
>>> sorted(fit.idata.posterior.data_vars)
['b', 'cor_Subject', 'r_Subject', 'sd_Subject', 'sigma']
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass

import numpy as np
import xarray as xr
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from threadpoolctl import threadpool_limits

from bayesglmm import naming
from bayesglmm.backend.contract import graph_coords, posterior_dims
from bayesglmm.errors import SamplerError
from bayesglmm.formula.spec import ModelSpec
from bayesglmm.samplers.gibbs.chain import run_chain
from bayesglmm.samplers.gibbs.design import GibbsDesign, gibbs_design, gibbs_ineligibility
from bayesglmm.samplers.gibbs.location import JointLocation
from bayesglmm.samplers.options import ModelParts, SamplingOptions
from bayesglmm.samplers.stopping import (
    INTERRUPTED,
    TIME_LIMIT,
    Deadline,
    Stop,
    kept_chains,
    record_stop,
)

__all__ = ["GibbsSampler", "choose_clusters", "gibbs_ineligibility", "prepare_gibbs"]


def _nested(inner: np.ndarray, outer: np.ndarray, inner_levels: int) -> bool:
    """True when every level of ``inner`` sits within one level of ``outer``."""
    pairs = np.unique(np.column_stack([inner, outer]), axis=0)
    return len(pairs) == inner_levels


def choose_clusters(design: GibbsDesign) -> tuple[tuple[int, ...], ...]:
    """Grouping factors to draw jointly with the fixed effects, cluster by cluster.

    All factors form one cluster (a fully joint draw) while the mixed-model equations
    are small enough to factor densely. Beyond that, factors linked by nesting share a
    cluster and crossed factors are kept apart: the sparse factor of crossed factors
    fills in (for an InstEval-sized design it is nearly dense), that of nested ones does
    not. ``benchmarks/README.md`` has the measurements behind the rule.
    """
    groups = design.groups
    everything = tuple(range(len(groups)))
    size = design.fixed.prior_mean.size + sum(g.n_levels * g.q for g in groups)
    if size <= JointLocation.dense_limit or not groups:
        return (everything,)
    cluster_of = list(everything)
    for i, first in enumerate(groups):
        for j in range(i + 1, len(groups)):
            second = groups[j]
            if _nested(first.index, second.index, first.n_levels) or _nested(
                second.index, first.index, second.n_levels
            ):
                old, new = cluster_of[j], cluster_of[i]
                cluster_of = [new if c == old else c for c in cluster_of]
    return tuple(
        tuple(g for g in everything if cluster_of[g] == label)
        for label in dict.fromkeys(cluster_of)
    )


def _run_chains(
    design: GibbsDesign, clusters: tuple[tuple[int, ...], ...], options: SamplingOptions
) -> tuple[list[dict | None], Stop | None]:
    """Run the chains in ``options.cores`` threads, with a progress bar.

    The heavy work of an iteration (numba loops over rows, the sparse factorisation,
    NumPy on long arrays) runs without the GIL, so threads use several cores without
    the start-up and fork hazards of processes. BLAS runs single-threaded meanwhile,
    one core per chain.

    Ctrl-C or the end of ``options.time_limit`` tells every chain to stop after its
    current iteration. Returns each chain's draws (None for a chain that raised) and
    what stopped the run early, or None when it ran to the end.
    """
    seeds = np.random.SeedSequence(options.seed).spawn(options.chains)
    total = options.tune + options.draws
    done = [0] * options.chains
    stop_now = threading.Event()
    deadline = Deadline(options.time_limit)

    def chain(index: int) -> dict:
        def report(finished: int) -> None:
            done[index] = finished

        return run_chain(
            design, clusters, options.draws, options.tune, seeds[index], report, stop_now.is_set
        )

    columns = [
        TextColumn("Gibbs"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
    ]
    reason = None
    with (
        Progress(*columns, disable=not options.progress) as bar,
        threadpool_limits(1 if options.cores > 1 else None),
        ThreadPoolExecutor(max_workers=min(options.cores, options.chains)) as pool,
    ):
        task = bar.add_task("chains", total=total * options.chains)
        futures = [pool.submit(chain, index) for index in range(options.chains)]
        try:
            while not all(future.done() for future in futures):
                if deadline.expired():
                    reason = TIME_LIMIT
                    break
                bar.update(task, completed=sum(done))
                time.sleep(0.1)
        except KeyboardInterrupt:
            reason = INTERRUPTED
        stop_now.set()
        wait(futures)
        bar.update(task, completed=sum(done))
    failed = {i: f.exception() for i, f in enumerate(futures) if f.exception() is not None}
    chains = [None if i in failed else future.result() for i, future in enumerate(futures)]
    stop = Stop(reason, [0 if c is None else len(c["mh_accept"]) for c in chains], failed)
    return chains, None if stop.ran_to_the_end(options.draws) else stop


def _datatree(spec: ModelSpec, chains: list[dict], scheme: str, labels: list[int]) -> xr.DataTree:
    """The draws of ``chains`` (all of one length) as posterior and sample_stats, with
    chain coordinates ``labels``."""
    dims = posterior_dims(spec)
    used = {dim for names in dims.values() for dim in names}
    coords = {dim: values for dim, values in graph_coords(spec).items() if dim in used}
    length = chains[0][naming.coefficients()].shape[0]
    sample = {naming.CHAIN: np.array(labels), naming.DRAW: np.arange(length)}
    posterior = xr.Dataset(
        {
            name: ((*sample, *dims.get(name, ())), np.stack([c[name] for c in chains]))
            for name in chains[0]
            if name != "mh_accept"
        },
        coords={**sample, **coords},
        attrs={"inference_library": "bayesglmm", "gibbs_scheme": scheme},
    )
    blocks = [
        f"{g.name}[{','.join(g.terms[t] for t in block)}]"
        for g in spec.groups
        for block in g.correlated_blocks
    ]
    accepted = np.stack([c["mh_accept"] for c in chains])
    stats = xr.Dataset(
        {
            "diverging": (("chain", "draw"), np.zeros(accepted.shape[:2], dtype=bool)),
            "mh_accept": (("chain", "draw", "correlated_block"), accepted),
        },
        coords={**sample, "correlated_block": blocks},
    )
    return xr.DataTree.from_dict({"posterior": posterior, "sample_stats": stats})


@dataclass(frozen=True)
class GibbsSampler:
    """A model prepared for Gibbs sampling."""

    spec: ModelSpec
    design: GibbsDesign
    clusters: tuple[tuple[int, ...], ...]

    @property
    def scheme(self) -> str:
        """How the location is drawn: jointly, or in blocks of grouping factors."""
        if len(self.clusters) == 1:
            return "joint location block"
        names = [", ".join(self.design.groups[g].name for g in c) for c in self.clusters]
        return "location blocks " + " | ".join(names)

    @property
    def description(self) -> str:
        """Short name for printouts."""
        return f"Gibbs ({self.scheme})"

    def run(self, options: SamplingOptions) -> xr.DataTree:
        """Draw ``options.chains`` chains in parallel; same DataTree layout as NUTS.

        A run stopped early (Ctrl-C, time limit, failed chains) keeps the chains of
        :func:`~bayesglmm.samplers.stopping.kept_chains`, trimmed to a common length.

        Raises
        ------
        SamplingInterrupted
            When the run was stopped before any chain finished warm-up.
        SamplerError
            When every chain failed.
        """
        chains, stop = _run_chains(self.design, self.clusters, options)
        if stop is None:
            return _datatree(self.spec, chains, self.scheme, list(range(len(chains))))
        kept, length = kept_chains(stop, options)
        trimmed = [{name: draws[:length] for name, draws in chains[c].items()} for c in kept]
        return record_stop(_datatree(self.spec, trimmed, self.scheme, kept), stop, options)


def prepare_gibbs(parts: ModelParts) -> GibbsSampler:
    """Check that the model qualifies and set up its Gibbs sampler.

    Raises
    ------
    SamplerError
        Saying why the model does not qualify, and suggesting NUTS.
    """
    reason = gibbs_ineligibility(parts)
    if reason is not None:
        raise SamplerError(f"sampler='gibbs' cannot fit this model: {reason}")
    design = gibbs_design(parts)
    return GibbsSampler(parts.spec, design, choose_clusters(design))
