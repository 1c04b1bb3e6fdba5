"""Datasets simulated from a model with known parameter values.

The truth is keyed as priors are (``"b[trt[T.drug]]"``, ``"sd[site]"`` or
``"sd[site][Intercept]"``, ``"sigma"``; ``"Intercept"`` or ``"b[Intercept]"`` for the
intercept). Coefficients left out are 0; every group sd and family parameter must be
given. Group effects are drawn independently, ``N(0, sd^2)`` per level and term, and the
response from the family given the linear predictor, by the same code that draws
posterior predictions.

Examples
--------
>>> import numpy as np, pandas as pd, bayesglmm as bg
>>> frame = pd.DataFrame({"site": np.repeat(["a", "b", "c"], 4), "trt": ["t", "c"] * 6})
>>> truth = {"Intercept": 1.0, "b[trt[T.t]]": 0.5, "sd[site]": 0.0, "sigma": 1e-9}
>>> simulate("y ~ trt + (1 | site)", "gaussian", frame, truth, seed=1)["y"].round(6).tolist()[:2]
[1.5, 1.0]
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping

import numpy as np
import pandas as pd
import xarray as xr

from bayesglmm import naming
from bayesglmm.errors import ArgumentError, DataWarning, did_you_mean
from bayesglmm.families import get_family
from bayesglmm.formula import parse_formula
from bayesglmm.formula.distributional import BayesFormula
from bayesglmm.formula.newdata import NewDataDesign
from bayesglmm.model import Model
from bayesglmm.results.predict import predict_draws

PLACEHOLDERS = {
    "real": lambda rng, n, trials: rng.normal(size=n),
    "positive": lambda rng, n, trials: rng.gamma(2.0, size=n),
    "open_unit": lambda rng, n, trials: rng.uniform(0.1, 0.9, size=n),
    "count": lambda rng, n, trials: rng.poisson(2.0, size=n),
    "binary": lambda rng, n, trials: rng.integers(0, 2, size=n),
    "binomial": lambda rng, n, trials: rng.binomial(trials, 0.5),
}
"""A response of each support to build the model on before the real one is simulated."""


def placeholder_model(
    formula: str | BayesFormula, family: str, frame: pd.DataFrame, **options
) -> Model:
    """The model on ``frame`` with a random placeholder response (its warnings about the
    placeholder data silenced), from which the design matrices are taken.

    Raises
    ------
    ArgumentError
        For a family whose responses are not simulated, or a binomial design without
        trials.
    """
    formula = formula if isinstance(formula, BayesFormula) else BayesFormula(formula)
    support = get_family(family)[0].support.name
    if support not in PLACEHOLDERS:
        raise ArgumentError(
            f"bg.power simulates {', '.join(PLACEHOLDERS)} responses; family '{family}' has "
            f"a {support} response."
        )
    trials = frame["trials"].to_numpy() if "trials" in frame else None
    if support == "binomial" and trials is None:
        raise ArgumentError(
            "a binomial power design needs the trials of each row: add 'trials': 20 to the "
            "design and write the response as 'y | trials(trials)'."
        )
    outcome = parse_formula(formula.mean).response.outcome
    column = PLACEHOLDERS[support](np.random.default_rng(0), len(frame), trials)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        return Model(formula, frame.assign(**{outcome: column}), family, **options)


def _value(truth: Mapping[str, float], keys: list[str], needed: str | None) -> float:
    """The first of ``keys`` in ``truth``; 0 when ``needed`` is None, else an error."""
    for key in keys:
        if key in truth:
            return float(truth[key])
    if needed is None:
        return 0.0
    raise ArgumentError(
        f"truth gives no value for '{needed}'; add it (or a broader key: "
        f"{', '.join(keys[1:]) or 'none'}), such as truth={{'{needed}': 0.5}}."
    )


def truth_draw(model: Model, truth: Mapping[str, float], rng: np.random.Generator) -> xr.Dataset:
    """The truth as one posterior draw of ``model``, with group effects drawn from it."""
    spec = model.spec
    intercept = naming.coefficient_key(naming.INTERCEPT)
    broader = {key for prior in model.priors for key in naming.broader_keys(prior)}
    known = [*model.priors, intercept, *sorted(broader)]
    unknown = [key for key in truth if key not in known]
    if unknown:
        raise ArgumentError(
            f"truth has no parameter '{unknown[0]}'.{did_you_mean(unknown[0], known)} "
            f"Keys are {', '.join(known)}."
        )
    ordered = any(parameter.ordered for parameter in model.family.dispersion)
    if spec.parameters or spec.residual is not None or ordered:
        raise ArgumentError(
            "bg.power simulates models whose family parameters have no formula of their own, "
            "without correlated residuals or thresholds."
        )
    if spec.smooths:
        raise ArgumentError(
            f"bg.power cannot simulate {spec.smooths[0].term}: a smooth or Gaussian process has no "
            "known values to simulate from; write the curve's shape as fixed terms (for example "
            "'poly(x, 2)') for the power analysis."
        )
    if spec.monotonic:
        raise ArgumentError(
            f"bg.power does not simulate monotonic terms such as '{spec.monotonic[0].name}'; "
            "simulate the data yourself and fit them with bg.fit_many, or use the column as a "
            "number or a factor."
        )
    aliases = {naming.INTERCEPT: [naming.INTERCEPT]}
    coefficients = [
        _value(truth, [naming.coefficient_key(name), *aliases.get(name, [])], None)
        for name in spec.fixed.names
    ]
    sample = {naming.CHAIN: [0], naming.DRAW: [0]}
    variables = {
        naming.coefficients(): (
            (naming.CHAIN, naming.DRAW, naming.coefficient_dim()),
            np.array(coefficients)[None, None],
        )
    }
    for group in spec.groups:
        g = group.name
        keys = [naming.sd_key(g, term) for term in group.terms]
        sds = np.array([_value(truth, [key, *naming.broader_keys(key)], key) for key in keys])
        effects = rng.normal(0.0, 1.0, (group.n_levels, len(group.terms))) * sds
        levels, terms, _ = naming.group_dims(g)
        variables[naming.group_sd(g)] = ((naming.CHAIN, naming.DRAW, terms), sds[None, None])
        variables[naming.group_effects(g)] = (
            (naming.CHAIN, naming.DRAW, levels, terms),
            effects[None, None],
        )
    for name in model.family.dispersion_names:
        variables[name] = ((naming.CHAIN, naming.DRAW), np.array([[_value(truth, [name], name)]]))
    return xr.Dataset(variables, coords=sample)


def simulate(
    formula: str | BayesFormula,
    family: str,
    frame: pd.DataFrame,
    truth: Mapping[str, float],
    seed=None,
    model: Model | None = None,
) -> pd.DataFrame:
    """``frame`` with a response simulated from the model at ``truth``.

    Parameters
    ----------
    formula, family
        The model.
    frame
        The design's rows (see :func:`bayesglmm.power.design.design_frame`).
    truth
        Parameter values, keyed as priors are.
    seed
        Seed of the group effects and responses.
    model
        The placeholder model of ``frame``, when already built.
    """
    rng = np.random.default_rng(seed)
    model = model or placeholder_model(formula, family, frame)
    posterior = truth_draw(model, truth, rng)
    design = NewDataDesign.from_spec(model.spec)
    chunks = predict_draws(posterior, design, model.family, model.link, kind="response", seed=rng)
    values = np.concatenate([values[0] for _, values in chunks])
    outcome = model.parsed.response.outcome
    integer = model.family.support.discrete
    return frame.assign(**{outcome: values.astype(np.int64) if integer else values})
