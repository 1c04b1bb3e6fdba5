"""Many fits of one model: ``bg.fit_many`` on a Dask cluster, its :class:`Batch` result
and the store it writes (see :mod:`bayesglmm.batch.engine`)."""

from bayesglmm.batch.engine import fit_many
from bayesglmm.batch.result import Batch

__all__ = ["Batch", "fit_many"]
