"""Covariance structures over time within subject: ``ar1`` and ``cs``.

Formulas write them as group terms, ``ar1(time | subject)`` (G-side, correlated random
effects), or as ``Model(..., residual="ar1(time | subject)")`` (R-side, correlated gaussian
residuals); :mod:`~bayesglmm.structures.residual` holds the residual kernel: the sequential
conditional density the PyMC graph scores, the leave-one-out density and predictive draws.
This package's own namespace imports nothing heavy, so the formula layer can use it.

Examples
--------
>>> from bayesglmm.structures import RESIDUAL_KINDS
>>> RESIDUAL_KINDS
('ar1', 'cs')
"""

RESIDUAL_KINDS = ("ar1", "cs")
"""The structures ``Model(..., residual=...)`` accepts (``us`` is for group terms only)."""

__all__ = ["RESIDUAL_KINDS"]
