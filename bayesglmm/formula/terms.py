"""Random terms: ``(x | g)``, ``(x || g)``, nesting ``g1/g2``, ``gr(g, cov = A)``,
multi-membership ``mm(g1, g2)``, correlation IDs ``(1 | p | g)`` and the structured terms
``ar1()``, ``cs()`` and ``us()``, parsed into :class:`RandomTermSyntax`.

Examples
--------
>>> from bayesglmm.formula import parse_formula
>>> [term.group for term in parse_formula("y ~ x + (1 + x | a/b)").random]
[('a',), ('a', 'b')]
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bayesglmm import naming
from bayesglmm.errors import FormulaError
from bayesglmm.formula.scanner import (
    NAME,
    call_arguments,
    call_name,
    check_expression,
    check_formulaic_syntax,
    closing_bracket,
    strip_span,
)

STRUCTURES: dict[str, str] = {
    "ar1": "first-order autoregressive correlation over time within subject",
    "cs": "compound symmetry: one correlation between any two times within subject",
    "us": "unstructured: a free correlation matrix over the time levels within subject",
}
"""Covariance structures written ``structure(time | subject)``."""

_ID = re.compile(r"[A-Za-z][A-Za-z0-9_]*")


@dataclass(frozen=True)
class RandomTermSyntax:
    """One random term after nesting is expanded.

    ``(1 + x | g1/g2)`` gives two of these, with groups ``("g1",)`` and ``("g1", "g2")``.

    Attributes
    ----------
    text
        The term as written.
    expr
        The part before the bar, a formula for the term's columns.
    group
        Names of the columns whose interaction defines the grouping factor.
    correlated
        False for ``||``, which makes every column its own uncorrelated block.
    position
        Offset of the term in the formula, for error messages.
    structure
        ``"ar1"`` or ``"cs"`` for a structured term ``ar1(time | subject)``, whose group
        is ``(subject, time)``; None for an ordinary random term.
    covariance
        For ``(1 | gr(animal, cov = A))``: the name of the known covariance matrix among
        the levels, given to ``Model(covariances={"A": ...})``.
    members
        True for a multi-membership term ``(1 | mm(g1, g2))``, whose ``group`` columns each
        name one level the row belongs to (brms's ``mm()``).
    member_weights
        For ``mm(g1, g2, weights = cbind(w1, w2))``: the weight expression of each member;
        empty for equal weights.
    scale_weights
        For ``mm(..., scale = TRUE)`` (the default): the weights are divided by their sum
        in each row.
    correlation_id
        For ``(1 | p | g)``: the ID ``p``. Terms of the same grouping factor with the same
        ID are correlated, also across the formulas of a model's parameters (brms's
        ``|p|``); None without one.
    """

    text: str
    expr: str
    group: tuple[str, ...]
    correlated: bool
    position: int
    structure: str | None = None
    covariance: str | None = None
    members: bool = False
    member_weights: tuple[str, ...] = ()
    scale_weights: bool = True
    correlation_id: str | None = None

    @property
    def group_name(self) -> str:
        """Name of the grouping factor: ``"g"``, ``"g1:g2"`` or ``"mm(g1+g2)"``."""
        if self.members:
            return naming.multi_membership_group(self.group)
        return ":".join(self.group)


def is_random_term(formula: str, depth: list[int], start: int, end: int) -> bool:
    """True for a whole parenthesised term with a '|' directly inside it."""
    if formula[start] != "(" or closing_bracket(formula, depth, start) != end - 1:
        return False
    inner = depth[start] + 1
    return any(formula[i] == "|" and depth[i] == inner for i in range(start + 1, end - 1))


def reject_stray_bar(formula: str, depth: list[int], start: int, end: int) -> None:
    """Raise when a '|' sits in a term that is not a random term on its own."""
    for i in range(start, end):
        if formula[i] == "|" and depth[i] >= 0:
            raise FormulaError(
                "'|' may only appear in a random term standing alone in parentheses, "
                "such as '(1 + x | g)'",
                formula,
                i,
            )


def parse_structure(formula: str, depth: list[int], start: int, end: int) -> RandomTermSyntax:
    """``ar1(time | subject)``, ``cs(...)`` or ``us(...)``: effects over time within subject.

    ``us`` becomes ``(0 + C(time) | subject)``, one correlated effect per time level.
    """
    name = call_name(formula[start:end])
    arguments = call_arguments(formula, depth, start, end)
    text = formula[start:end]
    parts = arguments[0][2].split("|") if len(arguments) == 1 else []
    names = [part.strip().strip("`") for part in parts]
    if len(names) != 2 or not all(NAME.match(n) for n in names):
        raise FormulaError(
            f"expected a time column and a subject column in {name}(), as in "
            f"'{name}(time | subject)'",
            formula,
            start,
        )
    time, subject = names
    if name == "us":
        return RandomTermSyntax(
            text=text, expr=f"0 + C({time})", group=(subject,), correlated=True, position=start
        )
    return RandomTermSyntax(
        text=text, expr="1", group=(subject, time), correlated=True, position=start, structure=name
    )


def _parse_gr(formula: str, depth: list[int], start: int, end: int) -> tuple[str, str | None]:
    """The grouping column and covariance name of ``gr(g, cov = A)`` (brms's syntax)."""
    arguments = call_arguments(formula, depth, start, end)
    usage = "as in 'gr(animal, cov = A)'"
    column = arguments[0][2].strip("`")
    if not NAME.match(arguments[0][2]):
        raise FormulaError(f"expected one grouping column first in gr(), {usage}", formula, start)
    covariance = None
    for lo, _, text in arguments[1:]:
        key, _, value = text.partition("=")
        if key.strip() != "cov" or not NAME.match(value.strip()):
            raise FormulaError(
                f"gr() takes the grouping column and 'cov = <name>', {usage}", formula, lo
            )
        covariance = value.strip().strip("`")
    return column, covariance


def _parse_mm(
    formula: str, depth: list[int], start: int, end: int
) -> tuple[tuple[str, ...], tuple[str, ...], bool]:
    """The member columns, weight expressions and ``scale`` of ``mm(g1, g2, weights =
    cbind(w1, w2), scale = TRUE)`` (brms's multi-membership syntax)."""
    usage = "as in 'mm(school1, school2)' or 'mm(s1, s2, weights = cbind(w1, w2))'"
    members: list[str] = []
    weights: tuple[str, ...] = ()
    scale = True
    for lo, _, text in call_arguments(formula, depth, start, end):
        key, equals, value = text.partition("=")
        if not equals:
            if not NAME.match(text):
                raise FormulaError(f"expected a grouping column in mm(), {usage}", formula, lo)
            members.append(text.strip("`"))
        elif key.strip() == "weights" and call_name(value.strip()) == "cbind":
            at = lo + text.index("cbind")
            found = call_arguments(formula, depth, at, lo + len(text))
            for w_lo, _, argument in found:
                check_expression(formula, w_lo, argument)
            weights = tuple(argument for _, _, argument in found)
        elif key.strip() == "scale" and value.strip() in ("TRUE", "FALSE", "True", "False"):
            scale = value.strip() in ("TRUE", "True")
        else:
            raise FormulaError(
                f"mm() takes grouping columns, 'weights = cbind(...)' and 'scale = TRUE' or "
                f"FALSE, {usage}",
                formula,
                lo,
            )
    if len(members) < 2:
        raise FormulaError(f"mm() needs at least two grouping columns, {usage}", formula, start)
    if weights and len(weights) != len(members):
        raise FormulaError(
            f"mm() has {len(members)} grouping columns but {len(weights)} weights; give one "
            "weight per column",
            formula,
            start,
        )
    return tuple(members), weights, scale


def parse_random_term(
    formula: str, depth: list[int], start: int, end: int
) -> list[RandomTermSyntax]:
    inner = depth[start] + 1
    bars = [i for i in range(start + 1, end - 1) if formula[i] == "|" and depth[i] == inner]
    correlation_id, expr_end = None, bars[0]
    with_id = len(bars) == 2 or (len(bars) == 3 and bars[2] == bars[1] + 1)
    if with_id and bars[1] > bars[0] + 1:
        correlation_id = _correlation_id(formula, bars[0], bars[1])
        bars = bars[1:]
    bar = bars[0]
    double = len(bars) > 1 and bars[1] == bar + 1
    extra = [i for i in bars if i not in (bar, bar + 1)] if double else bars[1:]
    if extra:
        raise FormulaError(
            "expected one '|' in a random term, or two around a correlation ID as in '(1 | p | g)'",
            formula,
            extra[0],
        )
    if correlation_id is not None and double:
        raise FormulaError(
            "a correlation ID correlates the term's columns, which '||' keeps apart; write "
            "'(1 + x | p | g)', or '(1 + x || g)' without the ID",
            formula,
            bar,
        )
    bar_end = bar + (2 if double else 1)
    e_lo, e_hi = strip_span(formula, start + 1, expr_end)
    if e_lo == e_hi:
        raise FormulaError(
            "expected random-effect terms before '|', such as '1' for an intercept",
            formula,
            bar,
        )
    expr = formula[e_lo:e_hi]
    check_formulaic_syntax(formula, e_lo, expr)
    g_lo, g_hi = strip_span(formula, bar_end, end - 1)
    if g_lo == g_hi:
        raise FormulaError(
            "expected a grouping factor after '|', as in '(1 | subject)'", formula, g_lo
        )
    if correlation_id is not None and (
        call_name(formula[g_lo:g_hi]) in ("mm", "gr") or "/" in formula[g_lo:g_hi]
    ):
        raise FormulaError(
            "a correlation ID needs a plain grouping factor, as in '(1 | p | g)'; it is not "
            "supported with mm(), gr() or nesting '/'",
            formula,
            g_lo,
        )
    if call_name(formula[g_lo:g_hi]) == "mm":
        members, weights, scale = _parse_mm(formula, depth, g_lo, g_hi)
        return [
            RandomTermSyntax(
                text=formula[start:end],
                expr=expr,
                group=members,
                correlated=not double,
                position=start,
                members=True,
                member_weights=weights,
                scale_weights=scale,
            )
        ]
    if call_name(formula[g_lo:g_hi]) == "gr":
        group, covariance = _parse_gr(formula, depth, g_lo, g_hi)
        return [
            RandomTermSyntax(
                text=formula[start:end],
                expr=expr,
                group=(group,),
                correlated=not double,
                position=start,
                covariance=covariance,
            )
        ]
    nesting: list[tuple[str, ...]] = []
    position = g_lo
    for level in formula[g_lo:g_hi].split("/"):
        names = []
        for name in level.split(":"):
            n_lo, n_hi = strip_span(formula, position, position + len(name))
            if not NAME.match(formula[n_lo:n_hi]):
                raise FormulaError(
                    "expected a column name in the grouping factor (factors combine with ':' "
                    "and nest with '/'; a name with spaces or symbols goes in backticks, as in "
                    f"`{formula[n_lo:n_hi]}`)",
                    formula,
                    n_lo,
                )
            names.append(formula[n_lo:n_hi].strip("`"))
            position += len(name) + 1
        nesting.append(tuple(names))
    text = formula[start:end]
    groups = [sum(nesting[: k + 1], ()) for k in range(len(nesting))]
    return [
        RandomTermSyntax(
            text=text,
            expr=expr,
            group=group,
            correlated=not double,
            position=start,
            correlation_id=correlation_id,
        )
        for group in groups
    ]


def _correlation_id(formula: str, first: int, second: int) -> str:
    """The ID between the two bars of ``(terms | id | g)``: a name."""
    lo, hi = strip_span(formula, first + 1, second)
    if not _ID.fullmatch(formula[lo:hi]):
        raise FormulaError(
            "expected a correlation ID between the bars: letters, digits and '_', starting "
            "with a letter, as in '(1 | p | g)'",
            formula,
            lo,
        )
    return formula[lo:hi]
