"""The HTML report and notebook printouts, checked by parsing the HTML."""

import base64
from html.parser import HTMLParser

import pytest

import bayesglmm as bg
from tests.conftest import quiet_fit


class _Collector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags, self.images, self.text = [], [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        if tag == "img":
            self.images.append(dict(attrs)["src"])

    def handle_data(self, data):
        self.text.append(data)


def _parse(document: str) -> _Collector:
    collector = _Collector()
    collector.feed(document)
    return collector


@pytest.fixture(scope="module")
def fit():
    model = bg.Model(
        "favorable | trials(n) ~ treatment + (1 | clinic)",
        bg.datasets.load("infection"),
        family="binomial",
    )
    return quiet_fit(model, draws=300, tune=300, chains=2, seed=1)


def test_report_shows_its_tables_and_images(fit, tmp_path):
    path = fit.report(tmp_path / "infection.html", title="Infection trial")
    page = _parse(path.read_text())
    text = " ".join(page.text)
    assert page.tags.count("table") >= 6
    assert len(page.images) == 4
    for source in page.images:
        png = base64.b64decode(source.split(",", 1)[1])
        assert png[:8] == b"\x89PNG\r\n\x1a\n"
        assert int.from_bytes(png[16:20], "big") >= 300
    for expected in [
        "Infection trial",
        "Regression Coefficients",
        "treatment[T.drug]",
        "sd(Intercept)",
        "Diagnostics",
        "p_value",
        "Group-level effects: clinic",
        "Estimated marginal means",
    ]:
        assert expected in text


def test_notebook_printouts_are_tables(fit):
    model_page = _parse(
        bg.Model("Reaction ~ Days + (Days | Subject)", bg.datasets.load("sleepstudy"))._repr_html_()
    )
    assert "student_t(3, 298.5, 140.4)" in " ".join(model_page.text)
    fit_page = _parse(fit._repr_html_())
    assert fit_page.tags.count("table") == 3
    cells = " ".join(fit_page.text)
    estimate = fit.fixef().loc["treatment[T.drug]", "mean"]
    assert f"{estimate:.2f}" in cells


def test_report_restates_the_question_and_labels_priors_as_the_tables_do(fit, tmp_path):
    question = "Does the drug cream raise the odds of a favourable response?"
    path = fit.report(tmp_path / "infection.html", question=question)
    text = path.read_text()
    assert f"<p class='question'>{question}</p>" in text
    table = bg.results.report.prior_table(fit)
    assert table.columns.tolist() == ["parameter", "applies to", "prior", "source"]
    assert table["applies to"].tolist() == [
        "b[Intercept] (predictors centred)",
        "b[treatment[T.drug]]",
        "sd[clinic][Intercept]",
    ]
    priors = text[text.index("<h2>Priors</h2>") : text.index("<h2>Diagnostics</h2>")]
    assert priors.count("<tr") == 4


def test_diagnosis_shows_whole_ess_and_three_decimal_rhat(fit):
    diagnosis = fit.diagnose()
    shown = diagnosis._shown()
    row = diagnosis.table.loc["b[Intercept]"]
    assert shown.loc["b[Intercept]", "ess_bulk"] == f"{row['ess_bulk']:.0f}"
    assert shown.loc["b[Intercept]", "rhat"] == f"{row['rhat']:.3f}"
    assert "." not in shown["ess_tail"].str.cat()
