"""Mixture families as data: components, names, parameters, and the errors."""

import re

import pytest

import bayesglmm as bg
from bayesglmm import naming
from bayesglmm.errors import FamilyError, FormulaError
from bayesglmm.families import get_family
from bayesglmm.families.mixture import for_formulas, parse_mixture


def test_components_and_parameters_are_named_as_in_brms():
    family = bg.mixture("gaussian", "student_t", "gaussian")
    assert family.name == "mixture(gaussian, student_t, gaussian)"
    assert family.dispersion_names == ("mu2", "mu3", "sigma1", "sigma2", "nu2", "sigma3", "theta")
    assert family.component_names(2) == {"sigma": "sigma2", "nu": "nu2"}
    assert family.order_means and family.n_components == 3
    assert family.links == ("identity", "log")


def test_nmix_repeats_families_and_order_switches_off():
    assert bg.mixture("poisson", nmix=2).name == "mixture(poisson, poisson)"
    assert bg.mixture("gamma", "lognormal", nmix=[1, 2]).n_components == 3
    unordered = bg.mixture("negbinomial", nmix=2, order=None)
    assert not unordered.order_means
    assert unordered.name == "mixture(negbinomial, negbinomial, order = none)"
    assert not bg.mixture("gamma", nmix=2, order=False).order_means


def test_names_round_trip_through_the_registry_lookup():
    for family in (bg.mixture("poisson", nmix=3), bg.mixture("gamma", nmix=2, order="none")):
        again = parse_mixture(family.name)
        assert again == family
        assert get_family(family.name)[0] == family


def test_name_builders():
    assert naming.component("sigma", 2) == "sigma2"
    assert naming.component(naming.MIXING, 1) == "theta1"
    assert naming.split_component("mu12") == ("mu", 12)
    assert naming.split_component("sigma") is None
    assert naming.split_component("mu0") is None


def test_one_component_is_refused():
    with pytest.raises(FamilyError) as error:
        bg.mixture("gaussian")
    assert str(error.value) == (
        "a mixture needs at least two components, got 1 ('gaussian'); repeat a family "
        "with nmix, e.g. mixture('gaussian', nmix=2)."
    )


ACCEPTED = "gaussian, student_t, lognormal, gamma, beta, binomial, poisson, negbinomial"


def test_unknown_component_family():
    with pytest.raises(FamilyError) as error:
        bg.mixture("gausian", "gaussian")
    assert str(error.value) == (
        "unknown family 'gausian' in mixture(). Did you mean 'gaussian'? A mixture's "
        f"components can be: {ACCEPTED}."
    )


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        (
            "cumulative",
            "ordinal thresholds take the place of the intercepts that order the components",
        ),
        ("zero_inflated_poisson", "it is not supported as a component"),
        ("hurdle_negbinomial", "it is not supported as a component"),
        ("weibull", "censorable families are not supported as components"),
        (
            "bernoulli",
            "a mixture of bernoulli distributions is a bernoulli distribution, so "
            "its components are not identified",
        ),
    ],
)
def test_unsupported_component_family(name, reason):
    with pytest.raises(FamilyError) as error:
        bg.mixture(name, nmix=2)
    assert str(error.value) == (
        f"mixture() cannot take family '{name}': {reason}. A mixture's components can be: "
        f"{ACCEPTED}."
    )


def test_components_of_different_responses_are_refused():
    with pytest.raises(
        FamilyError,
        match=re.escape(
            "a mixture's components must accept the same responses, but 'gaussian' takes any "
            "finite number; 'poisson' takes whole counts 0, 1, 2, ...."
        ),
    ):
        bg.mixture("gaussian", "poisson")


def test_bad_nmix_and_order():
    with pytest.raises(FamilyError, match=re.escape("mixture(nmix=) gives how many times")):
        bg.mixture("poisson", nmix=0)
    with pytest.raises(FamilyError, match=re.escape("mixture(order=) takes 'mu'")):
        bg.mixture("poisson", nmix=2, order="sigma")


def test_theta_formulas_replace_the_simplex():
    family = for_formulas(bg.mixture("gaussian", nmix=3), ["theta3", "sigma2"])
    assert family.dispersion_names[-2:] == ("theta2", "theta3")
    assert family.proportions_modelled
    assert for_formulas(bg.FAMILIES["poisson"], ["zi"]) is bg.FAMILIES["poisson"]


@pytest.mark.parametrize(
    ("name", "message"),
    [
        (
            "theta3",
            "'theta3' has a formula, but mixture(gaussian, gaussian) has 2 components; "
            "model theta2 to theta2.",
        ),
        (
            "mu4",
            "'mu4' has a formula, but mixture(gaussian, gaussian) has 2 components; "
            "model mu2 to mu2.",
        ),
        (
            "theta1",
            "'theta1' has a formula, but component 1 is the reference of the mixing "
            "proportions (its log odds are 0); model theta2 to theta2 instead.",
        ),
        (
            "mu1",
            "'mu1' has a formula, but the mean of component 1 is the model formula's; "
            "write its terms there (bg.formula('y ~ x', 'mu2 ~ z')).",
        ),
    ],
)
def test_formulas_of_components_the_mixture_lacks(name, message):
    with pytest.raises(FormulaError) as error:
        for_formulas(bg.mixture("gaussian", "gaussian"), [name])
    assert str(error.value) == message
