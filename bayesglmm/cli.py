"""The ``bayesglmm`` command line.

Errors print as one line and exit with status 2; ``--debug`` shows the traceback.

Examples
--------
>>> from click.testing import CliRunner
>>> CliRunner().invoke(main, ["datasets", "list"]).output.split()
['cbpp', 'epil', 'infection', 'sleepstudy']
"""

from __future__ import annotations

import sys
import warnings

import click

import bayesglmm.datasets as datasets
from bayesglmm.errors import ConvergenceWarning
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


@main.command(name="case-study")
@click.argument("name", type=click.Choice(sorted(CASE_STUDIES)))
@click.option("--draws", default=1000, show_default=True, help="Draws per chain after warm-up.")
@click.option("--tune", default=1000, show_default=True, help="Warm-up iterations per chain.")
@click.option("--chains", default=4, show_default=True, help="Number of chains.")
@click.option("--seed", default=1, show_default=True, help="Random seed.")
def case_study(name: str, draws: int, tune: int, chains: int, seed: int) -> None:
    """Fit a bundled case study and print the model and its summary."""
    study = CASE_STUDIES[name]
    click.echo(f"{study.name}: {study.question}\n")
    model = study.model()
    click.echo(f"{model}\n")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        fit = model.fit(draws=draws, tune=tune, chains=chains, seed=seed)
    click.echo(f"\n{fit}")
