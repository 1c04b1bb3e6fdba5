"""Gaussian-process terms in the graph, as the Hilbert-space approximation of
Riutort-Mayol et al. (2023): ``sdgp`` and ``lscale`` under priors ``sdgp[<label>]`` and
``lscale[<label>]``, weights ``zgp ~ Normal(0, 1)`` over the ``k`` basis functions, and
coefficients ``bgp = sqrt(S(sqrt(lambda_j); sdgp, lscale)) * zgp`` with ``S`` the kernel's
spectral density; the term adds ``Phi @ bgp``, one dense ``(rows, k)`` product.
"""

from __future__ import annotations

import numpy as np
import pymc as pm
import pytensor.tensor as pt

from bayesglmm import naming
from bayesglmm.backend.contract import prior_variable
from bayesglmm.formula.smooth_spec import GPDesign
from bayesglmm.naming import smooth_naming
from bayesglmm.priors.resolve import Priors
from bayesglmm.smooths.hsgp import spectral_density


def gp_part(
    term: GPDesign, priors: Priors, data: dict[str, np.ndarray]
) -> tuple[pt.TensorVariable, list[str]]:
    """Add one GP; return its contribution to eta and its public names."""
    label = term.label
    sdgp = prior_variable(
        smooth_naming.gp_sd(label), [priors[smooth_naming.gp_sd_key(label)]], data
    )
    lscale = prior_variable(
        smooth_naming.gp_lscale(label), [priors[smooth_naming.gp_lscale_key(label)]], data
    )
    zgp = pm.Normal(
        smooth_naming.gp_standard_normal(label), 0.0, 1.0, dims=smooth_naming.gp_dim(label)
    )
    omega = pm.Data(
        naming.graph_data(label, "frequencies"), data[naming.graph_data(label, "frequencies")]
    )
    weights = pt.sqrt(spectral_density(term.kernel, omega, sdgp, lscale, xp=pt))
    coefficients = pm.Deterministic(
        smooth_naming.gp_coefficients(label), weights * zgp, dims=smooth_naming.gp_dim(label)
    )
    values = pm.Data(naming.graph_data(label, "values"), data[naming.graph_data(label, "values")])
    names = [
        smooth_naming.gp_sd(label),
        smooth_naming.gp_lscale(label),
        smooth_naming.gp_standard_normal(label),
        smooth_naming.gp_coefficients(label),
    ]
    return pt.dot(values, coefficients), names


def gp_names(term: GPDesign) -> set[str]:
    """Every variable and dimension name a GP adds to the graph."""
    label = term.label
    return {
        smooth_naming.gp_sd(label),
        smooth_naming.gp_lscale(label),
        smooth_naming.gp_standard_normal(label),
        smooth_naming.gp_coefficients(label),
        smooth_naming.gp_dim(label),
    }
