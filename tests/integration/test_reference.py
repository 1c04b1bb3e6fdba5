"""Default priors do not pull estimates off what the data say: agreement with brms.

For every shared dataset, the posterior means of the fixed effects, group
standard deviations (and correlations and residual sd where brms reports
them) must lie within 0.25 posterior sd of brms 2.18's posterior means
(Stan NUTS with brms's default priors). Both sides carry Monte Carlo error of
about 0.05 sd, so 0.25 sd leaves room for chance but not for a biased prior.
"""

import re

import pytest

import bayesglmm as bg
from tests.conftest import quiet_fit, reference

TOLERANCE_SD = 0.25


def our_label(brms_name: str) -> str:
    """Map a brms parameter name onto the row label of ``Fit.summary()``."""
    if brms_name.startswith("b_"):
        coef = brms_name[2:]
        for pattern, replacement in [
            (r"^period(\d)$", r"period[T.\1]"),
            (r"trtprogabide", "trt[T.progabide]"),
            (r"^treatmentdrug$", "treatment[T.drug]"),
        ]:
            coef = re.sub(pattern, replacement, coef)
        return f"b[{coef}]"
    if brms_name.startswith("sd_"):
        group, term = brms_name[3:].split("__")
        return f"sd_{group}[{term}]"
    if brms_name.startswith("cor_"):
        group, first, second = brms_name[4:].split("__")
        return f"cor_{group}[{first},{second}]"
    return brms_name


@pytest.mark.parametrize("name", ["cbpp", "epil", "infection", "sleepstudy"])
def test_posterior_means_match_brms(name):
    ref = reference(name)
    model = bg.Model(ref["formula"], bg.datasets.load(name), family=ref["family"])
    summary = quiet_fit(model, draws=1000, tune=1000, chains=4, seed=20).summary()
    for row in ref["brms"]["summary"]:
        label = our_label(row["variable"])
        distance = (summary.loc[label, "mean"] - row["mean"]) / row["sd"]
        assert abs(distance) < TOLERANCE_SD, f"{name} {label}: {distance:+.2f} posterior sds"
        assert summary.loc[label, "sd"] == pytest.approx(row["sd"], rel=0.2), label


def test_infection_agrees_with_the_published_maximum_likelihood():
    """Beitler & Landis (1985) by adaptive quadrature: -1.1974, 0.7385, clinic variance 1.9282.

    The posterior of the drug effect is nearly symmetric, so its mean sits near the ML
    estimate; the intercept and the clinic sd are estimated from 8 clinics, so only a
    loose check applies to them.
    """
    model = bg.Model(
        "favorable | trials(n) ~ treatment + (1 | clinic)",
        bg.datasets.load("infection"),
        family="binomial",
    )
    fit = quiet_fit(model, draws=1000, tune=1000, chains=4, seed=21)
    fixef = fit.fixef()
    assert abs(fixef.loc["treatment[T.drug]", "mean"] - 0.7385) < 0.1
    assert abs(fixef.loc["Intercept", "mean"] - (-1.1974)) < 0.25 * fixef.loc["Intercept", "sd"]
    clinic_sd = fit.varcorr().set_index("group").loc["clinic"]
    assert clinic_sd["2.5%"] < 1.9282**0.5 < clinic_sd["97.5%"]
