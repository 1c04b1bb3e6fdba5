"""Every name bayesglmm gives a variable, dimension, prior key or label (bayesglmm.naming):
each builder's exact output for a plain name and for one of a modelled parameter."""

import pytest

from bayesglmm import naming
from bayesglmm.naming import smooth_naming

ZI = naming.parameter_suffix("zi")
ZI_GROUP = naming.parameter_group("site", "zi")


def test_constants():
    assert (naming.CHAIN, naming.DRAW, naming.OBS, naming.CUTPOINT, naming.SAMPLE) == (
        "chain",
        "draw",
        "obs",
        "cutpoint",
        "__sample__",
    )
    assert (naming.INTERCEPT, naming.RESIDUAL_RHO, naming.RESIDUAL_RHO_KEY) == (
        "Intercept",
        "rho_residual",
        "rho[residual]",
    )
    assert (naming.OBSERVED_DATA, naming.FALLBACK_RESPONSE) == ("y_observed", "y")


def test_suffix_and_parameter_group():
    assert naming.parameter_suffix(None) == ""
    assert ZI == "_zi" and naming.parameter_suffix("sigma") == "_sigma"
    assert naming.parameter_group("site", None) == "site"
    assert ZI_GROUP == "site__zi"


@pytest.mark.parametrize(
    ("builder", "plain", "suffixed"),
    [
        (naming.coefficients, "b", "b_zi"),
        (naming.intercept, "Intercept", "Intercept_zi"),
        (naming.slopes, "b_slopes", "b_zi_slopes"),
        (naming.coefficient_dim, "coef", "coef_zi"),
        (naming.slope_dim, "slope", "slope_zi"),
        (naming.fixed_design, "X", "X_zi"),
        (naming.offset, "offset", "offset_zi"),
    ],
)
def test_linear_predictor_names(builder, plain, suffixed):
    assert builder() == plain
    assert builder("") == plain
    assert builder(ZI) == suffixed


def test_fixed_design_variants():
    assert naming.fixed_design("", "centred") == "X_centred"
    assert naming.fixed_design("", "means") == "X_means"
    assert naming.fixed_design(ZI, "centred") == "X_zi_centred"
    assert naming.fixed_design(ZI, "means") == "X_zi_means"


@pytest.mark.parametrize(
    ("builder", "plain", "suffixed"),
    [
        (naming.group_sd, "sd_site", "sd_site__zi"),
        (naming.group_effects, "r_site", "r_site__zi"),
        (naming.group_correlation, "cor_site", "cor_site__zi"),
        (naming.group_rho, "rho_site", "rho_site__zi"),
        (naming.standard_normal, "z_site", "z_site__zi"),
        (naming.term_dim, "site_term", "site__zi_term"),
        (naming.second_term_dim, "site_term2", "site__zi_term2"),
        (naming.group_dims, ("site", "site_term", "site_term2"), None),
        (naming.correlation_key, "cor[site]", "cor[site__zi]"),
        (naming.rho_key, "rho[site]", "rho[site__zi]"),
    ],
)
def test_group_names(builder, plain, suffixed):
    assert builder("site") == plain
    if suffixed is not None:
        assert builder(ZI_GROUP) == suffixed
    else:
        assert builder(ZI_GROUP) == ("site__zi", "site__zi_term", "site__zi_term2")


@pytest.mark.parametrize(
    ("builder", "plain", "suffixed"),
    [
        (naming.standard_normal, "z_site__0", "z_site__zi__0"),
        (naming.block_effects, "r_site__0", "r_site__zi__0"),
        (naming.block_cholesky, "L_site__0", "L_site__zi__0"),
        (naming.block_lkj_eta, "cor_site__0__eta", "cor_site__zi__0__eta"),
    ],
)
def test_block_names(builder, plain, suffixed):
    assert builder("site", 0) == plain
    assert builder(ZI_GROUP, 0) == suffixed
    assert builder("site", 12) == plain.replace("__0", "__12")


def test_keys_and_labels():
    assert naming.graph_data("sd_site", "prior_sigma") == "sd_site__prior_sigma"
    assert naming.graph_data(ZI_GROUP, "index") == "site__zi__index"
    assert naming.coefficient_key("x") == "b[x]"
    assert naming.coefficient_key("trt[T.drug]", ZI) == "b_zi[trt[T.drug]]"
    assert naming.sd_key("site", "Intercept") == "sd[site][Intercept]"
    assert naming.sd_key(ZI_GROUP, "x") == "sd[site__zi][x]"
    assert naming.sd_label("site", "x") == "sd_site[x]"
    assert naming.sd_label(ZI_GROUP, "Intercept") == "sd_site__zi[Intercept]"
    assert naming.correlation_label("site", "Intercept", "x") == "cor_site[Intercept,x]"
    assert naming.correlation_label(ZI_GROUP, "a", "b") == "cor_site__zi[a,b]"
    assert naming.effect_label("site", "A1", "x") == "r_site[A1,x]"
    assert naming.effect_label(ZI_GROUP, 3, "Intercept") == "r_site__zi[3,Intercept]"
    assert naming.element_label("Intercept", 2) == "Intercept[2]"
    assert naming.element_label("cutpoint", "1|2") == "cutpoint[1|2]"
    assert naming.parameter_coefficient("zi", "Intercept") == "zi_Intercept"
    assert naming.parameter_coefficient("sigma", "x") == "sigma_x"
    assert naming.structure_term("ar1") == "rho (ar1)"
    assert naming.structure_term("cs") == "rho (cs)"


def test_keys_read_back_by_broader_keys():
    assert naming.broader_keys(naming.sd_key(ZI_GROUP, "x")) == ["sd[site__zi]", "sd"]
    assert naming.broader_keys(naming.coefficient_key("x", ZI)) == ["b_zi"]
    assert naming.broader_keys(naming.coefficient_key("x")) == ["b"]
    assert naming.broader_keys(naming.correlation_key(ZI_GROUP)) == ["cor"]
    assert naming.broader_keys(naming.rho_key("site")) == ["rho"]
    assert naming.broader_keys(naming.RESIDUAL_RHO_KEY) == ["rho"]
    assert naming.broader_keys(naming.intercept(ZI)) == []


def test_smooth_names():
    label = smooth_naming.smooth_label("s", ("x",))
    by = smooth_naming.smooth_label("s", ("x",), smooth_naming.by_level("f", "a b"))
    assert (label, smooth_naming.smooth_label("t2", ("x", "z")), by) == ("sx", "t2xz", "sx:fab")
    assert smooth_naming.smooth_base(by) == "sx" and smooth_naming.smooth_base(label) == "sx"
    block = smooth_naming.smooth_block(label, 1)
    sigma_block = naming.parameter_group(block, "sigma")
    assert (block, sigma_block, smooth_naming.smooth_column(label, 2)) == (
        "sx_1",
        "sx_1__sigma",
        "sx_2",
    )
    assert smooth_naming.smooth_sd(block) == "sds_sx_1"
    assert smooth_naming.smooth_standard_normal(sigma_block) == "zs_sx_1__sigma"
    assert smooth_naming.smooth_dim(block) == "sx_1_basis"
    assert smooth_naming.smooth_sd_key(sigma_block) == "sds[sx_1__sigma]"
    assert smooth_naming.smooth_sd_label(block) == "sds(sx_1)"
    assert naming.broader_keys(smooth_naming.smooth_sd_key(block)) == ["sds"]


def test_monotonic_names():
    term = naming.monotonic_term("dose")
    assert (term, naming.MONOTONIC_COEFFICIENTS, naming.MONOTONIC_DIM) == ("mo(dose)", "bsp", "sp")
    assert naming.coefficient_key(term) == "b[mo(dose)]"
    assert naming.simplex("dose") == "simo_dose"
    assert naming.increment_dim("dose") == "dose_increment"
    assert naming.transition("low", "high") == "low->high"
    assert naming.simplex_key(term) == "simo[mo(dose)]"
    assert naming.broader_keys("b[mo(dose)]") == ["b"]
    assert naming.broader_keys("simo[mo(dose)]") == ["simo"]
