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

__all__ = [
    "FAMILIES",
    "LINKS",
    "SPREAD",
    "DispersionParameter",
    "Family",
    "Link",
    "PriorSpec",
    "get_family",
]


def get_family(name: str, link: str | None = None) -> tuple[Family, Link]:
    """Look up a family and one of its links.

    Parameters
    ----------
    name
        Family name, for example ``"binomial"``.
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
    """
    if not isinstance(name, str):
        raise FamilyError(_name_expected("family", name, "'poisson'"))
    if link is not None and not isinstance(link, str):
        raise FamilyError(_name_expected("link", link, "'log'"))
    family = FAMILIES[name]
    link = link or family.links[0]
    if link not in family.links:
        raise FamilyError(
            f"family '{name}' does not support link '{link}'; "
            f"use one of: {', '.join(family.links)}."
        )
    return family, LINKS[link]


def _name_expected(what: str, value: object, example: str) -> str:
    own = value.name if isinstance(value, Family | Link) else None
    hint = f"; for this one write {what}='{own}'" if own else ""
    return f"{what} must be a name such as {example}, not {type(value).__name__}{hint}."
