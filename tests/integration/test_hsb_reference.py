"""High School and Beyond (7185 students, 160 schools) against brms and mgcv
(``tests/reference/multivariate/make_reference.R``): the bivariate model of mathematics
achievement and SES with school effects correlated across the responses and correlated
residuals, parameter by parameter against brms 2.18; and the partial effect of ``s(SES)``
against mgcv's REML fit. Both fits are long (about 1.5 minutes each), so both tests are
``slow``."""

import json
from pathlib import Path

import numpy as np
import pytest

import bayesglmm as bg
from tests.conftest import quiet_fit

REFERENCE = json.loads(
    (Path(__file__).parents[1] / "reference" / "multivariate" / "hsb.json").read_text()
)
COVARIATES = "Sex + Minority + Sector + (1 | p | School)"
OPTIONS = {"draws": 1000, "tune": 1000, "chains": 4, "seed": 3}


def ours(brms_name: str) -> str:
    """Our name of a brms parameter of the bivariate model."""
    coefficient = {
        "Intercept": "Intercept",
        "SexMale": "Sex[T.Male]",
        "MinorityYes": "Minority[T.Yes]",
        "SectorCatholic": "Sector[T.Catholic]",
    }
    if brms_name.startswith("b_"):
        response, term = brms_name[2:].split("_", 1)
        return f"b_{response}[{coefficient[term]}]"
    if brms_name.startswith("sd_School__"):
        return f"sd_School__{brms_name.split('__')[1].split('_')[0]}[Intercept]"
    if brms_name.startswith("cor_"):
        return "cor_School__id_p[MathAch_Intercept,SES_Intercept]"
    if brms_name.startswith("rescor"):
        return "rescor[MathAch,SES]"
    return brms_name


@pytest.fixture(scope="module")
def data():
    return bg.datasets.load("hsb")


def test_bivariate_model_matches_brms(data):
    formula = bg.formula(f"MathAch ~ {COVARIATES}") + bg.formula(f"SES ~ {COVARIATES}")
    summary = quiet_fit(bg.Model(formula, data, rescor=True), **OPTIONS).summary()
    for name, reference in REFERENCE["bivariate"].items():
        row = summary.loc[ours(name)]
        # Monte Carlo error of either mean is about 0.04 posterior sds at ESS 700.
        assert abs(row["mean"] - reference["mean"]) < 0.25 * reference["sd"], name
        assert row["sd"] == pytest.approx(reference["sd"], rel=0.15), name


def test_smooth_of_ses_matches_mgcv(data):
    model = bg.Model("MathAch ~ s(SES) + Sex + Minority + Sector + (1 | School)", data)
    fit = quiet_fit(model, **{**OPTIONS, "seed": 2}, target_accept=0.95)
    mgcv = REFERENCE["smooth"]
    effect = fit.smooth_effect("s(SES)", values=mgcv["SES"])
    # The posterior mean is mgcv's line within one posterior sd, and its 95% band holds the
    # line: the band is wider than mgcv's, as it averages over the smoothing sd where REML
    # fixes it (at a straight line here).
    difference = effect["mean"].to_numpy() - np.asarray(mgcv["effect"])
    assert np.all(np.abs(difference) < effect["sd"].to_numpy())
    assert np.all((effect["2.5%"] < mgcv["effect"]) & (mgcv["effect"] < effect["97.5%"]))
