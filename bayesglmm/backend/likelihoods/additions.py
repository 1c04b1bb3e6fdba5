"""The response's addition terms, applied once around any family's log density.

brms calls the terms after ``|`` on the left of ``~`` *addition terms*. Besides
``trials()``, a parameter of binomial distributions, they change how each row enters the
likelihood, whatever the family. With right-censoring (``cens()``) a row contributes
``delta log h(y) - H(y)``, ``delta`` 1 for an event and 0 for a censored time, ``h`` the
hazard and ``H = -log S`` the cumulative hazard: the log density ``log h - H`` for an
event, the log survival function ``log S = -H`` for a censored row (Klein & Moeschberger
2003, sec. 3.5). :func:`adjusted` is that rule, written once for NumPy arrays and PyTensor
tensors alike; :func:`log_likelihood` applies it to a family's NumPy functions,
:func:`observe` to its PyMC distribution (through :func:`survival_dist`, which needs the
family's parameters and hazards only). Truncation (``trunc()``: subtract the log
probability of the bounds' interval) and weights (``weights()``: multiply each row's
log-likelihood) belong here as further fields of :class:`Additions` and steps of
:func:`adjusted`; in the graph they call for a ``CustomDist`` like
:func:`survival_dist`'s, whose log density is :func:`adjusted`.

Examples
--------
>>> import numpy as np
>>> from bayesglmm.backend.likelihoods import LIKELIHOODS, Mu
>>> from bayesglmm.families import LINKS
>>> mu = Mu.of(np.log([2.0, 2.0]), LINKS["log"])  # mean 2: hazard 1/2, H(y) = y / 2
>>> censored = Additions(censored=np.array([0.0, 1.0]))  # an event at 2, censored at 2
>>> y = np.array([2.0, 2.0])
>>> log_likelihood(LIKELIHOODS["exponential"], y, mu, {}, None, censored).round(3).tolist()
[-1.693, -1.0]
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any

import numpy as np
import pymc as pm
import pytensor.tensor as pt
from pymc.distributions.shape_utils import change_dist_size, convert_dims, shape_from_dims

from bayesglmm.backend.likelihoods.base import Likelihood, Mu, Params, Survival
from bayesglmm.errors import FamilyError

if TYPE_CHECKING:
    from bayesglmm.formula.spec import ResponseDesign


@dataclass(frozen=True)
class Additions:
    """Per-row addition terms of the response; None where the formula has none.

    Attributes
    ----------
    censored
        Right-censoring flags, 1 for a row censored at its value and 0 for an event
        (``y | cens(c)``); NumPy array, or the graph's data tensor.
    """

    censored: Any = None

    @classmethod
    def of(cls, response: ResponseDesign) -> Additions:
        """The addition terms of a response design."""
        return cls(censored=response.censored)

    @property
    def empty(self) -> bool:
        """True when the response has no addition term (besides trials)."""
        return all(getattr(self, field.name) is None for field in fields(self))


def adjusted(
    density: Callable[[], Any],
    hazards: Callable[[], tuple[Any, Any]],
    additions: Additions,
) -> Any:
    """Each row's log-likelihood from the family's ``density()`` (its log density) and
    ``hazards()`` (its log hazard and cumulative hazard), on arrays or tensors."""
    if additions.censored is not None:
        log_hazard, cumulative_hazard = hazards()
        return (1 - additions.censored) * log_hazard - cumulative_hazard
    return density()


def log_likelihood(
    likelihood: Likelihood,
    y: np.ndarray,
    mu: Mu,
    params: Params,
    trials: np.ndarray | None,
    additions: Additions | None = None,
) -> np.ndarray:
    """Pointwise log-likelihood on NumPy arrays that broadcast against each other."""
    additions = additions or Additions()
    return adjusted(
        lambda: likelihood.logpdf(y, mu, params, trials),
        lambda: likelihood.hazards(y, mu, params, trials),
        additions,
    )


def observe(
    name: str,
    likelihood: Likelihood,
    mu: Mu,
    params: Params,
    trials: pt.TensorVariable | None,
    observed: pt.TensorVariable,
    additions: Additions,
    dims: str,
) -> pt.TensorVariable:
    """Add the observed response to the PyMC model in context, over dimension ``dims``.

    It is the family's own distribution, or for a censorable family
    :func:`survival_dist` with the response's censoring flags.
    """
    model = pm.modelcontext(None)
    if isinstance(likelihood, Survival):
        dist = survival_dist(likelihood, mu, params, trials, additions.censored)
    elif additions.empty:
        dist = likelihood.pymc(mu, params, trials)
    else:
        raise FamilyError(f"family '{likelihood.name}' takes no addition terms besides trials")
    dims = convert_dims(dims)
    dist = change_dist_size(dist, shape_from_dims(dims, model))
    return model.register_rv(dist, name, observed=observed, dims=dims)


def survival_dist(
    likelihood: Survival,
    mu: Mu,
    params: Params,
    trials: pt.TensorVariable | None,
    censored: pt.TensorVariable | None,
) -> pt.TensorVariable:
    """A censorable family's response as an unregistered ``CustomDist`` over the
    distribution's parameters and the censoring flags (0 for every row when ``censored``
    is None), each row scored by :func:`adjusted` in its hazard form."""
    flags = pt.zeros(()) if censored is None else censored

    def logp(value, *inputs):
        *parameters, flags_ = inputs
        return adjusted(
            lambda: None,
            lambda: likelihood.pymc_hazards(value, *parameters),
            Additions(censored=flags_),
        )

    def random(*inputs, rng=None, size=None):
        return likelihood.draw(rng, size, *inputs[:-1])

    return pm.CustomDist.dist(
        *likelihood.pymc_parameters(mu, params, trials),
        flags,
        logp=logp,
        random=random,
        class_name=likelihood.name,
    )
