"""The monotonic terms ``mo(x)`` of a linear predictor in the PyMC graph (Bürkner &
Charpentier 2020): row ``i`` in category ``c_i`` adds ``bsp * D * sum(simo_x[:c_i])``,
computed as a gather from the cumulative sums of the simplex, so memory is O(rows).

Examples
--------
>>> import bayesglmm as bg, pandas as pd
>>> data = pd.DataFrame({"y": [1.0, 2.0, 2.5, 4.0, 3.0], "x": [0, 1, 2, 3, 1]})
>>> graph = bg.Model("y ~ mo(x)", data).graph
>>> graph.public_names
('b', 'bsp', 'simo_x', 'sigma')
>>> graph.model.named_vars_to_dims["simo_x"]
('x_increment',)
"""

from __future__ import annotations

import numpy as np
import pymc as pm
import pytensor.tensor as pt

from bayesglmm import naming
from bayesglmm.backend.contract import LinearPart, prior_variable
from bayesglmm.priors.resolve import Priors


def monotonic_part(
    part: LinearPart, priors: Priors, data: dict[str, np.ndarray]
) -> tuple[pt.TensorVariable | None, list[str]]:
    """Add ``bsp`` and each term's simplex; return their contribution to the linear
    predictor over dim ``obs`` (None without monotonic terms) and the public names."""
    terms = part.monotonic
    if not terms:
        return None, []
    bsp = prior_variable(
        naming.MONOTONIC_COEFFICIENTS,
        [priors[naming.coefficient_key(term.name)] for term in terms],
        data,
        dims=naming.MONOTONIC_DIM,
    )
    contribution = pt.zeros(())
    names = [naming.MONOTONIC_COEFFICIENTS]
    for k, term in enumerate(terms):
        simplex_name = naming.simplex(term.column)
        simplex = prior_variable(
            simplex_name,
            [priors[naming.simplex_key(term.name)]],
            data,
            dims=naming.increment_dim(term.column),
        )
        codes_name = naming.graph_data(simplex_name, "codes")
        codes = pm.Data(codes_name, data[codes_name], dims=naming.OBS)
        steps = pt.concatenate([pt.zeros(1), pt.cumsum(simplex)])
        contribution = contribution + bsp[k] * term.n_increments * steps[codes]
        names.append(simplex_name)
    return contribution, names
