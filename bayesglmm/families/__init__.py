"""Response families and link functions, kept as registries of data
(:class:`~bayesglmm.registry.Registry`); their likelihoods are
:mod:`bayesglmm.backend.likelihoods`.

Examples
--------
>>> from bayesglmm.families import get_family
>>> family, link = get_family("poisson")
>>> family.name, link.name
('poisson', 'log')
"""

from __future__ import annotations

from bayesglmm.errors import FamilyError
from bayesglmm.families.catalog import FAMILIES
from bayesglmm.families.family import SPREAD, DispersionParameter, Family, PriorSpec
from bayesglmm.families.links import LINKS, Link
from bayesglmm.families.mixture import Mixture, is_mixture_name, mixture, parse_mixture

__all__ = [
    "FAMILIES",
    "LINKS",
    "SPREAD",
    "DispersionParameter",
    "Family",
    "Link",
    "Mixture",
    "PriorSpec",
    "get_family",
    "mixture",
]


def get_family(name: str | Mixture, link: str | None = None) -> tuple[Family, Link]:
    """Look up a family and one of its links.

    Parameters
    ----------
    name
        Family name, for example ``"binomial"``; a :func:`mixture`, or its name
        (``"mixture(gaussian, gaussian)"``).
    link
        Link name; the family's default link when None.

    Raises
    ------
    FamilyError
        For an unknown family, or a link the family does not support.

    Examples
    --------
    >>> get_family("gamma", "identity")[1].name
    'identity'
    >>> get_family(mixture("poisson", nmix=2))[0].name
    'mixture(poisson, poisson)'
    """
    if isinstance(name, Mixture):
        return _with_link(name, link)
    if not isinstance(name, str):
        raise FamilyError(_name_expected("family", name, "'poisson'"))
    if link is not None and not isinstance(link, str):
        raise FamilyError(_name_expected("link", link, "'log'"))
    return _with_link(parse_mixture(name) if is_mixture_name(name) else FAMILIES[name], link)


def _with_link(family: Family, link: str | None) -> tuple[Family, Link]:
    link = link or family.links[0]
    if link not in family.links:
        raise FamilyError(
            f"family '{family.name}' does not support link '{link}'; "
            f"use one of: {', '.join(family.links)}."
        )
    return family, LINKS[link]


def _name_expected(what: str, value: object, example: str) -> str:
    own = value.name if isinstance(value, Family | Link) else None
    hint = f"; for this one write {what}='{own}'" if own else ""
    return f"{what} must be a name such as {example}, not {type(value).__name__}{hint}."
