"""One fit of a batch, as a worker runs it: the task sent, the outcome returned, and the
per-process cache of compiled models that lets every dataset of one structure reuse one
compile through :meth:`bayesglmm.Model.set_data`.

Examples
--------
>>> import bayesglmm as bg
>>> data = bg.datasets.load("infection")
>>> model = bg.Model("favorable | trials(n) ~ treatment + (1 | clinic)", data,
...                  family="binomial")
>>> task = FitTask("a", data, model.arguments, {"draws": 100, "tune": 100, "chains": 1}, 1)
>>> outcome = run_task(task)
>>> outcome.name, outcome.compiled, outcome.summary.index[0]
('a', True, 'b[Intercept]')
"""

from __future__ import annotations

import io
import tarfile
import tempfile
import time
import traceback
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from bayesglmm.errors import DataError
from bayesglmm.model import Model, ModelArguments
from bayesglmm.results import Fit

ModelRecipe = ModelArguments | Callable[[pd.DataFrame], Model]
"""What builds a dataset's model: a model's arguments, or the user's function."""

CACHED_STRUCTURES = 4
"""Compiled models kept per recipe in one worker process (one per model structure)."""

_COMPILED: dict[str, list[Model]] = {}
"""This process's compiled models, by the repr of their arguments."""


@dataclass(frozen=True)
class FitTask:
    """One dataset to fit: its name, rows, model recipe, ``fit()`` options, seed, and
    ``evaluate(name, fit)``, whose numbers are kept with the fit's status."""

    name: str
    data: pd.DataFrame
    recipe: ModelRecipe
    options: dict
    seed: int
    evaluate: Callable[[str, Fit], dict] | None = None


@dataclass
class FitOutcome:
    """What a worker sends back for one task.

    Attributes
    ----------
    name
        The dataset's name.
    seed
        The fit's seed.
    error
        ``"<ErrorClass>: message"`` when the fit raised, else None.
    seconds
        Wall time of the task, building and compiling included.
    compiled
        Whether the task compiled a model (False when it reused one through ``set_data``).
    warnings
        The warnings raised while fitting, as text.
    summary
        ``fit.summary()`` of the reported parameters.
    values
        What the task's ``evaluate`` returned for the fit.
    store
        The saved fit (:func:`bayesglmm.persistence.save_fit`) as an uncompressed tar.
    """

    name: str
    seed: int | None = None
    error: str | None = None
    seconds: float = 0.0
    compiled: bool = False
    warnings: list[str] = field(default_factory=list)
    summary: pd.DataFrame | None = None
    values: dict = field(default_factory=dict)
    store: bytes | None = None


def _model_for(recipe: ModelRecipe, data: pd.DataFrame) -> tuple[Model, bool]:
    """A model of ``data`` and whether it is new (to be compiled): a cached model of the
    same arguments and structure takes the data through ``set_data`` when it can."""
    model = None if isinstance(recipe, ModelArguments) else recipe(data)
    if model is not None and not isinstance(model, Model):
        raise DataError(
            f"the model function of fit_many returned {type(model).__name__}, not a bg.Model; "
            "it must map a dataset to bg.Model(formula, dataset, ...)."
        )
    arguments = recipe if model is None else model.arguments
    cached = _COMPILED.setdefault(repr(arguments), [])
    for candidate in cached:
        try:
            candidate.set_data(data)
        except DataError:
            continue
        return candidate, False
    model = model or arguments.build(data)
    cached.insert(0, model)
    del cached[CACHED_STRUCTURES:]
    return model, True


def _archive(folder: Path) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        archive.add(folder, arcname=".")
    return buffer.getvalue()


def run_task(task: FitTask) -> FitOutcome:
    """Fit one dataset and save it; an error propagates, for the batch to retry the task
    or record it."""
    start = time.perf_counter()
    outcome = FitOutcome(task.name, seed=task.seed)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model, outcome.compiled = _model_for(task.recipe, task.data)
        fit = model.fit(**task.options, seed=task.seed, progress=False)
    outcome.warnings = list(dict.fromkeys(str(warning.message) for warning in caught))
    outcome.summary = fit.summary()
    if task.evaluate is not None:
        outcome.values = {key: float(value) for key, value in task.evaluate(task.name, fit).items()}
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "fit.zarr"
        fit.save(path)
        outcome.store = _archive(path)
    outcome.seconds = time.perf_counter() - start
    return outcome


def describe_failure(error: BaseException) -> str:
    """One line for an exception from a worker: its class and message (the last line of
    its traceback for errors without a message)."""
    message = str(error) or traceback.format_exception_only(error)[-1].strip()
    return f"{type(error).__name__}: {message}"
