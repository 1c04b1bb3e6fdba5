"""A penalised basis in mixed-model form: fixed-effect columns for the unpenalised null
space and random-effect columns, with iid ``N(0, sds^2)`` coefficients, for each penalty.

For one covariate (Wood 2017, sec. 5.8; mgcv's ``smooth2random``): the sum-to-zero
constraint over the data rows, ``1' X beta = 0``, is absorbed by ``Z``, an orthonormal
basis of the null space of ``1' X`` (from the QR decomposition of ``X' 1``), so the smooth
is identifiable beside the intercept. The centred penalty is eigen-decomposed,
``Z' S Z = U D U'``: the columns ``X Z U_+ D_+^{-1/2}`` (positive eigenvalues) have penalty
``I``, so a Gaussian prior with sd ``sds`` on their coefficients is the penalty with
smoothing parameter ``1 / sds^2``; the columns ``X Z U_0`` (zero eigenvalues, the
straight line) are unpenalised fixed effects. The penalised columns are then made
orthogonal to the fixed ones over the data (a change of the fixed coefficients only, which
have a wide prior), so the posterior of the fixed effects does not lean on the smooth's sd:
the fixed coefficient is the smooth's least-squares line.

For a tensor product ``t2(x, z)`` (Wood, Scheipl & Faraway 2013, Statistics and Computing
23:341-360) each marginal is split the same way, into a range part with penalty ``I`` and
a null part spanned by the constant and a line; every row-wise product of one part per
marginal is a block, penalised with its own sd unless all its parts are null spaces. The
product of the constants is dropped, for the model's intercept.

The penalised columns are scaled so that their squares sum to 1 on average over the data
rows: with coefficients ``N(0, sds^2)``, the penalised part of the smooth then has mean
square ``sds^2`` over the data, so ``sds`` is on the scale of the linear predictor and
takes the same kind of prior as a group-level sd.

A smooth varying with a numeric covariate, ``s(x, by = z)`` (a varying-coefficient term,
Hastie & Tibshirani 1993), is ``f(x) z``: the same split of the basis times ``z``, without
the sum-to-zero constraint, since ``f(x) z`` is not confounded with the intercept.

Examples
--------
>>> from bayesglmm.smooths.bases import marginal_basis
>>> x = np.linspace(0.0, 1.0, 40)
>>> basis = marginal_basis("cr", x, 8)
>>> form = mixed_form(basis.evaluate(x), basis.penalty, orient=x)
>>> fixed, (penalised,) = form.columns([basis.evaluate(x)])
>>> fixed.shape, penalised.shape
((40, 1), (40, 6))
>>> bool(np.allclose(fixed.sum(axis=0), 0) and np.allclose(penalised.sum(axis=0), 0))
True
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

NULL_TOLERANCE = 1e-8
"""Eigenvalues of a penalty below this share of the largest span its null space."""


@dataclass(frozen=True, eq=False)
class MixedForm:
    """Linear maps from the marginal bases of a smooth to its fixed and penalised columns.

    Attributes
    ----------
    fixed_maps
        Per fixed column: one vector per marginal; the column is the row-wise product of
        the marginal bases times their vectors.
    blocks
        Per penalised block: one ``(k_j, r_j)`` map per marginal; the block's columns are
        the row-wise Kronecker product of the mapped marginals, times ``scales``.
    scales
        One factor per block (see the module's notes).
    """

    fixed_maps: tuple[tuple[np.ndarray, ...], ...]
    blocks: tuple[tuple[np.ndarray, ...], ...]
    scales: tuple[float, ...]

    def columns(self, bases: Sequence[np.ndarray]) -> tuple[np.ndarray, list[np.ndarray]]:
        """The ``(rows, m)`` fixed columns and the ``(rows, r_j)`` block columns, from the
        ``(rows, k_j)`` marginal bases at the same rows."""
        rows = bases[0].shape[0]
        fixed = (
            np.column_stack(
                [
                    np.prod([b @ v for b, v in zip(bases, vectors, strict=True)], axis=0)
                    for vectors in self.fixed_maps
                ]
            )
            if self.fixed_maps
            else np.zeros((rows, 0))
        )
        blocks = [
            _row_kronecker([b @ m for b, m in zip(bases, maps, strict=True)]) * scale
            for maps, scale in zip(self.blocks, self.scales, strict=True)
        ]
        return fixed, blocks


def _row_kronecker(parts: Sequence[np.ndarray]) -> np.ndarray:
    """The row-wise Kronecker product of ``(rows, c_i)`` matrices."""
    out = parts[0]
    for part in parts[1:]:
        out = (out[:, :, None] * part[:, None, :]).reshape(out.shape[0], -1)
    return out


def _unit_scale(columns: np.ndarray) -> float:
    """The factor giving ``columns`` a mean row sum of squares of 1."""
    size = float(np.mean(np.sum(columns**2, axis=1)))
    return 1.0 / np.sqrt(size) if size > 0 else 1.0


def _split_penalty(penalty: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(range map U_+ D_+^{-1/2}, null map U_0)`` of a symmetric penalty."""
    eigenvalues, vectors = np.linalg.eigh((penalty + penalty.T) / 2)
    null = eigenvalues <= NULL_TOLERANCE * max(float(eigenvalues.max()), 0.0)
    return vectors[:, ~null] / np.sqrt(eigenvalues[~null]), vectors[:, null]


def mixed_form(
    basis: np.ndarray,
    penalty: np.ndarray,
    constraint_rows: np.ndarray | None = None,
    orient: np.ndarray | None = None,
    multiplier: np.ndarray | None = None,
) -> MixedForm:
    """The mixed-model form of one smooth: centred, or multiplied by a covariate.

    Parameters
    ----------
    basis
        ``(rows, k)`` basis at the data rows.
    penalty
        ``(k, k)`` penalty.
    constraint_rows
        Boolean mask of the rows the sum-to-zero constraint runs over (the rows of one level
        of a ``by`` factor); all rows when None.
    orient
        The covariate: each fixed column is signed to increase with it, and scaled to sd 1
        over the constrained rows.
    multiplier
        For ``s(x, by = z)`` with a numeric ``z``: its values, which multiply the smooth.
        The smooth ``f(x) z`` is not confounded with the intercept, so it is not centred
        (as in mgcv): its null space, the constant and the line, times ``z`` become fixed
        columns.

    Examples
    --------
    >>> from bayesglmm.smooths.bases import marginal_basis
    >>> x = np.linspace(0.0, 1.0, 40)
    >>> z = np.cos(3 * x) + 1.5
    >>> basis = marginal_basis("tp", x, 8)
    >>> form = mixed_form(basis.evaluate(x), basis.penalty, orient=x, multiplier=z)
    >>> fixed, (penalised,) = form.columns([basis.evaluate(x) * z[:, None]])
    >>> fixed.shape, penalised.shape, bool(np.allclose(fixed.T @ penalised, 0))
    ((40, 2), (40, 6), True)
    """
    rows = slice(None) if constraint_rows is None else constraint_rows
    scaled = basis if multiplier is None else basis * multiplier[:, None]
    if multiplier is None:
        q, _ = np.linalg.qr(basis[rows].sum(axis=0)[:, None], mode="complete")
        absorb = q[:, 1:]
    else:
        absorb = np.eye(basis.shape[1])
    range_map, null_map = _split_penalty(absorb.T @ penalty @ absorb)
    range_map, null_map = absorb @ range_map, absorb @ null_map
    null_columns = scaled[rows] @ null_map
    if null_map.shape[1]:
        projection = np.linalg.lstsq(null_columns, scaled[rows] @ range_map, rcond=None)[0]
        range_map = range_map - null_map @ projection
    fixed = []
    for vector in null_map.T:
        column = scaled[rows] @ vector
        spread = float(np.std(column)) or 1.0
        sign = -1.0 if orient is not None and np.cov(column, orient[rows])[0, 1] < 0 else 1.0
        fixed.append((sign * vector / spread,))
    scale = _unit_scale(scaled[rows] @ range_map)
    return MixedForm(tuple(fixed), ((range_map,),), (scale,))


def _marginal_parts(
    basis: np.ndarray, penalty: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A marginal's range map, and the maps to its constant and to its centred line."""
    range_map, null_map = _split_penalty(penalty)
    spanned = basis @ null_map
    constant = np.linalg.lstsq(spanned, np.ones(basis.shape[0]), rcond=None)[0]
    others = np.linalg.svd(constant[None, :])[2][1:]
    line = others[0]
    line_column = spanned @ line
    line = line - line_column.mean() * constant
    line = line / (float(np.std(spanned @ line)) or 1.0)
    return range_map, null_map @ constant, null_map @ line


def tensor_mixed_form(bases: Sequence[np.ndarray], penalties: Sequence[np.ndarray]) -> MixedForm:
    """The mixed-model form of a ``t2()`` tensor product of marginal bases whose penalties
    each have the straight lines as null space.

    Examples
    --------
    >>> from bayesglmm.smooths.bases import marginal_basis
    >>> rng = np.random.default_rng(1)
    >>> x, z = rng.uniform(size=(2, 60))
    >>> bx, bz = marginal_basis("cr", x, 5), marginal_basis("cr", z, 5)
    >>> form = tensor_mixed_form([bx.evaluate(x), bz.evaluate(z)], [bx.penalty, bz.penalty])
    >>> fixed, blocks = form.columns([bx.evaluate(x), bz.evaluate(z)])
    >>> fixed.shape[1], [b.shape[1] for b in blocks]
    (3, [9, 6, 6])
    """
    parts = [_marginal_parts(b, s) for b, s in zip(bases, penalties, strict=True)]
    count = len(parts)
    blocks, scales, fixed = [], [], []
    for choice in np.ndindex(*(2,) * count):
        if all(c == 1 for c in choice):
            continue
        maps = tuple(
            part[0] if c == 0 else np.column_stack([part[1], part[2]])
            for part, c in zip(parts, choice, strict=True)
        )
        columns = _row_kronecker([b @ m for b, m in zip(bases, maps, strict=True)])
        blocks.append(maps)
        scales.append(_unit_scale(columns))
    for choice in np.ndindex(*(2,) * count):
        if not any(choice):
            continue
        fixed.append(tuple(part[1 + c] for part, c in zip(parts, choice, strict=True)))
    return MixedForm(tuple(fixed), tuple(blocks), tuple(scales))
