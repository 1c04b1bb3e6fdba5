"""The records that describe a response family: data, with no likelihood code.

A family is its links, the responses it accepts, its dispersion parameters with their
default priors (as :class:`PriorSpec` data, built by :mod:`bayesglmm.priors.defaults`),
and flags. How its response is distributed lives in
:mod:`bayesglmm.backend.likelihoods`, keyed by the family's name.

Examples
--------
>>> from bayesglmm.families import get_family
>>> family, link = get_family("binomial")
>>> family.links, link.name
(('logit', 'probit', 'cloglog'), 'logit')
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from bayesglmm.families.support import Support

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
    simplex
        True for a vector of proportions summing to one (a mixture's ``theta`` over its
        components); its default prior's arguments are the Dirichlet concentrations.
    location
        True for the mean of a mixture component after the first (``mu2``, ...): its
        linear predictor is on the family's link scale and takes the mean's default
        priors.
    """

    name: str
    description: str
    default_prior: PriorSpec
    ordered: bool = False
    link: str = "log"
    typical: float | str = 1.0
    simplex: bool = False
    location: bool = False


@dataclass(frozen=True)
class Family:
    """A response distribution, described as data.

    Its likelihood (the PyMC distribution, the NumPy log density, random draws, mean and
    variance) is :data:`bayesglmm.backend.likelihoods.LIKELIHOODS` under the same name.

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
    mean_scale
        ``mean_scale(y, trials)``: the response on the scale of the mean
        (proportions for binomial, ``log y`` for lognormal), used to autoscale priors.
    residual_sd
        True for families whose dispersion ``sigma`` is a residual standard
        deviation (reported as group ``Residual`` in ``varcorr()``).
    censorable
        True for families that accept right-censored responses, ``y | cens(c)``.
    truncatable
        True for families that accept a truncated response, ``y | trunc(lb = 0)``: those
        with a distribution function.
    standard_error
        True for families that accept a known standard error per row, ``y | se(s)``.
    """

    name: str
    links: tuple[str, ...]
    support: Support
    dispersion: tuple[DispersionParameter, ...]
    mean_scale: Callable[[np.ndarray, np.ndarray | None], np.ndarray]
    residual_sd: bool = False
    censorable: bool = False
    truncatable: bool = False
    standard_error: bool = False

    def without(self, parameter: str) -> Family:
        """The family with dispersion parameter ``parameter`` known instead of estimated
        (``sigma`` under ``se(s)``, where the known standard errors take its place).

        Examples
        --------
        >>> from bayesglmm.families import FAMILIES
        >>> FAMILIES["student_t"].without("sigma").dispersion_names
        ('nu',)
        """
        kept = tuple(p for p in self.dispersion if p.name != parameter)
        return replace(self, dispersion=kept)

    @property
    def dispersion_names(self) -> tuple[str, ...]:
        """Names of the dispersion parameters, in order."""
        return tuple(parameter.name for parameter in self.dispersion)

    @property
    def needs_trials(self) -> bool:
        """True for families whose response is successes out of trials."""
        return self.support.name == "binomial"

    @property
    def thresholds(self) -> DispersionParameter | None:
        """The ordered thresholds of an ordinal family, which replace the intercept."""
        return next((p for p in self.dispersion if p.ordered), None)
