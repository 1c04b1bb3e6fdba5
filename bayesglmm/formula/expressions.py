"""The expressions user text may contain, checked against a whitelist before anything runs.

formulaic evaluates the Python parts of a formula (``log(x)``, ``I(x**2)``) with
Python's ``eval``, and a hypothesis is arithmetic over parameters. Neither may run
arbitrary code, so every expression is parsed with :mod:`ast` and refused unless each
node is on a fixed whitelist: data columns, numbers and strings, arithmetic and
comparisons with a literal power, and the calls in :data:`FORMULA_FUNCTIONS`. Nothing
here calls ``eval``; hypotheses are computed by walking the checked tree
(:func:`evaluate_arithmetic`).

Examples
--------
>>> sorted(expression_use("log(dose) + I(age**2)").columns)
['age', 'dose']
>>> expression_use("I(open('notes.txt', 'w'))")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
bayesglmm.errors.FormulaError: 'open' in 'I(open('notes.txt', 'w'))' is not allowed: ...
"""

from __future__ import annotations

import ast
import operator
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np
from formulaic import Formula
from formulaic.errors import FormulaicError
from formulaic.parser.types import Factor

from bayesglmm.errors import FormulaError, did_you_mean
from bayesglmm.formula.unsupported import unsupported_feature

_NUMPY_FUNCTIONS = ("log", "log1p", "log2", "log10", "exp", "expm1", "sqrt", "abs", "square")

FORMULA_FUNCTIONS: Mapping[str, str] = MappingProxyType(
    {
        **{name: "elementwise transform" for name in _NUMPY_FUNCTIONS},
        **{f"np.{name}": "NumPy's elementwise transform" for name in _NUMPY_FUNCTIONS},
        "exp2": "elementwise 2**x",
        "scale": "centre and scale to sd 1 (stateful: new data use the fitted mean and sd)",
        "center": "centre at the mean (stateful)",
        "standardize": "centre and scale (stateful)",
        "I": "arithmetic as written, as in I(x**2)",
        "C": "treat as categorical, optionally with contrasts or levels",
        "Q": "a column by its quoted name, as in Q('a.b')",
        "poly": "orthogonal polynomial basis",
        "bs": "B-spline basis",
        "cr": "natural cubic regression spline basis",
        "cc": "cyclic cubic regression spline basis",
        "mi": "a predictor whose missing values another response of a multivariate model "
        "imputes, as in 'y ~ x * mi(z)' with 'z | mi() ~ w' (brms's mi(z))",
        **{name: "contrasts for C()" for name in ("Treatment", "Sum", "Helmert", "Poly", "Diff")},
        **{
            f"contr.{kind}": "contrasts for C()"
            for kind in ("treatment", "sum", "helmert", "poly", "diff")
        },
    }
)
"""Every function a formula expression may call, with what it does."""

_CONTRASTS = frozenset(name for name, role in FORMULA_FUNCTIONS.items() if "contrasts" in role)
"""Contrast names, which may also stand uncalled, as in ``C(g, contr.sum)``."""

FORMULA_CONTEXT: Mapping[str, object] = MappingProxyType(
    {
        "np": type("np", (), {name: staticmethod(getattr(np, name)) for name in _NUMPY_FUNCTIONS}),
        **{name: getattr(np, name) for name in _NUMPY_FUNCTIONS},
        "mi": lambda column: column,
    }
)
"""Names formula expressions see besides the data columns and formulaic's transforms: a
``np`` holding only the whitelisted NumPy functions, so that even a formula that slipped
past the check could not reach NumPy's modules."""

MAX_POWER = 100
"""Largest absolute literal exponent allowed in ``x ** p``."""

MAX_NODES = 500
"""Largest number of syntax-tree nodes in one expression."""

_BINARY = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
    ast.Pow: operator.pow,
    ast.BitAnd: operator.and_,
    ast.BitOr: operator.or_,
}
_UNARY = {ast.USub: operator.neg, ast.UAdd: operator.pos, ast.Invert: operator.invert}
_COMPARISONS = {
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
}
_BACKTICKS = re.compile(r"`([^`]*)`")
_SMOOTH_CALLS = ("s", "t2", "te", "ti")
"""Smooth calls (mgcv's), which the formula front-end reads as terms of their own
(:mod:`bayesglmm.formula.smooth_syntax`), never inside an expression."""
_USAGE = (
    "formulas may use data columns (quote unusual names in backticks, as in `a.b`), numbers, "
    "strings, + - * / // % & |, comparisons, ** with a number as the power, and the functions "
    + ", ".join(f"{name}()" for name, role in FORMULA_FUNCTIONS.items() if "." not in name)
    + " (the elementwise ones also as np.log() and so on; see FORMULA_FUNCTIONS)"
)


@dataclass(frozen=True)
class ExpressionUse:
    """What a checked expression reads.

    Attributes
    ----------
    columns
        Names of the data columns it reads.
    functions
        The functions it calls, as written (``"log"``, ``"np.log"``).
    imputed
        The columns it reads as ``mi(column)``: predictors whose missing values a
        multivariate model imputes.
    """

    columns: frozenset[str]
    functions: frozenset[str]
    imputed: frozenset[str] = frozenset()


def expression_use(expression: str, where: str | None = None) -> ExpressionUse:
    """Check one formula piece against the whitelist and say which columns it reads.

    Parameters
    ----------
    expression
        A piece of a formula that formulaic will evaluate, such as ``"x + log(z)"``.
    where
        The text to name in errors; ``expression`` itself by default.

    Raises
    ------
    FormulaError
        Naming the first construct outside the whitelist.

    Examples
    --------
    >>> use = expression_use("`dose.mg` * C(site, contr.sum) + Q('a b')")
    >>> sorted(use.columns), sorted(use.functions)
    (['a b', 'dose.mg', 'site'], ['C', 'Q', 'contr.sum'])
    """
    where = expression if where is None else where
    columns: set[str] = set()
    functions: set[str] = set()
    imputed: set[str] = set()
    for factor in _factors(expression, where):
        if factor.eval_method is Factor.EvalMethod.LOOKUP:
            columns.add(factor.expr)
        elif factor.eval_method is Factor.EvalMethod.PYTHON:
            use = _check_python(factor.expr, where)
            columns |= use.columns
            functions |= use.functions
            imputed |= use.imputed
    return ExpressionUse(frozenset(columns), frozenset(functions), frozenset(imputed))


def _factors(expression: str, where: str) -> list[Factor]:
    try:
        parsed = Formula(expression)
    except (FormulaicError, SyntaxError) as error:
        raise FormulaError(f"cannot read '{where}': {str(error).splitlines()[0]}") from None
    return [factor for term in parsed for factor in term.factors]


def _check_python(code: str, where: str) -> ExpressionUse:
    """Walk one Python factor; refuse the first node off the whitelist."""
    quoted: dict[str, str] = {}

    def unquote(match: re.Match) -> str:
        alias = f"_quoted_column_{len(quoted)}"
        quoted[alias] = match.group(1)
        return alias

    tree = _parse(_BACKTICKS.sub(unquote, code), where)
    columns: set[str] = set()
    functions: set[str] = set()
    imputed: set[str] = set()

    def refuse(node: ast.AST, what: str | None = None, hint: str = "") -> FormulaError:
        shown = what or ast.unparse(node)
        for alias, name in quoted.items():
            shown = shown.replace(alias, f"`{name}`")
        return FormulaError(f"'{shown}' in '{where}' is not allowed: {_USAGE}.{hint}")

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.Constant):
            if not isinstance(node.value, int | float | str | bool | type(None)):
                raise refuse(node)
        elif _dotted(node) in _CONTRASTS:
            functions.add(_dotted(node))
        elif isinstance(node, ast.Name):
            if node.id.startswith("__"):
                raise refuse(node)
            columns.add(quoted.get(node.id, node.id))
        elif isinstance(node, ast.Call):
            name = _dotted(node.func)
            if name in _SMOOTH_CALLS:
                hint = "" if name in ("s", "t2") else f"; {name}() is not supported, write t2()"
                raise FormulaError(
                    f"{name}() in '{where}' is a smooth, which is a term of its own: add it to "
                    "the formula, as in 'y ~ x + s(z)', not inside another expression, an "
                    f"interaction or a random term{hint}"
                )
            if name == "gp":
                raise FormulaError(
                    f"gp() in '{where}' is a Gaussian-process term, which is a term of its "
                    "own: add it to the formula, as in 'y ~ x + gp(z, k = 20)', not inside "
                    "another expression, an interaction or a random term"
                )
            if (error := unsupported_feature(name, where)) is not None:
                raise error
            if name not in FORMULA_FUNCTIONS:
                raise refuse(node.func, name, did_you_mean(name, FORMULA_FUNCTIONS))
            functions.add(name)
            if name == "Q":
                columns.add(_quoted_name(node, where))
                return
            if name == "mi":
                column = _imputed_name(node, node is tree.body, quoted, where)
                columns.add(column)
                imputed.add(column)
                return
            for argument in (*node.args, *(keyword.value for keyword in node.keywords)):
                if isinstance(argument, ast.Starred):
                    raise refuse(argument)
                visit(argument)
            if any(keyword.arg is None for keyword in node.keywords):
                raise refuse(node, "**")
        elif isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
            if isinstance(node.op, ast.Pow):
                _check_power(node, where)
            visit(node.left)
            visit(node.right)
        elif isinstance(node, ast.UnaryOp) and type(node.op) in {*_UNARY, ast.Not}:
            visit(node.operand)
        elif isinstance(node, ast.Compare) and all(type(op) in _COMPARISONS for op in node.ops):
            for child in (node.left, *node.comparators):
                visit(child)
        elif isinstance(node, ast.List | ast.Tuple):
            for element in node.elts:
                visit(element)
        elif isinstance(node, ast.Attribute):
            raise refuse(node, _attribute_text(node))
        else:
            raise refuse(node)

    visit(tree.body)
    return ExpressionUse(frozenset(columns), frozenset(functions), frozenset(imputed))


def _parse(code: str, where: str) -> ast.Expression:
    try:
        tree = ast.parse(code.strip(), mode="eval")
    except SyntaxError:
        raise FormulaError(f"cannot read '{where}' as an expression") from None
    if sum(1 for _ in ast.walk(tree)) > MAX_NODES:
        raise FormulaError(f"'{where}' is longer than {MAX_NODES} syntax nodes; simplify it.")
    return tree


def _dotted(node: ast.AST) -> str | None:
    """``"np.log"`` for the call head ``np.log``, None for anything but plain names."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        head = _dotted(node.value)
        return None if head is None else f"{head}.{node.attr}"
    return None


def _attribute_text(node: ast.Attribute) -> str:
    name = _dotted(node)
    if name is not None:
        return name
    return f".{node.attr}"


def _imputed_name(node: ast.Call, alone: bool, quoted: Mapping[str, str], where: str) -> str:
    """The column of ``mi(column)``, which must stand alone as a term or a factor of an
    interaction: the imputed values then enter the linear predictor linearly."""
    argument = node.args[0] if len(node.args) == 1 and not node.keywords else None
    if not alone or not isinstance(argument, ast.Name):
        raise FormulaError(
            f"mi() in '{where}' takes one column, as mi(z), and stands alone as a term or in "
            "an interaction (x * mi(z)), not inside another expression; transform the "
            "column in its own formula instead."
        )
    return quoted.get(argument.id, argument.id)


def _quoted_name(node: ast.Call, where: str) -> str:
    if (
        len(node.args) != 1
        or node.keywords
        or not isinstance(node.args[0], ast.Constant)
        or not isinstance(node.args[0].value, str)
    ):
        raise FormulaError(f"Q() in '{where}' takes one quoted column name, as in Q('a.b').")
    return node.args[0].value


def _literal_number(node: ast.AST) -> float | None:
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        value = _literal_number(node.operand)
        return None if value is None else -value if isinstance(node.op, ast.USub) else value
    if isinstance(node, ast.Constant) and isinstance(node.value, int | float):
        if not isinstance(node.value, bool):
            return float(node.value)
    return None


def _check_power(node: ast.BinOp, where: str) -> None:
    power = _literal_number(node.right)
    if power is None or abs(power) > MAX_POWER:
        raise FormulaError(
            f"'{ast.unparse(node)}' in '{where}' raises to a power that is not a number "
            f"between -{MAX_POWER} and {MAX_POWER}; write the power as a number, as in x**2, "
            "or use exp() and log()."
        )


def evaluate_arithmetic(
    text: str,
    values: Mapping[str, np.ndarray],
    functions: Mapping[str, Callable[[np.ndarray], np.ndarray]],
    refuse: Callable[[str], Exception],
) -> np.ndarray:
    """Compute ``text``, arithmetic over named arrays, without ``eval``.

    Allowed: numbers, names in ``values``, ``+ - * /``, ``**`` with a literal power of at
    most :data:`MAX_POWER` in size, and one-argument calls of ``functions``.

    Parameters
    ----------
    text
        The expression, e.g. ``"exp(a) - b"``.
    values
        Arrays by name.
    functions
        Callables by name.
    refuse
        Builds the error for a construct that is not allowed, given its text.

    Examples
    --------
    >>> evaluate_arithmetic("2 * exp(a) - b**2", {"a": np.zeros(2), "b": np.ones(2)},
    ...                     {"exp": np.exp}, ValueError).tolist()
    [1.0, 1.0]
    >>> evaluate_arithmetic("9**9**9", {}, {}, ValueError)
    Traceback (most recent call last):
    ...
    ValueError: 9 ** 9 ** 9
    """
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError:
        raise refuse(text) from None
    if sum(1 for _ in ast.walk(tree)) > MAX_NODES:
        raise refuse(text)

    def compute(node: ast.AST) -> np.ndarray | float:
        if isinstance(node, ast.Constant) and _literal_number(node) is not None:
            return float(node.value)
        if isinstance(node, ast.Name) and node.id in values:
            return values[node.id]
        if isinstance(node, ast.UnaryOp) and type(node.op) in {ast.USub, ast.UAdd}:
            return _UNARY[type(node.op)](compute(node.operand))
        if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
            if isinstance(node.op, ast.Pow):
                power = _literal_number(node.right)
                if power is None or abs(power) > MAX_POWER:
                    raise refuse(ast.unparse(node))
            elif type(node.op) not in {ast.Add, ast.Sub, ast.Mult, ast.Div}:
                raise refuse(ast.unparse(node))
            return _BINARY[type(node.op)](compute(node.left), compute(node.right))
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in functions
            and len(node.args) == 1
            and not node.keywords
        ):
            return functions[node.func.id](compute(node.args[0]))
        raise refuse(ast.unparse(node))

    with np.errstate(all="ignore"):
        return np.asarray(compute(tree.body), dtype=float)
