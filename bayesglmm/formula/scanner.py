"""Scanning formula text: bracket depths, term boundaries and call arguments, with quotes
and backticks respected.

Examples
--------
>>> nesting_depths("a + (1 | g)")
[0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 0]
"""

from __future__ import annotations

import re

from formulaic import Formula
from formulaic.errors import FormulaSyntaxError

from bayesglmm.errors import FormulaError
from bayesglmm.formula.expressions import expression_use

NAME = re.compile(r"^(?:[A-Za-z_.][A-Za-z0-9_.]*|`[^`]+`)$")
_MISSING_OPERATOR = re.compile(r"Missing operator between `(?P<left>[^`]+)` and `(?P<right>[^`]+)`")
_PAIRS = {"(": ")", "[": "]", "{": "}"}
_QUOTES = "'\"`"


def nesting_depths(formula: str) -> list[int]:
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


def strip_span(formula: str, start: int, end: int) -> tuple[int, int]:
    """Shrink ``[start, end)`` so that it has no surrounding white space."""
    while start < end and formula[start].isspace():
        start += 1
    while end > start and formula[end - 1].isspace():
        end -= 1
    return start, end


def split_terms(formula: str, depth: list[int], start: int, end: int) -> list[tuple[str, int, int]]:
    """Split ``formula[start:end]`` at top-level '+' and '-' into signed, stripped terms."""
    terms: list[tuple[str, int, int]] = []
    sign, sign_at, term_start = "+", None, start
    for i in range(start, end + 1):
        at_end = i == end
        if not at_end and not (formula[i] in "+-" and depth[i] == 0):
            continue
        lo, hi = strip_span(formula, term_start, i)
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


def call_name(text: str) -> str | None:
    """Name of the function when ``text`` is one whole call ``name(...)``."""
    match = re.match(r"^([A-Za-z_.][A-Za-z0-9_.]*)\s*\(", text)
    return match.group(1) if match and text.endswith(")") else None


def call_arguments(
    formula: str, depth: list[int], start: int, end: int
) -> list[tuple[int, int, str]]:
    """Comma-separated arguments of the call ``formula[start:end]`` as (start, end, text)."""
    open_at = formula.index("(", start)
    if closing_bracket(formula, depth, open_at) != end - 1:
        raise FormulaError("expected a single call such as 'offset(x)'", formula, start)
    level = depth[open_at] + 1
    pieces, piece_start = [], open_at + 1
    for i in range(open_at + 1, end):
        if i == end - 1 or (formula[i] == "," and depth[i] == level):
            lo, hi = strip_span(formula, piece_start, i)
            if lo == hi:
                raise FormulaError("expected an argument here", formula, lo)
            pieces.append((lo, hi, formula[lo:hi]))
            piece_start = i + 1
    return pieces


def covariates_and_options(
    formula: str,
    depth: list[int],
    start: int,
    end: int,
    arguments: dict[str, str],
    example: str,
) -> tuple[list[str], dict[str, tuple[int, str]]]:
    """The covariates (column names) and the named options, with their positions, of a
    term call such as ``s(x, k = 5)`` or ``gp(x, k = 20)``; ``arguments`` maps each option
    to its role, and ``example`` is a correct call for the messages.

    Raises
    ------
    FormulaError
        With a caret under a covariate after an option, a covariate that is not a column
        name, an unknown option or an option given twice.
    """
    function = call_name(formula[start:end])
    variables: list[str] = []
    options: dict[str, tuple[int, str]] = {}
    for lo, _, argument in call_arguments(formula, depth, start, end):
        key, equals, value = argument.partition("=")
        if not equals or value.startswith("="):
            if options:
                raise FormulaError(
                    f"in {function}(), the covariates come before the named arguments, as in "
                    f"'{example}'",
                    formula,
                    lo,
                )
            if not NAME.match(argument):
                raise FormulaError(
                    f"{function}() takes data column names as covariates; transform the column "
                    "in the data first, for example data['log_x'] = np.log(data['x'])",
                    formula,
                    lo,
                )
            variables.append(argument.strip("`"))
            continue
        key = key.strip()
        if key not in arguments:
            known = ", ".join(f"{name} ({role})" for name, role in arguments.items())
            raise FormulaError(
                f"{function}() has no argument '{key}'; it takes {known}", formula, lo
            )
        if key in options:
            raise FormulaError(f"'{key}' is given twice in {function}()", formula, lo)
        options[key] = (lo, value.strip())
    return variables, options


def closing_bracket(formula: str, depth: list[int], open_at: int) -> int:
    """Index of the bracket closing the one at ``open_at``."""
    for i in range(open_at + 1, len(formula)):
        if formula[i] in _PAIRS.values() and depth[i] == depth[open_at]:
            return i
    raise FormulaError("this bracket is never closed", formula, open_at)


def check_formulaic_syntax(formula: str, start: int, text: str) -> None:
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


def numeric_expression(text: str) -> str:
    """An argument evaluated as one number per row (of ``offset()`` and the response
    helpers) as formulaic reads it: inside ``I()``, so that ``n - 1`` and ``2 * w`` are
    arithmetic rather than formula operators.

    Examples
    --------
    >>> numeric_expression("n - 1")
    'I(n - 1)'
    """
    return f"I({text})"


def check_expression(formula: str, start: int, text: str) -> None:
    """Check an argument that is evaluated as a number per row (:func:`numeric_expression`)."""
    check_formulaic_syntax(formula, start - len("I("), numeric_expression(text))
