"""Correlation IDs across linear predictors: the group-level blocks that one ID, brms's
``(1 | p | g)``, joins into one correlated block.

Examples
--------
>>> import bayesglmm as bg
>>> data = bg.datasets.load("sleepstudy")
>>> model = bg.Model(bg.formula("Reaction ~ Days + (1 | p | Subject)",
...                             sigma="~ 1 + (1 | p | Subject)"), data)
>>> [(link.name, link.terms) for link in linked_blocks(model.spec.all_groups)]
[('Subject__id_p', ('Intercept', 'sigma_Intercept'))]
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from bayesglmm import naming
from bayesglmm.errors import FormulaError

if TYPE_CHECKING:
    from bayesglmm.formula.spec import GroupDesign


@dataclass(frozen=True)
class LinkedBlock:
    """Blocks of group-level terms in several linear predictors that one correlation ID
    joins (``(1 | p | g)`` in the mean's formula and a parameter's, as brms's ``|p|``):
    their effects are drawn from one correlation matrix, each scaled by its own sds.

    Attributes
    ----------
    factor
        The grouping factor's columns, joined with ``:``.
    correlation_id
        The ID.
    members
        ``(group name, block index)`` of each joined block, in model order.
    terms
        The joint block's term labels: a term, with its parameter first in a parameter's
        formula (``sigma_Intercept``).
    columns
        The positions of each member block's terms among its group's terms.
    """

    factor: str
    correlation_id: str
    members: tuple[tuple[str, int], ...]
    terms: tuple[str, ...]
    columns: tuple[tuple[int, ...], ...]

    @property
    def sizes(self) -> tuple[int, ...]:
        """The number of terms of each member block."""
        return tuple(len(block) for block in self.columns)

    @property
    def name(self) -> str:
        """What the joint block's variables and dimensions are named by."""
        return naming.linked_block(self.factor, self.correlation_id)

    @property
    def cross_pairs(self) -> list[tuple[str, str]]:
        """Pairs of terms ``(t1, t2)`` of different member blocks, t1 first (pairs within
        one block are its group's own correlations)."""
        owner = [m for m, size in enumerate(self.sizes) for _ in range(size)]
        return [
            (self.terms[i], self.terms[j])
            for i in range(len(self.terms))
            for j in range(i + 1, len(self.terms))
            if owner[i] != owner[j]
        ]


def linked_blocks(groups: tuple[GroupDesign, ...]) -> tuple[LinkedBlock, ...]:
    """The blocks that correlation IDs join across groups; an ID in one group only joins
    nothing beyond its block.

    Raises
    ------
    FormulaError
        When one ID is used with different grouping factors.
    """
    found: dict[str, list[tuple[GroupDesign, int]]] = {}
    for group in groups:
        for block, correlation_id in enumerate(group.block_ids):
            if correlation_id is not None:
                found.setdefault(correlation_id, []).append((group, block))
    linked = []
    for correlation_id, members in found.items():
        factors = {":".join(group.factors) for group, _ in members}
        if len(factors) > 1:
            raise FormulaError(
                f"correlation ID '{correlation_id}' is used with different grouping factors "
                f"({', '.join(sorted(factors))}); an ID correlates the terms of one factor, so "
                "give each factor its own ID."
            )
        if len(members) < 2:
            continue
        terms = tuple(
            group.terms[t]
            if group.parameter is None
            else naming.parameter_coefficient(group.parameter, group.terms[t])
            for group, block in members
            for t in group.blocks[block]
        )
        linked.append(
            LinkedBlock(
                factor=factors.pop(),
                correlation_id=correlation_id,
                members=tuple((group.name, block) for group, block in members),
                terms=terms,
                columns=tuple(group.blocks[block] for group, block in members),
            )
        )
    return tuple(linked)
