"""What every likelihood is given and what it answers.

A likelihood receives ``mu``, the distributional parameter of each row through its link
(:class:`Mu`), the dispersion parameters by name and, for binomial families, the trials.
The same methods serve the PyMC graph (:meth:`Likelihood.pymc` on tensors) and NumPy
(:meth:`~Likelihood.logpdf`, :meth:`~Likelihood.random`, :meth:`~Likelihood.mean`,
:meth:`~Likelihood.variance` on arrays that broadcast against each other: draws by rows).

Examples
--------
>>> import numpy as np
>>> from bayesglmm.families import LINKS
>>> mu = Mu.of(np.array([0.0, 2.0]), LINKS["logit"])
>>> mu.value.round(3).tolist(), mu.complement.round(3).tolist(), mu.log_odds.tolist()
([0.5, 0.881], [0.5, 0.119], [0.0, 2.0])
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import cached_property
from typing import Any

import numpy as np
import pytensor.tensor as pt

from bayesglmm.backend.links import TENSOR_LINKS
from bayesglmm.families.links import Link

Params = Mapping[str, Any]
"""Dispersion parameters by name: arrays, or tensors in the graph."""


class Mu:
    """The parameter ``mu = g^-1(eta)`` of each row, kept with its linear predictor.

    ``mu`` is the mean of the response for most families; it is the mean of ``log y`` for
    lognormal, the count mean before zero-inflation or a hurdle, and the latent location
    for the cumulative family (whose link is the latent CDF, so it reads :attr:`eta`).

    Attributes
    ----------
    eta
        The linear predictor, NumPy array or tensor.
    link
        The link's name.
    """

    def __init__(
        self,
        eta: Any,
        link: str,
        inverse: Callable[[Any], Any],
        complement: Callable[[Any], Any] | None,
        log_odds: Callable[[Any], Any] | None,
    ):
        self.eta, self.link = eta, link
        self._inverse, self._complement, self._log_odds = inverse, complement, log_odds

    @classmethod
    def of(cls, eta: np.ndarray, link: Link) -> Mu:
        """``mu`` on NumPy arrays."""
        return cls(eta, link.name, link.inverse_np, link.complement_np, link.log_odds_np)

    @classmethod
    def tensor(cls, eta: pt.TensorVariable, link: Link | str) -> Mu:
        """``mu`` on tensors, for the PyMC graph."""
        ops = TENSOR_LINKS[link if isinstance(link, str) else link.name]
        return cls(eta, ops.name, ops.inverse, ops.complement, ops.log_odds)

    def at(self, eta: Any) -> Mu:
        """The same link at another linear predictor (a graph's inner inputs, shifted draws)."""
        return Mu(eta, self.link, self._inverse, self._complement, self._log_odds)

    @cached_property
    def value(self) -> Any:
        """``g^-1(eta)``."""
        return self._inverse(self.eta)

    @property
    def complement(self) -> Any:
        """``1 - g^-1(eta)`` without cancellation (links of probabilities only)."""
        return self._complement(self.eta)

    @property
    def log_odds(self) -> Any:
        """``logit(g^-1(eta))``, stable in the tails (links of probabilities only)."""
        return self._log_odds(self.eta)


class Likelihood:
    """The distribution of one family's response given ``mu`` and its parameters.

    Subclasses set :attr:`name` (the family's) and implement :meth:`pymc`, :meth:`logpdf`,
    :meth:`random` and :meth:`variance`; :meth:`mean` is ``mu`` unless overridden.
    Families that accept ``cens()`` are :class:`Survival` likelihoods.
    """

    name: str = ""

    def pymc(self, mu: Mu, params: Params, trials: Any) -> pt.TensorVariable:
        """The response's distribution as an unregistered PyMC variable (``pm.X.dist``)."""
        raise NotImplementedError

    def logpdf(self, y: np.ndarray, mu: Mu, params: Params, trials: Any) -> np.ndarray:
        """Log density (or probability) of each response."""
        raise NotImplementedError

    def random(self, rng: np.random.Generator, mu: Mu, params: Params, trials: Any) -> np.ndarray:
        """One response drawn per element."""
        raise NotImplementedError

    def mean(self, mu: Mu, params: Params) -> np.ndarray:
        """The mean of the response (per trial for binomial families)."""
        return mu.value

    def variance(self, mu: Mu, params: Params, trials: Any) -> np.ndarray:
        """The variance of the response (of the proportion for binomial families)."""
        raise NotImplementedError

    def frozen(self, mu: Mu, params: Params, trials: Any):
        """The response's distribution as a frozen SciPy distribution, for its
        distribution and quantile functions (families that accept ``trunc()``)."""
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r})"


class Survival(Likelihood):
    """A likelihood given by its hazard, which makes the family censorable.

    It gives the log hazard ``log h(y)`` and the cumulative hazard ``H(y) = -log S(y)``
    (``S`` the survival function), so that ``log f = log h - H``; how censored rows use
    them is :mod:`~bayesglmm.backend.likelihoods.additions`'s business. In the graph the
    response is a ``CustomDist`` over the distribution's own parameters
    (:meth:`pymc_parameters`), scored by :meth:`pymc_hazards` and drawn by
    :meth:`draw`.
    """

    def hazards(
        self, y: np.ndarray, mu: Mu, params: Params, trials: Any
    ) -> tuple[np.ndarray, np.ndarray]:
        """The log hazard and the cumulative hazard of each response."""
        raise NotImplementedError

    def logpdf(self, y, mu, params, trials):
        log_hazard, cumulative_hazard = self.hazards(y, mu, params, trials)
        return log_hazard - cumulative_hazard

    def pymc_parameters(self, mu: Mu, params: Params, trials: Any) -> tuple[pt.TensorVariable, ...]:
        """The distribution's own parameters on tensors (for Weibull: scale and shape)."""
        raise NotImplementedError

    def pymc_hazards(
        self, value: pt.TensorVariable, *parameters: pt.TensorVariable
    ) -> tuple[pt.TensorVariable, pt.TensorVariable]:
        """:meth:`hazards` on tensors, from :meth:`pymc_parameters`."""
        raise NotImplementedError

    def draw(self, rng: np.random.Generator, size, *parameters: np.ndarray) -> np.ndarray:
        """Draws for the graph (prior predictive), from :meth:`pymc_parameters`' values."""
        raise NotImplementedError

    def pymc(self, mu, params, trials):
        """The uncensored distribution,
        :func:`~bayesglmm.backend.likelihoods.additions.survival_dist`."""
        from bayesglmm.backend.likelihoods.additions import survival_dist

        return survival_dist(self, mu, params, trials)
