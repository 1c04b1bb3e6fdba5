"""The command line: formula errors with their caret, remedies spelled as flags, ``--debug``
anywhere, dataset export and where reports go."""

import sys
import types

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from click.testing import CliRunner

import bayesglmm as bg
from bayesglmm.cli import cli_spelling, main
from bayesglmm.model import Model
from bayesglmm.results.diagnostics import convergence_messages
from bayesglmm.studies import show


@pytest.fixture
def sleep_csv(tmp_path):
    path = tmp_path / "sleep.csv"
    bg.datasets.load("sleepstudy").to_csv(path, index=False)
    return str(path)


def test_a_formula_error_prints_the_formula_with_a_caret(sleep_csv):
    result = CliRunner().invoke(main, ["fit", sleep_csv, "Reaction ~ Days + (1 | )"])
    assert result.exit_code == 2
    assert result.output.splitlines() == [
        "error: expected a grouping factor after '|', as in '(1 | subject)'",
        "  Reaction ~ Days + (1 | )",
        "                         ^",
    ]


@pytest.mark.parametrize(
    ("option", "value", "line"),
    [
        ("--draws", "0", "draws must be a positive whole number, got 0; for example --draws 1000."),
        (
            "--target-accept",
            "1.5",
            "target_accept must lie between 0 and 1, got 1.5; for example --target-accept 0.95 "
            "against divergences.",
        ),
    ],
)
def test_sampler_errors_name_the_flag(sleep_csv, option, value, line):
    result = CliRunner().invoke(main, ["fit", sleep_csv, "Reaction ~ Days", option, value])
    assert result.exit_code == 2
    assert result.output.splitlines()[-1] == f"error: {line}"


def test_convergence_remedies_are_spelled_as_flags():
    table = pd.DataFrame({"rhat": [1.05], "ess_bulk": [150.0]}, index=["sd_herd[Intercept]"])
    diverging = np.zeros((2, 5), bool)
    diverging[0, 0] = True
    stats = xr.Dataset({"diverging": (("chain", "draw"), diverging)})
    assert [cli_spelling(message) for message in convergence_messages(table, stats)] == [
        "1 of 10 post-warm-up transitions diverged: the sampler could not follow the posterior "
        "everywhere, so the draws may be biased. Raise target_accept (for example "
        "--target-accept 0.95); if divergences remain, try --centered GROUP for grouping "
        "factors with many observations per level, or a tighter prior on the group sds.",
        "R-hat is above 1.01 for 1 parameter (worst: sd_herd[Intercept] at 1.050): the chains "
        "have not mixed. Run longer warm-up and more draws (for example --tune 2000 --draws "
        "2000), and look for weakly identified parameters.",
        "bulk ESS is below 400 for 1 parameter (lowest: sd_herd[Intercept] at 150): means and "
        "intervals are imprecise. Draw more (for example --draws 2000), raise tune, or "
        "reparameterise with --centered GROUP when the low-ESS parameters are group sds.",
    ]


def test_a_remedy_without_a_flag_keeps_its_python_spelling():
    assert cli_spelling("for example fit(time_limit=60)") == "for example fit(time_limit=60)"
    assert cli_spelling("for example fit(tune=500))") == "for example --tune 500)"


@pytest.mark.parametrize("where", ["before", "after"])
def test_debug_shows_the_exception_before_or_after_the_subcommand(sleep_csv, where):
    command = ["fit", sleep_csv, "Reaction ~ Dayz"]
    args = ["--debug", *command] if where == "before" else [*command, "--debug"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 1
    assert isinstance(result.exception, bg.DataError)


def test_debug_works_in_a_nested_group():
    result = CliRunner().invoke(main, ["datasets", "export", "infectoin", "--debug"])
    assert result.exit_code == 1
    assert isinstance(result.exception, bg.DataError)


def test_datasets_export_writes_the_csv_and_refuses_to_overwrite(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    target = tmp_path / "infection.csv"
    written = runner.invoke(main, ["datasets", "export", "infection"])
    assert written.exit_code == 0
    assert written.output.splitlines() == [f"Wrote infection (16 rows) to {target}"]
    expected = bg.datasets.load("infection").to_csv(index=False)
    assert target.read_text() == expected
    target.write_text("mine\n")
    refused = runner.invoke(main, ["datasets", "export", "infection"])
    assert refused.exit_code == 2
    assert refused.output.splitlines() == [
        f"error: {target} already exists; pass --force to replace it, or --out to write elsewhere."
    ]
    assert target.read_text() == "mine\n"
    forced = runner.invoke(main, ["datasets", "export", "infection", "--force"])
    assert forced.exit_code == 0 and target.read_text() == expected
    elsewhere = runner.invoke(main, ["datasets", "export", "cbpp", "--out", "herds.csv"])
    assert elsewhere.output.splitlines() == [f"Wrote cbpp (56 rows) to {tmp_path / 'herds.csv'}"]
    assert (tmp_path / "herds.csv").read_text() == bg.datasets.load("cbpp").to_csv(index=False)


def test_datasets_export_of_an_unknown_name_suggests_one():
    result = CliRunner().invoke(main, ["datasets", "export", "infectoin"])
    assert result.exit_code == 2
    assert result.output.splitlines() == [
        "error: unknown bundled dataset 'infectoin'. Did you mean 'infection'? Known bundled "
        "datasets: cbpp, epil, hsb, infection, oats, sleepstudy."
    ]


def test_case_study_writes_its_report_in_the_current_directory(tmp_path, monkeypatch):
    calls = []
    fit = Model.fit

    def recorded(model, **options):
        calls.append((sorted(model.centered), options["target_accept"]))
        return fit(model, **options)

    monkeypatch.setattr(Model, "fit", recorded)
    monkeypatch.chdir(tmp_path)
    sampling = ["--draws", "100", "--tune", "100", "--chains", "2", "--target-accept", "0.9"]
    result = CliRunner().invoke(
        main, ["case-study", "infection", *sampling, "--centered", "clinic"]
    )
    assert result.exit_code == 0, result.output
    report = tmp_path / "infection-report.html"
    assert result.output.splitlines()[-1] == f"Report written to {report}"
    assert report.exists()
    assert calls == [(["clinic"], 0.9)]
    warnings = result.output.split("\nWarnings:\n")[1].split("\n\nReport written")[0]
    unwrapped = " ".join(line.strip() for line in warnings.splitlines())
    assert "fit(" not in unwrapped
    assert (
        "Draw more (for example --draws 2000), raise tune, or reparameterise with --centered "
        "GROUP when the low-ESS parameters are group sds." in unwrapped
    )


def test_show_prints_in_a_script_and_returns_in_a_notebook(capsys, monkeypatch):
    table = pd.DataFrame({"a": [1, 2]})
    assert show(table) is None
    assert capsys.readouterr().out == f"{table}\n\n"
    notebook = types.SimpleNamespace(get_ipython=lambda: object())
    monkeypatch.setitem(sys.modules, "IPython", notebook)
    assert show(table) is table
    assert capsys.readouterr().out == ""
