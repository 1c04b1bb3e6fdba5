"""The printout of a fit, laid out as brms prints one: header, multilevel
hyperparameters, smooth terms, regression coefficients, further distributional parameters,
warnings.

Examples
--------
>>> import bayesglmm as bg
>>> model = bg.Model("incidence | trials(size) ~ period + (1 | herd)",
...                  bg.datasets.load("cbpp"), family="binomial")
>>> fit = model.fit(draws=200, tune=300, chains=2, seed=1, progress=False)
>>> [title for title, _ in fit_printout(fit).sections]
['Multilevel Hyperparameters', 'Regression Coefficients']
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bayesglmm.results.display import Printout, model_header
from bayesglmm.results.estimates import (
    dispersion_table,
    fixef,
    gp_table,
    simplex_table,
    smooth_table,
    varcorr,
)

if TYPE_CHECKING:
    from bayesglmm.results.fit import Fit


def _draws_line(attrs) -> str:
    draws, tune, chains = attrs["draws"], attrs["tune"], attrs["chains"]
    return (
        f"{chains} chains, each with iter = {draws + tune}; warmup = {tune}; "
        f"thin = 1;\ntotal post-warmup draws = {chains * draws}"
    )


def fit_printout(fit: Fit) -> Printout:
    """Header lines, estimate tables by section, and warnings: the printout's content."""
    attrs = fit.idata.posterior.attrs
    spec = fit.spec
    header = model_header(spec, fit.family.name, fit.link.name)
    header.append(("Draws", _draws_line(attrs)))
    header.append(
        ("Sampler", f"{attrs['sampler']}, seed {attrs['seed']}, {attrs['seconds']:.1f} s")
    )
    sections = []
    if spec.all_groups:
        table = varcorr(fit)
        tables = []
        for group in spec.all_groups:
            rows = table[table["group"] == group.name]
            labels = [
                f"sd({row.term})" if not row.term2 else f"cor({row.term},{row.term2})"
                for row in rows.itertuples()
            ]
            title = f"~{group.name} (Number of levels: {group.n_levels})"
            tables.append((title, rows.set_axis(labels)))
        sections.append(("Multilevel Hyperparameters", tables))
    smooths = smooth_table(fit)
    if smooths is not None:
        sections.append(("Smooth Terms", [(None, smooths)]))
    gps = gp_table(fit)
    if gps is not None:
        sections.append(("Gaussian Process Terms", [(None, gps)]))
    sections.append(("Regression Coefficients", [(None, fixef(fit))]))
    simplexes = simplex_table(fit)
    if simplexes is not None:
        sections.append(("Monotonic Simplex Parameters", [(None, simplexes)]))
    dispersion = dispersion_table(fit)
    if dispersion is not None:
        sections.append(("Further Distributional Parameters", [(None, dispersion)]))
    alert = f"INCOMPLETE: {fit.idata.attrs['stop_message']}" if fit.incomplete else None
    return Printout(header, sections, list(fit.warnings), alert)
