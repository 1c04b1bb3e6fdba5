"""The spec's smooth terms: a penalised smooth in random-effects form (:class:`SmoothDesign`)
and an approximate Gaussian process (:class:`GPDesign`), each with the stored bases that
give its columns on new data.

Examples
--------
>>> import bayesglmm as bg
>>> spec = bg.Model("Reaction ~ s(Days, k = 5)", bg.datasets.load("sleepstudy")).spec
>>> type(spec.smooths[0]).__name__, spec.smooths[0].label
('SmoothDesign', 'sDays')
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from bayesglmm.smooths.bases import MarginalBasis, ThinPlateBasis
from bayesglmm.smooths.hsgp import HSGPBasis
from bayesglmm.smooths.mixed import MixedForm


@dataclass(frozen=True)
class SmoothDesign:
    """One penalised smooth in random-effects form (one level of a ``by`` factor for
    ``s(x, by = f)``); see :mod:`bayesglmm.smooths`.

    Attributes
    ----------
    term
        The term as written without white space, e.g. ``"s(x,k=5)"``.
    label
        Its label: ``"sx"``, ``"t2xz"``, or ``"sx:fa"`` for level ``a`` of ``by = f``.
    variables
        The covariates.
    by, level
        The ``by`` column and this smooth's level of it (a factor), or None.
    bases
        The fitted marginal basis of each covariate (knots, transforms); for ``s(x, z)``
        one :class:`~bayesglmm.smooths.bases.ThinPlateBasis` of both.
    form
        The map from the marginal bases to the fixed and penalised columns.
    fixed_names
        Names of its null-space columns among the fixed effects, ``("sx_1",)``.
    blocks
        Names of its penalised blocks, each with sd ``sds_<block>``: ``("sx_1",)``; in a
        modelled parameter's formula they end with the parameter, ``("sx_1__sigma",)``.
    values
        Per block, its ``(rows, columns)`` values at the data rows.
    varying
        True for ``s(x, by = z)`` with a numeric ``z``: the smooth ``f(x) z``, not centred,
        with ``level`` None and label ``sx:z``.
    """

    term: str
    label: str
    variables: tuple[str, ...]
    by: str | None
    level: str | None
    bases: tuple[MarginalBasis | ThinPlateBasis, ...]
    form: MixedForm
    fixed_names: tuple[str, ...]
    blocks: tuple[str, ...]
    values: tuple[np.ndarray, ...]
    varying: bool = False

    def columns(self, frame: pd.DataFrame) -> tuple[np.ndarray, list[np.ndarray]]:
        """The fixed columns and each block's columns at the rows of ``frame``, with the
        fitted knots and transforms."""
        if len(self.bases) < len(self.variables):
            marginals = [self.bases[0].evaluate(frame[list(self.variables)].to_numpy(float))]
        else:
            marginals = [
                basis.evaluate(frame[name].to_numpy(dtype=float))
                for basis, name in zip(self.bases, self.variables, strict=True)
            ]
        return self.columns_of(marginals, frame)

    def columns_of(
        self, marginals: list[np.ndarray], frame: pd.DataFrame
    ) -> tuple[np.ndarray, list[np.ndarray]]:
        """:meth:`columns` from the marginal bases already evaluated at ``frame``'s rows."""
        fixed, blocks = self.form.columns(marginals)
        if self.by is not None:
            factor = (
                frame[self.by].to_numpy(dtype=float)
                if self.varying
                else (frame[self.by].astype(str) == self.level).to_numpy(dtype=float)
            )[:, None]
            fixed, blocks = fixed * factor, [block * factor for block in blocks]
        return fixed, blocks


@dataclass(frozen=True)
class GPDesign:
    """One approximate Gaussian process ``gp(x, k = )`` (one level of ``by`` for
    ``gp(x, k = , by = f)``): the ``(rows, k)`` Hilbert-space basis of
    :mod:`bayesglmm.smooths.hsgp`, weighted in the graph by the kernel's spectral density.

    It sits among a linear predictor's smooths with one block, its label, and no fixed
    columns, so that predictions and plots treat it as any basis block.

    Attributes
    ----------
    term
        The term as written without white space, e.g. ``"gp(x,k=20)"``.
    label
        Its label: ``"gpx"``, or ``"gpx:fa"`` for level ``a`` of ``by = f``.
    variables
        The covariate, a tuple of one.
    by, level
        The ``by`` factor and this GP's level of it, or None.
    kernel
        ``"exp_quad"``, ``"matern32"`` or ``"matern52"``.
    basis
        The fitted basis (centre, scale, ``L``, ``k``), for new data.
    values
        The basis at the data rows, a tuple of one ``(rows, k)`` array.
    """

    term: str
    label: str
    variables: tuple[str, ...]
    by: str | None
    level: str | None
    kernel: str
    basis: HSGPBasis
    values: tuple[np.ndarray, ...]

    fixed_names: tuple[str, ...] = ()
    """A GP has no fixed columns (its mean is the intercept's)."""

    varying = False
    """A GP's ``by`` is a factor (see :attr:`SmoothDesign.varying`)."""

    @property
    def blocks(self) -> tuple[str, ...]:
        """Its one block of basis columns, named by its label."""
        return (self.label,)

    def columns(self, frame: pd.DataFrame) -> tuple[np.ndarray, list[np.ndarray]]:
        """No fixed columns, and the basis at the rows of ``frame`` (zero outside its
        ``by`` level)."""
        values = self.basis.evaluate(frame[self.variables[0]].to_numpy(dtype=float))
        if self.by is not None:
            values = values * (frame[self.by].astype(str) == self.level).to_numpy(float)[:, None]
        return np.zeros((len(frame), 0)), [values]
