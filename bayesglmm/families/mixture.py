"""Finite mixture families, ``bg.mixture("gaussian", "gaussian")``, as data.

A mixture of ``K`` components has density ``f(y) = sum_k theta_k f_k(y | mu_k, ...)``
(McLachlan & Peel 2000, ch. 1), named as in brms's ``mixture()``: component ``k`` has its
own mean ``mu<k>`` and dispersion parameters (``sigma1``, ``sigma2``, ...), and the
mixing proportions ``theta1..thetaK`` lie on a simplex with a Dirichlet prior (key
``theta``), unless ``theta2 ~ x`` gives them linear predictors, which a softmax with
component 1 as the reference turns into proportions. The first component's mean is the
model formula's; ``mu2..muK`` take the same formula, with coefficients of their own,
unless they are given one (``bg.formula("y ~ x", "mu2 ~ 1")``). By default (brms's
``order = "mu"``) the components' intercepts are increasing, which labels the components
and so identifies them. The likelihood is
:class:`bayesglmm.backend.likelihoods.mixture.MixtureLikelihood`.

Examples
--------
>>> family = mixture("gaussian", "student_t")
>>> family.name, family.dispersion_names
('mixture(gaussian, student_t)', ('mu2', 'sigma1', 'sigma2', 'nu2', 'theta'))
>>> mixture("poisson", nmix=3).name
'mixture(poisson, poisson, poisson)'
>>> parse_mixture("mixture(poisson, poisson, order = none)").order_means
False
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace

from bayesglmm import naming
from bayesglmm.errors import FamilyError, FormulaError, did_you_mean
from bayesglmm.families.catalog import FAMILIES
from bayesglmm.families.family import SPREAD, DispersionParameter, Family, PriorSpec

COMPONENT_FAMILIES = (
    "gaussian",
    "student_t",
    "lognormal",
    "gamma",
    "beta",
    "binomial",
    "poisson",
    "negbinomial",
)
"""The families a mixture's components can have."""

REFUSED_REASONS = {
    "bernoulli": "a mixture of bernoulli distributions is a bernoulli distribution, so its "
    "components are not identified",
    "cumulative": "ordinal thresholds take the place of the intercepts that order the components",
    "exponential": "censorable families are not supported as components",
    "weibull": "censorable families are not supported as components",
}
"""Why a known family cannot be a component, where there is more to say than that it is
not supported (zero-inflated and hurdle families are mixtures already)."""

UNORDERED = "none"
"""The ``order`` that leaves the components unordered, as brms writes it."""

_MIXTURE_NAME = re.compile(r"^mixture\((.*)\)$")


@dataclass(frozen=True)
class Mixture(Family):
    """A finite mixture of :data:`COMPONENT_FAMILIES`: a :class:`Family` whose dispersion
    parameters are ``mu2..muK`` (always modelled, see :attr:`DispersionParameter.location`),
    each component's own parameters with its number, and ``theta``.

    Attributes
    ----------
    components
        The component families, in order.
    order_means
        True when the component intercepts are increasing (brms's ``order = "mu"``).
    """

    components: tuple[Family, ...] = ()
    order_means: bool = True

    @property
    def n_components(self) -> int:
        """``K``, the number of components."""
        return len(self.components)

    def component_names(self, k: int) -> dict[str, str]:
        """Component ``k``'s (from 1) own parameter names mapped to the mixture's:
        ``{"sigma": "sigma2"}``."""
        return {p.name: naming.component(p.name, k) for p in self.components[k - 1].dispersion}

    @property
    def proportions_modelled(self) -> bool:
        """True when ``theta2..thetaK`` have linear predictors instead of a simplex."""
        return naming.MIXING not in self.dispersion_names


def _location(k: int) -> DispersionParameter:
    return DispersionParameter(
        naming.component("mu", k),
        f"mean of component {k}, on the link scale",
        PriorSpec("StudentT", (3, 0, SPREAD)),
        link="identity",
        location=True,
    )


def _proportions(k: int) -> DispersionParameter:
    return DispersionParameter(
        naming.MIXING,
        "mixing proportions of the components",
        PriorSpec("Dirichlet", (1.0,) * k),
        link="identity",
        simplex=True,
    )


def _log_odds(k: int) -> DispersionParameter:
    return DispersionParameter(
        naming.component(naming.MIXING, k),
        f"log odds of component {k} against component 1 (softmax link)",
        PriorSpec("StudentT", (3, 0, 2.5)),
        link="identity",
        typical=0.0,
    )


def _component(name: object) -> Family:
    accepted = ", ".join(COMPONENT_FAMILIES)
    if not isinstance(name, str):
        raise FamilyError(
            f"mixture() takes family names such as 'gaussian', not {type(name).__name__}; "
            f"a mixture's components can be: {accepted}."
        )
    if name not in FAMILIES:
        raise FamilyError(
            f"unknown family '{name}' in mixture().{did_you_mean(name, COMPONENT_FAMILIES)} "
            f"A mixture's components can be: {accepted}."
        )
    if name not in COMPONENT_FAMILIES:
        reason = REFUSED_REASONS.get(name, "it is not supported as a component")
        raise FamilyError(
            f"mixture() cannot take family '{name}': {reason}. A mixture's components can "
            f"be: {accepted}."
        )
    return FAMILIES[name]


def _order(order: object) -> bool:
    if order is True or order == "mu":
        return True
    if order is None or order is False or order == UNORDERED:
        return False
    raise FamilyError(
        f"mixture(order=) takes 'mu' (increasing intercepts, the default) or None/False/"
        f"'none' (no ordering), not {order!r}."
    )


def _repeated(families: Sequence[object], nmix: object) -> list[object]:
    if nmix is None:
        return list(families)
    counts = [nmix] if isinstance(nmix, int) else nmix
    valid = isinstance(counts, Sequence) and all(
        isinstance(n, int) and not isinstance(n, bool) and n >= 1 for n in counts
    )
    if not valid or len(counts) != len(families):
        raise FamilyError(
            f"mixture(nmix=) gives how many times each family repeats: one whole number of "
            f"1 or more per family ({len(families)} here), not {nmix!r}; for example "
            "mixture('poisson', nmix=2)."
        )
    return [name for name, n in zip(families, counts, strict=True) for _ in range(n)]


def mixture(*families: str, nmix: int | Sequence[int] | None = None, order="mu") -> Mixture:
    """A finite mixture family, like brms's ``mixture()``.

    Parameters
    ----------
    *families
        The components' families by name, from :data:`COMPONENT_FAMILIES`; at least two
        components in all.
    nmix
        How many times each family repeats: ``mixture("poisson", nmix=2)`` is
        ``mixture("poisson", "poisson")``.
    order
        ``"mu"`` (default, or True): the components' intercepts are increasing, which
        identifies the components (brms's ``order = "mu"``); None, False or ``"none"``:
        no ordering (brms's default when the families differ), for components told apart
        by their families, priors or predictors.

    Returns
    -------
    Mixture
        Pass it as ``Model(..., family=bg.mixture(...))``.

    Raises
    ------
    FamilyError
        For fewer than two components, an unknown or unsupported component family,
        components that accept different responses or share no link, or an unknown
        ``order``.

    Examples
    --------
    >>> family = mixture("gaussian", "gaussian")
    >>> family.links, family.n_components, family.component_names(2)
    (('identity', 'log'), 2, {'sigma': 'sigma2'})
    >>> mixture("gaussian")
    Traceback (most recent call last):
    ...
    bayesglmm.errors.FamilyError: a mixture needs at least two components, got 1 ('gaussian'); \
repeat a family with nmix, e.g. mixture('gaussian', nmix=2).
    """
    names = _repeated(families, nmix)
    components = tuple(_component(name) for name in names)
    if len(components) < 2:
        shown = ", ".join(repr(name) for name in names) or "none"
        example = names[0] if names else "gaussian"
        raise FamilyError(
            f"a mixture needs at least two components, got {len(components)} ({shown}); "
            f"repeat a family with nmix, e.g. mixture('{example}', nmix=2)."
        )
    supports = {family.support.name for family in components}
    if len(supports) > 1:
        described = "; ".join(
            f"'{family.name}' takes {family.support.description}" for family in components
        )
        raise FamilyError(
            f"a mixture's components must accept the same responses, but {described}. "
            "Choose components of one kind (counts, positive or real numbers)."
        )
    links = tuple(link for link in components[0].links if all(link in f.links for f in components))
    if not links:
        raise FamilyError(
            "a mixture's components share one link, but "
            + ", ".join(f"'{f.name}' has {'/'.join(f.links)}" for f in components)
            + "; choose components with a link in common."
        )
    ordered = _order(order)
    dispersion = [_location(k) for k in range(2, len(components) + 1)]
    for k, family in enumerate(components, start=1):
        dispersion.extend(
            replace(p, name=naming.component(p.name, k), description=f"{p.description}, {k}")
            for p in family.dispersion
        )
    dispersion.append(_proportions(len(components)))
    suffix = "" if ordered else f", order = {UNORDERED}"
    return Mixture(
        name=f"mixture({', '.join(f.name for f in components)}{suffix})",
        links=links,
        support=components[0].support,
        dispersion=tuple(dispersion),
        mean_scale=components[0].mean_scale,
        components=components,
        order_means=ordered,
    )


def is_mixture_name(name: str) -> bool:
    """True for a name of the form ``mixture(...)``, which :func:`parse_mixture` reads."""
    return _MIXTURE_NAME.match(name) is not None


def parse_mixture(name: str) -> Mixture:
    """The mixture a :attr:`Mixture.name` describes: ``"mixture(gaussian, gaussian)"``,
    with ``", order = none"`` last for unordered components.

    Examples
    --------
    >>> parse_mixture("mixture(gamma, gamma)").components[1].name
    'gamma'
    """
    match = _MIXTURE_NAME.match(name)
    if match is None:
        raise FamilyError(
            f"'{name}' is not a mixture family; write it as 'mixture(gaussian, gaussian)'."
        )
    items = [item.strip() for item in match.group(1).split(",") if item.strip()]
    options = [item for item in items if "=" in item]
    families = [item for item in items if "=" not in item]
    order = "mu"
    for option in options:
        key, value = (part.strip() for part in option.split("=", 1))
        if key != "order":
            raise FamilyError(
                f"'{name}' has option '{key}'; a mixture's name takes only 'order = none'."
            )
        order = value
    return mixture(*families, order=order)


def for_formulas(family: Family, names: Collection[str]) -> Family:
    """The family with the parameters that the formulas ``names`` model: for a mixture
    whose ``theta<k>`` have formulas, ``theta2..thetaK`` (log odds against component 1)
    replace the simplex ``theta``. Other families come back as they are.

    Raises
    ------
    FormulaError
        For a formula of ``mu1`` (the model formula's), ``theta1`` (the reference) or a
        component the mixture does not have.

    Examples
    --------
    >>> for_formulas(mixture("poisson", nmix=2), ["theta2"]).dispersion_names
    ('mu2', 'theta2')
    """
    if not isinstance(family, Mixture):
        return family
    count = family.n_components
    modelled_odds = False
    for name in names:
        parts = naming.split_component(name)
        if parts is None or parts[0] not in ("mu", naming.MIXING):
            continue
        parameter, k = parts
        if k > count:
            raise FormulaError(
                f"'{name}' has a formula, but {family.name} has {count} components; model "
                f"{parameter}2 to {parameter}{count}."
            )
        if parameter == "mu" and k == 1:
            raise FormulaError(
                "'mu1' has a formula, but the mean of component 1 is the model formula's; "
                "write its terms there (bg.formula('y ~ x', 'mu2 ~ z'))."
            )
        if parameter == naming.MIXING and k == 1:
            raise FormulaError(
                "'theta1' has a formula, but component 1 is the reference of the mixing "
                f"proportions (its log odds are 0); model theta2 to theta{count} instead."
            )
        modelled_odds = modelled_odds or parameter == naming.MIXING
    if not modelled_odds:
        return family
    kept = tuple(p for p in family.dispersion if not p.simplex)
    odds = tuple(_log_odds(k) for k in range(2, count + 1))
    return replace(family, dispersion=kept + odds)


__all__ = [
    "COMPONENT_FAMILIES",
    "Mixture",
    "for_formulas",
    "is_mixture_name",
    "mixture",
    "parse_mixture",
]
