"""The likelihood of every family, keyed by family name, and the addition terms applied
around it.

:data:`LIKELIHOODS` holds one :class:`Likelihood` per family of
:data:`bayesglmm.families.FAMILIES`: the PyMC distribution of the graph and the NumPy
log density, random draws, mean and variance used after sampling, all functions of
``mu`` (a :class:`Mu`), the dispersion parameters and the trials. Censorable families
are :class:`Survival` likelihoods, given by their hazard.
:func:`~bayesglmm.backend.likelihoods.additions.observe` and
:func:`~bayesglmm.backend.likelihoods.additions.log_likelihood` apply the response's
addition terms (censoring, truncation, weights, known standard errors) once, for every
family, and :func:`~bayesglmm.backend.likelihoods.additions.draw` and
:func:`~bayesglmm.backend.likelihoods.additions.moments` give its draws and moments.

Examples
--------
>>> import numpy as np
>>> from bayesglmm.families import LINKS
>>> gaussian = LIKELIHOODS["gaussian"]
>>> mu = Mu.of(np.array([1.0, 2.0]), LINKS["identity"])
>>> gaussian.mean(mu, {"sigma": 0.5}).tolist(), gaussian.variance(mu, {"sigma": 0.5}, None)
([1.0, 2.0], array([0.25, 0.25]))
"""

from __future__ import annotations

from bayesglmm.backend.likelihoods.additions import (
    Additions,
    adjusted,
    draw,
    log_likelihood,
    mean,
    moments,
    observe,
    survival_dist,
)
from bayesglmm.backend.likelihoods.base import Likelihood, Mu, Params, Survival
from bayesglmm.backend.likelihoods.counts import COUNTS
from bayesglmm.backend.likelihoods.mixture import MixtureLikelihood
from bayesglmm.backend.likelihoods.ordinal import ORDINAL
from bayesglmm.backend.likelihoods.positive import POSITIVE
from bayesglmm.backend.likelihoods.standard import STANDARD
from bayesglmm.errors import FamilyError
from bayesglmm.families.family import Family
from bayesglmm.families.mixture import Mixture
from bayesglmm.registry import Registry

LIKELIHOODS: Registry[Likelihood] = Registry(
    "family", [*STANDARD, *COUNTS, *POSITIVE, *ORDINAL], FamilyError, plural="families"
)
"""The likelihood of every family, by family name."""


def likelihood_of(family: Family) -> Likelihood:
    """The likelihood of ``family``: its registry entry, or for a :class:`Mixture` the
    mixture of its components' entries.

    >>> from bayesglmm.families import FAMILIES, mixture
    >>> likelihood_of(FAMILIES["poisson"]), likelihood_of(mixture("poisson", nmix=2)).name
    (Poisson('poisson'), 'mixture(poisson, poisson)')
    """
    if isinstance(family, Mixture):
        return MixtureLikelihood(family, [LIKELIHOODS[c.name] for c in family.components])
    return LIKELIHOODS[family.name]


__all__ = [
    "LIKELIHOODS",
    "Additions",
    "Likelihood",
    "Mu",
    "Params",
    "Survival",
    "adjusted",
    "draw",
    "likelihood_of",
    "log_likelihood",
    "mean",
    "moments",
    "observe",
    "survival_dist",
]
