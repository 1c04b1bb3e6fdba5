"""Bad input: one clear error naming the column or term and what to do."""

import re

import numpy as np
import pandas as pd
import pytest

import bayesglmm as bg

CBPP = "incidence | trials(size) ~ period + (1 | herd)"


@pytest.fixture
def cbpp():
    return bg.datasets.load("cbpp")


def error_of(formula, data, **kwargs):
    with pytest.raises(bg.BayesGLMMError) as caught:
        bg.Model(formula, data, **kwargs)
    return caught.value


def test_missing_column_is_named_with_a_suggestion(cbpp):
    error = error_of("incidence | trials(size) ~ period + (1 | herds)", cbpp, family="binomial")
    assert isinstance(error, bg.DataError)
    assert str(error) == (
        "column 'herds' (used in '(1 | herds)') is not in the data. Did you mean 'herd'? "
        "The data has columns: herd, incidence, size, period."
    )


def test_missing_values_are_an_error_by_default(cbpp):
    cbpp.loc[[3, 7], "size"] = np.nan
    cbpp["herd"] = cbpp["herd"].astype(object)
    cbpp.loc[9, "herd"] = np.nan
    assert str(error_of(CBPP, cbpp, family="binomial")) == (
        "missing values in 'size' (2), 'herd' (1); first rows with missing values: [3, 7, 9]. "
        "Fill or remove them, or pass na_action='drop' to drop those 3 of 56 rows."
    )


def test_na_action_drop_reports_the_dropped_rows(cbpp):
    cbpp.loc[[3, 7], "size"] = np.nan
    with pytest.warns(bg.DataWarning) as caught:
        model = bg.Model(CBPP, cbpp, family="binomial", na_action="drop")
    assert str(caught[0].message) == "dropped 2 of 56 rows with missing values in 'size' (2)."
    assert model.spec.n_obs == 54
    assert model.spec.dropped_rows.tolist() == [3, 7]
    assert "(2 rows with missing values dropped)" in repr(model)


def test_missing_values_in_unused_columns_are_ignored(cbpp):
    model = bg.Model(CBPP, cbpp.assign(notes=np.nan), family="binomial")
    assert model.spec.n_obs == 56


def test_the_callers_data_frame_is_never_modified(cbpp):
    cbpp.loc[3, "size"] = np.nan
    before = cbpp.copy()
    with pytest.warns(bg.DataWarning):
        model = bg.Model(CBPP, cbpp, family="binomial", na_action="drop")
    with pytest.warns(bg.ConvergenceWarning):
        model.fit(draws=20, tune=20, chains=1, seed=1, progress=False)
    pd.testing.assert_frame_equal(cbpp, before)


@pytest.mark.parametrize(
    ("family", "change", "message"),
    [
        (
            "poisson",
            lambda d: d.assign(incidence=d.incidence - 1),
            "response 'incidence' must hold whole counts of 0 or more for family 'poisson'; "
            "row 3 has -1, row 9 has -1, row 12 has -1 (22 rows in all). Fix those values, or "
            "choose a family for real-valued data such as 'gaussian'.",
        ),
        (
            "negbinomial",
            lambda d: d.assign(incidence=d.incidence + 0.5),
            "response 'incidence' must hold whole counts of 0 or more for family 'negbinomial'; "
            "row 0 has 2.5, row 1 has 3.5, row 2 has 4.5 (56 rows in all). Fix those values, or "
            "choose a family for real-valued data such as 'gaussian'.",
        ),
        (
            "beta",
            lambda d: d.assign(incidence=np.r_[0.0, np.full(55, 0.5)]),
            "response 'incidence' must lie strictly between 0 and 1 for family 'beta'; row 0 "
            "has 0. Exact 0s and 1s are impossible under a beta distribution: squeeze the "
            "values, for example (y * (n - 1) + 0.5) / n (Smithson & Verkuilen 2006), or model "
            "them with a zero/one-inflated family.",
        ),
        (
            "gamma",
            lambda d: d.assign(incidence=np.r_[0.0, np.full(55, 0.5)]),
            "response 'incidence' must be greater than 0 for family 'gamma'; row 0 has 0. Zeros "
            "need another family (for example a hurdle model) or a shifted response.",
        ),
        (
            "lognormal",
            lambda d: d.assign(incidence=np.r_[-1.0, np.full(55, 0.5)]),
            "response 'incidence' must be greater than 0 for family 'lognormal'; row 0 has -1. "
            "Zeros need another family (for example a hurdle model) or a shifted response.",
        ),
        (
            "bernoulli",
            lambda d: d.assign(incidence=np.r_[2, np.zeros(55)]),
            "response 'incidence' must be 0 or 1 for family 'bernoulli'; row 0 has 2. Use "
            "family='binomial' with trials() for counts of successes.",
        ),
        (
            "bernoulli",
            lambda d: d.assign(incidence=np.r_[["a", "b", "c"], np.full(53, "a")]),
            "response 'incidence' must have exactly two levels for family 'bernoulli', found 3: "
            "'a', 'b', 'c'. Recode it to two levels or 0/1.",
        ),
        (
            "gaussian",
            lambda d: d.assign(incidence=np.r_[np.inf, np.zeros(55)]),
            "response 'incidence' must be finite for family 'gaussian'; row 0 has inf. Remove or "
            "correct those rows.",
        ),
    ],
)
def test_response_outside_the_support_is_refused(cbpp, family, change, message):
    error = error_of("incidence ~ period + (1 | herd)", change(cbpp), family=family)
    assert str(error) == message


def test_successes_above_trials_are_refused(cbpp):
    error = error_of(CBPP, cbpp.assign(size=cbpp["size"] // 4), family="binomial")
    assert str(error) == (
        "successes 'incidence' exceed trials 'size' in 7 rows; row 2 has 4 successes in 2 "
        "trials. Check that the columns are not swapped (cbind() takes successes and failures)."
    )


def test_binomial_without_trials_says_how_to_give_them(cbpp):
    assert str(error_of("incidence ~ period", cbpp, family="binomial")) == (
        "family 'binomial' needs the number of trials: write the response as "
        "'incidence | trials(n)' or 'cbind(incidence, failures)'."
    )


def test_trials_on_a_family_without_trials_is_refused(cbpp):
    assert str(error_of(CBPP, cbpp, family="poisson")) == (
        "'incidence | trials(size)' gives trials, but family 'poisson' has none; use "
        "family='binomial', or write the response alone."
    )


def test_grouping_factor_with_one_level_is_refused(cbpp):
    assert str(
        error_of("incidence ~ period + (1 | one)", cbpp.assign(one=1), family="poisson")
    ) == (
        "grouping factor 'one' in '(1 | one)' has only one level ('1'); a random effect needs at "
        "least 2 levels, and ideally 5 or more. Remove the term, or model the factor as a fixed "
        "effect."
    )


def test_unknown_family_and_link(cbpp):
    assert str(error_of("incidence ~ period", cbpp, family="poison")) == (
        "unknown family 'poison'. Did you mean 'poisson'? Known families: gaussian, student_t, "
        "lognormal, gamma, beta, bernoulli, binomial, poisson, negbinomial, "
        "zero_inflated_poisson, zero_inflated_negbinomial, hurdle_poisson, hurdle_negbinomial, "
        "beta_binomial, exponential, weibull, inverse_gaussian, cumulative."
    )
    assert str(error_of("incidence ~ period", cbpp, family="poisson", link="logit")) == (
        "family 'poisson' does not support link 'logit'; use one of: log, sqrt."
    )


def test_empty_data_is_refused(cbpp):
    assert str(error_of("incidence ~ period", cbpp.iloc[:0], family="poisson")) == (
        "data has no rows; a model needs at least one observation."
    )


def test_data_must_be_a_data_frame(cbpp):
    assert str(error_of("incidence ~ period", cbpp.to_dict("list"), family="poisson")) == (
        "data must be a DataFrame (pandas, polars, or any table with __dataframe__ or "
        "__arrow_c_stream__), not dict; wrap it with pandas.DataFrame(...)."
    )


def test_collinear_fixed_effects_are_named(cbpp):
    error = error_of("incidence ~ size + x2", cbpp.assign(x2=cbpp["size"] * 2), family="poisson")
    assert str(error) == (
        "the fixed effects are collinear: 'x2' is a combination of earlier columns. Remove the "
        "redundant term, or check for a predictor that is constant or duplicated."
    )


def test_non_finite_transformations_name_the_column(cbpp):
    error = error_of("incidence ~ log(size - 14)", cbpp, family="poisson")
    assert str(error) == (
        "column 'log(size - 14)' of the fixed effects is not finite in rows [0, 1, 2, 3, 11]; "
        "check the transformation (for example the log of zero or of a negative number)."
    )


def test_a_column_twice_in_one_group_is_refused(cbpp):
    error = error_of("incidence ~ period + (1|herd) + (1|herd)", cbpp, family="poisson")
    assert str(error).splitlines()[0] == (
        "'Intercept' varies by 'herd' twice (in '(1|herd)' and '(1|herd)'); include each column "
        "once per grouping factor"
    )


def test_unknown_prior_key_lists_the_valid_keys(cbpp):
    error = error_of(CBPP, cbpp, family="binomial", priors={"b[period2]": bg.priors.Normal(0, 1)})
    assert isinstance(error, bg.PriorError)
    assert str(error) == (
        "unknown prior key 'b[period2]'. Did you mean 'b[period[T.2]]'? Valid keys: Intercept, "
        "b[period[T.2]], b[period[T.3]], b[period[T.4]], sd[herd][Intercept], b, sd[herd], sd."
    )


def test_prior_on_the_intercept_points_to_its_own_key(cbpp):
    error = error_of(CBPP, cbpp, family="binomial", priors={"b[Intercept]": bg.priors.Normal(0, 1)})
    assert "The intercept has its own key 'Intercept'" in str(error)


def test_prior_with_the_wrong_support_is_refused(cbpp):
    error = error_of(CBPP, cbpp, family="binomial", priors={"sd": bg.priors.Normal(0, 1)})
    assert str(error) == (
        "priors['sd'] is Normal(mu=0, sigma=1), a prior on real values, but "
        "'sd[herd][Intercept]' is positive; use HalfNormal, HalfStudentT, HalfCauchy, "
        "Exponential, Gamma or InverseGamma."
    )


def test_prior_that_is_not_a_prior_is_refused(cbpp):
    error = error_of(CBPP, cbpp, family="binomial", priors={"sd": 2.5})
    assert re.match(
        r"priors\['sd'\] must be a prior such as bg.priors.Normal\(0, 1\), not float", str(error)
    )


def test_centered_must_name_grouping_factors(cbpp):
    assert str(error_of(CBPP, cbpp, family="binomial", centered=["hrd"])) == (
        "centered= names ['hrd'], which are not grouping factors of this model. Did you mean "
        "'herd'? The grouping factors are: herd (centered=True centres them all, 'auto' chooses)."
    )


def test_unknown_sampler_is_named(cbpp):
    model = bg.Model(CBPP, cbpp, family="binomial")
    with pytest.raises(bg.SamplerError) as caught:
        model.fit(sampler="nuts")
    assert str(caught.value) == (
        "unknown sampler 'nuts'. Did you mean 'nutpie'? Known samplers: nutpie, pymc, gibbs, auto."
    )


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (
            {"target_accept": 1.5},
            "target_accept must lie between 0 and 1, got 1.5; for example "
            "fit(target_accept=0.95) against divergences.",
        ),
        (
            {"draws": 0},
            "draws must be a positive whole number, got 0; for example fit(draws=1000).",
        ),
        (
            {"draws": 10.0},
            "draws must be a positive whole number, got 10.0; for example fit(draws=1000).",
        ),
        (
            {"chains": True},
            "chains must be a positive whole number, got True; for example fit(chains=4).",
        ),
        (
            {"tune": -1},
            "tune must be a non-negative whole number, got -1; for example fit(tune=1000).",
        ),
        (
            {"seed": -1},
            "seed must be a whole number from 0 to 2**64 - 1, got -1; for example fit(seed=1).",
        ),
        (
            {"seed": 2**70},
            f"seed must be a whole number from 0 to 2**64 - 1, got {2**70}; for "
            "example fit(seed=1).",
        ),
        (
            {"seed": "1"},
            "seed must be a whole number from 0 to 2**64 - 1, got '1'; for example fit(seed=1).",
        ),
        (
            {"tune": 0},
            "nutpie needs at least one warm-up iteration to start its adaptation, got tune=0; "
            "pass tune=1 or more (1000 is the default), or sampler='pymc' or 'gibbs', which can "
            "start from their initial values.",
        ),
    ],
)
def test_bad_sampling_options_are_refused(cbpp, options, message):
    model = bg.Model(CBPP, cbpp, family="binomial")
    with pytest.raises(bg.SamplerError) as caught:
        model.fit(sampler="nutpie", progress=False, **options)
    assert str(caught.value) == message


def test_grouping_factor_named_like_a_model_variable_is_refused(cbpp):
    data = cbpp.assign(sigma=cbpp["herd"])
    error = error_of("incidence ~ period + (1 | sigma)", data, family="gaussian")
    assert str(error) == (
        "grouping factor 'sigma' gives dimension 'sigma', a name bayesglmm uses for a model "
        "variable; rename the column."
    )


def test_censoring_needs_a_censorable_family_and_clear_codes(cbpp):
    times = pd.DataFrame({"t": [1.0, 2.0, 3.0, 4.0], "c": [0, 1, 2, 0], "g": [1, 1, 2, 2]})
    assert str(error_of("t | cens(c) ~ 1", times, family="gamma")) == (
        "'t | cens(c)' censors the response, but family 'gamma' does not support censoring; "
        "use one of: exponential, weibull."
    )
    assert str(error_of("t | cens(c) ~ 1", times, family="weibull")) == (
        "cens(c) must be 0 (event) or 1 (right-censored), true/false, or 'none'/'right'; row 2 "
        "has np.int64(2) (1 such rows). Left and interval censoring are not supported."
    )


def test_ordinal_response_must_be_ordered():
    data = pd.DataFrame({"rating": ["low", "high", "mid", "low"], "x": [1.0, 2.0, 3.0, 4.0]})
    message = str(error_of("rating ~ x", data, family="cumulative"))
    assert message.startswith("response 'rating' must be ordered for family 'cumulative'")
