"""Prior distributions users can set, as small immutable records.

Each prior knows the support it covers (``"real"``, ``"positive"``, ``"unit"``,
``"correlation"`` or ``"simplex"``), prints the way brms writes priors (``normal(0, 2.5)``) and
creates its PyMC random variable. Several priors of one class stack into a
single vector-valued variable, which keeps generated graphs lean.

Examples
--------
>>> from bayesglmm.priors import Normal, HalfStudentT
>>> print(Normal(0, 2.5)), print(HalfStudentT(3, 1.2))
normal(0, 2.5)
half_student_t(3, 1.2)
(None, None)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import astuple, dataclass, fields
from typing import ClassVar

import numpy as np
import pymc as pm
import pytensor.tensor as pt
from scipy import special, stats

from bayesglmm.errors import PriorError
from bayesglmm.registry import Registry


def _student_t(x: np.ndarray, nu: float, mu: float, sigma: float) -> np.ndarray:
    z = (x - mu) / sigma
    return (
        special.gammaln((nu + 1) / 2)
        - special.gammaln(nu / 2)
        - 0.5 * np.log(nu * np.pi)
        - np.log(sigma)
        - (nu + 1) / 2 * np.log1p(z * z / nu)
    )


def _fmt(value: float) -> str:
    return f"{value:.4g}"


@dataclass(frozen=True)
class Prior:
    """Base class of all priors; subclasses only declare their fields and PyMC class."""

    support: ClassVar[str] = "real"
    brms_name: ClassVar[str] = ""
    pymc_class: ClassVar[type]

    def __str__(self) -> str:
        return f"{self.brms_name}({', '.join(_fmt(v) for v in astuple(self))})"

    def parameters(self) -> dict[str, float]:
        """The prior's parameters by their PyMC names."""
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def logpdf(self, x: np.ndarray) -> np.ndarray:
        """Log density at ``x`` on NumPy arrays (used by the Gibbs sampler's updates)."""
        x = np.asarray(x, dtype=float)
        density = self._log_density(x)
        if self.support == "positive":
            return np.where(x > 0, density + (np.log(2.0) if self._half else 0.0), -np.inf)
        return density

    def median(self) -> float:
        """The prior median, a typical value of the parameter."""
        return float(self._scipy().ppf(0.75 if self._half else 0.5))

    def draw(self, rng: np.random.Generator, size: int | None = None) -> float | np.ndarray:
        """Random draws from the prior, e.g. to simulate data from the model.

        Examples
        --------
        >>> import numpy as np
        >>> draws = HalfNormal(1).draw(np.random.default_rng(0), size=10_000)
        >>> bool(draws.min() > 0), round(float(np.median(draws)), 1)
        (True, 0.7)
        """
        values = self._scipy().rvs(size=size, random_state=rng)
        return np.abs(values) if self._half else values

    _half: ClassVar[bool] = False

    def __post_init__(self) -> None:
        for name, value in self.parameters().items():
            is_number = isinstance(value, int | float | np.integer | np.floating)
            if isinstance(value, bool) or not is_number or not np.isfinite(value):
                raise PriorError(
                    f"{type(self).__name__}: {name} must be a finite number, got {value!r}"
                )
        for name in self._positive:
            if getattr(self, name) <= 0:
                raise PriorError(
                    f"{type(self).__name__}: {name} must be positive, got {getattr(self, name)}"
                )

    _positive: ClassVar[tuple[str, ...]] = ()

    def shaped_like(self, default: Prior, key: str) -> Prior:
        """This prior as it applies to the parameter whose default prior is ``default``
        (set by key ``key``): itself, but for priors on vectors of a given length."""
        return self


@dataclass(frozen=True)
class Normal(Prior):
    """Normal prior on a real parameter."""

    mu: float = 0.0
    sigma: float = 1.0
    brms_name: ClassVar[str] = "normal"
    pymc_class: ClassVar[type] = pm.Normal
    _positive: ClassVar[tuple[str, ...]] = ("sigma",)

    def _log_density(self, x: np.ndarray) -> np.ndarray:
        z = (x - self.mu) / self.sigma
        return -0.5 * z * z - np.log(self.sigma) - 0.5 * np.log(2 * np.pi)

    def _scipy(self):
        return stats.norm(self.mu, self.sigma)


@dataclass(frozen=True)
class StudentT(Prior):
    """Student-t prior on a real parameter."""

    nu: float = 3.0
    mu: float = 0.0
    sigma: float = 1.0
    brms_name: ClassVar[str] = "student_t"
    pymc_class: ClassVar[type] = pm.StudentT
    _positive: ClassVar[tuple[str, ...]] = ("nu", "sigma")

    def _log_density(self, x: np.ndarray) -> np.ndarray:
        return _student_t(x, self.nu, self.mu, self.sigma)

    def _scipy(self):
        return stats.t(self.nu, self.mu, self.sigma)


@dataclass(frozen=True)
class HalfNormal(Prior):
    """Half-normal prior on a positive parameter."""

    sigma: float = 1.0
    support: ClassVar[str] = "positive"
    brms_name: ClassVar[str] = "half_normal"
    pymc_class: ClassVar[type] = pm.HalfNormal
    _positive: ClassVar[tuple[str, ...]] = ("sigma",)
    _half: ClassVar[bool] = True

    def _log_density(self, x: np.ndarray) -> np.ndarray:
        z = x / self.sigma
        return -0.5 * z * z - np.log(self.sigma) - 0.5 * np.log(2 * np.pi)

    def _scipy(self):
        return stats.norm(0.0, self.sigma)


@dataclass(frozen=True)
class HalfStudentT(Prior):
    """Half-Student-t prior on a positive parameter (the default for standard deviations)."""

    nu: float = 3.0
    sigma: float = 1.0
    support: ClassVar[str] = "positive"
    brms_name: ClassVar[str] = "half_student_t"
    pymc_class: ClassVar[type] = pm.HalfStudentT
    _positive: ClassVar[tuple[str, ...]] = ("nu", "sigma")
    _half: ClassVar[bool] = True

    def _log_density(self, x: np.ndarray) -> np.ndarray:
        return _student_t(x, self.nu, 0.0, self.sigma)

    def _scipy(self):
        return stats.t(self.nu, 0.0, self.sigma)


@dataclass(frozen=True)
class HalfCauchy(Prior):
    """Half-Cauchy prior on a positive parameter (Gelman 2006)."""

    beta: float = 1.0
    support: ClassVar[str] = "positive"
    brms_name: ClassVar[str] = "half_cauchy"
    pymc_class: ClassVar[type] = pm.HalfCauchy
    _positive: ClassVar[tuple[str, ...]] = ("beta",)
    _half: ClassVar[bool] = True

    def _log_density(self, x: np.ndarray) -> np.ndarray:
        return -np.log(np.pi * self.beta) - np.log1p((x / self.beta) ** 2)

    def _scipy(self):
        return stats.cauchy(0.0, self.beta)


@dataclass(frozen=True)
class Exponential(Prior):
    """Exponential prior with rate ``lam`` on a positive parameter."""

    lam: float = 1.0
    support: ClassVar[str] = "positive"
    brms_name: ClassVar[str] = "exponential"
    pymc_class: ClassVar[type] = pm.Exponential
    _positive: ClassVar[tuple[str, ...]] = ("lam",)

    def _log_density(self, x: np.ndarray) -> np.ndarray:
        return np.log(self.lam) - self.lam * x

    def _scipy(self):
        return stats.expon(scale=1.0 / self.lam)


@dataclass(frozen=True)
class Gamma(Prior):
    """Gamma prior with shape ``alpha`` and rate ``beta`` on a positive parameter."""

    alpha: float = 2.0
    beta: float = 0.1
    support: ClassVar[str] = "positive"
    brms_name: ClassVar[str] = "gamma"
    pymc_class: ClassVar[type] = pm.Gamma
    _positive: ClassVar[tuple[str, ...]] = ("alpha", "beta")

    def _log_density(self, x: np.ndarray) -> np.ndarray:
        return (
            self.alpha * np.log(self.beta)
            - special.gammaln(self.alpha)
            + (self.alpha - 1) * np.log(x)
            - self.beta * x
        )

    def _scipy(self):
        return stats.gamma(self.alpha, scale=1.0 / self.beta)


@dataclass(frozen=True)
class InverseGamma(Prior):
    """Inverse-gamma prior with shape ``alpha`` and scale ``beta`` on a positive parameter."""

    alpha: float = 1.0
    beta: float = 1.0
    support: ClassVar[str] = "positive"
    brms_name: ClassVar[str] = "inv_gamma"
    pymc_class: ClassVar[type] = pm.InverseGamma
    _positive: ClassVar[tuple[str, ...]] = ("alpha", "beta")

    def _log_density(self, x: np.ndarray) -> np.ndarray:
        return (
            self.alpha * np.log(self.beta)
            - special.gammaln(self.alpha)
            - (self.alpha + 1) * np.log(x)
            - self.beta / x
        )

    def _scipy(self):
        return stats.invgamma(self.alpha, scale=self.beta)


@dataclass(frozen=True)
class Beta(Prior):
    """Beta prior on a probability, such as a zero-inflation or hurdle probability."""

    alpha: float = 1.0
    beta: float = 1.0
    support: ClassVar[str] = "unit"
    brms_name: ClassVar[str] = "beta"
    pymc_class: ClassVar[type] = pm.Beta
    _positive: ClassVar[tuple[str, ...]] = ("alpha", "beta")

    def _log_density(self, x: np.ndarray) -> np.ndarray:
        return stats.beta.logpdf(x, self.alpha, self.beta)

    def _scipy(self):
        return stats.beta(self.alpha, self.beta)


@dataclass(frozen=True)
class LKJ(Prior):
    """LKJ prior on a correlation matrix (Lewandowski, Kurowicka & Joe 2009).

    ``eta = 1`` is uniform over correlation matrices; larger values favour
    weaker correlations.
    """

    eta: float = 1.0
    support: ClassVar[str] = "correlation"
    brms_name: ClassVar[str] = "lkj"
    pymc_class: ClassVar[type] = pm.LKJCorr
    _positive: ClassVar[tuple[str, ...]] = ("eta",)


@dataclass(frozen=True)
class Dirichlet(Prior):
    """Dirichlet prior on a simplex: the increments ``simo`` of a monotonic term ``mo(x)``
    (Bürkner & Charpentier 2020), whose default is ``Dirichlet(1)``, uniform over simplexes.

    ``alpha`` is one concentration per element, or one number for all of them; values
    above 1 pull the increments towards equal steps, below 1 towards one big step.

    Examples
    --------
    >>> print(Dirichlet([2, 1, 1])), print(Dirichlet(2).shaped_like(Dirichlet([1, 1]), "simo"))
    dirichlet(2, 1, 1)
    dirichlet(2, 2)
    (None, None)
    >>> Dirichlet([1, 1]).shaped_like(Dirichlet([1, 1, 1]), "simo")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    bayesglmm.errors.PriorError: priors['simo'] is dirichlet(1, 1), a prior on 2 increments, ...
    """

    alpha: tuple[float, ...] | float = 1.0
    support: ClassVar[str] = "simplex"
    brms_name: ClassVar[str] = "dirichlet"
    pymc_class: ClassVar[type] = pm.Dirichlet

    def __post_init__(self) -> None:
        values = self.alpha if isinstance(self.alpha, list | tuple | np.ndarray) else [self.alpha]
        for value in values:
            is_number = isinstance(value, int | float | np.integer | np.floating)
            if isinstance(value, bool) or not is_number or not np.isfinite(value) or value <= 0:
                raise PriorError(
                    f"Dirichlet: alpha must be positive numbers, one per increment or one for "
                    f"all, got {self.alpha!r}"
                )
        if not isinstance(self.alpha, int | float | np.integer | np.floating):
            object.__setattr__(self, "alpha", tuple(float(value) for value in values))

    def __str__(self) -> str:
        values = self.alpha if isinstance(self.alpha, tuple) else (self.alpha,)
        return f"{self.brms_name}({', '.join(_fmt(v) for v in values)})"

    def draw(self, rng: np.random.Generator, size: int | None = None) -> np.ndarray:
        """Random simplexes, ``(size, elements)`` (one ``(elements,)`` for ``size=None``).

        Examples
        --------
        >>> draws = Dirichlet([1, 1, 2]).draw(np.random.default_rng(0), size=4)
        >>> draws.shape, bool(np.allclose(draws.sum(axis=1), 1.0))
        ((4, 3), True)
        """
        return rng.dirichlet(self.parameters()["a"], size)

    def parameters(self) -> dict[str, np.ndarray]:
        """The concentrations, as PyMC's ``a``."""
        return {"a": np.atleast_1d(np.asarray(self.alpha, dtype=float))}

    def shaped_like(self, default: Prior, key: str) -> Prior:
        """One concentration per element of ``default``; refuses another length."""
        length = len(default.parameters()["a"])
        if not isinstance(self.alpha, tuple):
            return Dirichlet((float(self.alpha),) * length)
        if len(self.alpha) != length:
            raise PriorError(
                f"priors[{key!r}] is {self}, a prior on {len(self.alpha)} increments, but the "
                f"simplex has {length}; give {length} concentrations, or one number for all."
            )
        return self


PRIORS: Registry[type[Prior]] = Registry(
    "prior class",
    [
        Normal,
        StudentT,
        HalfNormal,
        HalfStudentT,
        HalfCauchy,
        Exponential,
        Gamma,
        InverseGamma,
        Beta,
        LKJ,
        Dirichlet,
    ],
    PriorError,
    key=lambda cls: cls.__name__,
    plural="prior classes",
)
"""Every prior class by name."""


def prior_vector(name: str, priors: Sequence[Prior], dims: str) -> pt.TensorVariable:
    """Create one PyMC vector whose elements follow ``priors``, one per coordinate of ``dims``.

    Priors of one class become a single random variable with vector parameters;
    mixed classes become one scalar variable each, stacked.

    Examples
    --------
    >>> import pymc as pm
    >>> with pm.Model(coords={"coef": ["a", "b"]}):
    ...     b = prior_vector("b", [Normal(0, 1), Normal(0, 5)], dims="coef")
    >>> b.name
    'b'
    """
    classes = {type(prior) for prior in priors}
    if len(classes) == 1:
        cls = classes.pop()
        stacked = {
            key: np.array([prior.parameters()[key] for prior in priors], dtype=float)
            for key in priors[0].parameters()
        }
        return cls.pymc_class(name, **stacked, dims=dims)
    parts = [
        type(prior).pymc_class(f"{name}__{i}", **prior.parameters())
        for i, prior in enumerate(priors)
    ]
    return pm.Deterministic(name, pt.stack(parts), dims=dims)
