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

from bayesglmm.backend import PyMCGraph
from bayesglmm.samplers.options import SamplingOptions


@dataclass(frozen=True)
class PyMCSampler:
    """A PyMC graph to be sampled by PyMC's NUTS."""

    graph: PyMCGraph
    description: str = "NUTS (PyMC)"

    def run(self, options: SamplingOptions) -> xr.DataTree:
        """Draw from the posterior; returns ``posterior`` and ``sample_stats``."""
        return sample_pymc(self.graph, options)


def sample_pymc(graph: PyMCGraph, options: SamplingOptions) -> xr.DataTree:
    """Draw from the posterior with PyMC's NUTS; returns ``posterior`` and ``sample_stats``."""
    with graph.model, warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
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
            idata_kwargs={"log_likelihood": False},
        )
    return xr.DataTree.from_dict(
        {
            "posterior": trace["posterior"].to_dataset(),
            "sample_stats": trace["sample_stats"].to_dataset(),
        }
    )
