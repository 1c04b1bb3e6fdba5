"""The response's addition terms, applied once around any family's log density.

brms calls the terms after ``|`` on the left of ``~`` *addition terms*. Besides
``trials()``, a parameter of binomial distributions, they change how each row enters the
likelihood, whatever the family. :func:`adjusted` is the one rule, written once for NumPy
arrays and PyTensor tensors alike:

- **Censoring** (``cens()``). A right-censored row contributes ``delta log h(y) - H(y)``,
  ``delta`` 1 for an event and 0 for a censored time, ``h`` the hazard and ``H = -log S``
  the cumulative hazard: the log density for an event, the log survival function for a
  censored row (Klein & Moeschberger 2003, sec. 3.5).
- **Truncation** (``trunc(lb, ub)``). The response is known to lie in ``[lb, ub]``, so
  each row's log density loses ``log P(lb <= y <= ub)``: ``log(F(ub) - F(lb))`` for a
  continuous family and ``log(F(ub) - F(lb - 1))`` for counts, whose bounds are included
  (as in Stan's ``T[lb, ub]``).
- **Weights** (``weights(w)``). Each row's log-likelihood is multiplied by its weight,
  as in brms: a weight of 2 counts the row twice.
- **Known standard errors** (``se(s)``). The gaussian or Student-t scale is ``s``, or
  ``sqrt(sigma^2 + s^2)`` with ``se(s, sigma = TRUE)`` (:meth:`Additions.parameters`).

:func:`log_likelihood` applies the rule to a family's NumPy functions, :func:`observe` to
its PyMC distribution (for a response with addition terms, a ``CustomDist`` whose log
density is :func:`adjusted`), and :func:`draw` draws responses: from the truncated
distribution by inversion, unweighted and uncensored, as brms's ``posterior_predict``.

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
>>> twice = Additions(weights=np.array([2.0, 2.0]))
>>> log_likelihood(LIKELIHOODS["exponential"], y, mu, {}, None, twice).round(3).tolist()
[-3.386, -3.386]
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import numpy as np
import pymc as pm
import pytensor.tensor as pt
from pymc.distributions.shape_utils import change_dist_size, convert_dims, shape_from_dims

from bayesglmm.backend.likelihoods.base import Likelihood, Mu, Params, Survival
from bayesglmm.families.links import LINKS

if TYPE_CHECKING:
    from bayesglmm.formula.spec import ResponseDesign


@dataclass(frozen=True)
class Additions:
    """The addition terms of the response; a per-row field is None where the formula has
    none.

    Attributes
    ----------
    censored
        Right-censoring flags, 1 for a row censored at its value and 0 for an event
        (``y | cens(c)``).
    weights
        Each row's weight (``y | weights(w)``).
    lower, upper
        Each row's truncation bounds (``y | trunc(lb = , ub = )``), None for a bound not
        given.
    se
        Each row's known standard error (``y | se(s)``).
    se_sigma
        True when a residual ``sigma`` is estimated besides the known standard errors.
    discrete
        True for a whole-number response, whose lower bound is included in the mass.

    The per-row fields are NumPy arrays, or the graph's data tensors.
    """

    censored: Any = None
    weights: Any = None
    lower: Any = None
    upper: Any = None
    se: Any = None
    se_sigma: bool = False
    discrete: bool = False

    ROWS = ("censored", "weights", "lower", "upper", "se")
    """The per-row fields, in the order they enter the graph."""

    @classmethod
    def of(cls, response: ResponseDesign, discrete: bool = False) -> Additions:
        """The addition terms of a response design (``discrete`` for a whole-number
        family)."""
        return cls(
            **{name: getattr(response, name) for name in cls.ROWS},
            se_sigma=response.se_sigma,
            discrete=discrete,
        )

    @property
    def rows(self) -> dict[str, Any]:
        """The per-row fields the response has, by name."""
        return {name: getattr(self, name) for name in self.ROWS if getattr(self, name) is not None}

    def with_rows(self, rows: Mapping[str, Any]) -> Additions:
        """The same terms with other per-row values (the graph's inner inputs, new data)."""
        return replace(self, **rows)

    @property
    def empty(self) -> bool:
        """True when the response has no addition term (besides trials)."""
        return not self.rows

    @property
    def truncated(self) -> bool:
        """True when the response is truncated."""
        return self.lower is not None or self.upper is not None

    def parameters(self, params: Params) -> Params:
        """The family's parameters with the known standard errors in the scale:
        ``sigma = se``, or ``sqrt(sigma^2 + se^2)`` with ``se(s, sigma = TRUE)``."""
        if self.se is None:
            return params
        sigma = (params["sigma"] ** 2 + self.se**2) ** 0.5 if self.se_sigma else self.se
        return {**params, "sigma": sigma}

    @property
    def lowest(self) -> Any:
        """The largest value below the support of the truncated response: ``lb`` for a
        continuous family, ``lb - 1`` for counts."""
        return self.lower - 1 if self.discrete else self.lower


def adjusted(
    density: Callable[[], Any],
    hazards: Callable[[], tuple[Any, Any]],
    log_mass: Callable[[], Any],
    additions: Additions,
) -> Any:
    """Each row's log-likelihood from the family's ``density()`` (its log density),
    ``hazards()`` (its log hazard and cumulative hazard) and ``log_mass()`` (the log
    probability of the truncation bounds), on arrays or tensors."""
    if additions.censored is not None:
        log_hazard, cumulative_hazard = hazards()
        value = (1 - additions.censored) * log_hazard - cumulative_hazard
    else:
        value = density()
    if additions.truncated:
        value = value - log_mass()
    if additions.weights is not None:
        value = additions.weights * value
    return value


def _log_difference(log_a: Any, log_b: Any, log1mexp: Callable[[Any], Any]) -> Any:
    """``log(exp(log_a) - exp(log_b))`` for ``log_a >= log_b``."""
    return log_a + log1mexp(log_b - log_a)


def log_mass(
    log_cdf: Callable[[Any], Any], additions: Additions, log1mexp: Callable[[Any], Any]
) -> Any:
    """``log P(lb <= y <= ub)`` from the family's log distribution function, on arrays or
    tensors (with NumPy's or PyTensor's ``log1mexp``, ``log(1 - exp(x))``)."""
    if additions.upper is None:
        return log1mexp(log_cdf(additions.lowest))
    if additions.lower is None:
        return log_cdf(additions.upper)
    return _log_difference(log_cdf(additions.upper), log_cdf(additions.lowest), log1mexp)


def _np_log1mexp(x: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore"):
        return np.where(x > -np.log(2), np.log(-np.expm1(x)), np.log1p(-np.exp(x)))


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
    params = additions.parameters(params)
    return adjusted(
        lambda: likelihood.logpdf(y, mu, params, trials),
        lambda: likelihood.hazards(y, mu, params, trials),
        lambda: log_mass(likelihood.frozen(mu, params, trials).logcdf, additions, _np_log1mexp),
        additions,
    )


def draw(
    likelihood: Likelihood,
    rng: np.random.Generator,
    mu: Mu,
    params: Params,
    trials: np.ndarray | None,
    additions: Additions | None = None,
) -> np.ndarray:
    """One response per element: from the truncated distribution by inversion of its
    distribution function (from its upper tail where that is more precise), else the
    family's own draw; weights and censoring do not change what a new response is."""
    additions = additions or Additions()
    params = additions.parameters(params)
    if not additions.truncated:
        return likelihood.random(rng, mu, params, trials)
    frozen = likelihood.frozen(mu, params, trials)
    below = 0.0 if additions.lower is None else frozen.cdf(additions.lowest)
    within = (1.0 if additions.upper is None else frozen.cdf(additions.upper)) - below
    above = 0.0 if additions.upper is None else frozen.sf(additions.upper)
    u = rng.uniform(size=np.broadcast_shapes(np.shape(below), np.shape(within)))
    upper_tail = below > 0.5
    with np.errstate(invalid="ignore", divide="ignore"):
        from_below = frozen.ppf(below + u * within)
        from_above = frozen.isf(above + (1 - u) * within)
    return np.where(upper_tail, from_above, from_below)


MOMENT_POINTS = 256
"""Quantiles at which :func:`moments` averages a truncated continuous response."""


def moments(
    likelihood: Likelihood,
    mu: Mu,
    params: Params,
    trials: np.ndarray | None,
    additions: Additions | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """The mean and variance of the response given ``mu`` and the parameters, with the
    known standard errors in its scale and within its truncation bounds.

    A truncated count's moments are sums over its support up to where the untruncated
    distribution function passes ``1 - 1e-12``. A truncated continuous response's are
    averages over the midpoints of :data:`MOMENT_POINTS` equal slices of probability
    between its bounds (the midpoint rule in ``p`` on the quantile function ``F^-1(p)``):
    the mean to about 0.1% of the sd, the variance to about 1%.
    """
    additions = additions or Additions()
    params = additions.parameters(params)
    if not additions.truncated:
        return likelihood.mean(mu, params), likelihood.variance(mu, params, trials)
    frozen = likelihood.frozen(mu, params, trials)
    below = 0.0 if additions.lower is None else frozen.cdf(additions.lowest)
    above = 1.0 if additions.upper is None else frozen.cdf(additions.upper)
    within = above - below
    first, second = 0.0, 0.0
    if additions.discrete:
        lower = -np.inf if additions.lower is None else additions.lower
        upper = np.inf if additions.upper is None else additions.upper
        stop = min(np.max(frozen.ppf(1 - 1e-12)), np.max(upper))
        for y in np.arange(max(np.min(lower), 0.0), stop + 1):
            mass = np.where((y >= lower) & (y <= upper), frozen.pmf(y), 0.0)
            first, second = first + y * mass, second + y**2 * mass
    else:
        for k in range(MOMENT_POINTS):
            y = frozen.ppf(below + (k + 0.5) / MOMENT_POINTS * within)
            first, second = first + y, second + y**2
        first, second = first * within / MOMENT_POINTS, second * within / MOMENT_POINTS
    mean = first / within
    return mean, np.maximum(second / within - mean**2, 0.0)


def mean(
    likelihood: Likelihood, mu: Mu, params: Params, additions: Additions | None = None
) -> np.ndarray:
    """The mean of the response, within its truncation bounds (:func:`moments`)."""
    additions = additions or Additions()
    if not additions.truncated:
        return likelihood.mean(mu, additions.parameters(params))
    return moments(likelihood, mu, params, None, additions)[0]


def observe(
    name: str,
    likelihood: Likelihood,
    mu: Mu,
    params: Params,
    trials: pt.TensorVariable | None,
    observed: pt.TensorVariable | None,
    additions: Additions,
    dims: str,
    vector_parameters: Collection[str] = (),
) -> pt.TensorVariable:
    """Add the observed response to the PyMC model in context, over dimension ``dims``;
    with ``observed`` None, values with the response's distribution that the model imputes.

    It is the family's own distribution, or with addition terms :func:`addition_dist`.
    ``vector_parameters`` are the parameters that hold a vector per row (the thresholds of
    the cumulative family).
    """
    model = pm.modelcontext(None)
    if additions.empty:
        dist = likelihood.pymc(mu, params, trials)
    else:
        dist = addition_dist(likelihood, mu, params, trials, additions, vector_parameters)
    dims = convert_dims(dims)
    dist = change_dist_size(dist, shape_from_dims(dims, model))
    return model.register_rv(dist, name, observed=observed, dims=dims)


def addition_dist(
    likelihood: Likelihood,
    mu: Mu,
    params: Params,
    trials: pt.TensorVariable | None,
    additions: Additions,
    vector_parameters: Collection[str] = (),
) -> pt.TensorVariable:
    """The response as an unregistered ``CustomDist`` over the linear predictor, the
    family's parameters, the trials and the addition terms' rows, scored by
    :func:`adjusted` and drawn by :func:`draw`."""
    names = tuple(params)
    rows = additions.rows
    inputs = [
        mu.eta,
        *(params[key] for key in names),
        *([] if trials is None else [trials]),
        *rows.values(),
    ]
    numpy_link = LINKS[mu.link]

    def unpack(values: tuple, tensors: bool) -> tuple[Mu, Params, Any, Additions]:
        eta, rest = values[0], list(values[1:])
        parameters = dict(zip(names, rest[: len(names)], strict=True))
        rest = rest[len(names) :]
        trials_ = None if trials is None else rest.pop(0)
        inner = mu.at(eta) if tensors else Mu.of(eta, numpy_link)
        return inner, parameters, trials_, additions.with_rows(dict(zip(rows, rest, strict=True)))

    def logp(value, *values):
        inner, parameters, trials_, adds = unpack(values, tensors=True)
        parameters = adds.parameters(parameters)

        def base():
            return likelihood.pymc(inner, parameters, trials_)

        return adjusted(
            lambda: pm.logp(base(), value),
            lambda: likelihood.pymc_hazards(
                value, *likelihood.pymc_parameters(inner, parameters, trials_)
            ),
            lambda: log_mass(lambda bound: pm.logcdf(base(), bound), adds, pt.log1mexp),
            adds,
        )

    def random(*values, rng=None, size=None):
        inner, parameters, trials_, adds = unpack(values, tensors=False)
        drawn = draw(likelihood, rng, inner, parameters, trials_, adds)
        return np.broadcast_to(drawn, size) if size is not None else drawn

    cores = ["()", *("(k)" if key in vector_parameters else "()" for key in names)]
    cores += ["()"] * (len(inputs) - len(cores))
    return pm.CustomDist.dist(
        *inputs,
        logp=logp,
        random=random,
        signature=f"{','.join(cores)}->()",
        dtype="int64" if additions.discrete else "floatX",
        class_name=likelihood.name,
    )


def survival_dist(
    likelihood: Survival, mu: Mu, params: Params, trials: pt.TensorVariable | None
) -> pt.TensorVariable:
    """A censorable family's uncensored response as an unregistered ``CustomDist`` over the
    distribution's parameters, scored by its hazards (``log h - H``), with the log
    distribution function ``log(1 - exp(-H))`` for truncation."""

    def logp(value, *parameters):
        log_hazard, cumulative_hazard = likelihood.pymc_hazards(value, *parameters)
        return log_hazard - cumulative_hazard

    def logcdf(value, *parameters):
        return pt.log1mexp(-likelihood.pymc_hazards(value, *parameters)[1])

    def random(*parameters, rng=None, size=None):
        return likelihood.draw(rng, size, *parameters)

    return pm.CustomDist.dist(
        *likelihood.pymc_parameters(mu, params, trials),
        logp=logp,
        logcdf=logcdf,
        random=random,
        class_name=likelihood.name,
    )


__all__ = [
    "Additions",
    "addition_dist",
    "adjusted",
    "draw",
    "log_likelihood",
    "log_mass",
    "observe",
    "survival_dist",
]
