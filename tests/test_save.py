"""fit.save and bg.load round-trip a fit exactly."""

import pandas as pd
import pytest
import xarray as xr

import bayesglmm as bg

from .conftest import quiet_fit


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    data = bg.datasets.load("cbpp")
    data["period"] = pd.Categorical(data["period"].astype(str), categories=["4", "3", "2", "1"])
    model = bg.Model(
        "incidence | trials(size) ~ period + (1 | herd)",
        data,
        family="binomial",
        priors={"b": bg.priors.Normal(0, 2), "sd[herd]": bg.priors.HalfNormal(1.5)},
        centered=True,
    )
    fit = quiet_fit(model, draws=200, tune=200, chains=2, seed=5)
    path = tmp_path_factory.mktemp("fits") / "cbpp.zarr"
    fit.save(path)
    return fit, bg.load(path), path


def test_every_group_of_draws_is_identical(saved):
    fit, loaded, _ = saved
    assert sorted(loaded.idata.children) == sorted(fit.idata.children)
    for name in fit.idata.children:
        xr.testing.assert_identical(fit.idata[name].to_dataset(), loaded.idata[name].to_dataset())


def test_model_priors_and_coding_survive(saved):
    fit, loaded, _ = saved
    assert loaded.spec.formula.text == fit.spec.formula.text
    assert (loaded.family.name, loaded.link.name) == ("binomial", "logit")
    assert loaded.spec.fixed.names == ("Intercept", "period[T.3]", "period[T.2]", "period[T.1]")
    pd.testing.assert_frame_equal(loaded.priors.to_frame(), fit.priors.to_frame())
    assert loaded.spec.groups[0].levels == fit.spec.groups[0].levels
    assert loaded.centered == frozenset({"herd"})
    pd.testing.assert_frame_equal(loaded.summary(), fit.summary())
    assert repr(loaded) == repr(fit)


def test_a_loaded_fit_predicts_like_the_original(saved):
    fit, loaded, _ = saved
    new = pd.DataFrame({"period": ["1", "4"], "herd": [3, 99]})
    pd.testing.assert_frame_equal(
        loaded.predict(new, seed=2), fit.predict(new, seed=2), check_exact=True
    )


def test_loading_a_missing_or_foreign_store_is_explained(tmp_path):
    with pytest.raises(bg.DataError) as caught:
        bg.load(tmp_path / "nothing.zarr")
    assert str(caught.value) == (
        f"no saved fit at '{tmp_path / 'nothing.zarr'}'; save one with "
        f"fit.save('{tmp_path / 'nothing.zarr'}')."
    )
    foreign = tmp_path / "foreign.zarr"
    xr.Dataset({"a": ("x", [1.0])}).to_zarr(foreign, consolidated=False)
    with pytest.raises(bg.DataError, match="is a zarr store but not a fit saved by bayesglmm"):
        bg.load(foreign)
