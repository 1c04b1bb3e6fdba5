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
from dataclasses import dataclass

import pymc as pm
import xarray as xr
from pymc.sampling.parallel import Draw

from bayesglmm.backend import PyMCGraph
from bayesglmm.compile_cache import reproducible_compile
from bayesglmm.samplers.options import SamplingOptions
from bayesglmm.samplers.stopping import (
    INTERRUPTED,
    SHORT_TRACE_NOTICE,
    TIME_LIMIT,
    Deadline,
    Stop,
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

    def __init__(self, options: SamplingOptions):
        self.total = options.tune + options.draws
        self.tune = options.tune
        self.sequential = options.cores == 1
        self.deadline = Deadline(options.time_limit)
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
    seed gives the same draws on a cold and a warm compile cache.

    Ctrl-C or the end of ``options.time_limit`` stops every chain; PyMC keeps the
    chains that give the most draws, trimmed to a common length, as
    :func:`~bayesglmm.samplers.stopping.common_chains` does.

    Raises
    ------
    SamplingInterrupted
        When the run was stopped before any chain finished warm-up.
    """
    watch = _Watch(options)
    with graph.model, reproducible_compile(), warnings.catch_warnings():
        warnings.filterwarnings("ignore", SHORT_TRACE_NOTICE, UserWarning)
        try:
            trace = pm.sample(
                options.draws,
                tune=options.tune,
                chains=options.chains,
                cores=options.cores,
                random_seed=options.seed,
                progressbar=options.progress,
                nuts_sampler="pymc",
                target_accept=options.target_accept,
                var_names=list(graph.public_names),
                compute_convergence_checks=False,
                callback=watch,
            )
        except ValueError:
            stop = watch.stop()
            if stop is not None and not any(stop.drawn):
                raise warmup_unfinished(stop.reason, options) from None
            raise
    tree = xr.DataTree.from_dict(
        {
            "posterior": trace["posterior"].to_dataset(),
            "sample_stats": trace["sample_stats"].to_dataset(),
        }
    )
    stop = watch.stop()
    return tree if stop is None else record_stop(tree, stop, options)
