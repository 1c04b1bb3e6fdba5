"""The ``bayesglmm`` command line.

Errors print as one line and exit with status 2; ``--debug`` shows the traceback.

Examples
--------
>>> from click.testing import CliRunner
>>> CliRunner().invoke(main, ["datasets", "list"]).output.split()
['cbpp', 'epil', 'infection', 'oats', 'sleepstudy']
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

import click
import pandas as pd

import bayesglmm.datasets as datasets
from bayesglmm import templates
from bayesglmm.errors import ConvergenceWarning, DataError
from bayesglmm.model import Model
from bayesglmm.results.emmeans import build_grid
from bayesglmm.results.fit import Fit
from bayesglmm.studies import CASE_STUDIES


class _Group(click.Group):
    """A command group that turns errors into one readable line unless --debug is given."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except Exception as error:
            if ctx.obj and ctx.obj.get("debug"):
                raise
            click.echo(f"error: {error}".splitlines()[0], err=True)
            sys.exit(2)


@click.group(cls=_Group)
@click.option("--debug", is_flag=True, help="Show full tracebacks.")
@click.pass_context
def main(ctx: click.Context, debug: bool) -> None:
    """Bayesian generalized linear mixed models with lme4/brms formulas."""
    ctx.obj = {"debug": debug}


@main.group(name="datasets")
def datasets_group() -> None:
    """Bundled datasets."""


@datasets_group.command(name="list")
def datasets_list() -> None:
    """List the bundled datasets."""
    for name in datasets.list():
        click.echo(name)


@main.group(name="templates")
def templates_group() -> None:
    """Model templates for classic designs."""


@templates_group.command(name="list")
def templates_list() -> None:
    """List the templates."""
    for row in templates.list().itertuples():
        click.echo(f"{row.name:<20} {row.design} [{row.family}]")


@templates_group.command(name="show")
@click.argument("name")
def templates_show(name: str) -> None:
    """Explain one template: design, formula, roles, random terms and interpretation."""
    click.echo(repr(templates.show(name)))


def _sampling_options(function):
    options = [
        click.option("--draws", default=1000, show_default=True, help="Draws per chain."),
        click.option("--tune", default=1000, show_default=True, help="Warm-up per chain."),
        click.option("--chains", default=4, show_default=True, help="Number of chains."),
        click.option("--seed", default=1, show_default=True, help="Random seed."),
    ]
    for option in reversed(options):
        function = option(function)
    return function


def _fit_and_report(model: Model, out: Path | None, title: str, **sampling) -> Fit:
    click.echo(f"{model}\n")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        fit = model.fit(**sampling)
    click.echo(f"\n{fit}")
    if out is not None:
        click.echo(f"\nReport written to {fit.report(out, title=title)}")
    return fit


@main.command(name="fit")
@click.argument("data", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("formula")
@click.option("--family", default="gaussian", show_default=True, help="Response family.")
@click.option("--link", default=None, help="Link function (the family's default if omitted).")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="HTML report path.")
@click.option(
    "--emmeans",
    "emmeans",
    multiple=True,
    metavar="SPECS",
    help="Print estimated marginal means, e.g. 'treatment' or 'treatment | block' (repeatable).",
)
@click.option(
    "--emmeans-scale",
    type=click.Choice(["response", "link"]),
    default="response",
    show_default=True,
    help="Scale of the marginal means.",
)
@click.option(
    "--emmeans-re",
    type=click.Choice(["none", "marginal"]),
    default="none",
    show_default=True,
    help="'none': a typical unit; 'marginal': averaged over the random effects.",
)
@_sampling_options
def fit_command(
    data: Path,
    formula: str,
    family: str,
    link: str | None,
    out: Path | None,
    emmeans: tuple[str, ...],
    emmeans_scale: str,
    emmeans_re: str,
    **sampling,
) -> None:
    """Fit FORMULA to the CSV file DATA, print the summary and optionally write a report."""
    frame = pd.read_csv(data)
    if frame.empty:
        raise DataError(f"{data} has no rows.")
    model = Model(formula, frame, family=family, link=link)
    for specs in emmeans:
        build_grid(model.spec, specs)  # a wrong factor name fails before sampling
    fit = _fit_and_report(model, out, formula, **sampling)
    for specs in emmeans:
        click.echo(f"\n{fit.emmeans(specs, scale=emmeans_scale, re=emmeans_re)}")


@main.command(name="case-study")
@click.argument("name", type=click.Choice(sorted(CASE_STUDIES)))
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="HTML report path [default: NAME-report.html].",
)
@_sampling_options
def case_study(name: str, out: Path | None, **sampling) -> None:
    """Fit a bundled case study, print the model and its summary, and write its report."""
    study = CASE_STUDIES[name]
    click.echo(f"{study.name}: {study.question}\n")
    report = out or Path(f"{name}-report.html")
    _fit_and_report(study.model(), report, f"Case study: {study.name}", **sampling)
