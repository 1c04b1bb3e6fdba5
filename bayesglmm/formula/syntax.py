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

from formulaic import Formula
from formulaic.errors import FormulaSyntaxError

from bayesglmm.errors import FormulaError
from bayesglmm.formula.expressions import expression_use
from bayesglmm.structures import RESIDUAL_KINDS

STRUCTURES: dict[str, str] = {
    "ar1": "first-order autoregressive correlation over time within subject",
    "cs": "compound symmetry: one correlation between any two times within subject",
    "us": "unstructured: a free correlation matrix over the time levels within subject",
}
"""Covariance structures written ``structure(time | subject)``."""

RESPONSE_HELPERS: dict[str, str] = {
    "trials": "the number of trials of a binomial response, as in 's | trials(n)'",
    "cens": "right-censoring of a time-to-event response (1 = censored, 0 = event), "
    "as in 'time | cens(censored)'",
}
"""Helpers allowed after '|' on the left of '~', with what each one means."""

_NAME = re.compile(r"^(?:[A-Za-z_.][A-Za-z0-9_.]*|`[^`]+`)$")
_MISSING_OPERATOR = re.compile(r"Missing operator between `(?P<left>[^`]+)` and `(?P<right>[^`]+)`")
_PAIRS = {"(": ")", "[": "]", "{": "}"}
_QUOTES = "'\"`"


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
    """

    text: str
    expr: str
    group: tuple[str, ...]
    correlated: bool
    position: int
    structure: str | None = None
    covariance: str | None = None

    @property
    def group_name(self) -> str:
        """Name of the grouping factor: ``"g"`` or ``"g1:g2"``."""
        return ":".join(self.group)


@dataclass(frozen=True)
class ParsedFormula:
    """A formula split into the parts the design builder needs."""

    text: str
    response: ResponseSyntax
    fixed: str
    random: tuple[RandomTermSyntax, ...]
    offsets: tuple[str, ...]


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
    """
    if not isinstance(formula, str):
        raise FormulaError(
            f"the formula must be a string such as 'y ~ x + (1 | g)', not {type(formula).__name__}"
        )
    depth = _nesting_depths(formula)
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
    for sign, start, end in _split_terms(formula, depth, tilde + 1, len(formula)):
        text = formula[start:end]
        if sign == "+" and _is_random_term(formula, depth, start, end):
            random_terms.extend(_parse_random_term(formula, depth, start, end))
        elif sign == "+" and _call_name(text) in STRUCTURES:
            random_terms.append(_parse_structure(formula, depth, start, end))
        elif sign == "+" and _call_name(text) == "offset":
            o_lo, _, offset = _call_arguments(formula, depth, start, end)[0]
            _check_formulaic_syntax(formula, o_lo, offset)
            offsets.append(offset)
        else:
            _reject_stray_bar(formula, depth, start, end)
            _check_formulaic_syntax(formula, start, text)
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
    )


def _nesting_depths(formula: str) -> list[int]:
    """Bracket depth at each character; characters inside quotes get depth -1."""
    depths: list[int] = []
    stack: list[int] = []
    quote_start: int | None = None
    for i, ch in enumerate(formula):
        if quote_start is not None:
            depths.append(-1)
            if ch == formula[quote_start]:
                quote_start = None
            continue
        if ch in _QUOTES:
            quote_start = i
            depths.append(-1)
        elif ch in _PAIRS:
            depths.append(len(stack))
            stack.append(i)
        elif ch in _PAIRS.values():
            if not stack:
                raise FormulaError(
                    f"unmatched '{ch}': there is no opening bracket before it", formula, i
                )
            opener = formula[stack.pop()]
            if _PAIRS[opener] != ch:
                raise FormulaError(
                    f"expected '{_PAIRS[opener]}' to close '{opener}', found '{ch}'", formula, i
                )
            depths.append(len(stack))
        else:
            depths.append(len(stack))
    if quote_start is not None:
        raise FormulaError("this quote is never closed", formula, quote_start)
    if stack:
        opener = formula[stack[-1]]
        raise FormulaError(
            f"this '{opener}' is never closed; expected '{_PAIRS[opener]}' after it",
            formula,
            stack[-1],
        )
    return depths


def _strip(formula: str, start: int, end: int) -> tuple[int, int]:
    """Shrink ``[start, end)`` so that it has no surrounding white space."""
    while start < end and formula[start].isspace():
        start += 1
    while end > start and formula[end - 1].isspace():
        end -= 1
    return start, end


def _split_terms(
    formula: str, depth: list[int], start: int, end: int
) -> list[tuple[str, int, int]]:
    """Split ``formula[start:end]`` at top-level '+' and '-' into signed, stripped terms."""
    terms: list[tuple[str, int, int]] = []
    sign, sign_at, term_start = "+", None, start
    for i in range(start, end + 1):
        at_end = i == end
        if not at_end and not (formula[i] in "+-" and depth[i] == 0):
            continue
        lo, hi = _strip(formula, term_start, i)
        if lo == hi:
            leading_sign = sign_at is None and not at_end
            if not leading_sign:
                where = "after '~'" if sign_at is None else f"after '{sign}'"
                example = " (use '1' for an intercept-only model)" if sign_at is None else ""
                raise FormulaError(f"expected a term {where}{example}", formula, i)
        else:
            terms.append((sign, lo, hi))
        if not at_end:
            sign, sign_at, term_start = formula[i], i, i + 1
    return terms


def _call_name(text: str) -> str | None:
    """Name of the function when ``text`` is one whole call ``name(...)``."""
    match = re.match(r"^([A-Za-z_.][A-Za-z0-9_.]*)\s*\(", text)
    return match.group(1) if match and text.endswith(")") else None


def _call_arguments(
    formula: str, depth: list[int], start: int, end: int
) -> list[tuple[int, int, str]]:
    """Comma-separated arguments of the call ``formula[start:end]`` as (start, end, text)."""
    open_at = formula.index("(", start)
    if _closing_bracket(formula, depth, open_at) != end - 1:
        raise FormulaError("expected a single call such as 'offset(x)'", formula, start)
    level = depth[open_at] + 1
    pieces, piece_start = [], open_at + 1
    for i in range(open_at + 1, end):
        if i == end - 1 or (formula[i] == "," and depth[i] == level):
            lo, hi = _strip(formula, piece_start, i)
            if lo == hi:
                raise FormulaError("expected an argument here", formula, lo)
            pieces.append((lo, hi, formula[lo:hi]))
            piece_start = i + 1
    return pieces


def _closing_bracket(formula: str, depth: list[int], open_at: int) -> int:
    """Index of the bracket closing the one at ``open_at``."""
    for i in range(open_at + 1, len(formula)):
        if formula[i] in _PAIRS.values() and depth[i] == depth[open_at]:
            return i
    raise FormulaError("this bracket is never closed", formula, open_at)


def _is_random_term(formula: str, depth: list[int], start: int, end: int) -> bool:
    """True for a whole parenthesised term with a '|' directly inside it."""
    if formula[start] != "(" or _closing_bracket(formula, depth, start) != end - 1:
        return False
    inner = depth[start] + 1
    return any(formula[i] == "|" and depth[i] == inner for i in range(start + 1, end - 1))


def _reject_stray_bar(formula: str, depth: list[int], start: int, end: int) -> None:
    """Raise when a '|' sits in a term that is not a random term on its own."""
    for i in range(start, end):
        if formula[i] == "|" and depth[i] >= 0:
            raise FormulaError(
                "'|' may only appear in a random term standing alone in parentheses, "
                "such as '(1 + x | g)'",
                formula,
                i,
            )


def _check_formulaic_syntax(formula: str, start: int, text: str) -> None:
    """Let formulaic parse one piece of the formula, moving its error caret into place, then
    check the piece's expressions against the whitelist of :mod:`.expressions`."""
    try:
        Formula(text)
    except FormulaSyntaxError as error:
        message = str(error)
        headline = message.splitlines()[0].replace("insuffient", "insufficient")
        marked = next((line for line in message.splitlines() if "⧛" in line), "")
        offset = marked.find("⧛")
        split = _MISSING_OPERATOR.search(headline)
        if split:
            headline += (
                " A column name with spaces or symbols goes in backticks, as in "
                f"`{split['left']} {split['right']}`."
            )
        raise FormulaError(f"in '{text}': {headline}", formula, start + max(offset, 0)) from None
    except SyntaxError:
        raise FormulaError(f"cannot read '{text}' as a formula term", formula, start) from None
    try:
        expression_use(text)
    except FormulaError as error:
        raise FormulaError(error.message, formula, start) from None


def _check_outcome(formula: str, start: int, text: str) -> None:
    """Check a response expression, which must name a data column."""
    if re.fullmatch(r"[\d.eE+-]+", text.strip()) is None:
        _check_formulaic_syntax(formula, start, text)
        if expression_use(text).columns:
            return
    raise FormulaError(
        f"the response '{text}' names no data column; write the response column before "
        "'~', as in 'y ~ x' (a column whose name is a number goes in backticks, `0`)",
        formula,
        start,
    )


def _parse_response(formula: str, depth: list[int], start: int, end: int) -> ResponseSyntax:
    lo, hi = _strip(formula, start, end)
    if lo == hi:
        raise FormulaError("expected a response before '~', as in 'y ~ x'", formula, lo)
    text = formula[lo:hi]
    if _call_name(text) == "cbind":
        arguments = _call_arguments(formula, depth, lo, hi)
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
    out_lo, out_hi = _strip(formula, lo, bars[0])
    if out_lo == out_hi:
        raise FormulaError("expected the response column before '|'", formula, bars[0])
    _check_outcome(formula, out_lo, formula[out_lo:out_hi])
    helpers = []
    for _, h_lo, h_hi in _split_terms(formula, depth, bars[0] + 1, hi):
        name = _call_name(formula[h_lo:h_hi])
        if name not in RESPONSE_HELPERS:
            known = ", ".join(f"{key}()" for key in RESPONSE_HELPERS)
            raise FormulaError(
                f"unknown response helper '{name or formula[h_lo:h_hi]}'; expected one of: {known}",
                formula,
                h_lo,
            )
        arguments = _call_arguments(formula, depth, h_lo, h_hi)
        if len(arguments) != 1:
            raise FormulaError(f"expected one argument in {name}()", formula, h_lo)
        if not arguments[0][2].isdigit():
            _check_formulaic_syntax(formula, arguments[0][0], arguments[0][2])
        helpers.append((name, arguments[0][2]))
    return ResponseSyntax(text=text, outcome=formula[out_lo:out_hi], helpers=tuple(helpers))


def _parse_structure(formula: str, depth: list[int], start: int, end: int) -> RandomTermSyntax:
    """``ar1(time | subject)``, ``cs(...)`` or ``us(...)``: effects over time within subject.

    ``us`` becomes ``(0 + C(time) | subject)``, one correlated effect per time level.
    """
    name = _call_name(formula[start:end])
    arguments = _call_arguments(formula, depth, start, end)
    text = formula[start:end]
    parts = arguments[0][2].split("|") if len(arguments) == 1 else []
    names = [part.strip().strip("`") for part in parts]
    if len(names) != 2 or not all(_NAME.match(n) for n in names):
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
    arguments = _call_arguments(formula, depth, start, end)
    usage = "as in 'gr(animal, cov = A)'"
    column = arguments[0][2].strip("`")
    if not _NAME.match(arguments[0][2]):
        raise FormulaError(f"expected one grouping column first in gr(), {usage}", formula, start)
    covariance = None
    for lo, _, text in arguments[1:]:
        key, _, value = text.partition("=")
        if key.strip() != "cov" or not _NAME.match(value.strip()):
            raise FormulaError(
                f"gr() takes the grouping column and 'cov = <name>', {usage}", formula, lo
            )
        covariance = value.strip().strip("`")
    return column, covariance


def _parse_random_term(
    formula: str, depth: list[int], start: int, end: int
) -> list[RandomTermSyntax]:
    inner = depth[start] + 1
    bars = [i for i in range(start + 1, end - 1) if formula[i] == "|" and depth[i] == inner]
    bar = bars[0]
    double = len(bars) > 1 and bars[1] == bar + 1
    extra = [i for i in bars if i not in (bar, bar + 1)] if double else bars[1:]
    if extra:
        raise FormulaError(
            "expected one '|' in a random term; correlation IDs such as '(1 | p | g)' "
            "are not supported",
            formula,
            extra[0],
        )
    bar_end = bar + (2 if double else 1)
    e_lo, e_hi = _strip(formula, start + 1, bar)
    if e_lo == e_hi:
        raise FormulaError(
            "expected random-effect terms before '|', such as '1' for an intercept",
            formula,
            bar,
        )
    expr = formula[e_lo:e_hi]
    _check_formulaic_syntax(formula, e_lo, expr)
    g_lo, g_hi = _strip(formula, bar_end, end - 1)
    if g_lo == g_hi:
        raise FormulaError(
            "expected a grouping factor after '|', as in '(1 | subject)'", formula, g_lo
        )
    if _call_name(formula[g_lo:g_hi]) == "gr":
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
            n_lo, n_hi = _strip(formula, position, position + len(name))
            if not _NAME.match(formula[n_lo:n_hi]):
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
        RandomTermSyntax(text=text, expr=expr, group=group, correlated=not double, position=start)
        for group in groups
    ]


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
