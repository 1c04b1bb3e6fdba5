"""The ``bayesglmm`` command line.

Errors print as one line (a formula error adds the formula with a caret under the
offending place) and exit with status 2; ``--debug``, before or after the subcommand,
shows the traceback. Remedies the package spells in Python, such as ``fit(tune=2000)``,
are shown as this command line's flags (:data:`CLI_FLAGS`).

Examples
--------
>>> from click.testing import CliRunner
>>> CliRunner().invoke(main, ["datasets", "list"]).output.split()
['cbpp', 'epil', 'hsb', 'infection', 'oats', 'sleepstudy']
"""

from __future__ import annotations

import re
import sys
import warnings
from collections.abc import Callable
from pathlib import Path

import click
import pandas as pd

import bayesglmm.datasets as datasets
from bayesglmm import templates
from bayesglmm.errors import ArgumentError, ConvergenceWarning, DataError, FormulaError
from bayesglmm.model import Model
from bayesglmm.power import power
from bayesglmm.results.fit import Fit
from bayesglmm.results.reference_grid import build_grid
from bayesglmm.studies import CASE_STUDIES

CLI_FLAGS = {
    "draws": "--draws",
    "tune": "--tune",
    "chains": "--chains",
    "seed": "--seed",
    "target_accept": "--target-accept",
    "centered": "--centered",
}
"""The flag of each ``fit()`` and ``Model()`` argument the command line takes."""

_FIT_CALL = re.compile(r"\bfit\(([^()]*)\)")
_LIST_ARGUMENT = re.compile(r"\b(\w+)=\[\.\.\.\]")


def cli_spelling(text: str) -> str:
    """``text`` with its Python remedies written as :data:`CLI_FLAGS`.

    ``fit(name=value, ...)`` becomes ``--name value ...`` when the command line has a flag
    for every argument (``fit(time_limit=60)`` stays as it is), and a list of grouping
    factors such as ``centered=[...]`` becomes ``--centered GROUP``.

    Examples
    --------
    >>> cli_spelling("Run longer (for example fit(tune=2000, draws=2000)).")
    'Run longer (for example --tune 2000 --draws 2000).'
    >>> cli_spelling("try centered=[...] or fit(time_limit=60)")
    'try --centered GROUP or fit(time_limit=60)'
    """

    def flags(call: re.Match[str]) -> str:
        pairs = [argument.partition("=") for argument in call.group(1).split(",")]
        if not all(equals and name.strip() in CLI_FLAGS for name, equals, _ in pairs):
            return call.group(0)
        return " ".join(f"{CLI_FLAGS[name.strip()]} {value.strip()}" for name, _, value in pairs)

    def listed(argument: re.Match[str]) -> str:
        flag = CLI_FLAGS.get(argument.group(1))
        return f"{flag} GROUP" if flag else argument.group(0)

    return _LIST_ARGUMENT.sub(listed, _FIT_CALL.sub(flags, text))


def _error_text(error: Exception) -> str:
    """The message printed for ``error``: its first line, or all of a formula error with a
    caret under the offending place."""
    text = cli_spelling(f"error: {error}")
    if isinstance(error, FormulaError) and error.position is not None:
        return text
    return text.splitlines()[0]


def _enable_debug(ctx: click.Context, _: click.Parameter, value: bool) -> None:
    if value:
        ctx.find_root().ensure_object(dict)["debug"] = True


def _debug_option() -> click.Option:
    return click.Option(
        ["--debug"],
        is_flag=True,
        expose_value=False,
        callback=_enable_debug,
        help="Show full tracebacks.",
    )


class _Command(click.Command):
    """A command that takes ``--debug`` after its name too."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.params.append(_debug_option())


class _Group(click.Group):
    """A command group that turns errors into one readable message unless --debug is given."""

    command_class = _Command
    group_class = type

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.params.append(_debug_option())

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except Exception as error:
            if (ctx.find_root().obj or {}).get("debug"):
                raise
            click.echo(_error_text(error), err=True)
            sys.exit(2)


@click.group(cls=_Group)
def main() -> None:
    """Bayesian generalized linear mixed models with lme4/brms formulas."""


@main.group(name="datasets")
def datasets_group() -> None:
    """Bundled datasets."""


@datasets_group.command(name="list")
def datasets_list() -> None:
    """List the bundled datasets."""
    for name in datasets.list():
        click.echo(name)


@datasets_group.command(name="export")
@click.argument("name")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="CSV path [default: NAME.csv in the current directory].",
)
@click.option("--force", is_flag=True, help="Replace an existing file.")
def datasets_export(name: str, out: Path | None, force: bool) -> None:
    """Write the bundled dataset NAME as a CSV file, ready for ``bayesglmm fit``."""
    frame = datasets.load(name)
    path = (out or Path(f"{name}.csv")).resolve()
    if path.exists() and not force:
        raise ArgumentError(
            f"{path} already exists; pass --force to replace it, or --out to write elsewhere."
        )
    frame.to_csv(path, index=False)
    click.echo(f"Wrote {name} ({len(frame)} rows) to {path}")


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


def _sampling_options(function: Callable) -> Callable:
    """Add the sampler's and the parametrisation's options to a fitting command."""
    options = [
        click.option("--draws", default=1000, show_default=True, help="Draws per chain."),
        click.option("--tune", default=1000, show_default=True, help="Warm-up per chain."),
        click.option("--chains", default=4, show_default=True, help="Number of chains."),
        click.option("--seed", default=1, show_default=True, help="Random seed."),
        click.option(
            "--target-accept",
            default=0.8,
            show_default=True,
            help="NUTS target acceptance rate; raise it (e.g. 0.95) against divergences.",
        ),
        click.option(
            "--centered",
            multiple=True,
            metavar="GROUP",
            help="Parametrise GROUP's effects centred (repeatable) [default: chosen per "
            "grouping factor].",
        ),
    ]
    for option in reversed(options):
        function = option(function)
    return function


def _fit_and_report(
    model: Model, out: Path | None, title: str, question: str | None = None, **sampling
) -> Fit:
    """Print the model, fit it, print the summary with its remedies spelled as flags and
    write the report (restating ``question``) to ``out``."""
    click.echo(f"{model}\n")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        fit = model.fit(**sampling)
    fit.warnings = [cli_spelling(message) for message in fit.warnings]
    click.echo(f"\n{fit}")
    if out is not None:
        path = fit.report(out, title=title, question=question)
        click.echo(f"\nReport written to {path.resolve()}")
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
    centered: tuple[str, ...],
    **sampling,
) -> None:
    """Fit FORMULA to the CSV file DATA, print the summary and optionally write a report."""
    frame = pd.read_csv(data)
    if frame.empty:
        raise DataError(f"{data} has no rows.")
    model = Model(formula, frame, family=family, link=link, centered=list(centered) or "auto")
    for specs in emmeans:
        build_grid(model.spec, specs)  # a wrong factor name fails before sampling
    fit = _fit_and_report(model, out, formula, **sampling)
    for specs in emmeans:
        click.echo(f"\n{fit.emmeans(specs, scale=emmeans_scale, re=emmeans_re)}")


def _assignments(pairs: tuple[str, ...], option: str) -> dict[str, str]:
    """``NAME=VALUE`` pairs as a dict, refusing any other shape with the option's name."""
    values = {}
    for pair in pairs:
        name, sign, value = pair.partition("=")
        if not sign or not name.strip() or not value.strip():
            raise ArgumentError(
                f"{option} takes NAME=VALUE, such as {option} site=4,8,16; got '{pair}'."
            )
        values[name.strip()] = value.strip()
    return values


def _design_value(text: str) -> object:
    """``4`` or ``4,8,16`` as sizes, ``control,drug`` as levels."""
    parts = [part.strip() for part in text.split(",")]
    if all(part.isdigit() for part in parts):
        numbers = [int(part) for part in parts]
        return numbers[0] if len(numbers) == 1 else numbers
    return parts


def _truth_value(name: str, text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise ArgumentError(f"--truth {name}= takes a number, not '{text}'.") from None


@main.command(name="power")
@click.argument("formula")
@click.option(
    "--family", default=None, help="Response family [default: gaussian, or the template's]."
)
@click.option(
    "--design",
    "design",
    multiple=True,
    metavar="NAME=VALUES",
    required=True,
    help="A size (site=4,8,16; rows_per_site=10) or treatment levels (trt=control,drug); "
    "repeatable.",
)
@click.option(
    "--truth",
    "truth",
    multiple=True,
    metavar="KEY=VALUE",
    required=True,
    help="A true parameter value keyed as priors are ('b[trt[T.drug]]=0.5', 'sd[site]=0.7', "
    "sigma=1); repeatable.",
)
@click.option(
    "--rule", required=True, help="The decision rule, e.g. 'P(b[trt[T.drug]] > 0) > 0.975'."
)
@click.option(
    "--role",
    "roles",
    multiple=True,
    metavar="ROLE=COLUMN",
    help="With a template name as FORMULA: its roles (treatment=trt); repeatable.",
)
@click.option("--nsim", default=200, show_default=True, help="Replicates per design point.")
@click.option("--draws", default=1000, show_default=True, help="Draws per chain of each fit.")
@click.option("--tune", default=1000, show_default=True, help="Warm-up iterations per chain.")
@click.option("--chains", default=2, show_default=True, help="Chains per fit.")
@click.option("--seed", default=1, show_default=True, help="Seed of the whole analysis.")
@click.option(
    "--scheduler", default=None, help="A Dask scheduler address [default: a local cluster]."
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the power curve (PNG) here.",
)
def power_command(
    formula: str,
    family: str | None,
    design: tuple[str, ...],
    truth: tuple[str, ...],
    rule: str,
    roles: tuple[str, ...],
    nsim: int,
    draws: int,
    tune: int,
    chains: int,
    seed: int,
    scheduler: str | None,
    out: Path | None,
) -> None:
    """Bayesian power of a design: simulate, fit and apply RULE, per design point (FORMULA
    is a model formula or a template name)."""
    result = power(
        formula,
        family=family,
        design={
            name: _design_value(value) for name, value in _assignments(design, "--design").items()
        },
        truth={
            name: _truth_value(name, value)
            for name, value in _assignments(truth, "--truth").items()
        },
        rule=rule,
        nsim=nsim,
        client=scheduler,
        roles=_assignments(roles, "--role") or None,
        draws=draws,
        tune=tune,
        chains=chains,
        seed=seed,
    )
    click.echo(result.table.to_string(index=False))
    if out is not None:
        result.plot().savefig(out)
        click.echo(f"\nPower curve written to {out.resolve()}")


@main.command(name="case-study")
@click.argument("name", type=click.Choice(sorted(CASE_STUDIES)))
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="HTML report path [default: NAME-report.html in the current directory].",
)
@_sampling_options
def case_study(name: str, out: Path | None, centered: tuple[str, ...], **sampling) -> None:
    """Fit a bundled case study, print the model and its summary, and write its report."""
    study = CASE_STUDIES[name]
    click.echo(f"{study.name}: {study.question}\n")
    report = out or Path(f"{name}-report.html")
    model = study.model(centered=list(centered) or "auto")
    _fit_and_report(model, report, f"Case study: {study.name}", study.question, **sampling)
