"""Parse an lme4/brms-style formula into its response, fixed part and random terms.

The fixed part is left as text for formulaic; this module only finds where it
ends and the random terms begin. Every syntax error is a
:class:`~bayesglmm.errors.FormulaError` with a caret under the offending
character.

Examples
--------
>>> from bayesglmm.formula.syntax import parse_formula
>>> parsed = parse_formula("incidence | trials(size) ~ period + (1 | herd)")
>>> parsed.fixed, parsed.response.helper("trials"), parsed.random[0].group
('period', 'size', ('herd',))
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bayesglmm.errors import FormulaError
from bayesglmm.formula.expressions import expression_use
from bayesglmm.formula.gp_syntax import GPSyntax, is_gp, parse_gp
from bayesglmm.formula.monotonic import MonotonicSyntax, monotonic_call_at, parse_monotonic
from bayesglmm.formula.scanner import (
    call_arguments,
    call_name,
    check_expression,
    check_formulaic_syntax,
    nesting_depths,
    split_terms,
    strip_span,
)
from bayesglmm.formula.smooth_syntax import SmoothSyntax, is_smooth, parse_smooth
from bayesglmm.formula.terms import (
    STRUCTURES,
    RandomTermSyntax,
    is_random_term,
    parse_random_term,
    parse_structure,
    reject_stray_bar,
)
from bayesglmm.formula.unsupported import unsupported_feature
from bayesglmm.structures import RESIDUAL_KINDS


@dataclass(frozen=True)
class ResponseHelper:
    """A helper allowed after '|' on the left of '~' (brms's addition terms).

    Attributes
    ----------
    meaning
        What it means, with an example.
    parameters
        Its parameters in positional order; any may be given by keyword.
    required
        How many of the first ``parameters`` must be given.
    logical
        Parameters that take TRUE or FALSE.
    """

    meaning: str
    parameters: tuple[str, ...]
    required: int = 1
    logical: tuple[str, ...] = ()


RESPONSE_HELPERS: dict[str, ResponseHelper] = {
    "trials": ResponseHelper(
        "the number of trials of a binomial response, as in 's | trials(n)'", ("n",)
    ),
    "cens": ResponseHelper(
        "right-censoring of a time-to-event response (1 = censored, 0 = event), "
        "as in 'time | cens(censored)'",
        ("x",),
    ),
    "weights": ResponseHelper(
        "a weight per row that multiplies its log-likelihood, as in 'y | weights(w)'", ("x",)
    ),
    "trunc": ResponseHelper(
        "truncation of the response to [lb, ub], numbers or columns, as in "
        "'y | trunc(lb = 0, ub = 10)'",
        ("lb", "ub"),
        required=0,
    ),
    "se": ResponseHelper(
        "the known standard error of a gaussian response (meta-analysis), as in "
        "'y | se(sei)'; se(sei, sigma = TRUE) estimates a residual sd on top",
        ("x", "sigma"),
        logical=("sigma",),
    ),
    "mi": ResponseHelper(
        "missing values of the response, imputed by the model rather than refused or "
        "dropped, as in 'y | mi() ~ x'",
        (),
        required=0,
    ),
}
"""Helpers allowed after '|' on the left of '~', by name."""


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
        ``(name, arguments)`` of each helper written after ``|``, the arguments as
        ``(parameter, text)`` pairs: ``(("trials", (("n", "n"),)),)``.
    failures
        Expression for the failures when written as lme4's ``cbind(s, f)``.
    """

    text: str
    outcome: str
    helpers: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = ()
    failures: str | None = None

    def arguments(self, name: str) -> dict[str, str] | None:
        """The arguments of response helper ``name`` by parameter, or None when it is
        absent."""
        found = dict(self.helpers).get(name)
        return None if found is None else dict(found)

    @property
    def imputed(self) -> bool:
        """True when the model imputes the response's missing values (``y | mi()``)."""
        return "mi" in dict(self.helpers)

    def helper(self, name: str) -> str | None:
        """The first argument of response helper ``name``, or None when it is absent."""
        found = dict(self.helpers).get(name)
        return None if not found else found[0][1]


@dataclass(frozen=True)
class ParsedFormula:
    """A formula split into the parts the design builder needs; the fixed part's
    monotonic terms ``mo(x)`` are kept apart from the ``fixed`` text formulaic codes."""

    text: str
    response: ResponseSyntax
    fixed: str
    random: tuple[RandomTermSyntax, ...]
    offsets: tuple[str, ...]
    smooths: tuple[SmoothSyntax, ...] = ()
    monotonic: tuple[MonotonicSyntax, ...] = ()
    gps: tuple[GPSyntax, ...] = ()


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
    smooths: list[SmoothSyntax] = []
    monotonic: list[MonotonicSyntax] = []
    gps: list[GPSyntax] = []
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
        if is_smooth(text):
            if sign == "-":
                raise FormulaError("a smooth cannot be removed with '-'", formula, start)
            smooth = parse_smooth(formula, depth, start, end)
            if any(other.label == smooth.label for other in smooths):
                raise FormulaError(
                    f"the formula has two smooths of {', '.join(smooth.variables)}; keep one",
                    formula,
                    start,
                )
            smooths.append(smooth)
        elif is_gp(text):
            if sign == "-":
                raise FormulaError("a gp() term cannot be removed with '-'", formula, start)
            term = parse_gp(formula, depth, start, end)
            if any(other.label == term.label for other in gps):
                raise FormulaError(
                    f"the formula has two gp() terms of {term.variable}; keep one", formula, start
                )
            gps.append(term)
        elif inner_mo is not None:
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
            check_expression(formula, o_lo, offset)
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
        smooths=tuple(smooths),
        monotonic=tuple(monotonic),
        gps=tuple(gps),
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
        helper = _parse_helper(formula, depth, h_lo, h_hi)
        if helper[0] in dict(helpers):
            raise FormulaError(f"{helper[0]}() is given twice", formula, h_lo)
        helpers.append(helper)
    return ResponseSyntax(text=text, outcome=formula[out_lo:out_hi], helpers=tuple(helpers))


KEYWORD_ARGUMENT = re.compile(r"^([A-Za-z_]\w*)\s*=(?!=)\s*(.+)$", re.DOTALL)
"""``name = value`` inside a helper call."""


def _parse_helper(
    formula: str, depth: list[int], lo: int, hi: int
) -> tuple[str, tuple[tuple[str, str], ...]]:
    """One response helper call, its arguments matched to its parameters."""
    name = call_name(formula[lo:hi])
    if name not in RESPONSE_HELPERS:
        if (error := unsupported_feature(name, formula, lo)) is not None:
            raise error
        known = ", ".join(f"{key}()" for key in RESPONSE_HELPERS)
        raise FormulaError(
            f"unknown response helper '{name or formula[lo:hi]}'; expected one of: {known}",
            formula,
            lo,
        )
    helper = RESPONSE_HELPERS[name]
    usage = f"{name}({', '.join(helper.parameters)})"
    given: dict[str, str] = {}
    if not helper.parameters:
        if formula[lo:hi].split("(", 1)[1][:-1].strip():
            raise FormulaError(f"{name}() takes no arguments", formula, lo)
        return name, ()
    for a_lo, _, text in call_arguments(formula, depth, lo, hi):
        keyword = KEYWORD_ARGUMENT.match(text)
        if keyword is not None:
            parameter, text = keyword.group(1), keyword.group(2).strip()
            a_lo = a_lo + keyword.start(2)
            if parameter not in helper.parameters:
                raise FormulaError(
                    f"{name}() has no argument '{parameter}'; it takes {usage}", formula, a_lo
                )
        else:
            free = [parameter for parameter in helper.parameters if parameter not in given]
            if not free:
                raise FormulaError(f"too many arguments; {name}() takes {usage}", formula, a_lo)
            parameter = free[0]
        if parameter in given:
            raise FormulaError(f"{name}() is given '{parameter}' twice", formula, a_lo)
        if parameter in helper.logical and text not in LOGICALS:
            raise FormulaError(
                f"{name}(..., {parameter} = ) takes TRUE or FALSE, not '{text}'", formula, a_lo
            )
        if not is_literal(text):
            check_expression(formula, a_lo, text)
        given[parameter] = text
    missing = [p for p in helper.parameters[: helper.required] if p not in given]
    if missing or (helper.parameters and not given):
        raise FormulaError(f"expected {usage}", formula, lo)
    return name, tuple((p, given[p]) for p in helper.parameters if p in given)


LITERAL = re.compile(
    r"^(?:[+-]?(?:\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?|Inf|inf)"
    r"|TRUE|FALSE|True|False)$"
)
"""A number (``Inf`` included, with a sign) or a logical written as a helper argument."""


LOGICALS = {"TRUE": True, "True": True, "FALSE": False, "False": False}
"""How a logical argument of a helper is written."""


def is_literal(text: str) -> bool:
    """True for a number or a logical, which names no column.

    Examples
    --------
    >>> [is_literal(text) for text in ("-Inf", "2.5e3", "TRUE", "w", "log(w)")]
    [True, True, True, False, False]
    """
    return LITERAL.match(text.strip()) is not None


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
