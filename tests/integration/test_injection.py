"""Injection attempts: no text a user supplies may run code or write files.

Each attempt tries to create the file ``pwned`` in the working directory (a temporary
one); each must end in one package error and leave no file behind. The attempts reach
the formula through ``bg.Model``, parameter formulas, residual structures, the CLI and
an edited saved fit, and parameters through ``fit.hypothesis``.
"""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

import bayesglmm as bg
from bayesglmm.cli import main
from bayesglmm.formula import FORMULA_CONTEXT
from tests.conftest import quiet_fit

TOUCH = "__import__('os').system('touch pwned')"
PAYLOADS = [
    "I(x**2 + 0*np._pytesttester.os.system('touch pwned'))",
    f"{TOUCH}",
    f"I({TOUCH})",
    "open('pwned', 'w')",
    "I(open('pwned', 'w'))",
    "np.savetxt('pwned', x)",
    "I(np.savetxt('pwned', x))",
    "{exec(\"open('pwned', 'w')\")}",
    "{x.__class__.__mro__}",
    f"C(g, {TOUCH})",
    "log(x, out=open('pwned', 'w'))",
    "{(lambda: open('pwned', 'w'))()}",
    "{[c for c in ().__class__.__base__.__subclasses__()]}",
    "{getattr(np, 'savetxt')('pwned', x)}",
    "Q(open('pwned', 'w'))",
    "{np.log.__globals__}",
    "{x[0]}",
    "log(**{'x': 1})",
    "log(*x)",
]


@pytest.fixture
def data(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    rng = np.random.default_rng(3)
    return pd.DataFrame(
        {
            "y": rng.normal(size=40),
            "n": 5,
            "x": np.arange(40.0) % 7,
            "g": np.repeat(list("abcdefgh"), 5),
        }
    )


def _refused(tmp_path: Path, call) -> bg.BayesGLMMError:
    with pytest.raises(bg.BayesGLMMError) as caught:
        call()
    assert not (tmp_path / "pwned").exists()
    return caught.value


@pytest.mark.parametrize("payload", PAYLOADS)
def test_fixed_part_payloads_are_refused(payload, data, tmp_path):
    _refused(tmp_path, lambda: bg.Model(f"y ~ x + {payload} + (1 | g)", data))


@pytest.mark.parametrize(
    "formula",
    [
        "y ~ x + (I(open('pwned', 'w')) | g)",
        "y ~ x + (1 | open('pwned', 'w'))",
        "y ~ offset(open('pwned', 'w')) + x",
        "I(open('pwned', 'w')) ~ x",
        "y | trials(open('pwned', 'w')) ~ x",
        "cbind(y, I(open('pwned', 'w'))) ~ x",
        "y ~ ar1(open('pwned', 'w') | g)",
        "y ~ x + (1 | gr(g, cov = open('pwned')))",
    ],
)
def test_every_part_of_a_formula_is_checked(formula, data, tmp_path):
    _refused(tmp_path, lambda: bg.Model(formula, data, family="binomial"))


def test_parameter_formulas_and_residual_structures_are_checked(data, tmp_path):
    _refused(tmp_path, lambda: bg.Model(bg.formula("y ~ x", sigma="~ open('pwned', 'w')"), data))
    _refused(tmp_path, lambda: bg.Model("y ~ x", data, residual="ar1(open('pwned') | g)"))


def test_the_refusal_names_the_construct_and_points_at_it(data):
    with pytest.raises(bg.FormulaError) as caught:
        bg.Model("y ~ x + I(x**2 + 0*np._pytesttester.os.system('ls'))", data)
    lines = str(caught.value).splitlines()
    assert lines[0].startswith(
        "'np._pytesttester.os.system' in 'I(x**2 + 0*np._pytesttester.os.system('ls'))' is not "
        "allowed: formulas may use data columns (quote unusual names in backticks, as in `a.b`)"
    )
    assert lines[2].index("^") - 2 == lines[1].index("I(") - 2


def test_a_huge_power_is_refused_before_it_is_computed(data):
    with pytest.raises(bg.FormulaError, match=r"'x \*\* 9 \*\* 9' in 'I\(x\*\*9\*\*9\)' raises"):
        bg.Model("y ~ I(x**9**9)", data)


def test_the_formula_namespace_reaches_no_module():
    numpy_subset = FORMULA_CONTEXT["np"]
    assert not hasattr(numpy_subset, "_pytesttester")
    assert not hasattr(numpy_subset, "savetxt")
    assert numpy_subset.log(np.e) == pytest.approx(1.0)


def test_a_column_named_like_a_called_function_is_refused(data):
    renamed = data.rename(columns={"n": "np"})
    with pytest.raises(bg.DataError, match=r"a column named 'np', which hides the function np\."):
        bg.Model("y ~ np.log(x + 1) + np", renamed)


def test_the_cli_refuses_a_payload(data, tmp_path):
    data.to_csv(tmp_path / "data.csv", index=False)
    result = CliRunner().invoke(
        main, ["fit", "data.csv", "y ~ x + I(open('pwned', 'w')) + (1 | g)", "--draws", "10"]
    )
    assert result.exit_code == 2
    assert result.output.startswith("error: 'open' in 'I(open('pwned', 'w'))' is not allowed")
    assert not (tmp_path / "pwned").exists()


def test_prior_keys_are_looked_up_not_run(data, tmp_path):
    error = _refused(
        tmp_path, lambda: bg.Model("y ~ x", data, priors={TOUCH: bg.priors.Normal(0, 1)})
    )
    assert isinstance(error, bg.PriorError)


@pytest.fixture(scope="module")
def sleep_fit():
    model = bg.Model("Reaction ~ Days + (1 | Subject)", bg.datasets.load("sleepstudy"))
    return quiet_fit(model, draws=100, tune=200, chains=2, seed=1)


@pytest.mark.parametrize(
    "hypothesis",
    [
        f"{TOUCH} > 0",
        "open('pwned', 'w') > 0",
        "b[Days].__class__ > 0",
        "(lambda: 1)() > 0",
        "b[Days][0] > 0",
        "exp(b[Days], out=b[Days]) > 0",
        "9**9**9 > 0",
        "b[Days]**(9**9) > 0",
        "b[Days]**1000 > 0",
        "b[Days] // 2 > 0",
        "sigma if sigma else 0 > 0",
    ],
)
def test_hypothesis_payloads_are_refused(hypothesis, sleep_fit, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    _refused(tmp_path, lambda: sleep_fit.hypothesis(hypothesis))


def test_hypothesis_arithmetic_still_works(sleep_fit):
    days = sleep_fit.posterior["b"].sel(coef="Days").to_numpy().ravel()
    row = sleep_fit.hypothesis("exp(b[Days] / 10) - b[Days]**2 > 1").iloc[0]
    value = np.exp(days / 10) - days**2 - 1
    assert row["estimate"] == pytest.approx(value.mean(), rel=1e-10)


def test_hypothesis_power_names_the_limit(sleep_fit):
    with pytest.raises(bg.FormulaError) as caught:
        sleep_fit.hypothesis("b[Days]**1000 > 0")
    assert str(caught.value) == (
        "'b[Days] ** 1000' in 'b[Days]**1000 > 0' is not allowed: a hypothesis may use "
        "parameters, numbers, + - * /, ** with a number of at most 100 as the power, and exp, "
        "log, sqrt, abs, expit"
    )


def _edit_saved_formula(path: Path, formula: str) -> None:
    """Rewrite the formula in a saved fit's record, as someone sending the file could."""
    for meta in path.rglob("zarr.json"):
        content = json.loads(meta.read_text())
        attributes = content.get("attributes", {})
        if "bayesglmm" in attributes:
            record = json.loads(attributes["bayesglmm"])
            record["formula"] = formula
            attributes["bayesglmm"] = json.dumps(record)
            meta.write_text(json.dumps(content))
            return
    raise AssertionError(f"no record found under {path}")


def test_loading_an_edited_saved_fit_runs_no_code(sleep_fit, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "fit.zarr"
    sleep_fit.save(path)
    _edit_saved_formula(
        path, "Reaction ~ Days + I(Days + 0*np._pytesttester.os.system('touch pwned'))"
    )
    _refused(tmp_path, lambda: bg.load(path))
