"""The penalised blocks of smooths in the graph: per block, ``zs ~ Normal(0, 1)`` over its
columns and sd ``sds`` under prior ``sds[<block>]``; the block adds ``Zs @ zs * sds`` to the
linear predictor, one dense ``(rows, columns)`` product (never a rows-by-rows matrix).
The null-space columns are ordinary fixed effects.
"""

from __future__ import annotations

import numpy as np
import pymc as pm
import pytensor.tensor as pt

from bayesglmm import naming
from bayesglmm.backend.contract import prior_variable
from bayesglmm.formula.spec import SmoothDesign
from bayesglmm.priors.resolve import Priors


def smooth_part(
    smooth: SmoothDesign, priors: Priors, data: dict[str, np.ndarray]
) -> tuple[pt.TensorVariable, list[str]]:
    """Add one smooth's penalised blocks; return their contribution to eta and the public
    names (``sds_<block>``, ``zs_<block>``)."""
    contribution = 0.0
    names = []
    for block in smooth.blocks:
        sd_name = naming.smooth_sd(block)
        sds = prior_variable(sd_name, [priors[naming.smooth_sd_key(block)]], data)
        zs = pm.Normal(
            naming.smooth_standard_normal(block), 0.0, 1.0, dims=naming.smooth_dim(block)
        )
        values_name = naming.graph_data(naming.smooth_standard_normal(block), "values")
        values = pm.Data(values_name, data[values_name])
        contribution = contribution + pt.dot(values, zs) * sds
        names.extend([sd_name, naming.smooth_standard_normal(block)])
    return contribution, names


def smooth_names(smooth: SmoothDesign) -> set[str]:
    """Every variable and dimension name a smooth adds to the graph."""
    return {
        name
        for block in smooth.blocks
        for name in (
            naming.smooth_sd(block),
            naming.smooth_standard_normal(block),
            naming.smooth_dim(block),
        )
    }
