"""NUTS through PyMC's own sampler.

Slower than nutpie, but it is PyMC's reference implementation; useful to
cross-check a fit.

Examples
--------
>>> import bayesglmm as bg
>>> model = bg.Model("favorable | trials(n) ~ treatment + (1 | clinic)",
...                  bg.datasets.load("infection"), family="binomial")
>>> fit = model.fit(draws=200, tune=200, chains=2, seed=1, sampler="pymc", progress=False)
>>> fit.idata.posterior.attrs["inference_library"]
'pymc'
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, replace

import pymc as pm
import xarray as xr
from pymc.sampling.parallel import Draw, ParallelSamplingError

from bayesglmm.backend import PyMCGraph
from bayesglmm.compile_cache import reproducible_compile
from bayesglmm.samplers.nutpie_chains import chain_seeds
from bayesglmm.samplers.options import SamplingOptions
from bayesglmm.samplers.start import start_point_function
from bayesglmm.samplers.stopping import (
    INTERRUPTED,
    SHORT_TRACE_NOTICE,
    TIME_LIMIT,
    Deadline,
    Stop,
    kept_chains,
    record_stop,
    warmup_unfinished,
)


@dataclass(frozen=True)
class PyMCSampler:
    """A PyMC graph to be sampled by PyMC's NUTS."""

    graph: PyMCGraph
    description: str = "NUTS (PyMC)"

    def run(self, options: SamplingOptions) -> xr.DataTree:
        """Draw from the posterior; returns ``posterior`` and ``sample_stats``."""
        return sample_pymc(self.graph, options)


class _Watch:
    """PyMC's per-draw callback: counts each chain's iterations and stops the run.

    Raising KeyboardInterrupt in the callback is PyMC's way to stop sampling. It does so
    at the time limit, and also when a chain starts after an earlier one ended short:
    run one after another (``cores=1``), PyMC stops only the running chain at Ctrl-C
    and would go on to the next.
    """

    def __init__(self, options: SamplingOptions, deadline: Deadline):
        self.total = options.tune + options.draws
        self.tune = options.tune
        self.sequential = options.cores == 1
        self.deadline = deadline
        self.iterations = [0] * options.chains
        self.reason: str | None = None

    def __call__(self, trace, draw: Draw) -> None:
        chain = draw.chain
        self.iterations[chain] += 1
        if self.reason is None and self.deadline.expired():
            self.reason = TIME_LIMIT
        earlier_cut_short = any(n < self.total for n in self.iterations[:chain])
        if self.reason is None and self.sequential and self.iterations[chain] == 1:
            self.reason = INTERRUPTED if earlier_cut_short else None
        if self.reason is not None:
            raise KeyboardInterrupt

    def stop(self) -> Stop | None:
        """What stopped the run, or None when every chain made every draw."""
        if self.reason is None and min(self.iterations) == self.total:
            return None
        drawn = [max(0, n - self.tune) for n in self.iterations]
        return Stop(self.reason or INTERRUPTED, drawn)


def sample_pymc(graph: PyMCGraph, options: SamplingOptions) -> xr.DataTree:
    """Draw from the posterior with PyMC's NUTS; returns ``posterior`` and ``sample_stats``.

    The graph is compiled with :func:`~bayesglmm.compile_cache.reproducible_compile`, so a
    seed gives the same draws on a cold and a warm compile cache. Each chain has its own
    seed (:func:`~bayesglmm.samplers.nutpie_chains.chain_seeds`). When a chain raises, PyMC
    stops them all, so the other chains are sampled again without it, from their own seeds,
    and the fit names the failed chain. Their draws are not those of a run without the
    failure: PyMC's warm-up starts from the mean of every chain's starting point.

    Ctrl-C or the end of ``options.time_limit`` stops every chain; PyMC keeps the
    chains that give the most draws, trimmed to a common length, as
    :func:`~bayesglmm.samplers.stopping.common_chains` does.

    Raises
    ------
    SamplingInterrupted
        When the run was stopped before any chain finished warm-up.
    SamplerError
        When every chain failed.
    """
    seeds = chain_seeds(options.seed, options.chains)
    running = list(range(options.chains))
    failed: dict[int, BaseException] = {}
    deadline = Deadline(options.time_limit)
    while True:
        subset = replace(options, chains=len(running))
        watch = _Watch(subset, deadline)
        try:
            trace = _sample(graph, subset, [seeds[c] for c in running], watch)
            break
        except Exception as error:
            stop = watch.stop()
            stopped = watch.reason is not None or isinstance(error, ValueError)
            if stopped and stop is not None and not any(stop.drawn):
                raise warmup_unfinished(stop.reason, options) from None
            position = _failed_position(error, watch)
            if position is None:
                raise
            failed[running.pop(position)] = error.__cause__ or error
            if not running:
                kept_chains(Stop(None, [0] * options.chains, failed), options)
    stop = watch.stop()
    positions = range(len(running)) if stop is None else kept_chains(stop, subset)[0]
    chains = [running[position] for position in positions]
    tree = xr.DataTree.from_dict(
        {
            group: trace[group].to_dataset().assign_coords(chain=chains)
            for group in ("posterior", "sample_stats")
        }
    )
    if stop is None and not failed:
        return tree
    drawn = [0] * options.chains
    for position, chain in enumerate(running):
        drawn[chain] = options.draws if stop is None else stop.drawn[position]
    return record_stop(tree, Stop(None if stop is None else stop.reason, drawn, failed), options)


def _sample(graph: PyMCGraph, options: SamplingOptions, seeds: list[int], watch: _Watch):
    """PyMC's NUTS, each chain from its seed's start (:mod:`~bayesglmm.samplers.start`)
    rather than PyMC's own unscaled jitter."""
    start = start_point_function(graph, transformed=False)
    with graph.model, reproducible_compile(), warnings.catch_warnings():
        warnings.filterwarnings("ignore", SHORT_TRACE_NOTICE, UserWarning)
        return pm.sample(
            options.draws,
            tune=options.tune,
            chains=options.chains,
            cores=options.cores,
            random_seed=seeds,
            init="adapt_diag",
            initvals=[start(seed) for seed in seeds],
            progressbar=options.progress,
            nuts_sampler="pymc",
            target_accept=options.target_accept,
            var_names=list(graph.public_names),
            compute_convergence_checks=False,
            callback=watch,
        )


def _failed_position(error: Exception, watch: _Watch) -> int | None:
    """The position of the chain whose error ``error`` is, or None for an error of the
    whole run (one raised before any chain drew). PyMC names the chain of a parallel run;
    run one after another, the failed chain is the first one left unfinished."""
    if isinstance(error, ParallelSamplingError):
        return error._chain
    if not any(watch.iterations):
        return None
    return next(c for c, n in enumerate(watch.iterations) if n < watch.total)
