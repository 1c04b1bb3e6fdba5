"""The syntax of penalised smooths in a formula: ``s(x)``, ``s(x, k = 5, bs = "cr")``,
``s(x, by = f)`` (one smooth per level of a factor ``f``, or a smooth multiplied by a
numeric ``f``), ``s(x, z)`` (an isotropic thin plate spline) and ``t2(x, z)``, as in mgcv
and brms.

Arguments are read as literals by the formula scanner, never evaluated: the covariates
and ``by`` are column names, ``k`` a whole number and ``bs`` a quoted basis name.

Examples
--------
>>> from bayesglmm.formula.syntax import parse_formula
>>> smooth = parse_formula('y ~ s(x, k = 5, bs = "cr")').smooths[0]
>>> smooth.variables, smooth.k, smooth.bs, smooth.label
(('x',), 5, 'cr', 'sx')
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from bayesglmm.errors import FormulaError
from bayesglmm.formula.scanner import NAME, call_name, covariates_and_options
from bayesglmm.naming import smooth_naming
from bayesglmm.smooths.bases import BASES, smallest_k

SMOOTHS: Mapping[str, str] = MappingProxyType(
    {
        "s": "a penalised smooth of one covariate, as in 's(x)' or 's(x, k = 5, bs = \"cr\")', "
        "or an isotropic thin plate spline of two, 's(x, z)'",
        "t2": "a tensor-product smooth of several covariates, as in 't2(x, z)'",
    }
)
"""The smooth functions a formula may call, with what each one is."""

DEFAULT_K = {"s": 10, "t2": 5}
"""Basis size per covariate when ``k`` is not given (mgcv's defaults); ``s(x, z)`` takes
three times ``s``'s, 30, as mgcv's ``10 * 3^(d - 1)``."""

DEFAULT_BASIS = {"s": "tp", "t2": "cr"}
"""Basis when ``bs`` is not given (mgcv's defaults)."""

MAX_K = 200
"""Largest ``k`` accepted; a larger basis is rarely needed and makes the dense block big."""

_ARGUMENTS = {
    "k": "the basis size, a whole number",
    "bs": "the basis",
    "by": "a factor or numeric column",
}
_WHOLE = re.compile(r"^\d+$")
_QUOTED = re.compile(r"^(['\"])([A-Za-z0-9]*)\1$")


@dataclass(frozen=True)
class SmoothSyntax:
    """One smooth term as written.

    Attributes
    ----------
    text
        The term as written, e.g. ``'s(x, k = 5)'``.
    function
        ``"s"`` or ``"t2"``.
    variables
        The covariates' column names.
    k
        Basis size: of the smooth for ``s()`` (10 for one covariate, 30 for two, as
        mgcv), per covariate for ``t2()``.
    bs
        Basis per covariate: ``"tp"``, ``"cr"`` or ``"ps"``.
    by
        The column of ``by =``: a factor, one smooth per level, or a numeric column that
        multiplies the smooth (checked against the data later); None without one.
    """

    text: str
    function: str
    variables: tuple[str, ...]
    k: int
    bs: str
    by: str | None = None

    @property
    def label(self) -> str:
        """The smooth's label (brms's): ``sx`` for ``s(x)``, ``t2xz`` for ``t2(x, z)``."""
        return smooth_naming.smooth_label(self.function, self.variables)

    @property
    def key(self) -> str:
        """The term as written without white space, as ``fit.plot_smooth()`` accepts it."""
        return re.sub(r"\s+", "", self.text)

    @property
    def columns(self) -> tuple[str, ...]:
        """Every data column the term uses: its covariates, then ``by``."""
        return (*self.variables, *(() if self.by is None else (self.by,)))


def is_smooth(text: str) -> bool:
    """Whether ``text`` is one call of a smooth function."""
    return call_name(text) in SMOOTHS


def parse_smooth(formula: str, depth: list[int], start: int, end: int) -> SmoothSyntax:
    """Read the smooth call ``formula[start:end]``.

    Raises
    ------
    FormulaError
        With a caret under the argument at fault.
    """
    text = formula[start:end]
    function = call_name(text)
    example = f"{function}(x{', z' if function == 't2' else ''}, k = 5)"
    variables, options = covariates_and_options(formula, depth, start, end, _ARGUMENTS, example)
    if not variables:
        example = "t2(x, z)" if function == "t2" else "s(x)"
        raise FormulaError(
            f"expected a covariate in {function}(), as in '{example}'", formula, start
        )
    if function == "s" and len(variables) > 2:
        raise FormulaError(
            f"s() smooths one or two covariates here; for a smooth of {', '.join(variables)} "
            f"together write a tensor product, t2({', '.join(variables)})",
            formula,
            start,
        )
    if function == "t2" and len(variables) < 2:
        raise FormulaError(
            f"t2() needs two or more covariates, as in 't2(x, z)'; for one write s({variables[0]})",
            formula,
            start,
        )
    if len(set(variables)) < len(variables):
        raise FormulaError(f"a covariate is repeated in {function}()", formula, start)
    bs = DEFAULT_BASIS[function]
    if "bs" in options:
        lo, value = options["bs"]
        quoted = _QUOTED.match(value)
        if quoted is None or quoted.group(2) not in BASES:
            known = "; ".join(f'"{name}" ({role})' for name, role in BASES.items())
            raise FormulaError(
                f"bs = {value} is not a basis bayesglmm knows; write one of: {known}",
                formula,
                lo,
            )
        bs = quoted.group(2)
    if function == "s" and len(variables) == 2 and bs != "tp":
        raise FormulaError(
            f'bs = "{bs}" is a basis of one covariate; s({", ".join(variables)}) is a thin '
            'plate spline (bs = "tp"), or write a tensor product, '
            f't2({", ".join(variables)}, bs = "{bs}")',
            formula,
            options["bs"][0],
        )
    k = DEFAULT_K[function] * (3 if function == "s" and len(variables) == 2 else 1)
    if "k" in options:
        lo, value = options["k"]
        lowest = smallest_k(bs) + (1 if function == "s" and len(variables) == 2 else 0)
        if not _WHOLE.match(value) or not lowest <= int(value) <= MAX_K:
            raise FormulaError(
                f"k = {value} in {function}() must be a whole number from {lowest} to "
                f"{MAX_K} (the basis size{' per covariate' if function == 't2' else ''}), "
                "as in k = 10",
                formula,
                lo,
            )
        k = int(value)
    by = None
    if "by" in options:
        lo, value = options["by"]
        if not NAME.match(value):
            raise FormulaError(
                f"by = {value} must name a column, as in 's(x, by = group)'", formula, lo
            )
        by = value.strip("`")
    return SmoothSyntax(text=text, function=function, variables=tuple(variables), k=k, bs=bs, by=by)
