"""The Cholesky factor of an LKJ correlation matrix, sampled through canonical partial
correlations.

The unconstrained vector ``y`` holds one real per pair ``i > j`` (row-major over the strict
lower triangle). ``z = tanh(y)`` are the canonical partial correlations, and row ``i`` of
the Cholesky factor ``L`` is

    L[i, j] = z[i, j] * sqrt(prod_{k < j} (1 - z[i, k]^2))   for j < i,
    L[i, i] = sqrt(prod_{k < i} (1 - z[i, k]^2)),

so every row has unit norm (Lewandowski, Kurowicka & Joe 2009, section 2.4; the Stan
Reference Manual, "Cholesky factors of correlation matrices"). The log Jacobian is
``sum_{i > j} (1 + (i - j - 1) / 2) log(1 - z[i, j]^2)``: ``log(1 - z^2)`` from ``tanh``, and
half the log of each scaling product above. Written as one cumulative sum over a row, it
takes a few vectorised operations, where PyMC's default transform (a triangular fill in
spiral order and a normalisation) costs several dozen graph nodes per block.

Examples
--------
>>> import numpy as np
>>> transform = CanonicalPartialCorrelations(3)
>>> chol = transform.backward(np.array([0.3, -0.2, 0.5])).eval()
>>> bool(np.allclose((chol**2).sum(axis=1), 1.0))
True
>>> np.round(transform.forward(chol).eval(), 6)
array([ 0.3, -0.2,  0.5])
"""

from __future__ import annotations

import numpy as np
import pymc as pm
import pytensor.tensor as pt
from pymc.logprob.transforms import Transform


class CanonicalPartialCorrelations(Transform):
    """Unconstrained reals to the lower Cholesky factor of an ``n x n`` correlation matrix.

    Parameters
    ----------
    n : int
        Size of the correlation matrix (at least 2).
    """

    name = "cpc"
    ndim_supp = 1

    def __init__(self, n: int):
        self.n = n
        self.rows, self.cols = np.tril_indices(n, -1)
        self.jacobian_weights = 1.0 + 0.5 * (self.rows - self.cols - 1)
        super().__init__()

    def _lower(self, vector: pt.TensorVariable) -> pt.TensorVariable:
        """``vector`` placed in the strict lower triangle of an ``n x n`` zero matrix."""
        return pt.zeros((self.n, self.n))[self.rows, self.cols].set(vector)

    @staticmethod
    def _log1m_tanh_squared(y: pt.TensorVariable) -> pt.TensorVariable:
        """``log(1 - tanh(y)^2) = 2 (log 2 - |y| - log1p(exp(-2 |y|)))``, stable for large
        ``|y|``."""
        magnitude = pt.abs(y)
        return 2.0 * (np.log(2.0) - magnitude - pt.softplus(-2.0 * magnitude))

    def backward(self, value, *inputs) -> pt.TensorVariable:
        """The Cholesky factor ``L`` of the unconstrained vector ``value``."""
        value = pt.as_tensor(value)
        log_remaining = self._lower(self._log1m_tanh_squared(value))
        log_scale = pt.cumsum(log_remaining, axis=1) - log_remaining
        correlations = self._lower(pt.tanh(value)) + pt.eye(self.n)
        return correlations * pt.exp(0.5 * log_scale)

    def forward(self, value, *inputs) -> pt.TensorVariable:
        """The unconstrained vector of the Cholesky factor ``value``."""
        value = pt.as_tensor(value)
        squares = value**2
        remaining = 1.0 - (pt.cumsum(squares, axis=1) - squares)
        partial = value[self.rows, self.cols] / pt.sqrt(remaining[self.rows, self.cols])
        return pt.arctanh(partial)

    def log_jac_det(self, value, *inputs) -> pt.TensorVariable:
        """Log absolute determinant of the Jacobian of :meth:`backward`."""
        value = pt.as_tensor(value)
        return pt.sum(self.jacobian_weights * self._log1m_tanh_squared(value), axis=-1)


def lkj_cholesky(name: str, n: int, eta: pt.TensorVariable) -> pt.TensorVariable:
    """A free ``n x n`` LKJ(``eta``) correlation Cholesky factor called ``name``, sampled
    through :class:`CanonicalPartialCorrelations`."""
    return pm.LKJCorr(name, n=n, eta=eta, default_transform=CanonicalPartialCorrelations(n))
