"""Backend: the PyMC graph of a GLMM, built from the model spec.

Examples
--------
>>> from bayesglmm.backend import build_pymc_model
>>> callable(build_pymc_model)
True
"""

from bayesglmm.backend.pymc_model import PyMCGraph, build_pymc_model

__all__ = ["PyMCGraph", "build_pymc_model"]
