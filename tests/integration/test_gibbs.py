"""Gibbs block samplers: agreement with NUTS, recovery, exact updates, eligibility, layout."""

import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import special, stats

import bayesglmm as bg
from bayesglmm.samplers import ModelParts, auto_choice
from bayesglmm.samplers.gibbs import choose_clusters
from bayesglmm.samplers.gibbs.chain import ChainState
from bayesglmm.samplers.gibbs.design import gibbs_design
from bayesglmm.samplers.gibbs.kernels import group_contribution
from bayesglmm.samplers.gibbs.location import GaussianLocation, JointLocation
from bayesglmm.samplers.gibbs.variances import (
    ScaleUpdate,
    inverse_wishart,
    slice_sample,
)
from tests.conftest import quiet_fit, reference

SHARED_CASES = {
    "cbpp": "binomial",
    "infection": "binomial",
    "sleepstudy": "gaussian",
    "epil": "negbinomial",
}


def parts_of(model: bg.Model) -> ModelParts:
    return ModelParts(model.graph, model.spec, model.family, model.link, model.priors)


@pytest.mark.parametrize(
    "name",
    [
        "cbpp",
        "infection",
        pytest.param("sleepstudy", marks=pytest.mark.slow),
        pytest.param("epil", marks=pytest.mark.slow),
    ],
)
def test_gibbs_and_nuts_agree_on_the_shared_datasets(name):
    """Means within 3 combined Monte Carlo standard errors, posterior sds within 10%.

    The gaussian (sleepstudy) and negative binomial (epil) cases take 4 x 3000 iterations of
    both samplers, so they run under ``-m slow``; CI checks those Gibbs paths by recovery
    (``test_gibbs_recovers_crossed_effects``)."""
    formula = reference(name)["formula"]
    model = bg.Model(formula, bg.datasets.load(name), family=SHARED_CASES[name])
    gibbs = quiet_fit(model, sampler="gibbs", draws=2000, tune=1000, chains=4, seed=4).summary()
    nuts = quiet_fit(model, draws=2000, tune=1000, chains=4, seed=4, target_accept=0.95).summary()
    mcse = np.sqrt(gibbs["sd"] ** 2 / gibbs["ess_bulk"] + nuts["sd"] ** 2 / nuts["ess_bulk"])
    distance = ((gibbs["mean"] - nuts["mean"]) / mcse).abs()
    assert distance.max() < 3, distance.round(2).to_dict()
    ratio = gibbs["sd"] / nuts["sd"]
    assert ratio.between(0.9, 1.1).all(), ratio.round(3).to_dict()


def simulate(kind: str, seed: int) -> tuple[pd.DataFrame, dict[str, float]]:
    """Data with known truths for each Gibbs path."""
    rng = np.random.default_rng(seed)
    n_a, n_h, n = 25, 12, 600
    a = rng.integers(0, n_a, n)
    h = rng.integers(0, n_h, n)
    x = rng.normal(size=n)
    truth = {"b[Intercept]": 0.4, "b[x]": -0.6, "sd_a[Intercept]": 0.7, "sd_h[Intercept]": 0.5}
    eta = (
        truth["b[Intercept]"]
        + truth["b[x]"] * x
        + rng.normal(0, truth["sd_a[Intercept]"], n_a)[a]
        + rng.normal(0, truth["sd_h[Intercept]"], n_h)[h]
    )
    data = pd.DataFrame({"x": x, "a": a, "h": h, "n": 6})
    if kind == "gaussian":
        truth["sigma"] = 0.8
        data["y"] = rng.normal(eta, truth["sigma"])
    elif kind == "bernoulli":
        data["y"] = rng.binomial(1, special.expit(eta))
    elif kind == "binomial":
        data["y"] = rng.binomial(6, special.expit(eta))
    else:
        truth["shape"] = 3.0
        mean = np.exp(eta)
        data["y"] = rng.negative_binomial(truth["shape"], truth["shape"] / (truth["shape"] + mean))
    return data, truth


@pytest.mark.parametrize("kind", ["gaussian", "bernoulli", "binomial", "negbinomial"])
def test_gibbs_recovers_crossed_effects(kind):
    tables = []
    for seed in (31, 32):
        data, truth = simulate(kind, seed)
        response = "y | trials(n)" if kind == "binomial" else "y"
        model = bg.Model(f"{response} ~ x + (1 | a) + (1 | h)", data, family=kind)
        summary = quiet_fit(
            model, sampler="gibbs", draws=1000, tune=500, chains=2, seed=seed
        ).summary()
        table = summary.loc[list(truth)].assign(truth=pd.Series(truth))
        tables.append(table)
    table = pd.concat(tables)
    z = (table["truth"] - table["mean"]) / table["sd"]
    assert z.abs().max() < 4, z.round(2).to_dict()
    covered = (table["2.5%"] < table["truth"]) & (table["truth"] < table["97.5%"])
    assert covered.mean() >= 0.8


def test_gibbs_recovers_correlated_slopes():
    rng = np.random.default_rng(8)
    groups, per_group = 40, 12
    g = np.repeat(np.arange(groups), per_group)
    x = rng.uniform(0, 9, g.size)
    cov = np.array([[25.0**2, 0.5 * 25 * 6], [0.5 * 25 * 6, 6.0**2]])
    effects = rng.multivariate_normal([0, 0], cov, groups)
    y = 250 + 10 * x + effects[g, 0] + effects[g, 1] * x + rng.normal(0, 20, g.size)
    model = bg.Model("y ~ x + (x | g)", pd.DataFrame({"y": y, "x": x, "g": g}))
    summary = quiet_fit(model, sampler="gibbs", draws=1500, tune=500, chains=2, seed=8).summary()
    truth = {
        "b[Intercept]": 250,
        "b[x]": 10,
        "sd_g[Intercept]": 25,
        "sd_g[x]": 6,
        "cor_g[Intercept,x]": 0.5,
        "sigma": 20,
    }
    for name, value in truth.items():
        row = summary.loc[name]
        assert abs(value - row["mean"]) < 3.5 * row["sd"], (name, row["mean"], row["sd"])


def test_half_t_expansion_keeps_the_half_t_prior():
    """With no data the parameter-expanded update must sample half-t(3, 2) itself."""
    update = ScaleUpdate(bg.priors.HalfStudentT(3, 2.0))
    rng = np.random.default_rng(0)
    draws = np.array([update.draw(0.0, 0, 1.0, rng) for _ in range(60_000)])
    halft = stats.t(3, 0, 2.0)
    result = stats.kstest(draws[::30], lambda s: 2 * halft.cdf(s) - 1)
    assert result.pvalue > 0.01


def test_slice_update_keeps_any_sd_prior():
    update = ScaleUpdate(bg.priors.Gamma(3.0, 2.0))
    rng = np.random.default_rng(1)
    current, draws = 1.0, []
    for _ in range(20_000):
        current = update.draw(0.0, 0, current, rng)
        draws.append(current)
    result = stats.kstest(np.array(draws[::10]), stats.gamma(3.0, scale=0.5).cdf)
    assert result.pvalue > 0.01


def test_slice_sampler_draws_from_the_target():
    rng = np.random.default_rng(2)
    current, draws = 0.0, []
    for _ in range(6000):
        current = slice_sample(lambda t: stats.norm.logpdf(t, 1.5, 0.7), current, 1.0, rng)
        draws.append(current)
    assert abs(np.mean(draws) - 1.5) < 0.05
    assert abs(np.std(draws) - 0.7) < 0.05


def test_inverse_wishart_draws_have_the_right_mean():
    rng = np.random.default_rng(3)
    scale = np.array([[2.0, 0.3], [0.3, 1.0]])
    mean = np.mean([inverse_wishart(10, scale, rng) for _ in range(40_000)], axis=0)
    np.testing.assert_allclose(mean, scale / (10 - 2 - 1), rtol=0.03, atol=0.003)


def test_gibbs_refuses_models_that_are_not_conjugate():
    model = bg.Model("y ~ trt + (1 | subject)", bg.datasets.load("epil"), family="poisson")
    with pytest.raises(bg.SamplerError) as caught:
        model.fit(sampler="gibbs")
    assert str(caught.value) == (
        "sampler='gibbs' cannot fit this model: family 'poisson' with link 'log' is not "
        "conditionally conjugate; the Gibbs sampler handles gaussian (identity link), binomial "
        "and bernoulli (logit link) and negbinomial (log link) models. Use sampler='nutpie'."
    )


def test_gibbs_output_has_the_nuts_layout():
    model = bg.Model("Reaction ~ Days + (Days | Subject)", bg.datasets.load("sleepstudy"))
    gibbs = quiet_fit(model, sampler="gibbs", draws=100, tune=100, chains=2, seed=1)
    nuts = quiet_fit(model, draws=100, tune=100, chains=2, seed=1)
    a, b = gibbs.idata.posterior, nuts.idata.posterior
    assert sorted(a.data_vars) == sorted(b.data_vars)
    for name in a.data_vars:
        assert a[name].dims == b[name].dims
    for coord in a.coords:
        np.testing.assert_array_equal(a[coord].values, b[coord].values)
    assert sorted(gibbs.idata.children) == sorted(nuts.idata.children)
    assert gibbs.idata.sample_stats["mh_accept"].dims == ("chain", "draw", "correlated_block")
    assert gibbs.varcorr()[["group", "term", "term2"]].values.tolist() == (
        nuts.varcorr()[["group", "term", "term2"]].values.tolist()
    )


def test_gibbs_is_reproducible_with_a_seed():
    model = bg.Model(
        "favorable | trials(n) ~ treatment + (1 | clinic)",
        bg.datasets.load("infection"),
        family="binomial",
    )
    first = quiet_fit(model, sampler="gibbs", draws=100, tune=50, chains=2, seed=9)
    second = quiet_fit(model, sampler="gibbs", draws=100, tune=50, chains=2, seed=9)
    np.testing.assert_array_equal(first.idata.posterior["b"], second.idata.posterior["b"])


def test_auto_chooses_gibbs_only_where_it_applies(capsys):
    counts = bg.Model("y ~ trt + (1 | subject)", bg.datasets.load("epil"), family="poisson")
    with pytest.warns(bg.ConvergenceWarning):
        fit = counts.fit(sampler="auto", draws=50, tune=50, chains=1, seed=1)
    assert fit.idata.posterior.attrs["sampler"] == "NUTS (nutpie), chosen by sampler='auto'"
    assert "sampler='auto' chose NUTS (nutpie): no Gibbs sampler applies: family 'poisson'" in (
        capsys.readouterr().err
    )


def test_auto_keeps_small_conjugate_designs_on_nuts_and_large_ones_on_gibbs(capsys):
    sleep = bg.Model("Reaction ~ Days + (1 | Subject)", bg.datasets.load("sleepstudy"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", bg.ConvergenceWarning)
        fit = sleep.fit(sampler="auto", draws=50, tune=50, chains=1, seed=1)
    assert fit.idata.posterior.attrs["sampler"] == "NUTS (nutpie), chosen by sampler='auto'"
    herds = bg.Model(
        "incidence | trials(size) ~ period + (1 | herd)",
        bg.datasets.load("cbpp"),
        family="binomial",
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", bg.ConvergenceWarning)
        herds.fit(sampler="auto", draws=50, tune=50, chains=1, seed=1)
    printed = capsys.readouterr().err
    assert (
        "sampler='auto' chose NUTS (nutpie): the gaussian model with identity link is conjugate "
        "but has 180 rows (< 5000), where NUTS gets more effective draws per second"
    ) in printed
    assert (
        "sampler='auto' chose NUTS (nutpie): the binomial model with logit link is conjugate "
        "after Polya-Gamma augmentation but has 56 rows (< 5000), where NUTS gets more "
        "effective draws per second"
    ) in printed
    rng = np.random.default_rng(2)
    rows = 5_000
    g = rng.integers(0, 40, rows)
    big = pd.DataFrame({"x": rng.normal(size=rows), "g": g.astype(str)})
    big["y"] = rng.binomial(1, 1 / (1 + np.exp(-big["x"] - rng.normal(size=40)[g])))
    fit = quiet_fit(
        bg.Model("y ~ x + (1 | g)", big, family="bernoulli"),
        sampler="auto",
        draws=50,
        tune=50,
        chains=1,
        seed=1,
    )
    assert fit.idata.posterior.attrs["sampler"] == (
        "Gibbs (joint location block), chosen by sampler='auto'"
    )


@pytest.mark.parametrize("dense", [True, False], ids=["cholesky", "qdldl"])
def test_a_location_draw_has_the_mixed_model_mean_and_covariance(dense):
    """``C^-1 rhs + F^-T e``, ``F F' = C``: with the unit vectors as ``e`` the spreads ``S``
    give ``S S' = C^-1`` exactly (a random matrix ``C`` in the block's sparsity pattern)."""
    model = bg.Model("Reaction ~ Days + (Days | Subject)", bg.datasets.load("sleepstudy"))
    block = JointLocation(gibbs_design(parts_of(model)), (0,))
    block.dense = dense
    block._build_pattern()
    rng = np.random.default_rng(1)
    covariance = np.array([[2.0, 0.3], [0.3, 0.5]])
    values = block._matrix_values(rng.uniform(0.5, 2, 180), np.array([0.1, 0.2]), [covariance])
    size = block.size
    rhs = rng.normal(size=size)
    draws = np.stack([block._mean_and_draw(values, rhs, e) for e in np.eye(size)], axis=1)
    zero_noise = block._mean_and_draw(values, rhs, np.zeros(size))
    spreads = draws - zero_noise[:, None]
    upper = np.zeros((size, size))
    if dense:
        upper = values.reshape(size, size)
    else:
        rows = np.repeat(np.arange(size), np.diff(block.column_pointer))
        upper[block.row_index, rows] = values
    matrix = np.triu(upper) + np.triu(upper, 1).T
    np.testing.assert_allclose(zero_noise, np.linalg.solve(matrix, rhs), rtol=1e-10)
    np.testing.assert_allclose(spreads @ spreads.T, np.linalg.inv(matrix), atol=1e-12)


def test_crossed_factors_are_drawn_in_separate_blocks():
    rng = np.random.default_rng(0)
    n = 4000
    data = pd.DataFrame(
        {
            "y": rng.normal(size=n),
            "s": rng.integers(0, 900, n),
            "d": rng.integers(0, 400, n),
        }
    )
    data["dept"] = data["d"] % 7
    model = bg.Model("y ~ (1 | s) + (1 | d) + (1 | dept)", data)
    assert choose_clusters(gibbs_design(parts_of(model))) == ((0,), (1, 2))
    small = bg.Model("Reaction ~ Days + (1 | Subject)", bg.datasets.load("sleepstudy"))
    assert choose_clusters(gibbs_design(parts_of(small))) == ((0,),)


def test_auto_waits_longer_for_gibbs_with_correlated_group_effects():
    rng = np.random.default_rng(4)
    rows = 6_000
    g = rng.integers(0, 60, rows)
    data = pd.DataFrame({"x": rng.normal(size=rows), "g": g.astype(str)})
    effects = rng.normal(size=(60, 2))
    eta = data["x"] + effects[g, 0] + effects[g, 1] * data["x"]
    data["y"] = rng.binomial(1, 1 / (1 + np.exp(-eta)))
    choices = []
    for formula in ("y ~ x + (1 | g)", "y ~ x + (1 + x | g)"):
        model = bg.Model(formula, data, family="bernoulli")
        choices.append(auto_choice(parts_of(model)))
    assert choices == [
        (
            "gibbs",
            "the bernoulli model with logit link is conjugate after Polya-Gamma augmentation "
            "and has 6000 rows (>= 5000), where Gibbs outpaces NUTS",
        ),
        (
            "nutpie",
            "the bernoulli model with logit link is conjugate after Polya-Gamma augmentation "
            "with correlated group effects but has 6000 rows (< 10000), where NUTS gets more "
            "effective draws per second",
        ),
    ]


def test_auto_leaves_gibbs_where_the_data_inform_a_factors_levels_weakly():
    rng = np.random.default_rng(5)
    rows = 12_000
    g = rng.permutation(np.repeat(np.arange(120), 100))
    x = rng.normal(size=rows)
    choices = []
    for slope_sd in (0.5, 0.03):
        effects = rng.normal(size=(120, 2)) * [1.0, slope_sd]
        y = x + effects[g, 0] + effects[g, 1] * x + rng.normal(size=rows)
        model = bg.Model("y ~ x + (1 + x | g)", pd.DataFrame({"y": y, "x": x, "g": g}))
        choices.append(auto_choice(parts_of(model)))
    model = "the gaussian model with identity link is conjugate with correlated group effects"
    assert choices == [
        ("gibbs", f"{model} and has 12000 rows (>= 10000), where Gibbs outpaces NUTS"),
        (
            "nutpie",
            f"{model} and has 12000 rows (>= 10000), but the data inform the levels of 'g' "
            "weakly (kappa 0.184 <= 1), where Gibbs mixes slowly and NUTS gets more effective "
            "draws per second",
        ),
    ]


def test_the_gaussian_sweep_from_cross_products_equals_the_sweep_over_rows():
    """Same conditionals, hence the same draws from the same noise, as the row-wise blocks
    with weights ``tau R``, on collapsed rows (replicates ``R``) with an offset; and the
    residual sum of squares of every original row."""
    rng = np.random.default_rng(5)
    n = 600
    data = pd.DataFrame(
        {
            "x": rng.integers(0, 3, n).astype(float),
            "a": rng.integers(0, 12, n).astype(str),
            "site": rng.integers(0, 5, n).astype(str),
            "shift": np.repeat([0.5, -1.0], n // 2),
        }
    )
    data["y"] = 40 + data["x"] + rng.normal(size=n)
    model = bg.Model("y ~ x + offset(shift) + (1 + x | a) + (1 | site)", data)
    parts = ModelParts(
        model.graph, model.sampled_spec, model.sampled_family, model.link, model.priors
    )
    design = gibbs_design(parts)
    assert design.replicates is not None and design.n_obs < n
    clusters = ((0,), (1,))

    def state() -> ChainState:
        draw = np.random.default_rng(9)
        return ChainState(
            beta=draw.normal(size=2),
            effects=[draw.normal(size=(g.n_levels, g.q)) for g in design.groups],
            contributions=[],
            covariances=[np.array([[1.0, 0.2], [0.2, 0.5]]), np.array([[0.7]])],
            fixed_prior_variance=np.array([4.0, 9.0]),
            dispersion=0.8,
        )

    precision = 1.0 / 0.8**2
    from_products, over_rows = state(), state()
    sweep = GaussianLocation(design, clusters)
    sweep.draw(from_products, precision, np.random.default_rng(3))
    noise = np.random.default_rng(3)
    for cluster in clusters:
        others = sum(
            group_contribution(
                design.groups[g].index, design.groups[g].values, over_rows.effects[g]
            )
            for g in range(len(design.groups))
            if g not in cluster
        )
        working = design.y - design.offset - others
        JointLocation(design, cluster).draw(
            over_rows, working, precision * design.replicates, noise
        )
    np.testing.assert_allclose(from_products.beta, over_rows.beta, rtol=1e-9)
    for mine, theirs in zip(from_products.effects, over_rows.effects, strict=True):
        np.testing.assert_allclose(mine, theirs, rtol=1e-9, atol=1e-12)
    eta = design.fixed.matrix @ over_rows.beta + design.offset
    for group, effects in zip(design.groups, over_rows.effects, strict=True):
        eta += group_contribution(group.index, group.values, effects)
    expected = design.replicates @ (design.y - eta) ** 2 + design.within_squares
    squares, rows = sweep.residual_squares()
    assert rows == n
    assert squares == pytest.approx(expected, rel=1e-10)
