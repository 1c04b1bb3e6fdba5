"""Draws of the response from the prior predictive distribution of a PyMC graph.

Examples
--------
>>> import bayesglmm as bg
>>> model = bg.Model("incidence | trials(size) ~ period + (1 | herd)",
...                  bg.datasets.load("cbpp"), family="binomial")
>>> prior_predictive_draws(model.graph, draws=5, seed=1).shape
(5, 56)
"""

from __future__ import annotations

import logging

import numpy as np
import pymc as pm

from bayesglmm.backend.pymc_model import PyMCGraph
from bayesglmm.samplers.nutpie_sampler import quiet_compile


def prior_predictive_draws(graph: PyMCGraph, draws: int, seed: int | None) -> np.ndarray:
    """``(draws, rows)`` simulated responses, in the graph's row order."""
    name = graph.observed_name
    forward = logging.getLogger("pymc.sampling.forward")
    level = forward.level
    forward.setLevel(logging.WARNING)  # its "Sampling: [...]" line names internal variables
    try:
        with graph.model, quiet_compile():
            tree = pm.sample_prior_predictive(draws=draws, var_names=[name], random_seed=seed)
    finally:
        forward.setLevel(level)
    values = tree["prior_predictive"][name].to_numpy()
    return values.reshape(-1, values.shape[-1])
