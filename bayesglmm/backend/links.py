"""The links of :data:`bayesglmm.families.LINKS` on PyTensor tensors, for the PyMC graph.

Each record has the inverse link and, for links of probabilities, the stable log-odds
and complement that :class:`~bayesglmm.families.links.Link` has on NumPy arrays.

Examples
--------
>>> import pytensor.tensor as pt
>>> float(TENSOR_LINKS["logit"].inverse(pt.as_tensor(0.0)).eval())
0.5
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pytensor.tensor as pt
from pymc.distributions.dist_math import normal_lccdf, normal_lcdf

from bayesglmm.errors import FamilyError
from bayesglmm.registry import Registry

Tensor = pt.TensorVariable


@dataclass(frozen=True)
class TensorLink:
    """A link ``eta = g(mu)`` on tensors.

    Attributes
    ----------
    name
        The link's name, as in :data:`bayesglmm.families.LINKS`.
    inverse
        ``g^-1``.
    log_odds
        Numerically stable ``logit(g^-1(eta))`` for links of probabilities.
    complement
        ``1 - g^-1(eta)`` computed without cancellation, for links of probabilities.
    """

    name: str
    inverse: Callable[[Tensor], Tensor]
    log_odds: Callable[[Tensor], Tensor] | None = None
    complement: Callable[[Tensor], Tensor] | None = None


def _cloglog_log_odds(eta: Tensor) -> Tensor:
    # mu = 1 - exp(-exp(eta)): log(mu) = log1mexp(-exp(eta)) and log(1 - mu) = -exp(eta).
    return pt.log1mexp(-pt.exp(eta)) + pt.exp(eta)


TENSOR_LINKS: Registry[TensorLink] = Registry(
    "link",
    [
        TensorLink("identity", inverse=lambda eta: eta),
        TensorLink("log", inverse=pt.exp),
        TensorLink(
            "logit",
            inverse=pt.sigmoid,
            log_odds=lambda eta: eta,
            complement=lambda eta: pt.sigmoid(-eta),
        ),
        TensorLink(
            "probit",
            inverse=lambda eta: 0.5 * pt.erfc(-eta / np.sqrt(2.0)),
            log_odds=lambda eta: normal_lcdf(0.0, 1.0, eta) - normal_lccdf(0.0, 1.0, eta),
            complement=lambda eta: 0.5 * pt.erfc(eta / np.sqrt(2.0)),
        ),
        TensorLink(
            "cloglog",
            inverse=lambda eta: -pt.expm1(-pt.exp(eta)),
            log_odds=_cloglog_log_odds,
            complement=lambda eta: pt.exp(-pt.exp(eta)),
        ),
        TensorLink("inverse", inverse=pt.reciprocal),
        TensorLink("sqrt", inverse=pt.sqr),
    ],
    FamilyError,
)
"""Every link on tensors, by name."""
