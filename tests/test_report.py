"""The HTML report and notebook printouts, checked by parsing the HTML."""

import base64
from html.parser import HTMLParser

import pytest

import bayesglmm as bg

from .conftest import quiet_fit


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
