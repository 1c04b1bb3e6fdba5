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


def _head(title: str, question: str | None) -> list[str]:
    asked = "" if question is None else f"<p class='question'>{html.escape(question)}</p>"
    return [
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>",
        PAGE_STYLE,
        STYLE,
        f"</head><body><h1>{html.escape(title)}</h1>{asked}",
    ]


def _sections(fit, level: int = 2, named: str = "") -> list[str]:
    """The report's sections of one fit, as headings of ``level`` whose text ends with
    ``named``."""
    diagnosis = fit.diagnose()
    check = fit.ppc(seed=0)
    h = f"h{level}"

    def heading(text: str) -> str:
        return f"<{h}>{html.escape(text + named)}</{h}>"

    parts = [
        heading("Model and estimates"),
        fit._repr_html_(),
        heading("Priors"),
        prior_table(fit).to_html(classes="bayesglmm", index=False),
        heading("Diagnostics"),
        diagnosis._repr_html_(),
        heading("Posterior predictive check"),
        check.statistics.round(4).to_html(classes="bayesglmm"),
        _image(check.figure, f"Posterior predictive check ({check.default_kind})"),
        heading("Trace plots"),
        _image(fit.plot_trace(), "Trace and density of the reported parameters"),
    ]
    parts.extend(_marginal_means(fit))
    for group in fit.spec.all_groups:
        parts.append(heading(f"Group-level effects: {group.name}"))
        parts.append(_image(fit.plot_ranef(group.name), f"Effects of {group.name}"))
    return parts


def report_html(fit, title: str, question: str | None = None) -> str:
    """The report as one HTML document; ``question``, when given, is restated under the
    title."""
    return "".join([*_head(title, question), *_sections(fit), "</body></html>"])


def multivariate_report_html(fit, title: str, question: str | None = None) -> str:
    """The report of a multivariate fit: the joint table (with the correlations between
    responses) and LOO, then each response's sections as :func:`report_html` has them."""
    loo = fit.loo()
    parts = [
        *_head(title, question),
        "<h2>Joint estimates</h2>",
        fit.summary().round(4).to_html(classes="bayesglmm"),
        "<h2>Joint PSIS-LOO</h2>",
        f"<p>elpd_loo {loo.elpd:.2f} (se {loo.se:.2f}), p_loo {loo.p:.2f}: each row left "
        "out with all its responses.</p>",
    ]
    for name in fit.names:
        parts.append(f"<h2>Response {html.escape(name)}</h2>")
        parts.extend(_sections(fit.response(name), level=3, named=f" ({name})"))
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


def write_multivariate_report(
    fit, path: str | Path, title: str | None = None, question: str | None = None
) -> Path:
    """Write :func:`multivariate_report_html` to ``path``; returns the path."""
    path = Path(path)
    title = title or f"bayesglmm: {' + '.join(fit.names)}"
    path.write_text(multivariate_report_html(fit, title, question))
    return path
