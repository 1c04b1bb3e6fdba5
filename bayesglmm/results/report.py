"""A self-contained HTML report of a fit: model, priors, estimates, checks and plots.

Figures are embedded as base64 PNG images, so the file opens anywhere without its
neighbours.

Examples
--------
>>> import tempfile, bayesglmm as bg
>>> model = bg.Model("favorable | trials(n) ~ treatment + (1 | clinic)",
...                  bg.datasets.load("infection"), family="binomial")
>>> fit = model.fit(draws=300, tune=300, chains=2, seed=1, progress=False)
>>> path = fit.report(tempfile.mkdtemp() + "/report.html")
>>> "<img" in path.read_text()
True
"""

from __future__ import annotations

import html
from pathlib import Path

import pandas as pd

from bayesglmm import naming
from bayesglmm.results.display import STYLE
from bayesglmm.results.ppc import figure_png
from bayesglmm.results.reference_grid import model_factors

PAGE_STYLE = (
    "<style>body{font-family:sans-serif;max-width:60em;margin:2em auto;padding:0 1em}"
    "img{max-width:100%}h2{border-bottom:1px solid #ccc}</style>"
)


def _image(figure, caption: str) -> str:
    """A figure as an embedded image with a caption."""
    return (
        f"<figure><img alt='{html.escape(caption)}' src='data:image/png;base64,"
        f"{figure_png(figure)}'/><figcaption>{html.escape(caption)}</figcaption></figure>"
    )


def _marginal_means(fit) -> list[str]:
    """For a model with factors in its fixed part: the estimated marginal means of the
    first two factors on the response scale (the link scale for ordinal models), with
    conditional and population-averaged means side by side when they differ."""
    factors = list(model_factors(fit.spec))[:2]
    if not factors:
        return []
    ordinal = any(parameter.ordered for parameter in fit.family.dispersion)
    scale = "link" if ordinal else "response"
    differ = bool(fit.spec.groups) and fit.link.name != "identity" and not ordinal
    means = fit.emmeans(factors, scale=scale)
    caption = f"Estimated marginal means of {' x '.join(factors)} ({scale} scale)"
    return [
        "<h2>Estimated marginal means</h2>",
        means._repr_html_(),
        _image(fit.plot_emmeans(factors, scale=scale, re="both" if differ else "none"), caption),
    ]


def prior_table(fit) -> pd.DataFrame:
    """The priors in force, one row per key, with the parameter each applies to in the
    labels of the estimate tables (an intercept prior applies at centred predictors)."""
    table = fit.priors.to_frame().reset_index()
    intercepts = {naming.intercept(part.suffix): part.suffix for part in fit.spec.linear_parts}
    table.insert(
        1,
        "applies to",
        [
            f"{naming.coefficient_key(naming.INTERCEPT, intercepts[key])} (predictors centred)"
            if key in intercepts
            else key
            for key in table["parameter"]
        ],
    )
    return table


def report_html(fit, title: str, question: str | None = None) -> str:
    """The report as one HTML document; ``question``, when given, is restated under the
    title."""
    diagnosis = fit.diagnose()
    check = fit.ppc(seed=0)
    asked = "" if question is None else f"<p class='question'>{html.escape(question)}</p>"
    parts = [
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>",
        PAGE_STYLE,
        STYLE,
        f"</head><body><h1>{html.escape(title)}</h1>{asked}",
        "<h2>Model and estimates</h2>",
        fit._repr_html_(),
        "<h2>Priors</h2>",
        prior_table(fit).to_html(classes="bayesglmm", index=False),
        "<h2>Diagnostics</h2>",
        diagnosis._repr_html_(),
        "<h2>Posterior predictive check</h2>",
        check.statistics.round(4).to_html(classes="bayesglmm"),
        _image(check.figure, f"Posterior predictive check ({check.default_kind})"),
        "<h2>Trace plots</h2>",
        _image(fit.plot_trace(), "Trace and density of the reported parameters"),
    ]
    parts.extend(_marginal_means(fit))
    for group in fit.spec.all_groups:
        parts.append(f"<h2>Group-level effects: {html.escape(group.name)}</h2>")
        parts.append(_image(fit.plot_ranef(group.name), f"Effects of {group.name}"))
    parts.append("</body></html>")
    return "".join(parts)


def write_report(
    fit, path: str | Path, title: str | None = None, question: str | None = None
) -> Path:
    """Write :func:`report_html` to ``path``; returns the path."""
    path = Path(path)
    title = title or f"bayesglmm: {fit.spec.formula.text}"
    path.write_text(report_html(fit, title, question))
    return path
