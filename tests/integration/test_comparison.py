"""LOO, WAIC, compare and Bayesian R^2 against hand computations from the draws."""

import arviz_stats as azs
import numpy as np
import pandas as pd
import pytest
from scipy import special, stats

import bayesglmm as bg
from tests.conftest import quiet_fit


@pytest.fixture(scope="module")
def epil_fits():
    data = bg.datasets.load("epil")
    options = {"draws": 400, "tune": 400, "chains": 2, "seed": 2}
    return {
        family: quiet_fit(bg.Model("y ~ trt + (1 | subject)", data, family=family), **options)
        for family in ("poisson", "negbinomial")
    }


def _stacked(fit, name):
    values = fit.posterior[name].to_numpy()
    return values.reshape(-1, *values.shape[2:])


def test_stored_log_likelihood_is_the_poisson_log_pmf(epil_fits):
    fit = epil_fits["poisson"]
    spec = fit.spec
    eta = (
        _stacked(fit, "b") @ spec.fixed.matrix.T
        + _stacked(fit, "r_subject")[:, spec.groups[0].index, 0]
    )
    expected = stats.poisson.logpmf(spec.response.values, np.exp(eta))
    stored = fit.idata.log_likelihood["y"].to_numpy().reshape(expected.shape)
    assert stored == pytest.approx(expected, rel=1e-10)


def test_loo_is_arviz_psis_loo_on_the_same_log_likelihood(epil_fits):
    fit = epil_fits["negbinomial"]
    with pytest.warns(bg.ConvergenceWarning, match="Pareto k is above"):
        ours = fit.loo()
    reference = azs.loo(fit.idata)
    assert ours.elpd == pytest.approx(reference.elpd, rel=1e-12)
    assert ours.se == pytest.approx(reference.se, rel=1e-12)


def test_waic_matches_its_definition(epil_fits):
    fit = epil_fits["poisson"]
    draws = fit.idata.log_likelihood["y"].to_numpy().reshape(-1, fit.spec.n_obs)
    lppd = special.logsumexp(draws, axis=0) - np.log(draws.shape[0])
    penalty = draws.var(axis=0, ddof=1)
    with pytest.warns(bg.ConvergenceWarning, match="rows have a WAIC penalty above 0.4"):
        table = fit.waic()
    assert table["elpd_waic"] == pytest.approx(np.sum(lppd - penalty), rel=1e-12)
    assert table["p_waic"] == pytest.approx(penalty.sum(), rel=1e-12)
    assert table["waic"] == pytest.approx(-2 * table["elpd_waic"])


def test_compare_prefers_the_negative_binomial_on_epil(epil_fits):
    table = bg.compare(epil_fits)
    assert table.index.tolist() == ["negbinomial", "poisson"]
    assert -table.loc["poisson", "elpd_diff"] > 2 * table.loc["poisson", "dse"]


def test_compare_refuses_fits_to_different_rows(epil_fits):
    data = bg.datasets.load("epil")
    small = quiet_fit(
        bg.Model("y ~ trt + (1 | subject)", data[data["period"] != 4], family="poisson"),
        draws=100,
        tune=100,
        chains=2,
        seed=1,
    )
    with pytest.raises(bg.DataError, match=r"different numbers of rows \(\[177, 236\]\)"):
        bg.compare({"all": epil_fits["poisson"], "small": small})


def test_bayes_r2_of_a_gaussian_model_matches_the_draws():
    model = bg.Model(
        "Reaction ~ Days + (Days | Subject)", bg.datasets.load("sleepstudy"), centered=True
    )
    fit = quiet_fit(model, draws=300, tune=500, chains=2, seed=1)
    spec = fit.spec
    group = spec.groups[0]
    mean = _stacked(fit, "b") @ spec.fixed.matrix.T + np.einsum(
        "snq,nq->sn", _stacked(fit, "r_Subject")[:, group.index], group.values
    )
    explained = mean.var(axis=1, ddof=1)
    r2 = explained / (explained + _stacked(fit, "sigma") ** 2)
    table = fit.r2()
    assert table.loc["R2", "mean"] == pytest.approx(r2.mean(), rel=1e-10)
    assert table.loc["R2", "97.5%"] == pytest.approx(np.quantile(r2, 0.975), rel=1e-10)
    assert isinstance(table, pd.DataFrame)
