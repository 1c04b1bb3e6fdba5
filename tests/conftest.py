"""Shared test helpers: paths to the shared reference material, a model used by several
modules and a quiet fit."""

import json
import warnings
from pathlib import Path

import pandas as pd
import pytest

import bayesglmm as bg
from tests.slow_tests import SLOW_TESTS

SHARED = Path(__file__).resolve().parents[2] / "shared"
BUNDLED_REFERENCE = Path(__file__).resolve().parent / "reference"
TEST_DATA = Path(__file__).resolve().parent / "data"


def reference(name: str) -> dict:
    """lme4 and brms reference results for a shared dataset.

    Read from ``../shared/reference`` when it exists, else from the copy in
    ``tests/reference`` (the same files), so a clone tests fully on its own.
    """
    folder = SHARED / "reference" if (SHARED / "reference").exists() else BUNDLED_REFERENCE
    return json.loads((folder / f"{name}.json").read_text())


def owls_zero_inflated_poisson() -> bg.Model:
    """glmmTMB's zero-inflated Poisson of sibling negotiation on the Owls data (Roulin &
    Bersier 2007; Brooks et al. 2017), arrival times of 22-29 h among its predictors."""
    return bg.Model(
        "SiblingNegotiation ~ (FoodTreatment + ArrivalTime) * SexParent"
        " + offset(log(BroodSize)) + (1 | Nest)",
        pd.read_csv(TEST_DATA / "owls.csv"),
        family="zero_inflated_poisson",
    )


def quiet_fit(model: bg.Model, **options) -> bg.Fit:
    """Fit without convergence warnings (tests assert on the numbers instead)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", bg.ConvergenceWarning)
        return model.fit(progress=False, **options)


@pytest.fixture(scope="session")
def dask_client():
    """A local Dask cluster of two one-thread worker processes, shared by the batch tests
    (skipped without the batch extra); a worker's death fails its task at once, as on
    fit_many's own local cluster."""
    distributed = pytest.importorskip("distributed", reason="fit_many needs the batch extra")
    import dask

    with dask.config.set({"distributed.scheduler.allowed-failures": 0}):
        cluster = distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
        )
        with cluster, distributed.Client(cluster) as client:
            yield client


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """Mark the tests of :data:`tests.slow_tests.SLOW_TESTS` ``slow``, before ``-m`` selects."""
    for item in items:
        path, _, name = item.nodeid.partition("::")
        names = SLOW_TESTS.get(path, ())
        if name in names or name.split("[")[0] in names:
            item.add_marker(pytest.mark.slow)
