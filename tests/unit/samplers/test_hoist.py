"""Samplers' shared pieces: hoisting data-only work out of the log density
(bayesglmm.samplers.hoist), the validation of sampling options and the sampler registry."""

import os

import numpy as np
import pymc as pm
import pytensor
import pytensor.tensor as pt
import pytest
from pytensor.graph.traversal import ancestors, graph_inputs
from pytensor.scalar.math import GammaLn
from pytensor.tensor.elemwise import Elemwise

import bayesglmm as bg
from bayesglmm.samplers import SAMPLERS, get_sampler
from bayesglmm.samplers.hoist import hoist_data_terms
from bayesglmm.samplers.options import SamplingOptions

RNG = np.random.default_rng(20240611)


def gammaln_nodes(outputs) -> int:
    """How many gammaln operations the graphs of ``outputs`` compute."""
    return sum(
        1
        for variable in ancestors(outputs)
        if variable.owner is not None
        and isinstance(variable.owner.op, Elemwise)
        and isinstance(variable.owner.op.scalar_op, GammaLn)
    )


def poisson_logp(log_mu, y):
    """sum(y log mu - mu - lgamma(y + 1)), written out."""
    return pt.sum(y * log_mu - pt.exp(log_mu) - pt.gammaln(y + 1))


def compiled_both_ways(output, parameters, data, rows):
    """The original function, and the hoisted one fed by its precomputed terms."""
    original = pytensor.function([*parameters, *data], output)
    (new_output,), hoisted, new_inputs = hoist_data_terms([output], data, rows)
    precompute = pytensor.function(data, hoisted) if hoisted else None
    rewritten = pytensor.function(
        [*parameters, *data, *new_inputs], new_output, on_unused_input="ignore"
    )

    def hoisted_call(*arguments):
        values = list(precompute(*arguments[len(parameters) :])) if precompute else []
        return rewritten(*arguments, *values)

    return original, hoisted_call, hoisted, new_output


# --- hoist_data_terms ---------------------------------------------------------------------------


def test_the_hoisted_function_gives_the_original_values():
    log_mu, y = pt.dvector("log_mu"), pt.dvector("y")
    original, hoisted_call, _, _ = compiled_both_ways(poisson_logp(log_mu, y), [log_mu], [y], [y])
    for _ in range(5):
        n = int(RNG.integers(1, 40))
        arguments = RNG.normal(size=n), RNG.poisson(3.0, size=n).astype(float)
        np.testing.assert_allclose(hoisted_call(*arguments), original(*arguments), rtol=1e-12)


def test_lgamma_of_the_data_is_hoisted_and_the_parameter_part_is_not():
    log_mu, y = pt.dvector("log_mu"), pt.dvector("y")
    output = poisson_logp(log_mu, y)
    (new_output,), hoisted, new_inputs = hoist_data_terms([output], [y], [y])
    assert len(hoisted) == len(new_inputs) == 1
    term = hoisted[0]
    assert isinstance(term.owner.op.scalar_op, GammaLn)
    # computed from y alone
    assert {v for v in graph_inputs([term]) if not isinstance(v, pt.TensorConstant)} == {y}
    assert new_inputs[0].name == "hoisted_0"
    assert new_inputs[0].type.ndim == 1 and new_inputs[0].type.dtype == "float64"
    # the rewritten graph no longer computes lgamma, and still reads both y and log_mu
    assert gammaln_nodes([output]) == 1 and gammaln_nodes([new_output]) == 0
    assert {log_mu, y, new_inputs[0]} <= set(graph_inputs([new_output]))
    y_values = np.array([0.0, 1, 4, 7])
    np.testing.assert_allclose(
        pytensor.function([y], term)(y_values), [0.0, 0.0, np.log(24), np.log(5040)], rtol=1e-12
    )


def test_a_subgraph_used_twice_is_hoisted_once():
    log_mu, y = pt.dvector("log_mu"), pt.dvector("y")
    lgamma = pt.gammaln(y + 1)
    output = pt.sum(log_mu * lgamma) + pt.sum(lgamma * pt.exp(log_mu))
    _, hoisted_call, hoisted, new_output = compiled_both_ways(output, [log_mu], [y], [y])
    assert hoisted == [lgamma]
    assert gammaln_nodes([new_output]) == 0
    arguments = RNG.normal(size=7), RNG.poisson(2.0, size=7).astype(float)
    expected = pytensor.function([log_mu, y], output)(*arguments)
    np.testing.assert_allclose(hoisted_call(*arguments), expected, rtol=1e-12)


def test_nothing_is_hoisted_without_data_only_work():
    x, y = pt.dvector("x"), pt.dvector("y")
    for output in (pt.sum(x * y), pt.sum(x * y[::-1]), pt.sum(x) * y.shape[0]):
        (new_output,), hoisted, new_inputs = hoist_data_terms([output], [y], [y])
        assert hoisted == [] and new_inputs == []
        arguments = RNG.normal(size=5), RNG.normal(size=5)
        np.testing.assert_allclose(
            pytensor.function([x, y], new_output)(*arguments),
            pytensor.function([x, y], output)(*arguments),
            rtol=1e-12,
        )


def test_small_data_terms_that_are_not_rows_stay_in_place():
    x, y, prior_nu = pt.dvector("x"), pt.dvector("y"), pt.dvector("prior_nu")
    output = pt.sum(x * y) + pt.sum(x) * pt.sum(pt.gammaln(prior_nu + 1))
    (new_output,), hoisted, _ = hoist_data_terms([output], [y, prior_nu], [y])
    assert hoisted == []
    assert gammaln_nodes([new_output]) == 1


def test_pymc_poisson_logp_loses_its_lgamma_and_keeps_its_value():
    eta, y = pt.dvector("eta"), pt.dvector("y")
    output = pm.logp(pm.Poisson.dist(mu=pt.exp(eta)), y).sum()
    original, hoisted_call, hoisted, new_output = compiled_both_ways(output, [eta], [y], [y])
    assert gammaln_nodes([output]) >= 1 and gammaln_nodes([new_output]) == 0
    assert all(eta not in set(graph_inputs([term])) for term in hoisted)
    lgamma = [t for t in hoisted if isinstance(getattr(t.owner.op, "scalar_op", None), GammaLn)]
    assert len(lgamma) == 1
    arguments = RNG.normal(size=30), RNG.poisson(4.0, size=30).astype(float)
    np.testing.assert_allclose(hoisted_call(*arguments), original(*arguments), rtol=1e-12)


# --- SamplingOptions ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (
            {"draws": 0},
            "draws must be a positive whole number, got 0; for example fit(draws=1000).",
        ),
        (
            {"draws": 1.5},
            "draws must be a positive whole number, got 1.5; for example fit(draws=1000).",
        ),
        (
            {"draws": True},
            "draws must be a positive whole number, got True; for example fit(draws=1000).",
        ),
        (
            {"tune": -1},
            "tune must be a non-negative whole number, got -1; for example fit(tune=1000).",
        ),
        (
            {"tune": "500"},
            "tune must be a non-negative whole number, got '500'; for example fit(tune=1000).",
        ),
        (
            {"chains": 0},
            "chains must be a positive whole number, got 0; for example fit(chains=4).",
        ),
        (
            {"seed": -1},
            "seed must be a whole number from 0 to 2**64 - 1, got -1; for example fit(seed=1).",
        ),
        (
            {"seed": 2**64},
            "seed must be a whole number from 0 to 2**64 - 1, got 18446744073709551616; for "
            "example fit(seed=1).",
        ),
        (
            {"seed": 1.0},
            "seed must be a whole number from 0 to 2**64 - 1, got 1.0; for example fit(seed=1).",
        ),
        (
            {"target_accept": 1},
            "target_accept must lie between 0 and 1, got 1; for example "
            "fit(target_accept=0.95) against divergences.",
        ),
        (
            {"cores": 0},
            "cores must be a positive whole number, got 0; for example fit(cores=2), or "
            "cores=None to let the sampler choose.",
        ),
        (
            {"time_limit": 0},
            "time_limit must be a positive number of seconds, got 0; pass for example "
            "fit(time_limit=60), or time_limit=None for no limit.",
        ),
        (
            {"time_limit": float("inf")},
            "time_limit must be a positive number of seconds, got inf; pass for example "
            "fit(time_limit=60), or time_limit=None for no limit.",
        ),
    ],
)
def test_bad_options_are_refused_with_their_message(options, message):
    with pytest.raises(bg.SamplerError) as error:
        SamplingOptions(**options).resolved()
    assert str(error.value) == message


def test_draws_are_checked_before_the_seed():
    with pytest.raises(bg.SamplerError, match=r"^draws must be"):
        SamplingOptions(draws=0, seed=-1).resolved()


def test_resolved_fills_in_cores_and_a_seed(monkeypatch):
    monkeypatch.setattr(os, "cpu_count", lambda: 8)
    options = SamplingOptions(draws=10, tune=0, chains=3, seed=np.int64(5), time_limit=3)
    resolved = options.resolved()
    assert (resolved.cores, resolved.seed, resolved.time_limit) == (3, 5, 3.0)
    assert type(resolved.seed) is int and type(resolved.time_limit) is float
    assert SamplingOptions(chains=16, seed=1).resolved().cores == 8
    assert SamplingOptions(chains=16, cores=2, seed=1).resolved().cores == 2
    monkeypatch.setattr(os, "cpu_count", lambda: None)
    assert SamplingOptions(chains=4, seed=1).resolved().cores == 1
    drawn = SamplingOptions(seed=None).resolved().seed
    assert type(drawn) is int and 0 <= drawn < 2**31
    assert SamplingOptions(seed=2**64 - 1).resolved().seed == 2**64 - 1


# --- the sampler registry -----------------------------------------------------------------------


def test_samplers_in_registry_order():
    assert list(SAMPLERS) == ["nutpie", "pymc", "gibbs", "auto"]
    assert get_sampler("gibbs") is SAMPLERS["gibbs"]
    assert get_sampler("pymc").summary == "NUTS by PyMC"


def test_an_unknown_sampler_names_the_closest_and_the_known_ones():
    with pytest.raises(bg.SamplerError) as error:
        get_sampler("nuts")
    assert str(error.value) == (
        "unknown sampler 'nuts'. Did you mean 'nutpie'? Known samplers: nutpie, pymc, gibbs, auto."
    )
    with pytest.raises(bg.SamplerError) as error:
        get_sampler("metropolis")
    assert str(error.value) == (
        "unknown sampler 'metropolis'. Known samplers: nutpie, pymc, gibbs, auto."
    )
