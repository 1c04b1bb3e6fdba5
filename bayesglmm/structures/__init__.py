"""Covariance structures over time within subject: ``ar1`` and ``cs``.

Formulas write them as group terms, ``ar1(time | subject)`` (G-side, correlated random
effects), or as ``Model(..., residual="ar1(time | subject)")`` (R-side, correlated gaussian
residuals); :mod:`~bayesglmm.structures.residual` holds the residual kernel: the sequential
conditional density the PyMC graph scores, the leave-one-out density and predictive draws.
This package's own namespace imports nothing heavy, so the formula layer can use it.

Examples
--------
>>> from bayesglmm.structures import RESIDUAL_KINDS, STRUCTURE_KINDS
>>> RESIDUAL_KINDS, STRUCTURE_KINDS["cs"].rho_lower(5)
(('ar1', 'cs'), -0.25)
"""

from __future__ import annotations

from dataclasses import dataclass

from bayesglmm.errors import FormulaError
from bayesglmm.registry import Registry


@dataclass(frozen=True)
class StructureKind:
    """A one-parameter correlation structure over the times within a subject.

    Attributes
    ----------
    name
        ``"ar1"`` or ``"cs"``.
    description
        What the correlation between two times is.
    lower_for_one
        The smallest correlation that keeps the matrix positive definite at any number of
        times (-1 for AR(1)); None when it depends on the number of times (compound
        symmetry: ``-1 / (T - 1)``).
    """

    name: str
    description: str
    lower_for_one: float | None = None

    def rho_lower(self, times: int) -> float:
        """The smallest valid correlation with ``times`` times per subject."""
        if self.lower_for_one is not None:
            return self.lower_for_one
        return -1.0 / max(1, times - 1)


STRUCTURE_KINDS: Registry[StructureKind] = Registry(
    "correlation structure",
    [
        StructureKind("ar1", "rho^|i - j| between times i and j", lower_for_one=-1.0),
        StructureKind("cs", "one correlation rho between any two times"),
    ],
    FormulaError,
)
"""The one-parameter structures of group terms and residuals, by name."""

RESIDUAL_KINDS = tuple(STRUCTURE_KINDS)
"""The structures ``Model(..., residual=...)`` accepts (``us`` is for group terms only)."""

__all__ = ["RESIDUAL_KINDS", "STRUCTURE_KINDS", "StructureKind"]
