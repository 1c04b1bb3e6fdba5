"""Registry[T] (bayesglmm.registry): lookup, membership, order, duplicates and the message
an unknown name gets."""

from dataclasses import dataclass

import pytest

import bayesglmm as bg
from bayesglmm.errors import BayesGLMMError, FamilyError, PriorError
from bayesglmm.priors.distributions import PRIORS
from bayesglmm.registry import Registry


@dataclass(frozen=True)
class Colour:
    name: str
    hex: str = ""


RED, TAN, TEAL = Colour("red", "#f00"), Colour("tan", "#d2b48c"), Colour("teal", "#008080")


@pytest.fixture
def colours():
    return Registry("colour", [TEAL, RED, TAN], FamilyError)


def test_lookup_membership_and_get(colours):
    assert colours["red"] is RED and colours["teal"] is TEAL
    assert "tan" in colours and "blue" not in colours
    assert colours.get("tan") is TAN
    assert colours.get("blue") is None
    assert colours.get("blue", RED) is RED


def test_iteration_keeps_the_order_given(colours):
    assert list(colours) == ["teal", "red", "tan"]
    assert list(colours.keys()) == ["teal", "red", "tan"]
    assert list(colours.values()) == [TEAL, RED, TAN]
    assert next(iter(colours.items())) == ("teal", TEAL)
    assert len(colours) == 3
    assert repr(colours) == "Registry(colour: teal, red, tan)"


def test_an_unknown_name_raises_the_registrys_error(colours):
    with pytest.raises(FamilyError) as error:
        colours["rad"]
    assert str(error.value) == (
        "unknown colour 'rad'. Did you mean 'red'? Known colours: teal, red, tan."
    )
    with pytest.raises(FamilyError) as error:
        colours["purple"]
    assert str(error.value) == "unknown colour 'purple'. Known colours: teal, red, tan."


@pytest.mark.parametrize(
    ("key", "shown"), [(3, "int 3"), (None, "NoneType None"), (("red",), "tuple ('red',)")]
)
def test_non_string_keys(colours, key, shown):
    assert key not in colours
    assert colours.get(key) is None and colours.get(key, TAN) is TAN
    with pytest.raises(FamilyError) as error:
        colours[key]
    assert str(error.value) == f"unknown colour {shown}. Known colours: teal, red, tan."


def test_a_near_miss_of_another_type_still_gets_a_hint():
    numbered = Registry("level", [Colour("10")], PriorError)
    with pytest.raises(PriorError) as error:
        numbered[100]
    assert str(error.value) == "unknown level int 100. Did you mean '10'? Known levels: 10."


def test_duplicate_names_are_refused():
    with pytest.raises(BayesGLMMError) as error:
        Registry("colour", [RED, Colour("red", "#ff0000")], FamilyError)
    assert type(error.value) is BayesGLMMError
    assert str(error.value) == "two colours are called 'red'"


def test_key_and_plural():
    by_hex = Registry("shade", [RED, TAN], FamilyError, key=lambda c: c.hex, plural="shadez")
    assert list(by_hex) == ["#f00", "#d2b48c"]
    assert by_hex["#f00"] is RED
    with pytest.raises(FamilyError) as error:
        by_hex["#f01"]
    assert (
        str(error.value)
        == "unknown shade '#f01'. Did you mean '#f00'? Known shadez: #f00, #d2b48c."
    )
    with pytest.raises(BayesGLMMError, match=r"^two shadez are called '#f00'$"):
        Registry("shade", [RED, RED], FamilyError, key=lambda c: c.hex, plural="shadez")


def test_the_registry_is_read_only(colours):
    with pytest.raises(TypeError):
        colours["blue"] = Colour("blue")


def test_the_prior_class_registry():
    assert PRIORS.kind == "prior class" and PRIORS.plural == "prior classes"
    assert PRIORS["Normal"] is bg.priors.Normal
    with pytest.raises(PriorError) as error:
        PRIORS["Normall"]
    assert str(error.value) == (
        "unknown prior class 'Normall'. Did you mean 'Normal'? Known prior classes: Normal, "
        "StudentT, HalfNormal, HalfStudentT, HalfCauchy, Exponential, Gamma, InverseGamma, "
        "Beta, LKJ, Dirichlet."
    )
