"""How user priors resolve over the defaults (bayesglmm.priors.resolve): the most specific
key wins, sources are recorded, and unknown keys or wrong supports are refused."""

import pytest

import bayesglmm as bg
from bayesglmm.naming import broader_keys
from bayesglmm.priors import LKJ, Beta, HalfNormal, HalfStudentT, Normal, StudentT
from bayesglmm.priors.resolve import resolve_priors, user_priors

DEFAULTS = {
    "Intercept": StudentT(3, 0, 2.5),
    "b[x]": Normal(0, 1),
    "b[z]": Normal(0, 2),
    "b_zi[x]": Normal(0, 3),
    "sd[g][Intercept]": HalfStudentT(3, 2.5),
    "sd[g][x]": HalfStudentT(3, 1),
    "sd[h][Intercept]": HalfStudentT(3, 2.5),
    "cor[g]": LKJ(1),
    "cor[h]": LKJ(1),
    "rho[t]": Beta(1, 1),
    "sigma": HalfStudentT(3, 1),
}

VALID_KEYS = (
    "Intercept, b[x], b[z], b_zi[x], sd[g][Intercept], sd[g][x], sd[h][Intercept], cor[g], "
    "cor[h], rho[t], sigma, b, b_zi, sd[g], sd, sd[h], cor, rho"
)

POSITIVE = "HalfNormal, HalfStudentT, HalfCauchy, Exponential, Gamma or InverseGamma"


def test_without_user_priors_every_default_is_kept():
    priors = resolve_priors(DEFAULTS, None)
    assert list(priors) == list(DEFAULTS) and len(priors) == len(DEFAULTS)
    assert dict(priors) == DEFAULTS
    assert {priors.source(key) for key in priors} == {"default"}


def test_a_coefficient_key_beats_the_class_key():
    priors = resolve_priors(DEFAULTS, {"b": Normal(0, 10), "b[x]": Normal(0, 0.5)})
    assert priors["b[x]"] == Normal(0, 0.5)
    assert priors["b[z]"] == Normal(0, 10)
    # "b" is the mean's class; the zero-inflation's coefficients have their own "b_zi"
    assert priors["b_zi[x]"] == Normal(0, 3)
    assert priors["Intercept"] == StudentT(3, 0, 2.5)
    assert [priors.source(k) for k in ("b[x]", "b[z]", "b_zi[x]", "Intercept")] == [
        "user",
        "user",
        "default",
        "default",
    ]


def test_a_parameter_class_key_covers_its_coefficients():
    priors = resolve_priors(DEFAULTS, {"b_zi": Normal(0, 0.1)})
    assert priors["b_zi[x]"] == Normal(0, 0.1) and priors.source("b_zi[x]") == "user"
    assert priors["b[x]"] == Normal(0, 1) and priors.source("b[x]") == "default"


def test_sd_keys_resolve_term_then_group_then_class():
    user = {
        "sd": HalfNormal(9),
        "sd[g]": HalfNormal(5),
        "sd[g][x]": bg.priors.Exponential(2),
    }
    priors = resolve_priors(DEFAULTS, user)
    assert priors["sd[g][x]"] == bg.priors.Exponential(2)
    assert priors["sd[g][Intercept]"] == HalfNormal(5)
    assert priors["sd[h][Intercept]"] == HalfNormal(9)
    assert {priors.source(k) for k in priors if k.startswith("sd")} == {"user"}
    only_class = resolve_priors(DEFAULTS, {"sd": HalfNormal(9)})
    assert [only_class[k] for k in ("sd[g][Intercept]", "sd[g][x]", "sd[h][Intercept]")] == [
        HalfNormal(9)
    ] * 3


def test_cor_and_rho_keys_resolve_group_then_class():
    priors = resolve_priors(DEFAULTS, {"cor": LKJ(4), "cor[g]": LKJ(2), "rho": Beta(2, 2)})
    assert (priors["cor[g]"], priors["cor[h]"], priors["rho[t]"]) == (LKJ(2), LKJ(4), Beta(2, 2))
    assert priors.source("sigma") == "default" and priors.source("cor[h]") == "user"


def test_source_of_an_unknown_key_is_a_key_error():
    with pytest.raises(KeyError):
        resolve_priors(DEFAULTS, None).source("b")


def test_to_frame_and_repr():
    priors = resolve_priors(DEFAULTS, {"b[x]": Normal(0, 0.5)})
    table = priors.to_frame()
    assert table.index.name == "parameter" and table.index.tolist() == list(DEFAULTS)
    assert table.loc["b[x]"].tolist() == ["normal(0, 0.5)", "user"]
    assert table.loc["sigma"].tolist() == ["half_student_t(3, 1)", "default"]
    lines = repr(priors).splitlines()
    assert lines[0] == "Intercept         student_t(3, 0, 2.5)"
    assert lines[1] == "b[x]              normal(0, 0.5)  (user)"
    assert len(lines) == len(DEFAULTS)


# --- refusals -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "hint"),
    [
        ("bb", " Did you mean 'b'?"),
        ("sd[g][z]", " Did you mean 'sd[g][x]'?"),
        ("sigmaa", " Did you mean 'sigma'?"),
        ("phi", ""),
        (
            "b[Intercept]",
            " The intercept has its own key 'Intercept' (its prior applies with predictors "
            "centred, as in brms).",
        ),
    ],
)
def test_an_unknown_key_is_refused_with_the_valid_ones(key, hint):
    with pytest.raises(bg.PriorError) as error:
        resolve_priors(DEFAULTS, {key: Normal(0, 1)})
    assert str(error.value) == f"unknown prior key {key!r}.{hint} Valid keys: {VALID_KEYS}."


def test_b_intercept_without_an_intercept_gets_the_plain_hint():
    defaults = {"b[x]": Normal(0, 1)}
    with pytest.raises(bg.PriorError) as error:
        resolve_priors(defaults, {"b[Intercept]": Normal(0, 1)})
    assert str(error.value) == "unknown prior key 'b[Intercept]'. Valid keys: b[x], b."


@pytest.mark.parametrize(
    ("user", "message"),
    [
        (
            {"sd": Normal(0, 1)},
            "priors['sd'] is Normal(mu=0, sigma=1), a prior on real values, but "
            f"'sd[g][Intercept]' is positive; use {POSITIVE}.",
        ),
        (
            {"sd[h][Intercept]": StudentT(3, 0, 1)},
            "priors['sd[h][Intercept]'] is StudentT(nu=3, mu=0, sigma=1), a prior on real "
            f"values, but 'sd[h][Intercept]' is positive; use {POSITIVE}.",
        ),
        (
            {"Intercept": HalfNormal(1)},
            "priors['Intercept'] is HalfNormal(sigma=1), a prior on positive values, but "
            "'Intercept' is real; use Normal or StudentT.",
        ),
        (
            {"cor": HalfNormal(1)},
            "priors['cor'] is HalfNormal(sigma=1), a prior on positive values, but 'cor[g]' "
            "is correlation; use LKJ.",
        ),
        (
            {"rho": Normal(0, 1)},
            "priors['rho'] is Normal(mu=0, sigma=1), a prior on real values, but 'rho[t]' is "
            "unit; use Beta.",
        ),
        (
            {"sigma": LKJ(2)},
            "priors['sigma'] is LKJ(eta=2), a prior on correlation values, but 'sigma' is "
            f"positive; use {POSITIVE}.",
        ),
    ],
)
def test_a_prior_of_the_wrong_support_is_refused(user, message):
    with pytest.raises(bg.PriorError) as error:
        resolve_priors(DEFAULTS, user)
    assert str(error.value) == message


def test_a_value_that_is_not_a_prior_is_refused():
    with pytest.raises(bg.PriorError) as error:
        resolve_priors(DEFAULTS, {"b": 3})
    assert str(error.value) == (
        "priors['b'] must be a prior such as bg.priors.Normal(0, 1), not int. Available "
        "priors: Normal, StudentT, HalfNormal, HalfStudentT, HalfCauchy, Exponential, Gamma, "
        "InverseGamma, Beta, LKJ, Dirichlet."
    )


def test_priors_must_be_a_mapping():
    assert user_priors(None) == {}
    original = {"b": Normal(0, 1)}
    copy = user_priors(original)
    assert copy == original and copy is not original
    with pytest.raises(bg.PriorError) as error:
        user_priors([Normal(0, 1)])
    assert str(error.value) == (
        "priors must map keys to priors, such as {'b': bg.priors.Normal(0, 1)}, not list; "
        "print(model.priors) lists the keys."
    )


# --- broader_keys -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "broader"),
    [
        ("sd[g][Intercept]", ["sd[g]", "sd"]),
        ("sd[block:plot][x]", ["sd[block:plot]", "sd"]),
        ("sd[g__zi][Intercept]", ["sd[g__zi]", "sd"]),
        ("sd[g][treatment[T.drug]]", ["sd[g]", "sd"]),
        ("b[x]", ["b"]),
        ("b[treatment[T.drug]]", ["b"]),
        ("b_zi[x]", ["b_zi"]),
        ("b_sigma[x:z]", ["b_sigma"]),
        ("cor[g]", ["cor"]),
        ("rho[t]", ["rho"]),
        ("rho[residual]", ["rho"]),
        ("sd[g]", []),
        ("sd", []),
        ("b", []),
        ("Intercept", []),
        ("Intercept_zi", []),
        ("sigma", []),
        ("b_1[x]", []),
    ],
)
def test_broader_keys(key, broader):
    assert broader_keys(key) == broader
