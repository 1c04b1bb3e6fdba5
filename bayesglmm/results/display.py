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

import html
import math
import textwrap
from collections.abc import Collection, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from bayesglmm import naming
from bayesglmm.results.intervals import interval_header, interval_of

HEADERS = {
    "mean": "Estimate",
    "sd": "Est.Error",
    "rhat": "Rhat",
    "ess_bulk": "Bulk_ESS",
    "ess_tail": "Tail_ESS",
}
"""brms's printout headers; the interval's come from :func:`interval_header`."""


def _decimals(table: pd.DataFrame) -> int:
    """Two decimals, or more when the posterior sds are smaller than 0.01."""
    errors = table["sd"].to_numpy(dtype=float)
    errors = errors[np.isfinite(errors) & (errors > 0)]
    if errors.size == 0:
        return 2
    return max(2, 1 - math.floor(math.log10(errors.min())))


def _integer(value: float) -> str:
    return "NA" if not np.isfinite(value) else f"{int(value)}"


def _cells(table: pd.DataFrame) -> tuple[list[str], list[list[str]]]:
    """Column headers and formatted cells of a summary table, as brms shows them."""
    digits = _decimals(table)
    interval = list(interval_of(table))
    cells = []
    for _, row in table.iterrows():
        cells.append(
            [f"{row[key]:.{digits}f}" for key in ("mean", "sd", *interval)]
            + ["NA" if not np.isfinite(row["rhat"]) else f"{row['rhat']:.2f}"]
            + [_integer(row["ess_bulk"]), _integer(row["ess_tail"])]
        )
    headers = [
        HEADERS["mean"],
        HEADERS["sd"],
        *interval_header(interval),
        *(HEADERS[key] for key in ("rhat", "ess_bulk", "ess_tail")),
    ]
    return headers, cells


def format_estimates(table: pd.DataFrame, labels: list[str] | None = None) -> str:
    """A summary table as brms prints it, one row per parameter.

    Parameters
    ----------
    table
        Rows of summary statistics (columns of :func:`~bayesglmm.results.tables.stat_columns`).
    labels
        Row labels; the table's index by default.
    """
    labels = [str(label) for label in (labels if labels is not None else table.index)]
    headers, cells = _cells(table)
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


def _mean_label(spec) -> str:
    """``mu``, or ``mu1`` for a mixture (whose later components' means have formulas)."""
    mixture = naming.component("mu", 2) in spec.parameter_names
    return naming.component("mu", 1) if mixture else "mu"


def _link_label(parameter, link: str) -> str:
    """The link of a modelled parameter as printed: a mixture component's mean has the
    family's link, its proportions' log odds a softmax."""
    parts = naming.split_component(parameter.name)
    if parts is not None and parts[0] == "mu":
        return link
    if parts is not None and parts[0] == naming.MIXING:
        return "softmax"
    return parameter.link


def _rows(count: int) -> str:
    return f"{count} row" if count == 1 else f"{count} rows"


def model_header(spec, family: str, link: str) -> list[tuple[str, str]]:
    """Family, link, formula, data and (for labelled binary responses) the coding."""
    data_line = f"{spec.n_obs} observations"
    notes = []
    if spec.imputed_rows is not None:
        notes.append(f"{_rows(len(spec.imputed_rows))} with a missing response imputed")
    if len(spec.dropped_rows):
        notes.append(f"{_rows(len(spec.dropped_rows))} with missing values dropped")
    if notes:
        data_line += f" ({'; '.join(notes)})"
    links = "; ".join(
        [
            f"{_mean_label(spec)} = {link}",
            *(f"{p.name} = {_link_label(p, link)}" for p in spec.parameters),
        ]
    )
    formulas = "\n".join([spec.formula.text, *(p.formula.text for p in spec.parameters)])
    header = [
        ("Family", family),
        ("Links", links),
        ("Formula", formulas),
        ("Data", data_line),
    ]
    if spec.residual is not None:
        header.append(("Residual", f"{spec.residual.text}, correlated within subject"))
    response = spec.response
    if response.event_level is not None:
        coding = f"{response.name}: '{response.event_level}' = 1, '{response.other_level}' = 0"
        header.append(("Response", coding))
    return header


def groups_text(spec, centring: Mapping | None, centered: Collection[str]) -> str:
    """One line per grouping factor: levels, terms, kind and parameterisation, with the
    reason for it when ``centered="auto"`` chose it (``centring``)."""
    lines = []
    for group in spec.all_groups:
        kind = "correlated" if group.correlated_blocks else "uncorrelated"
        if len(group.terms) == 1:
            kind = "intercept" if group.constant_terms.all() else "slope"
        if group.structure is not None:
            kind = f"{group.structure.kind} over {len(group.structure.times)} times"
        if centring is not None:
            centred = f", {centring[group.name].reason}"
        else:
            centred = ", centred" if group.name in centered else ""
        terms = ", ".join(group.terms)
        lines.append(f"{group.name} ({group.n_levels} levels): {terms} [{kind}{centred}]")
    for link in spec.linked:
        members = " and ".join(f"'{name}'" for name, _ in link.members)
        lines.append(
            f"ID '{link.correlation_id}' correlates {', '.join(link.terms)} across {members} "
            f"({naming.group_correlation(link.name)})"
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


def html_estimates(table: pd.DataFrame) -> str:
    """A summary table as an HTML table with brms's headers and rounding."""
    headers, cells = _cells(table)
    head = "".join(f"<th>{h}</th>" for h in ["", *headers])
    body = "".join(
        f"<tr><th>{html.escape(str(label))}</th>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>"
        for label, row in zip(table.index, cells, strict=True)
    )
    return f"<table class='bayesglmm'><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def html_header(items: list[tuple[str, str]]) -> str:
    """The ``name: value`` header as a two-column HTML table."""
    rows = "".join(
        f"<tr><th style='text-align:right'>{html.escape(name)}</th>"
        f"<td style='text-align:left'>{html.escape(value).replace(chr(10), '<br>')}</td></tr>"
        for name, value in items
    )
    return f"<table class='bayesglmm-header'>{rows}</table>"


STYLE = (
    "<style>table.bayesglmm td{text-align:right;font-family:monospace}"
    "table.bayesglmm th{text-align:left}.bayesglmm-warning{color:#a04000}</style>"
)


@dataclass
class Printout:
    """A fit's printout: header lines, titled sections of estimate tables, warnings.

    ``text()`` renders it for a terminal as brms does, ``html()`` for a notebook. An
    ``alert`` (a fit whose sampling stopped early) comes first, above the header.
    """

    header: list[tuple[str, str]]
    sections: list[tuple[str, list[tuple[str | None, pd.DataFrame]]]]
    warnings: list[str]
    alert: str | None = None

    def text(self) -> str:
        """The terminal printout."""
        parts = [textwrap.fill(self.alert, width=88, subsequent_indent="  ")] if self.alert else []
        parts.append(format_header(self.header))
        for title, tables in self.sections:
            blocks = [f"{title}:"]
            for subtitle, table in tables:
                blocks.extend([subtitle] if subtitle else [])
                blocks.extend(
                    [format_estimates(table), ""] if subtitle else [format_estimates(table)]
                )
            parts.append("\n".join(blocks).rstrip())
        if self.warnings:
            items = [
                textwrap.fill(
                    message,
                    width=88,
                    initial_indent="  * ",
                    subsequent_indent="    ",
                    break_on_hyphens=False,
                )
                for message in self.warnings
            ]
            parts.append("Warnings:\n" + "\n".join(items))
        return "\n\n".join(parts)

    def html(self) -> str:
        """The notebook printout: the same content as styled tables."""
        parts = [STYLE]
        if self.alert:
            parts.append(f"<p class='bayesglmm-warning'><b>{html.escape(self.alert)}</b></p>")
        parts.append(html_header(self.header))
        for title, tables in self.sections:
            parts.append(f"<h4>{html.escape(title)}</h4>")
            for subtitle, table in tables:
                parts.extend([f"<p><i>{html.escape(subtitle)}</i></p>"] if subtitle else [])
                parts.append(html_estimates(table))
        if self.warnings:
            items = "".join(f"<li>{html.escape(message)}</li>" for message in self.warnings)
            parts.append(f"<h4>Warnings</h4><ul class='bayesglmm-warning'>{items}</ul>")
        return "".join(parts)
