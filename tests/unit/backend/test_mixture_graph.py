"""The graph of a mixture model: weights, ordered intercepts and their errors, samplers."""

import numpy as np
import pandas as pd
import pytest

import bayesglmm as bg
from bayesglmm.errors import FormulaError, PriorError
from bayesglmm.samplers import ModelParts
from bayesglmm.samplers.gibbs.design import gibbs_ineligibility

MIXTURE = bg.mixture("gaussian", "gaussian")


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    return pd.DataFrame(
        {
            "y": np.r_[rng.normal(0, 1, 30), rng.normal(5, 1, 30)],
            "x": rng.normal(size=60),
            "w": np.r_[np.full(30, 2.0), np.ones(30)],
        }
    )


def _row_logp(model):
    graph = model.graph.model
    logp = graph.compile_logp(vars=[graph.observed_RVs[0]], sum=False)
    return logp(graph.initial_point())[0]


def test_weights_multiply_each_rows_mixture_log_density(data):
    weighted = bg.Model("y | weights(w) ~ x", data, family=MIXTURE)
    plain = bg.Model("y ~ x", data, family=MIXTURE)
    np.testing.assert_allclose(_row_logp(weighted), data["w"] * _row_logp(plain), rtol=1e-12)


def test_ordered_intercepts_start_increasing_and_are_reported(data):
    model = bg.Model("y ~ x", data, family=MIXTURE)
    start = model.graph.model.initial_point()["Intercept_ordered_ordered__"]
    assert start[1] > 0  # the ordered transform's log increment: the second is larger
    assert {"Intercept", "Intercept_mu2"} <= set(model.graph.model.named_vars)
    unordered = bg.Model("y ~ x", data, family=bg.mixture("gaussian", nmix=2, order=None))
    assert "Intercept_ordered" not in unordered.graph.model.named_vars


def test_a_component_without_intercept_cannot_be_ordered(data):
    with pytest.raises(FormulaError) as error:
        bg.Model(bg.formula("y ~ x", "mu2 ~ 0 + x"), data, family=MIXTURE)
    assert str(error.value) == (
        "mixture(gaussian, gaussian) orders the components by their intercepts, but the "
        "formula of mu2 has none; give every component an intercept, or pass order=None "
        "to bg.mixture()."
    )


def test_ordered_intercepts_need_priors_of_one_class(data):
    priors = {"Intercept": bg.priors.StudentT(3, 0, 5), "Intercept_mu2": bg.priors.Normal(0, 5)}
    with pytest.raises(PriorError) as error:
        bg.Model("y ~ x", data, family=MIXTURE, priors=priors)
    assert str(error.value) == (
        "the ordered intercepts of mixture(gaussian, gaussian) need priors of one class, not "
        "Intercept ~ student_t(3, 0, 5), Intercept_mu2 ~ normal(0, 5); use one class with "
        "other parameters, or pass order=None to bg.mixture()."
    )


def test_group_effects_are_non_centred_and_gibbs_gives_its_reason(data):
    data = data.assign(g=np.tile(list("abcdef"), 10))
    model = bg.Model("y ~ x + (1 | g)", data, family=MIXTURE)
    assert (
        model.centring["g"].reason == "non-centred: mixture models keep group effects non-centred"
    )
    assert not model.centered
    parts = ModelParts(model.graph, model.spec, model.family, model.link, model.priors)
    assert gibbs_ineligibility(parts) == (
        "family 'mixture(gaussian, gaussian)' with link 'identity' is not conditionally "
        "conjugate; the Gibbs sampler handles gaussian (identity link), binomial and "
        "bernoulli (logit link) and negbinomial (log link) models. Use sampler='nutpie'."
    )


def test_censoring_and_known_standard_errors_are_refused(data):
    with pytest.raises(FormulaError, match="family 'mixture\\(gaussian, gaussian\\)' does not"):
        bg.Model("y | cens(w) ~ x", data, family=MIXTURE)
    with pytest.raises(FormulaError, match="has no residual sd for them to replace"):
        bg.Model("y | se(w) ~ x", data, family=MIXTURE)
