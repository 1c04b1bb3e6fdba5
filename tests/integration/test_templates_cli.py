"""Templates, simulators and the bayesglmm command line."""

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

import bayesglmm as bg
from bayesglmm.cli import main

TEMPLATES = [
    "multicentre_trial",
    "patients_in_doctors",
    "rcbd",
    "repeated_measures",
    "repeated_measures_ar1",
    "split_plot",
    "subsampling",
]


def test_every_template_is_listed_with_its_family():
    table = bg.templates.list()
    assert table["name"].tolist() == TEMPLATES
    assert dict(zip(table["name"], table["family"], strict=True)) == {
        "multicentre_trial": "binomial",
        "patients_in_doctors": "bernoulli",
        "rcbd": "gaussian",
        "repeated_measures": "gaussian",
        "repeated_measures_ar1": "gaussian",
        "split_plot": "poisson",
        "subsampling": "gaussian",
    }


def test_every_template_explains_each_random_term_and_role():
    for name in TEMPLATES:
        template = bg.templates.show(name)
        placeholders = {role: role for role in template.roles}
        formula = template.formula_for(placeholders)
        for term in template.random_terms:
            assert term.format(**placeholders) in formula
        text = repr(template)
        assert template.design in text and "Interpretation:" in text


def test_ar1_repeated_measures_template_correlates_residuals_within_subject():
    data = pd.DataFrame(
        {
            "gain": [1.0, 1.4, 2.1, 0.7, 1.1, 1.9, 0.2, 0.8],
            "diet": ["a", "a", "a", "b", "b", "b", "a", "a"],
            "week": [1, 2, 3, 1, 2, 3, 1, 2],
            "pig": ["p1", "p1", "p1", "p2", "p2", "p2", "p3", "p3"],
        }
    )
    model = bg.Model.from_template(
        "repeated_measures_ar1", data, response="gain", treatment="diet", time="week", subject="pig"
    )
    assert model.formula == "gain ~ diet * week + (1 | pig)"
    assert model.spec.residual.text == "ar1(week | pig)"
    assert model.spec.residual.position.tolist() == [0, 1, 2, 0, 1, 2, 0, 1]
    assert "Residual: ar1({time} | {subject})" in repr(bg.templates.show("repeated_measures_ar1"))


def test_split_plot_template_fits_the_simulated_range_experiment():
    data = bg.datasets.simulate_split_plot(seed=3)
    model = bg.Model.from_template(
        "split_plot",
        data,
        response="count",
        whole_plot_factor="management",
        split_plot_factor="seed_mix",
        block="block",
    )
    assert model.formula == ("count ~ management * seed_mix + (1 | block) + (1 | block:management)")
    assert [g.name for g in model.spec.groups] == ["block", "block:management"]
    assert model.spec.groups[1].n_levels == 28


def test_template_priors_apply_and_user_priors_win():
    data = bg.datasets.load("infection")
    roles = {"successes": "favorable", "trials": "n", "treatment": "treatment", "centre": "clinic"}
    model = bg.Model.from_template("multicentre_trial", data, **roles)
    assert str(model.priors["sd[clinic][Intercept]"]) == "half_normal(1)"
    assert model.priors.source("sd[clinic][Intercept]") == "user"
    override = bg.Model.from_template(
        "multicentre_trial", data, priors={"sd": bg.priors.HalfNormal(2)}, **roles
    )
    assert str(override.priors["sd[clinic][Intercept]"]) == "half_normal(2)"


def test_covariate_lists_are_joined():
    data = bg.datasets.simulate_hospital(seed=2)
    model = bg.Model.from_template(
        "patients_in_doctors",
        data,
        response="remission",
        covariates=["il6", "crp"],
        doctor="doctor",
    )
    assert model.formula == "remission ~ il6 + crp + (1 | doctor)"


def test_missing_and_unknown_roles_are_explained():
    data = bg.datasets.load("sleepstudy")
    with pytest.raises(bg.DataError) as caught:
        bg.Model.from_template("rcbd", data, response="Reaction", treatment="Days")
    assert str(caught.value) == (
        "template 'rcbd' needs the role(s) block (block: the block (complete replicate) each "
        "plot belongs to). Pass them as column names, e.g. block='<column>'."
    )
    with pytest.raises(bg.DataError, match="template 'rcbd' has no role\\(s\\) plot"):
        bg.Model.from_template("rcbd", data, response="y", treatment="t", block="b", plot="p")
    with pytest.raises(bg.DataError, match=r"unknown template 'rcdb'\. Did you mean 'rcbd'\?"):
        bg.templates.show("rcdb")


def test_hospital_simulator_has_the_ucla_shape_and_its_truths():
    data = bg.datasets.simulate_hospital(seed=1)
    assert 7_500 < len(data) < 9_500
    assert (data["doctor"].nunique(), data["hospital"].nunique()) == (407, 35)
    assert data.groupby("doctor")["hospital"].nunique().max() == 1
    assert set(data["remission"].unique()) == {0, 1}
    low, high = data.groupby("stage", observed=True)["remission"].mean()[["I", "IV"]]
    assert low > high
    assert data["tumors"].mean() == pytest.approx(
        np.exp(0.4 + 0.5**2 / 2) * np.mean(np.exp([0, 0.2, 0.45, 0.8]) @ [0.3, 0.35, 0.25, 0.1]),
        rel=0.15,
    )


def test_cli_fit_prints_the_summary_and_writes_a_report(tmp_path):
    path = tmp_path / "sleep.csv"
    bg.datasets.load("sleepstudy").to_csv(path, index=False)
    report = tmp_path / "report.html"
    result = CliRunner().invoke(
        main,
        [
            "fit",
            str(path),
            "Reaction ~ Days + (1 | Subject)",
            "--draws",
            "200",
            "--tune",
            "200",
            "--chains",
            "2",
            "--out",
            str(report),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "Regression Coefficients:" in result.output
    assert report.exists() and "<img" in report.read_text()


def test_cli_errors_are_one_line_with_exit_code_2(tmp_path):
    path = tmp_path / "sleep.csv"
    bg.datasets.load("sleepstudy").to_csv(path, index=False)
    result = CliRunner().invoke(main, ["fit", str(path), "Reaction ~ Dayz + (1 | Subject)"])
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [
        "error: column 'Dayz' (used in 'Dayz') is not in the data. Did you mean "
        "'Days'? The data has columns: Reaction, Days, Subject."
    ]


def test_cli_lists_and_shows_templates():
    runner = CliRunner()
    listed = runner.invoke(main, ["templates", "list"]).output.splitlines()
    assert [line.split()[0] for line in listed] == TEMPLATES
    shown = runner.invoke(main, ["templates", "show", "split_plot"]).output
    assert "whole plots: the experimental unit of the whole-plot factor" in shown
    missing = runner.invoke(main, ["templates", "show", "latin_square"])
    assert missing.exit_code == 2


def test_frame_roles_do_not_modify_the_data():
    data = bg.datasets.load("infection")
    before = data.copy()
    bg.Model.from_template(
        "multicentre_trial",
        data,
        successes="favorable",
        trials="n",
        treatment="treatment",
        centre="clinic",
    )
    pd.testing.assert_frame_equal(data, before)
