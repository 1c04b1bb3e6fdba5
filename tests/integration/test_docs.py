"""The documentation site builds with warnings as errors and holds its pages.

The build is ``bash tools/docs`` (Sphinx, pydata-sphinx-theme, numpydoc, myst-nb); here it
runs into a temporary folder. Needs the ``docs`` extra, which the ``dev`` extra includes.
``-m slow`` also runs every Python snippet of the guide pages.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("sphinx", reason="the docs extra is not installed (pip install -e '.[docs]')")
for _extension in ("pydata_sphinx_theme", "numpydoc", "myst_nb"):
    pytest.importorskip(
        _extension, reason="the docs extra is not installed (pip install -e '.[docs]')"
    )

ROOT = Path(__file__).parents[2]
DOCS = ROOT / "docs"
GUIDE = [
    "getting_started",
    "formulas",
    "families",
    "priors",
    "samplers",
    "predictions",
    "templates",
]
STUDIES = sorted(path.stem for path in (ROOT / "case_studies").glob("*.py"))


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("docs")
    command = [
        sys.executable,
        "-m",
        "sphinx",
        "-W",
        "--keep-going",
        "-q",
        "-b",
        "html",
        "-d",
        str(out / "doctrees"),
        str(DOCS),
        str(out / "html"),
    ]
    result = subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "MPLBACKEND": "Agg"},
    )
    assert result.returncode == 0, f"sphinx failed:\n{result.stdout}\n{result.stderr}"
    return out / "html"


def page(site: Path, name: str) -> str:
    return (site / f"{name}.html").read_text(encoding="utf-8")


def test_every_guide_page_is_built(site):
    for name in ["index", *GUIDE, "case_studies/index", "api/index"]:
        assert (site / f"{name}.html").is_file(), name
    assert "marginal means" in page(site, "predictions").lower()
    assert "emmeans" in page(site, "predictions")


def test_api_reference_documents_top_level_names(site):
    model = page(site, "api/model")
    assert 'id="bayesglmm.Model.fit"' in model
    assert "Draw from the posterior." in model
    assert 'id="bayesglmm.formula"' in model
    fit = page(site, "api/fit")
    for name in ["Fit", "Fit.emmeans", "Fit.predict", "load", "compare"]:
        assert f'id="bayesglmm.{name}"' in fit, name
    assert 'id="bayesglmm.priors.HalfStudentT"' in page(site, "api/priors")
    assert 'id="bayesglmm.datasets.load"' in page(site, "api/datasets")
    assert 'id="bayesglmm.templates.show"' in page(site, "api/templates")
    assert 'id="bayesglmm.FormulaError"' in page(site, "api/errors")
    # objects are documented under their public names only, never by internal module
    ids = set()
    for html in (site / "api").glob("*.html"):
        ids |= set(re.findall(r'id="(bayesglmm\.[^"]+)"', html.read_text(encoding="utf-8")))
    internal = (
        "bayesglmm.results.",
        "bayesglmm.model.",
        "bayesglmm.backend.",
        "bayesglmm.formula.",
    )
    assert not [name for name in ids if name.startswith(internal)]


def test_every_case_study_is_rendered_with_its_outputs(site):
    assert sorted(path.stem for path in (DOCS / "case_studies").glob("*.ipynb")) == STUDIES
    for name in STUDIES:
        html = page(site, f"case_studies/{name}")
        assert "cell_output" in html, name
        assert "<img" in html, name  # its figures


def snippets(name: str) -> list[str]:
    text = (DOCS / f"{name}.md").read_text(encoding="utf-8")
    return re.findall(r"^```python\n(.*?)^```", text, flags=re.DOTALL | re.MULTILINE)


@pytest.mark.slow
@pytest.mark.parametrize("name", GUIDE)
def test_guide_snippets_run(name, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # snippets that write reports and saved fits write here
    monkeypatch.setenv("MPLBACKEND", "Agg")
    namespace: dict = {}
    for code in snippets(name):
        exec(compile(code, f"docs/{name}.md", "exec"), namespace)
