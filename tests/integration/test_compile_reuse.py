"""A new Model whose graph a process has compiled before reuses the compiled functions
(bayesglmm.samplers.nutpie_sampler), and its draws are those of a fresh compile."""

import warnings

import numpy as np
import pytest

import bayesglmm as bg
from bayesglmm.samplers import nutpie_sampler

FORMULA = "favorable | trials(n) ~ treatment + (1 | clinic)"


def _fit(data, **arguments) -> tuple[bg.Model, bg.Fit]:
    model = bg.Model(FORMULA, data, **{"family": "binomial", **arguments})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", bg.ConvergenceWarning)
        fit = model.fit(draws=100, tune=100, chains=2, seed=3, progress=False)
    return model, fit


def _logp_fn(model: bg.Model):
    (prepared,) = model._prepared.values()
    return prepared.logp_fn


def _draws(fit: bg.Fit) -> np.ndarray:
    return fit.posterior["b"].to_numpy()


@pytest.fixture
def fresh_process_cache(monkeypatch):
    monkeypatch.setattr(nutpie_sampler, "_compiled_structures", [])


@pytest.fixture
def infection():
    return bg.datasets.load("infection")


def test_a_second_model_of_one_structure_reuses_the_compile_and_draws_the_same(
    fresh_process_cache, infection
):
    first, first_fit = _fit(infection)
    other_data = infection.assign(favorable=np.minimum(infection["favorable"] + 1, infection["n"]))
    second, second_fit = _fit(other_data)
    assert _logp_fn(second) is _logp_fn(first)
    nutpie_sampler._compiled_structures.clear()
    alone, alone_fit = _fit(other_data)
    assert _logp_fn(alone) is not _logp_fn(first)
    np.testing.assert_array_equal(_draws(second_fit), _draws(alone_fit))
    assert not np.array_equal(_draws(first_fit), _draws(second_fit))


@pytest.mark.parametrize(
    "change",
    [
        {"link": "probit"},
        {"priors": {"sd[clinic]": bg.priors.HalfNormal(1)}},
    ],
    ids=["another link", "another prior distribution"],
)
def test_another_link_or_prior_distribution_compiles_its_own(
    fresh_process_cache, infection, change
):
    first, _ = _fit(infection)
    second, _ = _fit(infection, **change)
    assert _logp_fn(second) is not _logp_fn(first)


def test_another_prior_scale_reuses_the_compile_as_prior_parameters_are_data(
    fresh_process_cache, infection
):
    first, _ = _fit(infection, priors={"sd[clinic]": bg.priors.HalfNormal(1)})
    second, second_fit = _fit(infection, priors={"sd[clinic]": bg.priors.HalfNormal(0.2)})
    assert _logp_fn(second) is _logp_fn(first)
    nutpie_sampler._compiled_structures.clear()
    _, alone_fit = _fit(infection, priors={"sd[clinic]": bg.priors.HalfNormal(0.2)})
    np.testing.assert_array_equal(_draws(second_fit), _draws(alone_fit))


def test_fewer_levels_give_the_draws_of_a_fresh_compile(fresh_process_cache, infection):
    _fit(infection)
    fewer = infection[infection["clinic"].isin(sorted(infection["clinic"].unique())[:6])]
    _, reused_fit = _fit(fewer)
    nutpie_sampler._compiled_structures.clear()
    _, alone_fit = _fit(fewer)
    np.testing.assert_array_equal(_draws(reused_fit), _draws(alone_fit))
    assert reused_fit.posterior.sizes["clinic"] == 6
