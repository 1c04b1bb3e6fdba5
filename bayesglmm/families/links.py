"""Link functions, each one a record of functions rather than a branch of an if-chain.

A link maps the mean ``mu`` of the response to the linear predictor ``eta = g(mu)``.
Each record carries, on NumPy arrays, the inverse link (for predictions and
log-likelihoods), the link itself (for the default prior location), and how to measure
the spread of the response on the link scale (for default prior scales). The same links
on PyTensor tensors, for the PyMC graph, are :data:`bayesglmm.backend.links.TENSOR_LINKS`.

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
from scipy import special

from bayesglmm.errors import FamilyError
from bayesglmm.registry import Registry


@dataclass(frozen=True)
class Link:
    """A link function ``eta = g(mu)``.

    Attributes
    ----------
    name
        The name used in ``Model(..., link=name)``.
    inverse_np
        ``g^-1`` on NumPy arrays.
    forward_np
        ``g`` on NumPy arrays.
    spread
        Spread of a response (already on the mean's scale) after the link is
        applied; the unit of the default prior scales.
    log_odds_np
        Numerically stable ``logit(g^-1(eta))`` for links of probabilities, so
        binary likelihoods never take the log of a rounded 0 or 1.
    complement_np
        ``1 - g^-1(eta)`` computed without cancellation, for links of probabilities.
    mean_domain
        Open interval the mean must lie in.
    """

    name: str
    inverse_np: Callable[[np.ndarray], np.ndarray]
    forward_np: Callable[[np.ndarray], np.ndarray]
    spread: Callable[[np.ndarray], float]
    log_odds_np: Callable[[np.ndarray], np.ndarray] | None = None
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


def _cloglog_log_odds_np(eta: np.ndarray) -> np.ndarray:
    # mu = 1 - exp(-exp(eta)): log(mu) = log(-expm1(-exp(eta))) and log(1 - mu) = -exp(eta).
    rate = np.exp(eta)
    return np.log(-np.expm1(-rate)) + rate


LINKS: Registry[Link] = Registry(
    "link",
    [
        Link(
            "identity",
            inverse_np=lambda eta: eta,
            forward_np=lambda mu: mu,
            spread=_sd_after(lambda v: v),
        ),
        Link(
            "log",
            inverse_np=np.exp,
            forward_np=np.log,
            spread=_unit_spread,
            mean_domain=(0.0, np.inf),
        ),
        Link(
            "logit",
            inverse_np=special.expit,
            forward_np=special.logit,
            spread=_unit_spread,
            log_odds_np=lambda eta: eta,
            complement_np=lambda eta: special.expit(-eta),
            mean_domain=(0.0, 1.0),
        ),
        Link(
            "probit",
            inverse_np=special.ndtr,
            forward_np=special.ndtri,
            spread=_unit_spread,
            log_odds_np=lambda eta: special.log_ndtr(eta) - special.log_ndtr(-eta),
            complement_np=lambda eta: special.ndtr(-eta),
            mean_domain=(0.0, 1.0),
        ),
        Link(
            "cloglog",
            inverse_np=lambda eta: -np.expm1(-np.exp(eta)),
            forward_np=lambda mu: np.log(-np.log1p(-mu)),
            spread=_unit_spread,
            log_odds_np=_cloglog_log_odds_np,
            complement_np=lambda eta: np.exp(-np.exp(eta)),
            mean_domain=(0.0, 1.0),
        ),
        Link(
            "inverse",
            inverse_np=np.reciprocal,
            forward_np=np.reciprocal,
            spread=_sd_after(np.reciprocal),
            mean_domain=(0.0, np.inf),
        ),
        Link(
            "sqrt",
            inverse_np=np.square,
            forward_np=np.sqrt,
            spread=_sd_after(np.sqrt),
            mean_domain=(0.0, np.inf),
        ),
    ],
    FamilyError,
)
"""Every link bayesglmm knows, by name."""
