"""Every case study runs end to end and passes its own checks (with fewer draws).

The scripts in ``case_studies/`` read ``BAYESGLMM_CASE_DRAWS`` (default 1000, the full
run behind the committed notebooks); here they run with 500 draws and 500 warm-up
iterations per chain.
"""

import runpy
import warnings
from pathlib import Path

import pytest

STUDIES = sorted((Path(__file__).parents[2] / "case_studies").glob("*.py"))


@pytest.mark.parametrize("script", STUDIES, ids=[path.stem for path in STUDIES])
def test_case_study_runs_and_its_checks_pass(script, monkeypatch):
    # The full 1000 draws where 500 fall short: sleepstudy's correlation reaches a tail ESS
    # of 400 only with them, infection's intercept has R-hat 1.013 with 500 draws at the
    # study's seed 1 (1.000-1.006 at seeds 2-6, 1.001-1.002 at all six with 1000), and hsb's
    # bivariate model has R-hat 1.011 and bulk ESS 366 with 500 (at most 1.01 and at least
    # 400 with 1000).
    full = script.stem in ("sleepstudy", "infection", "hsb")
    monkeypatch.setenv("BAYESGLMM_CASE_DRAWS", "1000" if full else "500")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        runpy.run_path(str(script), run_name="__main__")


def test_every_required_study_is_present():
    assert [path.stem for path in STUDIES] == [
        "cbpp",
        "epil",
        "hospital",
        "hsb",
        "infection",
        "oats",
        "sleepstudy",
        "split_plot",
    ]
