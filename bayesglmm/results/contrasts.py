"""Comparisons among estimated marginal means: the contrast coefficients (pairwise,
treatment against control, orthogonal polynomials or the user's) and the :class:`Contrasts`
they give.

Examples
--------
>>> contrast_coefficients("poly", ["low", "mid", "high"], None)[1].tolist()
[[-1.0, 0.0, 1.0], [1.0, -2.0, 1.0]]
"""

from __future__ import annotations

import itertools
import textwrap
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from bayesglmm.errors import DataError
from bayesglmm.results.predict import (
    check_choice,
)

if TYPE_CHECKING:
    from bayesglmm.results.emmeans import EMMeans


METHODS = ("pairwise", "trt.vs.ctrl", "poly")
POLYNOMIAL_NAMES = ("linear", "quadratic", "cubic", "quartic", "quintic")


def _polynomial(n: int) -> np.ndarray:
    """Orthogonal polynomial contrasts for ``n`` equally spaced levels (as R's
    ``contr.poly``), each row scaled so that its smallest nonzero coefficient is +-1."""
    positions = np.arange(n, dtype=float)
    basis, _ = np.linalg.qr(np.vander(positions - positions.mean(), n, increasing=True))
    rows = []
    for degree in range(1, n):
        row = basis[:, degree]
        row = row / np.min(np.abs(row[np.abs(row) > 1e-9]))
        row = row * np.sign(row[-1])
        rows.append(np.where(np.abs(row - np.round(row)) < 1e-9, np.round(row), row))
    return np.array(rows) + 0.0  # adding 0.0 turns -0.0 into 0.0


def contrast_coefficients(
    method: str | Mapping[str, object], labels: list[str], ref: str | None
) -> tuple[list[str], np.ndarray]:
    """``(names, coefficients)``: one row of coefficients over the cells per contrast."""
    n = len(labels)
    identity = np.eye(n)
    if isinstance(method, Mapping):
        names, rows = [], []
        for name, given in method.items():
            if isinstance(given, Mapping):
                lookup = {str(key): float(value) for key, value in given.items()}
                unknown = [key for key in lookup if key not in labels]
                if unknown:
                    raise DataError(
                        f"'{unknown[0]}' in contrast '{name}' is not a cell; cells are "
                        f"{', '.join(labels)}."
                    )
                row = np.array([lookup.get(label, 0.0) for label in labels])
            else:
                row = np.asarray(given, dtype=float)
            if row.shape != (n,):
                raise DataError(
                    f"contrast '{name}' has {row.size} coefficients for {n} cells "
                    f"({', '.join(labels)}); give one per cell or a dict {{cell: coefficient}}."
                )
            names.append(str(name))
            rows.append(row)
        return names, np.array(rows)
    check_choice("method", method, METHODS)
    if n < 2:
        raise DataError(
            f"a comparison needs at least two cells, but there is one ({labels[0]}); "
            "compare the levels of a factor with more than one level."
        )
    if method == "pairwise":
        pairs = list(itertools.combinations(range(n), 2))
        return [f"{labels[i]} - {labels[j]}" for i, j in pairs], np.array(
            [identity[i] - identity[j] for i, j in pairs]
        )
    if method == "trt.vs.ctrl":
        if ref is not None and ref not in labels:
            raise DataError(f"ref '{ref}' is not a cell; cells are {', '.join(labels)}.")
        control = labels.index(ref) if ref is not None else 0
        others = [i for i in range(n) if i != control]
        return [f"{labels[i]} - {labels[control]}" for i in others], np.array(
            [identity[i] - identity[control] for i in others]
        )
    names = [
        POLYNOMIAL_NAMES[d] if d < len(POLYNOMIAL_NAMES) else f"degree {d + 1}"
        for d in range(n - 1)
    ]
    return names, _polynomial(n)


def formatted_table(table: pd.DataFrame) -> str:
    """``table`` as text: integer ESS, estimates to two decimals or more for small sds."""
    shown = table.copy()
    errors = shown["sd"].to_numpy(dtype=float)
    errors = errors[np.isfinite(errors) & (errors > 0)]
    digits = max(2, 1 - int(np.floor(np.log10(errors.min())))) if errors.size else 2
    for column in shown.columns:
        if column == "ess_bulk":
            shown[column] = shown[column].map(lambda value: f"{value:.0f}")
        elif column in ("pd", "in_rope", "rhat"):
            shown[column] = shown[column].map(lambda value: f"{value:.3f}")
        elif pd.api.types.is_float_dtype(shown[column]):
            shown[column] = shown[column].map(lambda value, d=digits: f"{value:.{d}f}")
    return shown.to_string(index=False)


def paragraphs(lines: list[str]) -> str:
    return "\n".join(textwrap.fill(line, width=88, subsequent_indent="  ") for line in lines)


class NotedTable:
    """Printing for a result that is a ``table`` after notes (``_lines()``): text for a
    terminal, HTML for a notebook."""

    def __repr__(self) -> str:
        return f"{paragraphs(self._lines())}\n\n{formatted_table(self.table)}"

    def _repr_html_(self) -> str:
        notes = "".join(f"<p>{line}</p>" for line in self._lines())
        return notes + self.table.to_html(index=False, classes="bayesglmm", float_format="%.4g")


@dataclass(frozen=True, repr=False)
class Contrasts(NotedTable):
    """Comparisons among estimated marginal means (see :meth:`EMMeans.contrast`).

    Attributes
    ----------
    table
        One row per contrast (within ``by`` groups): ``contrast``, posterior ``mean``,
        ``median``, ``sd``, ``2.5%``, ``97.5%``, ``pd``, ``in_rope`` (with a rope), bulk
        ESS, R-hat and the simultaneous band ``sim_low``, ``sim_high``.
    draws
        ``(samples, contrasts)`` draws on the reported scale, in ``table``'s row order.
    measure
        ``"difference"``, ``"ratio"`` or ``"odds_ratio"``.
    means
        The means compared.
    level
        Probability of the simultaneous band.
    critical
        Per ``by`` group, the multiplier ``c`` of the band ``mean +- c sd``.
    rope
        The region of practical equivalence, if given.
    """

    table: pd.DataFrame
    draws: np.ndarray
    measure: str
    means: EMMeans
    level: float
    critical: list[float]
    rope: tuple[float, float] | None = None

    def _lines(self) -> list[str]:
        scale = {
            "difference": f"differences on the {self.means.scale} scale",
            "ratio": "ratios of means (exp of differences of log means)",
            "odds_ratio": "odds ratios (exp of differences of logits)",
        }[self.measure]
        kind = "conditional (typical unit) " if self.means.re == "none" else "population-averaged "
        if self.means.link == "identity" or not self.means.has_random:
            kind = ""
        multipliers = ", ".join(f"{value:.2f}" for value in self.critical)
        lines = [
            f"Comparisons of {kind}estimated marginal means: {scale}.",
            "pd: posterior probability of the sign of the comparison.",
            f"sim_low, sim_high: simultaneous {self.level:.0%} band over the comparisons of each "
            f"group, mean +- c sd{' on the log scale' if self.measure != 'difference' else ''} "
            f"with c = {multipliers} (the {self.level:.0%} quantile of the largest standardised "
            "deviation over draws).",
        ]
        if self.rope is not None:
            lines.append(f"in_rope: posterior share inside {self.rope}.")
        return lines
