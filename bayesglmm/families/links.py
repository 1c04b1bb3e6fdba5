"""Link functions, each one a record of functions rather than a branch of an if-chain.

A link maps the mean ``mu`` of the response to the linear predictor ``eta = g(mu)``.
Each record carries the inverse link on PyTensor tensors (for the PyMC graph)
and on NumPy arrays (for predictions and log-likelihoods), the link itself on
NumPy arrays (for the default prior location), and how to measure the spread
of the response on the link scale (for default prior scales).

Examples
--------
>>> import numpy as np
>>> from bayesglmm.families.links import LINKS
>>> float(LINKS["logit"].inverse_np(np.array(0.0)))
0.5
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pytensor.tensor as pt
from pymc.distributions.dist_math import normal_lccdf, normal_lcdf
from scipy import special

Tensor = pt.TensorVariable


@dataclass(frozen=True)
class Link:
    """A link function ``eta = g(mu)``.

    Attributes
    ----------
    name
        The name used in ``Model(..., link=name)``.
    inverse
        ``g^-1`` on PyTensor tensors.
    inverse_np
        ``g^-1`` on NumPy arrays.
    forward_np
        ``g`` on NumPy arrays.
    spread
        Spread of a response (already on the mean's scale) after the link is
        applied; the unit of the default prior scales.
    log_odds
        Numerically stable ``logit(g^-1(eta))`` for links of probabilities, so
        binary likelihoods never take the log of a rounded 0 or 1.
    log_odds_np
        The same on NumPy arrays.
    complement, complement_np
        ``1 - g^-1(eta)`` computed without cancellation, for links of probabilities.
    mean_domain
        Open interval the mean must lie in.
    """

    name: str
    inverse: Callable[[Tensor], Tensor]
    inverse_np: Callable[[np.ndarray], np.ndarray]
    forward_np: Callable[[np.ndarray], np.ndarray]
    spread: Callable[[np.ndarray], float]
    log_odds: Callable[[Tensor], Tensor] | None = None
    log_odds_np: Callable[[np.ndarray], np.ndarray] | None = None
    complement: Callable[[Tensor], Tensor] | None = None
    complement_np: Callable[[np.ndarray], np.ndarray] | None = None
    mean_domain: tuple[float, float] = (-np.inf, np.inf)


def _unit_spread(values: np.ndarray) -> float:
    """Spread of one on the link scale, used where the link is already standardised."""
    return 1.0


def _sd_after(transform: Callable[[np.ndarray], np.ndarray]) -> Callable[[np.ndarray], float]:
    def spread(values: np.ndarray) -> float:
        finite = transform(values[np.isfinite(values)])
        sd = float(np.std(finite[np.isfinite(finite)])) if finite.size > 1 else 0.0
        return sd if sd > 0 else 1.0

    return spread


def _cloglog_log_odds(eta: Tensor) -> Tensor:
    # mu = 1 - exp(-exp(eta)): log(mu) = log1mexp(-exp(eta)) and log(1 - mu) = -exp(eta).
    return pt.log1mexp(-pt.exp(eta)) + pt.exp(eta)


def _cloglog_log_odds_np(eta: np.ndarray) -> np.ndarray:
    rate = np.exp(eta)
    return np.log(-np.expm1(-rate)) + rate


LINKS: dict[str, Link] = {
    link.name: link
    for link in [
        Link(
            "identity",
            inverse=lambda eta: eta,
            inverse_np=lambda eta: eta,
            forward_np=lambda mu: mu,
            spread=_sd_after(lambda v: v),
        ),
        Link(
            "log",
            inverse=pt.exp,
            inverse_np=np.exp,
            forward_np=np.log,
            spread=_unit_spread,
            mean_domain=(0.0, np.inf),
        ),
        Link(
            "logit",
            inverse=pt.sigmoid,
            inverse_np=special.expit,
            forward_np=special.logit,
            spread=_unit_spread,
            log_odds=lambda eta: eta,
            log_odds_np=lambda eta: eta,
            complement=lambda eta: pt.sigmoid(-eta),
            complement_np=lambda eta: special.expit(-eta),
            mean_domain=(0.0, 1.0),
        ),
        Link(
            "probit",
            inverse=lambda eta: 0.5 * pt.erfc(-eta / np.sqrt(2.0)),
            inverse_np=special.ndtr,
            forward_np=special.ndtri,
            spread=_unit_spread,
            log_odds=lambda eta: normal_lcdf(0.0, 1.0, eta) - normal_lccdf(0.0, 1.0, eta),
            log_odds_np=lambda eta: special.log_ndtr(eta) - special.log_ndtr(-eta),
            complement=lambda eta: 0.5 * pt.erfc(eta / np.sqrt(2.0)),
            complement_np=lambda eta: special.ndtr(-eta),
            mean_domain=(0.0, 1.0),
        ),
        Link(
            "cloglog",
            inverse=lambda eta: -pt.expm1(-pt.exp(eta)),
            inverse_np=lambda eta: -np.expm1(-np.exp(eta)),
            forward_np=lambda mu: np.log(-np.log1p(-mu)),
            spread=_unit_spread,
            log_odds=_cloglog_log_odds,
            log_odds_np=_cloglog_log_odds_np,
            complement=lambda eta: pt.exp(-pt.exp(eta)),
            complement_np=lambda eta: np.exp(-np.exp(eta)),
            mean_domain=(0.0, 1.0),
        ),
        Link(
            "inverse",
            inverse=pt.reciprocal,
            inverse_np=np.reciprocal,
            forward_np=np.reciprocal,
            spread=_sd_after(np.reciprocal),
            mean_domain=(0.0, np.inf),
        ),
        Link(
            "sqrt",
            inverse=pt.sqr,
            inverse_np=np.square,
            forward_np=np.sqrt,
            spread=_sd_after(np.sqrt),
            mean_domain=(0.0, np.inf),
        ),
    ]
}
"""Every link bayesglmm knows, by name."""
