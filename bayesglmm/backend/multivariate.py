"""The PyMC graph of a multivariate model: one linear predictor per response, built as a
modelled parameter's (variables ``b_<response>``, groups ``<g>__<response>``), its own
family parameters (``sigma_<response>``), and the responses observed on the same rows.

A response ``z | mi()`` observed on some rows only is observed over dim ``obs_z``; its
missing values are parameters ``Ymi_z`` (dim ``Ymi_z_row``, the caller's row labels) with
the response's own distribution, and a response that reads ``mi(z)`` adds each draw of
them at its rows (:class:`~bayesglmm.formula.imputed_spec.ImputedPredictor`), as brms
does. Responses are added so that each ``z`` comes before those that read it.

Group-level blocks that a correlation ID joins across responses share one LKJ correlation
(:func:`~bayesglmm.backend.terms.linked_draws`). With residual correlations (``rescor``,
gaussian or student_t responses) each row's responses are one multivariate normal (or t,
with one ``nu``) draw, ``y_i ~ MvN(mu_i, diag(sigma) R diag(sigma))`` with ``R`` under an
LKJ prior, reported as ``rescor`` (:mod:`~bayesglmm.backend.rescor`); otherwise each
response has its own likelihood.

Examples
--------
>>> import numpy as np, pandas as pd
>>> import bayesglmm as bg
>>> rng = np.random.default_rng(1)
>>> data = pd.DataFrame({"y1": rng.normal(size=30), "y2": rng.normal(size=30),
...                      "g": np.repeat(list("abcde"), 6)})
>>> model = bg.Model(bg.formula("y1 ~ 1 + (1 | p | g)") + bg.formula("y2 ~ 1 + (1 | p | g)"),
...                  data)
>>> model.graph.public_names
('cor_g__id_p', 'b_y1', 'sd_g__y1', 'r_g__y1', 'sigma_y1', 'b_y2', 'sd_g__y2', 'r_g__y2', \
'sigma_y2', 'rescor')
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

import numpy as np
import pymc as pm
import pytensor.tensor as pt

from bayesglmm import naming
from bayesglmm.backend.contract import (
    linear_coords,
    linked_data,
    part_data,
    prior_data,
    prior_variable,
)
from bayesglmm.backend.correlation import lkj_cholesky
from bayesglmm.backend.likelihoods import Additions, Mu, likelihood_of, observe
from bayesglmm.backend.pymc_model import PyMCGraph, add_linear_predictor
from bayesglmm.backend.rescor import correlated_rows
from bayesglmm.backend.start_scales import slope_designs
from bayesglmm.backend.sweep import sweep_plan
from bayesglmm.backend.terms import linked_draws
from bayesglmm.families.family import Family
from bayesglmm.families.links import Link
from bayesglmm.formula.imputed_spec import ImputedPredictor
from bayesglmm.formula.linked import LinkedBlock
from bayesglmm.formula.spec import ParameterDesign, ResponseDesign
from bayesglmm.naming import multivariate_naming
from bayesglmm.priors.resolve import Priors


@dataclass(frozen=True)
class ResponsePart:
    """One response of a multivariate model, as the graph takes it.

    Attributes
    ----------
    name
        The response.
    design
        Its linear predictor, named by the response as a modelled parameter's.
    response
        Its values, trials and addition terms.
    family, link
        Its family and link.
    shared
        Its family parameters that all responses share (``nu`` of correlated student_t
        responses); the others end with the response (``sigma_y1``).
    observed
        Positions of the rows where it is observed; None when it is observed on all.
    missing_labels
        The caller's labels of the other rows, whose values the model imputes.
    imputed_predictors
        Its predictors ``mi(z)``, at all rows.
    """

    name: str
    design: ParameterDesign
    response: ResponseDesign
    family: Family
    link: Link
    shared: tuple[str, ...] = ()
    observed: np.ndarray | None = None
    missing_labels: tuple = ()
    imputed_predictors: tuple[ImputedPredictor, ...] = ()

    def parameter(self, name: str) -> str:
        """The graph's name of family parameter ``name`` of this response."""
        return (
            name if name in self.shared else multivariate_naming.response_parameter(name, self.name)
        )

    @property
    def rows_dim(self) -> str:
        """The dimension of its observed rows."""
        return naming.OBS if self.observed is None else multivariate_naming.observed_rows(self.name)

    def observed_values(self, values: np.ndarray) -> np.ndarray:
        """``values`` of all rows at the rows where it is observed."""
        return values if self.observed is None else values[self.observed]


def multivariate_data(
    parts: Sequence[ResponsePart], linked: Sequence[LinkedBlock], priors: Priors, rescor: bool
) -> dict[str, np.ndarray]:
    """Every value the graph holds as data: per response its linear predictor's data, its
    parameters' priors and its rows; the joined blocks' and the residual correlation's
    LKJ ``eta``."""
    joined = frozenset(member for link in linked for member in link.members)
    data = linked_data(linked, priors)
    for part in parts:
        data.update(part_data(part.design, priors, sweep_plan(part.design), joined))
        for parameter in part.family.dispersion_names:
            name = part.parameter(parameter)
            data.update(prior_data(name, [priors[name]], vector=False))
        discrete = part.family.support.discrete
        values = part.response.values.astype(np.int64 if discrete else float)
        data[naming.graph_data(naming.OBSERVED_DATA, part.name)] = part.observed_values(values)
        if part.response.trials is not None:
            trials = part.observed_values(part.response.trials.astype(np.int64))
            data[naming.graph_data("trials", part.name)] = trials
        for key, value in Additions.of(part.response).rows.items():
            data[naming.graph_data(key, part.name)] = part.observed_values(value)
    if rescor:
        data[naming.block_lkj_eta(multivariate_naming.RESCOR, 0)] = np.array(
            float(priors[multivariate_naming.RESCOR].eta)
        )
    return data


def build_multivariate_graph(
    parts: Sequence[ResponsePart],
    linked: Sequence[LinkedBlock],
    priors: Priors,
    centered: Collection[str],
    smooth_centred: dict[str, np.ndarray],
    rescor: bool,
) -> PyMCGraph:
    """Build the PyMC model of a multivariate model (see the module's notes)."""
    data = multivariate_data(parts, linked, priors, rescor)
    names = tuple(part.name for part in parts)
    n_obs = len(parts[0].response.values)
    with pm.Model(check_bounds=False) as model:
        model.add_coord(naming.OBS, list(range(n_obs)))
        for dim, values in linear_coords([part.design for part in parts], linked).items():
            model.add_coord(dim, values)
        joint, public = linked_draws(tuple(linked), data, model)
        mus, parameters, imputed = {}, {}, {}
        for part in imputation_order(parts):
            eta, part_public = add_linear_predictor(
                part.design, priors, centered, data, model, smooth_centred, {}, joint
            )
            public.extend(part_public)
            for predictor in part.imputed_predictors:
                b = model[naming.coefficients(part.design.suffix)]
                eta = _with_imputed(eta, predictor, b, imputed)
            own = {}
            for parameter in part.family.dispersion_names:
                name = part.parameter(parameter)
                if name not in model.named_vars:
                    prior_variable(name, [priors[name]], data)
                    public.append(name)
                own[parameter] = model[name]
            mus[part.name], parameters[part.name] = Mu.tensor(eta, part.link), own
            if part.observed is not None:
                imputed[part.name] = _imputed_values(part, eta, own, model)
                public.append(multivariate_naming.imputed_response(part.name))
        mus = [mus[part.name] for part in parts]
        parameters = [parameters[part.name] for part in parts]
        if rescor:
            observed_name = multivariate_naming.joint_response(names)
            _correlated_responses(observed_name, parts, mus, parameters, data, model)
            public.append(multivariate_naming.RESCOR)
        else:
            observed_name = names[0]
            for part, mu, own in zip(parts, mus, parameters, strict=True):
                _observe_response(part, mu, own, data)
    rows = frozenset(name for name, value in data.items() if np.ndim(value) and len(value) == n_obs)
    return PyMCGraph(
        model=model,
        public_names=tuple(public),
        observed_name=observed_name,
        row_data=rows,
        slope_designs=slope_designs([part.design for part in parts], model),
    )


def imputation_order(parts: Sequence[ResponsePart]) -> list[ResponsePart]:
    """``parts`` in their order, except that each response whose missing values another
    reads (``mi(z)``) comes before it."""
    ordered: list[ResponsePart] = []
    by_name = {part.name: part for part in parts}

    def add(part: ResponsePart) -> None:
        if part in ordered:
            return
        for predictor in part.imputed_predictors:
            add(by_name[predictor.response])
        ordered.append(part)

    for part in parts:
        add(part)
    return ordered


def _with_imputed(
    eta: pt.TensorVariable,
    predictor: ImputedPredictor,
    b: pt.TensorVariable,
    imputed: dict[str, pt.TensorVariable],
) -> pt.TensorVariable:
    """``eta`` with each draw of the missing values of ``mi(z)`` at the rows that lack
    them: ``(multipliers @ b[columns]) * Ymi_z``."""
    rows = np.flatnonzero(predictor.positions >= 0)
    change = pt.dot(predictor.multipliers[rows], b[predictor.columns])
    values = imputed[predictor.response][predictor.positions[rows]]
    return pt.inc_subtensor(eta[rows], change * values)


def _imputed_values(
    part: ResponsePart, eta: pt.TensorVariable, own: dict, model: pm.Model
) -> pt.TensorVariable:
    """The missing values of ``part`` as parameters ``Ymi_<name>`` with its distribution
    at their rows."""
    dim = multivariate_naming.imputed_row(part.name)
    model.add_coord(dim, list(part.missing_labels))
    missing = np.setdiff1d(np.arange(len(part.response.values)), part.observed)
    return observe(
        multivariate_naming.imputed_response(part.name),
        likelihood_of(part.family),
        Mu.tensor(eta[missing], part.link),
        own,
        None,
        None,
        Additions.of(part.response, part.family.support.discrete),
        dim,
    )


def _observe_response(part: ResponsePart, mu: Mu, own: dict, data: dict[str, np.ndarray]) -> None:
    """One response's own likelihood, observed over its rows."""
    dim = part.rows_dim
    if part.observed is not None:
        pm.modelcontext(None).add_coord(dim, part.observed)
        mu = mu.at(mu.eta[part.observed])
    observed_key = naming.graph_data(naming.OBSERVED_DATA, part.name)
    observed = pm.Data(observed_key, data[observed_key], dims=dim)
    trials_key = naming.graph_data("trials", part.name)
    trials = pm.Data(trials_key, data[trials_key], dims=dim) if trials_key in data else None
    additions = Additions.of(part.response, part.family.support.discrete)
    rows = {
        key: pm.Data(naming.graph_data(key, part.name), value, dims=dim)
        for key, value in additions.rows.items()
    }
    observe(
        part.name,
        likelihood_of(part.family),
        mu,
        own,
        trials,
        observed,
        additions.with_rows(rows),
        dim,
    )


def _correlated_responses(
    name: str,
    parts: Sequence[ResponsePart],
    mus: list[Mu],
    parameters: list[dict],
    data: dict[str, np.ndarray],
    model: pm.Model,
) -> None:
    """The responses of each row as one multivariate normal, or t, draw with residual
    correlations ``rescor`` (LKJ) and each response's ``sigma``."""
    model.add_coord(multivariate_naming.RESPONSE_DIM, [part.name for part in parts])
    model.add_coord(multivariate_naming.RESPONSE_PAIR_DIM, [part.name for part in parts])
    chol = lkj_cholesky(multivariate_naming.RESCOR, 0, len(parts), data)
    pm.Deterministic(
        multivariate_naming.RESCOR,
        pt.dot(chol, chol.T),
        dims=(multivariate_naming.RESPONSE_DIM, multivariate_naming.RESPONSE_PAIR_DIM),
    )
    sigma = pt.stack([own["sigma"] for own in parameters])
    observed = pt.stack(
        [
            pm.Data(
                naming.graph_data(naming.OBSERVED_DATA, part.name),
                data[naming.graph_data(naming.OBSERVED_DATA, part.name)],
                dims=naming.OBS,
            )
            for part in parts
        ],
        axis=1,
    )
    mean = pt.stack([mu.value for mu in mus], axis=1)
    scale = sigma[:, None] * chol
    correlated_rows(
        name,
        parts[0].family.name,
        mean,
        scale,
        observed,
        (naming.OBS, multivariate_naming.RESPONSE_DIM),
        nu=parameters[0].get("nu"),
    )
