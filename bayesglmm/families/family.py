"""The record that describes a response family.

A family is data: its links, the responses it accepts, its dispersion
parameters with their default priors, a PyMC likelihood builder, a NumPy
pointwise log-likelihood and a random generator for predictive draws.

Examples
--------
>>> from bayesglmm.families import get_family
>>> family, link = get_family("binomial")
>>> family.links, link.name
(('logit', 'probit', 'cloglog'), 'logit')
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
import pytensor.tensor as pt

from bayesglmm.families.support import Support

Params = Mapping[str, np.ndarray]
TensorParams = Mapping[str, pt.TensorVariable]

SPREAD = "spread"
"""Stands, in a :class:`PriorSpec` or as :attr:`DispersionParameter.typical`, for the spread
of the response on the mean's scale: its standard deviation, or 1 when it has none."""


@dataclass(frozen=True)
class PriorSpec:
    """A default prior as data, built by :mod:`bayesglmm.priors.defaults`.

    Attributes
    ----------
    prior
        A class of :data:`bayesglmm.priors.PRIORS`, by name.
    args
        Its parameters in order: numbers, or :data:`SPREAD` for the response's spread.

    Examples
    --------
    >>> print(PriorSpec("HalfStudentT", (3, SPREAD)))
    HalfStudentT(3, spread)
    """

    prior: str
    args: tuple[float | str, ...]

    def __str__(self) -> str:
        return f"{self.prior}({', '.join(str(arg) for arg in self.args)})"


@dataclass(frozen=True)
class DispersionParameter:
    """A family parameter besides the mean, named as in brms.

    Attributes
    ----------
    name
        ``sigma``, ``nu``, ``shape``, ``phi``, ``zi``, ``hu`` or ``threshold``.
    description
        What the parameter means, for printouts.
    default_prior
        The default prior, possibly scaled by the response's spread.
    ordered
        True for a vector of increasing values, one per category boundary of an
        ordinal response (the thresholds of the cumulative family); its one prior
        applies to every element.
    link
        The link of the parameter's own linear predictor when it is modelled
        (``zi = "~ x"``): ``"log"`` for positive parameters, ``"logit"`` for probabilities.
    typical
        A typical value of the parameter, or :data:`SPREAD` for the response's spread on
        the mean's scale; its link is the location of the default intercept prior of the
        parameter's linear predictor.
    """

    name: str
    description: str
    default_prior: PriorSpec
    ordered: bool = False
    link: str = "log"
    typical: float | str = 1.0


@dataclass(frozen=True)
class Family:
    """A response distribution and everything needed to fit and predict with it.

    Attributes
    ----------
    name
        The name used in ``Model(..., family=name)``.
    links
        Supported links; the first is the default.
    support
        The responses the family accepts.
    dispersion
        Parameters besides the mean.
    likelihood
        ``likelihood(name, eta, link, params, observed, detail)`` creates the
        observed PyMC variable (over dim ``obs``). ``detail`` is the response's
        side information named by :attr:`detail_name` (trials, censoring), or None.
    log_likelihood
        ``log_likelihood(y, eta, link, params, detail)``: pointwise log density
        on NumPy arrays that broadcast against each other.
    random
        ``random(rng, eta, link, params, trials)``: one predictive draw per element.
    expected
        ``expected(eta, link, params)``: the mean of the response per row (per trial
        for binomial families), for predictions.
    variance
        ``variance(eta, link, params, trials)``: the variance of the response per row
        (of the proportion for binomial families), for R^2 and Pearson residuals.
    mean_scale
        ``mean_scale(y, trials)``: the response on the scale of the mean
        (proportions for binomial, ``log y`` for lognormal), used to autoscale priors.
    residual_sd
        True for families whose dispersion ``sigma`` is a residual standard
        deviation (reported as group ``Residual`` in ``varcorr()``).
    censorable
        True for families that accept right-censored responses, ``y | cens(c)``.
    """

    name: str
    links: tuple[str, ...]
    support: Support
    dispersion: tuple[DispersionParameter, ...]
    likelihood: Callable[..., pt.TensorVariable]
    log_likelihood: Callable[..., np.ndarray]
    random: Callable[..., np.ndarray]
    expected: Callable[..., np.ndarray]
    variance: Callable[..., np.ndarray]
    mean_scale: Callable[[np.ndarray, np.ndarray | None], np.ndarray]
    residual_sd: bool = False
    censorable: bool = False

    @property
    def dispersion_names(self) -> tuple[str, ...]:
        """Names of the dispersion parameters, in order."""
        return tuple(parameter.name for parameter in self.dispersion)

    @property
    def needs_trials(self) -> bool:
        """True for families whose response is successes out of trials."""
        return self.support.name == "binomial"

    @property
    def detail_name(self) -> str | None:
        """The :class:`ResponseDesign` attribute passed to the likelihood as ``detail``."""
        if self.needs_trials:
            return "trials"
        return "censored" if self.censorable else None

    @property
    def thresholds(self) -> DispersionParameter | None:
        """The ordered thresholds of an ordinal family, which replace the intercept."""
        return next((p for p in self.dispersion if p.ordered), None)
