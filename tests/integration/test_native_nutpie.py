"""nutpie's native compile, which large data use (bayesglmm.samplers.nutpie_sampler): it
draws the posterior of the cached compile, with the arrays other than the per-row ones
frozen into it, and compiles again only when one of those changes."""

import warnings

import numpy as np
import pytest

import bayesglmm as bg
from bayesglmm.samplers import nutpie_sampler

SLEEP = "Reaction ~ Days + (Days | Subject)"
CBPP = "incidence | trials(size) ~ period + (1 | herd)"


@pytest.fixture
def native(monkeypatch):
    """Every model takes the native path, whatever its size."""
    monkeypatch.setattr(nutpie_sampler, "NATIVE_WORK", 0)


def _fit(model: bg.Model) -> bg.Fit:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", bg.ConvergenceWarning)
        return model.fit(draws=500, tune=500, chains=2, seed=5, progress=False)


def _agree(first: bg.Fit, second: bg.Fit, sign: float = 1.0) -> None:
    """Fixed effects and sds agree within 4 Monte Carlo standard errors of the difference."""
    a, b = first.summary(), second.summary()
    mcse = np.hypot(a["sd"] / np.sqrt(a["ess_bulk"]), b["sd"] / np.sqrt(b["ess_bulk"]))
    is_sd = a.index.str.startswith("sd_")
    expected = np.where(is_sd, b["mean"], sign * b["mean"])
    assert np.all(np.abs(a["mean"] - expected) < 4 * mcse), (a["mean"], b["mean"])


def _native(model: bg.Model) -> nutpie_sampler.NativeNutpie:
    (prepared,) = model._prepared.values()
    assert isinstance(prepared, nutpie_sampler.NativeNutpie)
    return prepared


def test_native_compile_draws_the_cached_compiles_posterior_and_follows_set_data(monkeypatch):
    data = bg.datasets.load("sleepstudy")
    subset = data[data["Days"] < 8]
    cached = _fit(bg.Model(SLEEP, subset))
    monkeypatch.setattr(nutpie_sampler, "NATIVE_WORK", 0)
    model = bg.Model(SLEEP, data)
    _fit(model)
    model.set_data(subset)
    native_fit = _fit(model)
    assert native_fit.idata.posterior.attrs["sampler"] == "NUTS (nutpie, native compile)"
    assert len(_native(model)._compiled) == 2  # the autoscaled priors changed
    assert native_fit.posterior.sizes["Subject"] == 18
    _agree(native_fit, cached)


def test_native_compile_is_kept_when_only_per_row_data_change(native):
    data = bg.datasets.load("cbpp")
    priors = {"Intercept": bg.priors.Normal(0, 2.5), "b": bg.priors.Normal(0, 2.5)}
    model = bg.Model(CBPP, data, family="binomial", priors=priors)  # none autoscaled
    first = _fit(model)
    model.set_data(data.assign(incidence=data["size"] - data["incidence"]))
    flipped = _fit(model)
    assert len(_native(model)._compiled) == 1
    _agree(flipped, first, sign=-1.0)
