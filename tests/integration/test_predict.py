"""Predictions: conditional, marginal and none, new levels, chunking and their errors."""

import numpy as np
import pandas as pd
import pytest
from scipy import integrate, special, stats

import bayesglmm as bg
from bayesglmm.results import predict as predict_module
from tests.conftest import quiet_fit

NEW = pd.DataFrame({"treatment": ["control", "drug"], "clinic": [1, 1]})


@pytest.fixture(scope="module")
def infection_fit():
    model = bg.Model(
        "favorable | trials(n) ~ treatment + (1 | clinic)",
        bg.datasets.load("infection"),
        family="binomial",
    )
    return quiet_fit(model, draws=500, tune=500, chains=2, seed=3)


def _draws(fit, name):
    values = fit.posterior[name].to_numpy()
    return values.reshape(-1, *values.shape[2:])


def test_marginal_mean_is_the_integral_over_the_clinic_distribution(infection_fit):
    tree = infection_fit.predict(NEW, re="marginal", summary=False)
    predicted = tree["predictions"]["favorable"].to_numpy().reshape(-1, 2)
    b, sd = _draws(infection_fit, "b"), _draws(infection_fit, "sd_clinic")[:, 0]
    for s in [*range(0, b.shape[0], 50), int(np.argmax(sd))]:
        for row, drug in enumerate([0.0, 1.0]):
            center = b[s, 0] + b[s, 1] * drug
            exact = integrate.quad(
                lambda u, center=center, s=s: (
                    special.expit(center + u) * stats.norm.pdf(u, 0, sd[s])
                ),
                -np.inf,
                np.inf,
            )[0]
            tolerance = 1e-6 if sd[s] < 3 else 2e-4
            assert predicted[s, row] == pytest.approx(exact, abs=tolerance)


def test_marginal_differs_from_a_typical_clinic_on_the_logit_scale(infection_fit):
    marginal = infection_fit.predict(NEW, re="marginal")["mean"].to_numpy()
    typical = infection_fit.predict(NEW, re="none")["mean"].to_numpy()
    b = _draws(infection_fit, "b")
    assert typical == pytest.approx(special.expit(b[:, 0] + b[:, 1] * [[0], [1]]).mean(1))
    assert np.all(np.abs(marginal - 0.5) < np.abs(typical - 0.5))
    assert np.all(np.abs(marginal - typical) > 0.02)


def test_conditional_uses_each_rows_clinic_effect(infection_fit):
    table = infection_fit.predict()
    spec = infection_fit.spec
    b, r = _draws(infection_fit, "b"), _draws(infection_fit, "r_clinic")[:, :, 0]
    eta = b @ spec.fixed.matrix.T + r[:, spec.groups[0].index]
    assert table["mean"].to_numpy() == pytest.approx(special.expit(eta).mean(0))
    assert table.index.equals(spec.row_labels)


def test_new_levels_vary_like_the_population(infection_fit):
    new = pd.DataFrame({"treatment": ["control"] * 2, "clinic": ["new A", "new B"]})
    draws = infection_fit.predict(new, kind="linpred", summary=False, seed=1)
    values = draws["predictions"]["favorable"].to_numpy().reshape(-1, 2)
    b, sd = _draws(infection_fit, "b"), _draws(infection_fit, "sd_clinic")[:, 0]
    expected = np.var(b[:, 0]) + np.mean(sd**2)
    assert np.var(values[:, 0]) == pytest.approx(expected, rel=0.15)
    assert abs(np.corrcoef(values[:, 0] - b[:, 0], values[:, 1] - b[:, 0])[0, 1]) < 0.1


def test_gaussian_marginal_equals_none():
    model = bg.Model("Reaction ~ Days + (Days | Subject)", bg.datasets.load("sleepstudy"))
    fit = quiet_fit(model, draws=200, tune=300, chains=2, seed=1)
    new = pd.DataFrame({"Days": [0, 5], "Subject": [308, 308]})
    assert fit.predict(new, re="marginal")["mean"].to_numpy() == pytest.approx(
        fit.predict(new, re="none")["mean"].to_numpy(), rel=1e-12
    )


def test_chunked_predictions_equal_one_chunk(infection_fit, monkeypatch):
    whole = infection_fit.predict(re="marginal")
    monkeypatch.setattr(predict_module, "MAX_CHUNK_ELEMENTS", 1500)
    chunked = infection_fit.predict(re="marginal")
    pd.testing.assert_frame_equal(whole, chunked)


def test_ndraws_thins_every_chain(infection_fit):
    tree = infection_fit.predict(ndraws=100, summary=False)
    assert dict(tree["predictions"].sizes) == {"chain": 2, "draw": 50, "obs": 16}


def test_response_draws_respect_the_trials(infection_fit):
    new = pd.DataFrame({"treatment": ["drug"], "clinic": [1], "n": [7]})
    tree = infection_fit.predict(new, kind="response", summary=False, seed=2)
    values = tree["predictions"]["favorable"].to_numpy()
    assert values.min() >= 0 and values.max() <= 7
    assert np.all(values == np.round(values))


def test_newdata_is_not_modified(infection_fit):
    new = NEW.copy()
    infection_fit.predict(new, re="marginal")
    pd.testing.assert_frame_equal(new, NEW)


@pytest.mark.parametrize(
    ("newdata", "options", "message"),
    [
        (
            pd.DataFrame({"treatment": ["drug"], "clinic": [99]}),
            {"new_levels": "error"},
            "newdata has levels of 'clinic' that the fit has not seen: '99'. Pass "
            "new_levels='population' to draw their effects from the fitted population "
            "distribution, or re='none' to predict for a typical group.",
        ),
        (
            pd.DataFrame({"treatment": ["placebo"], "clinic": [1]}),
            {},
            "newdata has categories in 'treatment' that the fit has not seen: {'placebo'}. "
            "A fixed effect has no estimate for them; use levels from the fitted data.",
        ),
        (
            pd.DataFrame({"treatment": ["drug"]}),
            {},
            "newdata has no column 'clinic' (used in '(1 | clinic)'). Add it: predictions "
            "need every predictor, grouping factor and offset.",
        ),
        (
            pd.DataFrame({"treatment": ["drug"], "clinic": [1]}),
            {"kind": "response"},
            "newdata has no column 'n' (used in 'trials(n)'). Add it: predictions need "
            "every predictor, grouping factor and offset.",
        ),
        (
            pd.DataFrame({"treatment": ["drug", None], "clinic": [1, 2]}),
            {},
            "newdata has missing values in 'treatment' (1); drop or fill those rows before "
            "predicting.",
        ),
    ],
)
def test_prediction_errors_name_the_column(infection_fit, newdata, options, message):
    with pytest.raises(bg.DataError) as caught:
        infection_fit.predict(newdata, **options)
    assert str(caught.value) == message


def test_unknown_prediction_options_are_listed(infection_fit):
    with pytest.raises(ValueError, match=r"re must be one of 'conditional', 'marginal', 'none'"):
        infection_fit.predict(re="population")
