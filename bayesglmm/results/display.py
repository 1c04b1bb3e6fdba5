"""Plain-text printouts laid out the way brms prints a fit.

Examples
--------
>>> import pandas as pd
>>> table = pd.DataFrame({"mean": [1.234], "sd": [0.5], "2.5%": [0.2], "97.5%": [2.2],
...                       "ess_bulk": [1200.4], "ess_tail": [980.0], "rhat": [1.001]},
...                      index=["Intercept"])
>>> print(format_estimates(table))
          Estimate Est.Error l-95% CI u-95% CI Rhat Bulk_ESS Tail_ESS
Intercept     1.23      0.50     0.20     2.20 1.00     1200      980
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

HEADERS = {
    "mean": "Estimate",
    "sd": "Est.Error",
    "2.5%": "l-95% CI",
    "97.5%": "u-95% CI",
    "rhat": "Rhat",
    "ess_bulk": "Bulk_ESS",
    "ess_tail": "Tail_ESS",
}


def _decimals(table: pd.DataFrame) -> int:
    """Two decimals, or more when the posterior sds are smaller than 0.01."""
    errors = table["sd"].to_numpy(dtype=float)
    errors = errors[np.isfinite(errors) & (errors > 0)]
    if errors.size == 0:
        return 2
    return max(2, 1 - math.floor(math.log10(errors.min())))


def _integer(value: float) -> str:
    return "NA" if not np.isfinite(value) else f"{int(value)}"


def format_estimates(table: pd.DataFrame, labels: list[str] | None = None) -> str:
    """A summary table as brms prints it, one row per parameter.

    Parameters
    ----------
    table
        Rows of summary statistics (columns of :data:`~bayesglmm.results.tables.STAT_COLUMNS`).
    labels
        Row labels; the table's index by default.
    """
    labels = [str(label) for label in (labels if labels is not None else table.index)]
    digits = _decimals(table)
    cells = []
    for _, row in table.iterrows():
        cells.append(
            [f"{row[key]:.{digits}f}" for key in ("mean", "sd", "2.5%", "97.5%")]
            + ["NA" if not np.isfinite(row["rhat"]) else f"{row['rhat']:.2f}"]
            + [_integer(row["ess_bulk"]), _integer(row["ess_tail"])]
        )
    headers = [
        HEADERS[key] for key in ("mean", "sd", "2.5%", "97.5%", "rhat", "ess_bulk", "ess_tail")
    ]
    widths = [max(len(header), *(len(row[i]) for row in cells)) for i, header in enumerate(headers)]
    label_width = max(len(label) for label in labels) if labels else 0
    lines = [
        " " * label_width + " " + " ".join(h.rjust(w) for h, w in zip(headers, widths, strict=True))
    ]
    for label, row in zip(labels, cells, strict=True):
        lines.append(
            label.ljust(label_width)
            + " "
            + " ".join(c.rjust(w) for c, w in zip(row, widths, strict=True))
        )
    return "\n".join(lines)


def format_header(items: list[tuple[str, str]]) -> str:
    """Right-aligned ``name: value`` lines, as at the top of a brms printout."""
    width = max(len(name) for name, _ in items)
    lines = []
    for name, value in items:
        first, *rest = value.split("\n")
        lines.append(f"{name.rjust(width)}: {first}")
        lines.extend(" " * (width + 2) + line for line in rest)
    return "\n".join(lines)
