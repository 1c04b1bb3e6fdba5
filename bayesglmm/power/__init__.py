"""Bayesian power analysis of a grouped design: ``bg.power``.

For every grid point of the design, ``nsim`` datasets are simulated from the model at the
true parameter values (:mod:`~bayesglmm.power.simulate`), each is fitted through
:func:`bayesglmm.fit_many`, and the decision rule (:mod:`~bayesglmm.power.rule`) is
applied to each posterior. The power is the share of replicates whose posterior passes
the rule, with its binomial Monte Carlo standard error ``sqrt(p (1 - p) / n)``. The idea
follows simr (Green & MacLeod 2016, Methods in Ecology and Evolution 7:493-498), which
refits lme4 models to simulated data; here each replicate is a full posterior.

Examples
--------
>>> import bayesglmm as bg
>>> result = bg.power("y ~ trt + (1 | site)", design={"site": [4, 8], "rows_per_site": 10,
...                   "trt": ["control", "drug"]},
...                   truth={"b[trt[T.drug]]": 0.5, "sd[site]": 0.7, "sigma": 1.0},
...                   rule="P(b[trt[T.drug]] > 0) > 0.975", nsim=100)  # doctest: +SKIP
>>> result.table.columns.tolist()  # doctest: +SKIP
['site', 'rows_per_site', 'nsim', 'fits', 'power', 'mc_se', 'failing_checks']
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from bayesglmm import templates
from bayesglmm.batch import Batch, fit_many
from bayesglmm.errors import ArgumentError
from bayesglmm.formula import parse_formula
from bayesglmm.power.design import design_frame, design_grid, is_size, treatment_names
from bayesglmm.power.rule import Rule, parse_rule
from bayesglmm.power.simulate import placeholder_model, simulate

TARGET = 0.8
"""The conventional power drawn as a line on the power curve."""


@dataclass(frozen=True)
class PowerResult:
    """The result of :func:`power`.

    Attributes
    ----------
    table
        One row per grid point: its sizes, ``nsim``, ``fits`` (that finished), ``power``,
        ``mc_se`` and ``failing_checks`` (the share of replicates whose fit failed or
        raised a convergence warning).
    batch
        The fits (:class:`bayesglmm.Batch`), named ``p<point>-<replicate>``.
    rule
        The decision rule.
    sizes
        The design entries that vary over the grid.
    """

    table: pd.DataFrame
    batch: Batch
    rule: Rule
    sizes: list[str]

    def plot(self) -> Figure:
        """The power curve along the first varying size, one line per combination of the
        others, with a band of two Monte Carlo standard errors."""
        figure = Figure(figsize=(6, 4), layout="constrained")
        axes = figure.add_subplot()
        x = self.sizes[0] if self.sizes else "point"
        table = self.table.reset_index(names="point")
        others = self.sizes[1:]
        groups = table.groupby(others, sort=False) if others else [(None, table)]
        for key, rows in groups:
            low = (rows["power"] - 2 * rows["mc_se"]).clip(0, 1)
            high = (rows["power"] + 2 * rows["mc_se"]).clip(0, 1)
            label = (
                None
                if key is None
                else ", ".join(
                    f"{n} = {v}" for n, v in zip(others, np.atleast_1d(key), strict=True)
                )
            )
            axes.plot(rows[x], rows["power"], marker="o", label=label)
            axes.fill_between(rows[x], low, high, alpha=0.2)
        axes.set_xticks(sorted(table[x].unique()))
        axes.axhline(TARGET, color="grey", linestyle="--", linewidth=1)
        axes.set(
            xlabel=x,
            ylabel="power",
            ylim=(0, 1),
            title=f"P({self.rule.statement}) {self.rule.comparison} {self.rule.threshold}",
        )
        if others:
            axes.legend()
        return figure


def _formula_and_family(
    formula: str, family: str | None, roles: Mapping[str, object] | None
) -> tuple[str, str]:
    if not isinstance(formula, str):
        raise ArgumentError(
            f"bg.power takes a formula or a template name, not {type(formula).__name__}."
        )
    if "~" in formula:
        return formula, family or "gaussian"
    template = templates.show(formula)
    if roles is None:
        raise ArgumentError(
            f"template '{formula}' needs its roles as columns of the design, such as "
            f"roles={{{', '.join(repr(role) + ': ...' for role in template.roles)}}}."
        )
    return template.formula_for(dict(roles)), family or template.family


def _grouping_factors(formula: str, factors: set[str]) -> list[str]:
    """The formula's grouping factors that are not treatment factors, in order."""
    groups: list[str] = []
    for term in parse_formula(formula).random:
        groups.extend(name for name in term.group if name not in factors and name not in groups)
    return groups


def power(
    formula: str,
    family: str | None = None,
    design: Mapping[str, object] | None = None,
    truth: Mapping[str, float] | None = None,
    rule: str = "",
    nsim: int = 200,
    client=None,
    roles: Mapping[str, object] | None = None,
    priors: Mapping | None = None,
    draws: int = 1000,
    tune: int = 1000,
    chains: int = 2,
    sampler: str = "auto",
    seed: int | None = None,
    store=None,
    progress: bool = True,
) -> PowerResult:
    """Bayesian power of a grouped design under a decision rule, by simulation.

    Parameters
    ----------
    formula
        The analysis model, as for :class:`bayesglmm.Model`, or a design template's name
        (``bg.templates.list()``) with ``roles``.
    family
        The response family (the template's, or ``"gaussian"``, by default).
    design
        Sizes and treatment levels (see :mod:`bayesglmm.power.design`); lists of sizes
        make a grid.
    truth
        The true parameter values, keyed as priors are (see
        :mod:`bayesglmm.power.simulate`).
    rule
        ``"P(<hypothesis>) > <probability>"``, applied to each posterior.
    nsim
        Replicates per grid point.
    client
        As for :func:`bayesglmm.fit_many`: None runs a local cluster.
    roles
        For a template: its roles as design columns (``{"response": "y",
        "treatment": "trt", "block": "site"}``).
    priors
        Priors of the analysis model (defaults otherwise).
    draws, tune, chains, sampler, seed, store, progress
        As for :func:`bayesglmm.fit_many` (``sampler="auto"`` uses the Gibbs sampler for
        conjugate designs of at least 5,000 rows, nutpie otherwise).

    Returns
    -------
    PowerResult
        ``table`` (power per grid point), ``plot()`` and the ``batch`` of fits.
    """
    formula, family = _formula_and_family(formula, family, roles)
    checked = parse_rule(rule)
    if not isinstance(nsim, int) or isinstance(nsim, bool) or nsim < 1:
        raise ArgumentError(f"nsim is a whole number of replicates, such as 200, not {nsim!r}.")
    if not design or not isinstance(design, Mapping):
        raise ArgumentError(
            "design maps grouping factors to their sizes and treatments to their levels, such "
            "as {'site': [4, 8], 'rows_per_site': 10, 'trt': ['control', 'drug']}."
        )
    if not truth or not isinstance(truth, Mapping):
        raise ArgumentError("truth maps parameters to their true values, such as {'sigma': 1}.")
    groups = _grouping_factors(formula, treatment_names(design))
    grid = design_grid(design, groups)
    sizes = [name for name in design if is_size(name, groups)]
    varying = [name for name in sizes if len({point[name] for point in grid}) > 1]
    children = np.random.SeedSequence(seed).spawn(len(grid))
    datasets: dict[str, pd.DataFrame] = {}
    for index, (point, child) in enumerate(zip(grid, children, strict=True)):
        frame = design_frame(point, groups)
        model = placeholder_model(formula, family, frame, priors=priors)
        for replicate, grandchild in enumerate(child.spawn(nsim)):
            datasets[f"p{index}-{replicate:04d}"] = simulate(
                formula, family, frame, truth, seed=grandchild, model=model
            )
    batch = fit_many(
        model,
        datasets,
        client=client,
        draws=draws,
        tune=tune,
        chains=chains,
        sampler=sampler,
        seed=int(np.random.SeedSequence(seed).generate_state(1)[0]) if seed is not None else None,
        store=store,
        progress=progress,
        evaluate=checked,
    )
    values = batch.values()
    rows = []
    for index, point in enumerate(grid):
        names = [name for name in datasets if name.startswith(f"p{index}-")]
        done = values.reindex([name for name in names if name in values.index])
        successes = done["success"] if "success" in done else pd.Series(dtype=float)
        share = float(successes.mean()) if len(successes) else np.nan
        unchecked = (len(names) - len(done)) + int(
            (done.get("checks_ok", pd.Series(dtype=float)) == 0).sum()
        )
        rows.append(
            {
                **{name: point[name] for name in sizes},
                "nsim": nsim,
                "fits": len(done),
                "power": share,
                "mc_se": float(np.sqrt(share * (1 - share) / len(done))) if len(done) else np.nan,
                "failing_checks": unchecked / nsim,
            }
        )
    return PowerResult(pd.DataFrame(rows), batch, checked, varying or sizes[:1])
