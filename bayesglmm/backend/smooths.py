"""The penalised blocks of smooths in the graph: per block, sd ``sds`` under prior
``sds[<block>]`` and coefficients ``b = sds * zs`` with ``zs ~ Normal(0, 1)``; the block
adds ``Zs @ b`` to the linear predictor, one dense ``(rows, columns)`` product (never a
rows-by-rows matrix). The null-space columns are ordinary fixed effects.

Coefficients the data inform well are sampled centred, ``b_j ~ Normal(0, sds)``, the others
non-centred (:func:`~bayesglmm.backend.parameterisation.smooth_centring`); either way the
reported ``zs_<block>`` are the standardised coefficients ``b / sds``.
"""

from __future__ import annotations

import numpy as np
import pymc as pm
import pytensor.tensor as pt

from bayesglmm import naming
from bayesglmm.backend.contract import prior_variable
from bayesglmm.formula.smooth_spec import SmoothDesign
from bayesglmm.naming import smooth_naming
from bayesglmm.priors.resolve import Priors


def smooth_part(
    smooth: SmoothDesign,
    priors: Priors,
    data: dict[str, np.ndarray],
    centred: dict[str, np.ndarray],
) -> tuple[pt.TensorVariable, list[str]]:
    """Add one smooth's penalised blocks; return their contribution to eta and the public
    names (``sds_<block>``, ``zs_<block>``). ``centred`` says, per block, which
    coefficients are sampled centred."""
    contribution = 0.0
    names = []
    for block in smooth.blocks:
        sd_name = smooth_naming.smooth_sd(block)
        sds = prior_variable(sd_name, [priors[smooth_naming.smooth_sd_key(block)]], data)
        mask = centred[block]
        zs_name = smooth_naming.smooth_standard_normal(block)
        if not mask.any():
            zs = pm.Normal(zs_name, 0.0, 1.0, dims=smooth_naming.smooth_dim(block))
        else:
            zs = pm.Deterministic(
                zs_name, _mixed_coefficients(block, mask, sds), dims=smooth_naming.smooth_dim(block)
            )
        values_name = naming.graph_data(zs_name, "values")
        values = pm.Data(values_name, data[values_name])
        contribution = contribution + pt.dot(values, zs) * sds
        names.extend([sd_name, zs_name])
    return contribution, names


def _mixed_coefficients(block: str, mask: np.ndarray, sds: pt.TensorVariable):
    """Standardised coefficients with those of ``mask`` drawn centred, ``b ~ N(0, sds)``
    and divided by ``sds``, and the rest drawn ``N(0, 1)``."""
    centred = pm.Normal(smooth_naming.smooth_centred(block), 0.0, sds, shape=int(mask.sum()))
    zs = pt.zeros(len(mask))
    zs = pt.set_subtensor(zs[np.flatnonzero(mask)], centred / sds)
    if not mask.all():
        rest = pm.Normal(smooth_naming.smooth_noncentred(block), 0.0, 1.0, shape=int((~mask).sum()))
        zs = pt.set_subtensor(zs[np.flatnonzero(~mask)], rest)
    return zs


def smooth_names(smooth: SmoothDesign) -> set[str]:
    """Every variable and dimension name a smooth adds to the graph."""
    return {
        name
        for block in smooth.blocks
        for name in (
            smooth_naming.smooth_sd(block),
            smooth_naming.smooth_standard_normal(block),
            smooth_naming.smooth_dim(block),
            smooth_naming.smooth_centred(block),
            smooth_naming.smooth_noncentred(block),
        )
    }
