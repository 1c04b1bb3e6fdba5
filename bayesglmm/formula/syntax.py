"""Parse an lme4/brms-style formula into its response, fixed part and random terms.

The fixed part is left as text for formulaic; this module only finds where it
ends and the random terms begin. Every syntax error is a
:class:`~bayesglmm.errors.FormulaError` with a caret under the offending
character.

Examples
--------
>>> from bayesglmm.formula.syntax import parse_formula
>>> parsed = parse_formula("incidence | trials(size) ~ period + (1 | herd)")
>>> parsed.fixed, parsed.response.helpers, parsed.random[0].group
('period', (('trials', 'size'),), ('herd',))
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bayesglmm.errors import FormulaError
from bayesglmm.formula.expressions import expression_use
from bayesglmm.formula.monotonic import MonotonicSyntax, monotonic_call_at, parse_monotonic
from bayesglmm.formula.scanner import (
    call_arguments,
    call_name,
    check_formulaic_syntax,
    nesting_depths,
    split_terms,
    strip_span,
)
from bayesglmm.formula.terms import (
    STRUCTURES,
    RandomTermSyntax,
    is_random_term,
    parse_random_term,
    parse_structure,
    reject_stray_bar,
)
from bayesglmm.structures import RESIDUAL_KINDS

RESPONSE_HELPERS: dict[str, str] = {
    "trials": "the number of trials of a binomial response, as in 's | trials(n)'",
    "cens": "right-censoring of a time-to-event response (1 = censored, 0 = event), "
    "as in 'time | cens(censored)'",
}
"""Helpers allowed after '|' on the left of '~', with what each one means."""


@dataclass(frozen=True)
class ResponseSyntax:
    """The left-hand side of a formula.

    Attributes
    ----------
    text
        The response as written, e.g. ``"s | trials(n)"``.
    outcome
        Expression for the outcome (the successes of a binomial response).
    helpers
        ``(name, argument)`` pairs written after ``|``, e.g. ``(("trials", "n"),)``.
    failures
        Expression for the failures when written as lme4's ``cbind(s, f)``.
    """

    text: str
    outcome: str
    helpers: tuple[tuple[str, str], ...] = ()
    failures: str | None = None

    def helper(self, name: str) -> str | None:
        """Argument of response helper ``name``, or None when it is absent."""
        return dict(self.helpers).get(name)


@dataclass(frozen=True)
class ParsedFormula:
    """A formula split into the parts the design builder needs; the fixed part's
    monotonic terms ``mo(x)`` are kept apart from the ``fixed`` text formulaic codes."""

    text: str
    response: ResponseSyntax
    fixed: str
    random: tuple[RandomTermSyntax, ...]
    offsets: tuple[str, ...]
    monotonic: tuple[MonotonicSyntax, ...] = ()


def parse_formula(formula: str) -> ParsedFormula:
    """Split ``formula`` into response, fixed part, random terms and offsets.

    Parameters
    ----------
    formula
        An lme4/brms-style formula such as ``"y ~ x + (1 + x | g)"``.

    Returns
    -------
    ParsedFormula

    Raises
    ------
    FormulaError
        With a caret under the first offending character.

    Examples
    --------
    >>> parse_formula("y ~ x + (1 | a/b)").random[1].group_name
    'a:b'
    >>> parsed = parse_formula("y ~ x + mo(dose)")
    >>> parsed.fixed, [term.column for term in parsed.monotonic]
    ('x', ['dose'])
    """
    if not isinstance(formula, str):
        raise FormulaError(
            f"the formula must be a string such as 'y ~ x + (1 | g)', not {type(formula).__name__}"
        )
    depth = nesting_depths(formula)
    tildes = [i for i, ch in enumerate(formula) if ch == "~" and depth[i] == 0]
    if not tildes:
        raise FormulaError(
            "expected '~' between the response and the predictors, as in 'y ~ x'",
            formula,
            len(formula),
        )
    if len(tildes) > 1:
        raise FormulaError("expected only one '~' in the formula", formula, tildes[1])
    tilde = tildes[0]
    response = _parse_response(formula, depth, 0, tilde)
    fixed_terms: list[str] = []
    random_terms: list[RandomTermSyntax] = []
    offsets: list[str] = []
    monotonic: list[MonotonicSyntax] = []
    for sign, start, end in split_terms(formula, depth, tilde + 1, len(formula)):
        text = formula[start:end]
        inner_mo = monotonic_call_at(formula, depth, start, end)
        if inner_mo is not None and is_random_term(formula, depth, start, end):
            raise FormulaError(
                f"mo() inside the random term '{text}' is not supported; monotonic effects "
                "are population-level only. Move 'mo(...)' to the fixed part, and use the "
                "column as a number or a factor in the random term",
                formula,
                inner_mo,
            )
        if inner_mo is not None:
            term = parse_monotonic(formula, depth, start, end, sign)
            if any(other.column == term.column for other in monotonic):
                raise FormulaError(
                    f"'{term.text}' appears twice in the formula; keep one",
                    formula,
                    term.position,
                )
            monotonic.append(term)
        elif sign == "+" and is_random_term(formula, depth, start, end):
            random_terms.extend(parse_random_term(formula, depth, start, end))
        elif sign == "+" and call_name(text) in STRUCTURES:
            random_terms.append(parse_structure(formula, depth, start, end))
        elif sign == "+" and call_name(text) == "offset":
            o_lo, _, offset = call_arguments(formula, depth, start, end)[0]
            check_formulaic_syntax(formula, o_lo, offset)
            offsets.append(offset)
        else:
            reject_stray_bar(formula, depth, start, end)
            check_formulaic_syntax(formula, start, text)
            fixed_terms.append(text if sign == "+" else f"- {text}")
    fixed = " + ".join(fixed_terms).replace("+ - ", "- ") if fixed_terms else "1"
    if fixed.startswith("- "):
        fixed = "1 " + fixed
    return ParsedFormula(
        text=formula,
        response=response,
        fixed=fixed,
        random=tuple(random_terms),
        offsets=tuple(offsets),
        monotonic=tuple(monotonic),
    )


def _check_outcome(formula: str, start: int, text: str) -> None:
    """Check a response expression, which must name a data column."""
    if re.fullmatch(r"[\d.eE+-]+", text.strip()) is None:
        check_formulaic_syntax(formula, start, text)
        if expression_use(text).columns:
            return
    raise FormulaError(
        f"the response '{text}' names no data column; write the response column before "
        "'~', as in 'y ~ x' (a column whose name is a number goes in backticks, `0`)",
        formula,
        start,
    )


def _parse_response(formula: str, depth: list[int], start: int, end: int) -> ResponseSyntax:
    lo, hi = strip_span(formula, start, end)
    if lo == hi:
        raise FormulaError("expected a response before '~', as in 'y ~ x'", formula, lo)
    text = formula[lo:hi]
    if call_name(text) == "cbind":
        arguments = call_arguments(formula, depth, lo, hi)
        if len(arguments) != 2:
            raise FormulaError("expected two columns in cbind(successes, failures)", formula, lo)
        (s_lo, _, successes), (f_lo, _, failures) = arguments
        _check_outcome(formula, s_lo, successes)
        _check_outcome(formula, f_lo, failures)
        return ResponseSyntax(text=text, outcome=successes, failures=failures)
    bars = [i for i in range(lo, hi) if formula[i] == "|" and depth[i] == 0]
    if not bars:
        _check_outcome(formula, lo, text)
        return ResponseSyntax(text=text, outcome=text)
    out_lo, out_hi = strip_span(formula, lo, bars[0])
    if out_lo == out_hi:
        raise FormulaError("expected the response column before '|'", formula, bars[0])
    _check_outcome(formula, out_lo, formula[out_lo:out_hi])
    helpers = []
    for _, h_lo, h_hi in split_terms(formula, depth, bars[0] + 1, hi):
        name = call_name(formula[h_lo:h_hi])
        if name not in RESPONSE_HELPERS:
            known = ", ".join(f"{key}()" for key in RESPONSE_HELPERS)
            raise FormulaError(
                f"unknown response helper '{name or formula[h_lo:h_hi]}'; expected one of: {known}",
                formula,
                h_lo,
            )
        arguments = call_arguments(formula, depth, h_lo, h_hi)
        if len(arguments) != 1:
            raise FormulaError(f"expected one argument in {name}()", formula, h_lo)
        if not arguments[0][2].isdigit():
            check_formulaic_syntax(formula, arguments[0][0], arguments[0][2])
        helpers.append((name, arguments[0][2]))
    return ResponseSyntax(text=text, outcome=formula[out_lo:out_hi], helpers=tuple(helpers))


def parse_residual(text: str) -> ParsedFormula:
    """A residual structure, ``"ar1(time | subject)"`` or ``"cs(time | subject)"``, parsed as
    a formula whose one random term carries the structure.

    Examples
    --------
    >>> parse_residual("ar1(week | pig)").random[0].group
    ('pig', 'week')
    """
    usage = "residual= takes 'ar1(time | subject)' or 'cs(time | subject)'"
    if not isinstance(text, str):
        raise FormulaError(f"{usage}, not {text!r}")
    parsed = parse_formula(f"residual ~ 0 + {text}")
    terms = parsed.random
    if parsed.fixed != "0" or len(terms) != 1 or terms[0].structure not in RESIDUAL_KINDS:
        raise FormulaError(f"{usage}, not {text!r}")
    return parsed
