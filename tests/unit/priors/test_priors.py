"""Default priors follow the documented autoscaling rule; overrides resolve by specificity."""

import numpy as np
import pytest

import bayesglmm as bg
from bayesglmm.priors import LKJ, HalfStudentT, Normal, StudentT


def same_prior(actual, expected):
    """Same class and parameters equal up to rounding."""
    return type(actual) is type(expected) and actual.parameters() == pytest.approx(
        expected.parameters(), rel=1e-12
    )


@pytest.fixture(scope="module")
def sleepstudy_model():
    return bg.Model("Reaction ~ Days + (Days | Subject)", bg.datasets.load("sleepstudy"))


def test_gaussian_defaults_scale_with_the_response_and_predictors(sleepstudy_model):
    data = bg.datasets.load("sleepstudy")
    sd_y, sd_days = np.std(data["Reaction"]), np.std(data["Days"])
    priors = sleepstudy_model.priors
    assert same_prior(priors["Intercept"], StudentT(3, np.mean(data["Reaction"]), 2.5 * sd_y))
    assert same_prior(priors["b[Days]"], Normal(0, 2.5 * sd_y / sd_days))
    assert same_prior(priors["sd[Subject][Intercept]"], HalfStudentT(3, 2.5 * sd_y))
    assert same_prior(priors["sd[Subject][Days]"], HalfStudentT(3, 2.5 * sd_y / sd_days))
    assert same_prior(priors["cor[Subject]"], LKJ(1))
    assert same_prior(priors["sigma"], HalfStudentT(3, sd_y))


def test_logit_defaults_are_on_the_standard_logistic_scale():
    data = bg.datasets.load("infection")
    model = bg.Model("favorable | trials(n) ~ treatment + (1 | clinic)", data, family="binomial")
    pooled = data["favorable"].sum() / data["n"].sum()
    drug = (data["treatment"] == "drug").to_numpy(float)
    assert same_prior(model.priors["Intercept"], StudentT(3, np.log(pooled / (1 - pooled)), 2.5))
    assert same_prior(model.priors["b[treatment[T.drug]]"], Normal(0, 2.5 / np.std(drug)))
    assert model.priors["sd[clinic][Intercept]"] == HalfStudentT(3, 2.5)


def test_without_an_intercept_predictors_scale_by_their_root_mean_square():
    data = bg.datasets.load("epil")
    model = bg.Model("y ~ 0 + trt + lbase", data, family="poisson")
    lbase = data["lbase"].to_numpy()
    assert same_prior(model.priors["b[lbase]"], Normal(0, 2.5 / np.sqrt(np.mean(lbase**2))))
    assert "Intercept" not in model.priors


def test_dispersion_defaults_follow_brms_names():
    data = bg.datasets.load("epil")
    negbin = bg.Model("y ~ trt + (1 | subject)", data, family="negbinomial")
    assert str(negbin.priors["shape"]) == "inv_gamma(0.4, 0.3)"
    student = bg.Model("lbase ~ trt", data, family="student_t")
    assert str(student.priors["nu"]) == "gamma(2, 0.1)"


def test_specific_keys_beat_broad_ones(sleepstudy_model):
    model = bg.Model(
        "Reaction ~ Days + (Days | Subject)",
        bg.datasets.load("sleepstudy"),
        priors={
            "sd": bg.priors.HalfNormal(30),
            "sd[Subject][Days]": bg.priors.Exponential(0.2),
            "b": bg.priors.Normal(0, 10),
            "cor": bg.priors.LKJ(2),
            "sigma": bg.priors.HalfCauchy(20),
        },
    )
    assert str(model.priors["sd[Subject][Intercept]"]) == "half_normal(30)"
    assert str(model.priors["sd[Subject][Days]"]) == "exponential(0.2)"
    assert str(model.priors["b[Days]"]) == "normal(0, 10)"
    assert str(model.priors["cor[Subject]"]) == "lkj(2)"
    assert model.priors.source("sigma") == "user"
    assert model.priors.source("Intercept") == "default"


def test_group_key_covers_all_terms_of_the_group():
    model = bg.Model(
        "Reaction ~ Days + (Days | Subject)",
        bg.datasets.load("sleepstudy"),
        priors={"sd[Subject]": bg.priors.HalfNormal(5)},
    )
    assert model.priors["sd[Subject][Intercept]"] == model.priors["sd[Subject][Days]"]


def test_every_prior_is_printed(sleepstudy_model):
    text = repr(sleepstudy_model)
    for key, prior in sleepstudy_model.priors.items():
        assert f"{key}" in text and str(prior) in text
    table = sleepstudy_model.priors.to_frame()
    assert table.index.tolist() == list(sleepstudy_model.priors)
    assert set(table["source"]) == {"default"}


def test_mixed_prior_classes_on_the_fixed_effects_build_one_vector():
    model = bg.Model(
        "y ~ lbase + trt + (1 | subject)",
        bg.datasets.load("epil"),
        family="poisson",
        priors={"b[lbase]": bg.priors.StudentT(3, 0, 1)},
    )
    assert model.graph.model["b_slopes"].ndim == 1
    assert str(model.priors["b[trt[T.progabide]]"]).startswith("normal(0,")


@pytest.mark.parametrize(
    ("prior", "text"),
    [
        (bg.priors.Normal(0, 2.5), "normal(0, 2.5)"),
        (bg.priors.StudentT(3, 1.5, 2), "student_t(3, 1.5, 2)"),
        (bg.priors.HalfStudentT(3, 1.234567), "half_student_t(3, 1.235)"),
        (bg.priors.Gamma(0.01, 0.01), "gamma(0.01, 0.01)"),
        (bg.priors.LKJ(2), "lkj(2)"),
    ],
)
def test_priors_print_like_brms(prior, text):
    assert str(prior) == text


def test_invalid_prior_parameters_are_refused():
    with pytest.raises(ValueError, match="HalfNormal: sigma must be positive, got -1"):
        bg.priors.HalfNormal(-1)
