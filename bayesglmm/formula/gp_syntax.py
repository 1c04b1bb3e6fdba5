"""The syntax of Gaussian-process terms in a formula, as in brms: ``gp(x, k = 20)``,
``gp(x, k = 20, c = 5/4, cov = "matern32", scale = FALSE)`` and ``gp(x, k = 20, by = f)``.

Only the Hilbert-space approximation is fitted (Riutort-Mayol et al. 2023), so ``k``, the
number of basis functions, is required (brms fits an exact GP without it). Arguments are
read as literals, never evaluated: ``c`` is a number or a ratio of two numbers.

Examples
--------
>>> from bayesglmm.formula.syntax import parse_formula
>>> term = parse_formula('y ~ gp(x, k = 15, c = 5/4, cov = "matern32")').gps[0]
>>> term.variable, term.k, term.c, term.cov, term.scale, term.label
('x', 15, 1.25, 'matern32', True, 'gpx')
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bayesglmm.errors import FormulaError
from bayesglmm.formula.scanner import NAME, call_name, covariates_and_options
from bayesglmm.naming import smooth_naming
from bayesglmm.smooths.hsgp import KERNELS

GP_FUNCTION = "gp"
DEFAULT_C = 1.25
"""The boundary factor when ``c`` is not given (brms's suggestion, 5/4)."""
DEFAULT_KERNEL = "exp_quad"
MAX_K = 200
"""Largest ``k`` accepted."""

_ARGUMENTS = {
    "k": "the number of basis functions, a whole number",
    "c": "the boundary factor, a number above 1",
    "cov": "the kernel",
    "by": "a factor column",
    "scale": "TRUE or FALSE",
}
_WHOLE = re.compile(r"^\d+$")
_NUMBER = re.compile(r"^(\d+(?:\.\d*)?|\.\d+)(?:\s*/\s*(\d+(?:\.\d*)?|\.\d+))?$")
_QUOTED = re.compile(r"^(['\"])([A-Za-z0-9_]*)\1$")
_LOGICAL = {"TRUE": True, "True": True, "T": True, "FALSE": False, "False": False, "F": False}


@dataclass(frozen=True)
class GPSyntax:
    """One ``gp()`` term as written.

    Attributes
    ----------
    text
        The term as written.
    variable
        The covariate's column name.
    k, c, cov, scale
        Number of basis functions, boundary factor, kernel, and whether the covariate is
        scaled to unit range (brms's ``scale = TRUE``, the default).
    by
        The factor column of ``by =`` (one GP per level), or None.
    """

    text: str
    variable: str
    k: int
    c: float = DEFAULT_C
    cov: str = DEFAULT_KERNEL
    scale: bool = True
    by: str | None = None

    @property
    def label(self) -> str:
        """The term's label, brms's: ``gpx`` for ``gp(x)``."""
        return smooth_naming.gp_label(self.variable)

    @property
    def key(self) -> str:
        """The term as written without white space."""
        return re.sub(r"\s+", "", self.text)

    @property
    def columns(self) -> tuple[str, ...]:
        """Every data column the term uses: its covariate, then ``by``."""
        return (self.variable, *(() if self.by is None else (self.by,)))


def is_gp(text: str) -> bool:
    """Whether ``text`` is one call of ``gp()``."""
    return call_name(text) == GP_FUNCTION


def _number(value: str) -> float | None:
    match = _NUMBER.match(value)
    if match is None:
        return None
    top = float(match.group(1))
    bottom = 1.0 if match.group(2) is None else float(match.group(2))
    return None if bottom == 0 else top / bottom


def parse_gp(formula: str, depth: list[int], start: int, end: int) -> GPSyntax:
    """Read the ``gp()`` call ``formula[start:end]``.

    Raises
    ------
    FormulaError
        With a caret under the argument at fault.
    """
    text = formula[start:end]
    variables, options = covariates_and_options(
        formula, depth, start, end, _ARGUMENTS, "gp(x, k = 20)"
    )
    if not variables:
        raise FormulaError("expected a covariate in gp(), as in 'gp(x, k = 20)'", formula, start)
    if len(variables) > 1:
        raise FormulaError(
            f"{text}: a Gaussian process of several covariates is not supported; write one "
            f"gp() per covariate, as in 'gp({variables[0]}, k = 20) + gp({variables[1]}, k = 20)'",
            formula,
            start,
        )
    if "k" not in options:
        raise FormulaError(
            f"{text} needs k, the number of basis functions: bayesglmm fits the approximate "
            f"(Hilbert-space) GP only, as in 'gp({variables[0]}, k = 20)'",
            formula,
            start,
        )
    lo, value = options["k"]
    if not _WHOLE.match(value) or not 1 <= int(value) <= MAX_K:
        raise FormulaError(
            f"k = {value} in gp() must be a whole number from 1 to {MAX_K} (the number of "
            "basis functions), as in k = 20",
            formula,
            lo,
        )
    k = int(value)
    c = DEFAULT_C
    if "c" in options:
        lo, value = options["c"]
        number = _number(value)
        if number is None or number <= 1:
            raise FormulaError(
                f"c = {value} in gp() must be a number above 1 (the boundary factor), as in "
                "c = 5/4",
                formula,
                lo,
            )
        c = number
    cov = DEFAULT_KERNEL
    if "cov" in options:
        lo, value = options["cov"]
        quoted = _QUOTED.match(value)
        if quoted is None or quoted.group(2) not in KERNELS:
            known = ", ".join(f'"{name}"' for name in KERNELS)
            raise FormulaError(
                f"cov = {value} is not a kernel bayesglmm knows; write one of: {known}",
                formula,
                lo,
            )
        cov = quoted.group(2)
    scale = True
    if "scale" in options:
        lo, value = options["scale"]
        if value not in _LOGICAL:
            raise FormulaError(f"scale = {value} in gp() must be TRUE or FALSE", formula, lo)
        scale = _LOGICAL[value]
    by = None
    if "by" in options:
        lo, value = options["by"]
        if not NAME.match(value):
            raise FormulaError(
                f"by = {value} must name a factor column, as in 'gp(x, k = 20, by = group)'",
                formula,
                lo,
            )
        by = value.strip("`")
    return GPSyntax(text, variables[0], k, c, cov, scale, by)
