"""Backend: the PyMC graph of a GLMM, built from the model spec.

The likelihood of every family, on tensors and NumPy arrays, is
:mod:`bayesglmm.backend.likelihoods`; the links on tensors are
:mod:`bayesglmm.backend.links`.

Examples
--------
>>> from bayesglmm.backend import build_pymc_model
>>> callable(build_pymc_model)
True
"""

from bayesglmm.backend.pymc_model import PyMCGraph, build_pymc_model

__all__ = ["PyMCGraph", "build_pymc_model"]
