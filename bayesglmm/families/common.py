"""Pieces that several family records share: dispersion parameters and the response's
scales.

Examples
--------
>>> import numpy as np
>>> from bayesglmm.families.common import proportion_scale
>>> proportion_scale(np.array([1.0, 3.0]), np.array([4.0, 4.0])).tolist()
[0.25, 0.75]
"""

from __future__ import annotations

import numpy as np

from bayesglmm.families.family import SPREAD, DispersionParameter, PriorSpec

VAGUE_GAMMA = PriorSpec("Gamma", (0.01, 0.01))
"""``gamma(0.01, 0.01)``, brms's prior of shapes and precisions."""

SIGMA = DispersionParameter(
    "sigma",
    "residual standard deviation",
    PriorSpec("HalfStudentT", (3, SPREAD)),
    typical=SPREAD,
)
NU = DispersionParameter("nu", "degrees of freedom", PriorSpec("Gamma", (2, 0.1)))
GAMMA_SHAPE = DispersionParameter("shape", "gamma shape", VAGUE_GAMMA)
NB_SHAPE = DispersionParameter(
    "shape",
    "negative binomial shape (variance mu + mu^2/shape)",
    PriorSpec("InverseGamma", (0.4, 0.3)),
)
PHI = DispersionParameter("phi", "beta precision", VAGUE_GAMMA)


def _probability(name: str, description: str) -> DispersionParameter:
    """A probability parameter: uniform prior, logit link when it has a formula."""
    return DispersionParameter(
        name, description, PriorSpec("Beta", (1, 1)), link="logit", typical=0.5
    )


ZI = _probability("zi", "zero-inflation probability (of a structural zero)")
HU = _probability("hu", "hurdle probability (of a zero)")


def identity_scale(y: np.ndarray, trials: np.ndarray | None) -> np.ndarray:
    """The response as it is: its mean is the family's ``mu``."""
    return y


def proportion_scale(y: np.ndarray, trials: np.ndarray | None) -> np.ndarray:
    """Successes per trial, for binomial-type families (rows with no trials left out)."""
    n = np.ones_like(y) if trials is None else trials
    keep = n > 0
    return y[keep] / n[keep]


def log_scale(y: np.ndarray, trials: np.ndarray | None) -> np.ndarray:
    """``log y``, whose mean is lognormal's ``mu``."""
    return np.log(y)


def no_scale(y: np.ndarray, trials: np.ndarray | None) -> np.ndarray:
    """A single 0: an ordinal response has no mean scale; its thresholds take the place
    of the intercept, whose prior location this would give."""
    return np.zeros(1)
