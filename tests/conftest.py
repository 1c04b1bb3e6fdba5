"""Shared test helpers: paths to the shared reference material and a quiet fit."""

import json
import warnings
from pathlib import Path

import pytest

import bayesglmm as bg

SHARED = Path(__file__).resolve().parents[2] / "shared"


def reference(name: str) -> dict:
    """The lme4 and brms reference results for a shared dataset."""
    return json.loads((SHARED / "reference" / f"{name}.json").read_text())


def quiet_fit(model: bg.Model, **options) -> bg.Fit:
    """Fit without convergence warnings (tests assert on the numbers instead)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", bg.ConvergenceWarning)
        return model.fit(progress=False, **options)


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    if not SHARED.exists():
        pytest.skip("../shared is not available")
    return SHARED
