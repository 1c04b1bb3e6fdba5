"""Penalised regression splines and their mixed-model (random-effects) form.

:mod:`.bases` builds a basis matrix and its penalty for one covariate (thin plate,
cubic regression and P-splines); :mod:`.mixed` centres a basis and splits it into the
unpenalised null space, which becomes fixed effects, and the penalised range space, which
becomes random effects with one sd per penalty (Wood 2017, sec. 5.8). :mod:`.hsgp` is the
basis and the spectral densities of the approximate Gaussian processes ``gp()``
(Riutort-Mayol et al. 2023). All work on plain arrays; the formula front-end
(:mod:`bayesglmm.formula.smooths`, :mod:`bayesglmm.formula.gp`) applies them to data.

References
----------
Wood, S. N. (2003). Thin plate regression splines. JRSS B 65:95-114.
Wood, S. N. (2017). Generalized Additive Models: An Introduction with R, 2nd ed. CRC.
Eilers, P. H. C. & Marx, B. D. (1996). Flexible smoothing with B-splines and penalties.
Statistical Science 11:89-121.
Riutort-Mayol, G., Bürkner, P.-C., Andersen, M. R., Solin, A. & Vehtari, A. (2023).
Practical Hilbert space approximate Bayesian Gaussian processes for probabilistic
programming. Statistics and Computing 33:17.
"""

from bayesglmm.smooths.bases import BASES, MarginalBasis, marginal_basis
from bayesglmm.smooths.mixed import MixedForm, mixed_form, tensor_mixed_form

__all__ = [
    "BASES",
    "MarginalBasis",
    "MixedForm",
    "marginal_basis",
    "mixed_form",
    "tensor_mixed_form",
]
