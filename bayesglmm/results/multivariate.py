"""The fit of a multivariate model: the joint posterior, one :class:`~bayesglmm.Fit` per
response over its own variables (``fit.response("y1")``: tables, predictions, LOO and
predictive checks of that response), and the joint tables and LOO.

A response's fit sees its variables under the names it would have fitted alone (``b``,
``sd_g``, ``sigma``); the joint table names them as the joint model does (``b_y1[x]``,
``sd_g__y1[Intercept]``, ``sigma_y1``), with the correlations between responses
(``cor_g__id_p[y1_Intercept,y2_Intercept]``, ``rescor[y1,y2]``).

With residual correlations, each response's own log-likelihood, LOO and predictive draws
are those of its margin; the joint log-likelihood of a row is the multivariate normal (or
t) density of all its responses.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr
from scipy import special

from bayesglmm import naming
from bayesglmm.errors import ArgumentError, ConvergenceWarning, did_you_mean
from bayesglmm.families.family import Family
from bayesglmm.families.links import Link
from bayesglmm.formula.spec import ModelSpec
from bayesglmm.naming import multivariate_naming
from bayesglmm.priors.resolve import Priors
from bayesglmm.results.comparison import loo_result
from bayesglmm.results.diagnose import reported_diagnostics, sampler_diagnosis, sd_draws
from bayesglmm.results.diagnostics import Diagnosis, convergence_messages
from bayesglmm.results.fit import Fit
from bayesglmm.results.linear_predictor import draw_chunks, linear_predictor, stacked_draws
from bayesglmm.results.report import write_multivariate_report
from bayesglmm.results.tables import convergence_stats, diagnostic_stats, pair_draws, summarize


@dataclass(frozen=True)
class ResponseView:
    """One response of a multivariate model as a model of its own.

    Attributes
    ----------
    name
        The response.
    spec, family, link, priors
        Its model fitted alone (priors: the joint model's, under its own keys).
    variables, dims
        Maps from its posterior variables and dimensions fitted alone to the joint
        model's (:func:`~bayesglmm.multivariate_naming.response_names`).
    centered
        Its centred grouping factors, by their own names.
    """

    name: str
    spec: ModelSpec
    family: Family
    link: Link
    priors: Priors
    variables: Mapping[str, str]
    dims: Mapping[str, str]
    centered: frozenset[str] = frozenset()

    def posterior(self, joint: xr.Dataset) -> xr.Dataset:
        """Its variables of the joint posterior under their own names (family parameters
        that all responses share keep theirs)."""
        names = {joint_name: name for name, joint_name in self.variables.items()}
        names.update(
            {name: name for name in self.family.dispersion_names if name not in self.variables}
        )
        present = {joint_name: name for joint_name, name in names.items() if joint_name in joint}
        chosen = joint[list(present)]
        inverse = {joint_dim: dim for dim, joint_dim in self.dims.items()}
        return chosen.rename(present).rename({d: inverse[d] for d in chosen.dims if d in inverse})

    def fit(self, joint: xr.DataTree) -> Fit:
        """Its :class:`~bayesglmm.Fit`, from the joint fit's draws."""
        groups = {
            "posterior": self.posterior(joint.posterior.to_dataset()),
            "sample_stats": joint.sample_stats.to_dataset(),
        }
        groups["posterior"].attrs = dict(joint.posterior.attrs)
        return Fit(
            xr.DataTree.from_dict(groups),
            self.spec,
            self.family,
            self.link,
            self.priors,
            self.name,
            self.centered,
            warn_convergence=False,
        )

    def label(self, label: str) -> str:
        """A row label of its own table as the joint table writes it."""
        prefix, bracket, rest = label.partition("[")
        return self.variables.get(prefix, prefix) + bracket + rest


class MultivariateFit:
    """The fit of a :class:`~bayesglmm.multivariate_model.MultivariateModel`.

    Attributes
    ----------
    idata
        The joint draws (``posterior``, ``sample_stats``).
    model
        The model fitted.
    names
        The responses.
    rescor
        Whether the responses' residuals are correlated.
    priors
        The joint model's priors.
    warnings
        The convergence problems found, each also issued as a
        :class:`~bayesglmm.errors.ConvergenceWarning` unless ``warn_convergence`` is False.
    """

    def __init__(self, idata: xr.DataTree, model, warn_convergence: bool = True):
        self.idata, self.model = idata, model
        self.rescor, self.priors = model.rescor, model.priors
        self._views, self._linked = model.views, model.linked
        self.names = tuple(view.name for view in self._views)
        self._fits = {view.name: view.fit(idata) for view in self._views}
        self._levels = {
            view.variables.get(naming.group_sd(g), g).removeprefix("sd_"): n
            for view in self._views
            for g, n in view.spec.levels_per_group.items()
        }
        self.warnings = convergence_messages(
            self.summary(), idata.sample_stats.to_dataset(), self._levels
        )
        if warn_convergence:
            for message in self.warnings:
                warnings.warn(message, ConvergenceWarning, stacklevel=3)

    def report(
        self, path: str | Path, title: str | None = None, question: str | None = None
    ) -> Path:
        """Write a self-contained HTML report: the joint table and LOO, then each
        response's printout, priors, diagnostics, predictive check, trace plots, marginal
        means and group-level effects (see :mod:`bayesglmm.results.report`)."""
        return write_multivariate_report(self, path, title, question)

    def save(self, path: str | Path, overwrite: bool = False) -> None:
        """Write the fit to a new zarr store at ``path``; read it with ``bg.load`` (as
        :meth:`bayesglmm.Fit.save`)."""
        from bayesglmm.persistence import save_fit

        save_fit(self, path, overwrite)

    @property
    def posterior(self) -> xr.Dataset:
        """The joint posterior draws."""
        return self.idata.posterior.to_dataset()

    def response(self, name: str) -> Fit:
        """The fit of response ``name``: its tables, ``predict()``, ``ppc()`` and ``loo()``.

        Raises
        ------
        ArgumentError
            For a name that is not a response.
        """
        if name not in self._fits:
            raise ArgumentError(
                f"{name!r} is not a response of this model.{did_you_mean(name, self.names)} "
                f"The responses are: {', '.join(self.names)}."
            )
        return self._fits[name]

    def summary(self, ci_prob: float | None = None) -> pd.DataFrame:
        """Every parameter but the group-level effects, one row each: each response's
        under the joint names (a parameter the responses share, once), then the
        correlations between responses."""
        return self._joint(
            lambda fit: fit.summary(ci_prob), lambda draws: summarize(draws, ci_prob)
        )

    def diagnose(self) -> Diagnosis:
        """Convergence and efficiency checks of the joint draws, as
        :meth:`bayesglmm.Fit.diagnose`, over every response's parameters and the
        correlations between responses."""
        scales = {
            view.label(label): draws
            for view in self._views
            for label, draws in sd_draws(self._fits[view.name]).items()
        }
        return sampler_diagnosis(
            self._joint(
                reported_diagnostics,
                lambda draws: summarize(draws, statistics=diagnostic_stats),
            ),
            self._joint(
                lambda fit: fit.convergence_table,
                lambda draws: summarize(draws, statistics=convergence_stats),
            ),
            self.idata,
            scales,
            self._levels,
        )

    def _joint(
        self,
        per_response: Callable[[Fit], pd.DataFrame],
        per_draws: Callable[[xr.DataArray], pd.DataFrame],
    ) -> pd.DataFrame:
        """One table: ``per_response`` of each response's fit under the joint labels (a
        parameter the responses share, once), then ``per_draws`` of the correlations
        between responses."""
        tables = []
        for view in self._views:
            table = per_response(self._fits[view.name])
            tables.append(table.set_axis([view.label(label) for label in table.index]))
        posterior = self.posterior
        for link in self._linked:
            pairs = link.cross_pairs
            labels = [naming.correlation_label(link.name, a, b) for a, b in pairs]
            draws = pair_draws(posterior[naming.group_correlation(link.name)], pairs)
            tables.append(per_draws(draws).set_axis(labels))
        if self.rescor:
            pairs = [(a, b) for i, a in enumerate(self.names) for b in self.names[i + 1 :]]
            draws = pair_draws(posterior[multivariate_naming.RESCOR], pairs)
            labels = [multivariate_naming.rescor_label(a, b) for a, b in pairs]
            tables.append(per_draws(draws).set_axis(labels))
        table = pd.concat(tables)
        return table[~table.index.duplicated()]

    @property
    def rows(self) -> pd.Index:
        """The labels of the rows with at least one response observed: the rows of the
        joint log-likelihood and LOO."""
        observed = [view.spec.row_labels for view in self._views]
        return self.model.data.index[self.model.data.index.isin(observed[0].append(observed[1:]))]

    def log_likelihood(self) -> np.ndarray:
        """The ``(chain, draw, rows)`` joint log-likelihood of each row's observed
        responses (:attr:`rows`; a response missing at a row, and imputed, adds nothing
        there)."""
        if self.rescor:
            return _correlated_log_likelihood(self.posterior, self._views)
        rows = self.rows
        total = 0.0
        for view in self._views:
            values = self._fits[view.name].log_likelihood()
            if len(view.spec.row_labels) == len(rows):
                total = total + values
                continue
            spread = np.zeros((*values.shape[:2], len(rows)))
            spread[..., rows.get_indexer(view.spec.row_labels)] = values
            total = total + spread
        return total

    def loo(self):
        """PSIS-LOO of the rows, each left out with all its responses."""
        posterior = self.idata.posterior
        values = self.log_likelihood()
        joint = multivariate_naming.joint_response(self.names)
        tree = xr.DataTree.from_dict(
            {
                "posterior": posterior.to_dataset(),
                "log_likelihood": xr.Dataset(
                    {joint: ((naming.CHAIN, naming.DRAW, naming.OBS), values)},
                    coords={
                        naming.CHAIN: posterior[naming.CHAIN].values,
                        naming.DRAW: posterior[naming.DRAW].values,
                        naming.OBS: np.arange(values.shape[-1]),
                    },
                ),
            }
        )
        result, message = loo_result(tree, self.rows)
        if message is not None:
            warnings.warn(message, ConvergenceWarning, stacklevel=2)
        return result

    def __repr__(self) -> str:
        table = self.summary()[["mean", "sd", "2.5%", "97.5%", "rhat", "ess_bulk"]]
        return (
            f"bayesglmm multivariate fit of {', '.join(self.names)}"
            f"{' with residual correlations' if self.rescor else ''}\n{table.round(3)}"
        )


def _correlated_log_likelihood(
    posterior: xr.Dataset, views: tuple[ResponseView, ...]
) -> np.ndarray:
    """Each row's multivariate normal (or t) log density of its responses at each draw:
    ``Sigma = diag(sigma) R diag(sigma)``, by its Cholesky factor per draw."""
    correlation = stacked_draws(posterior, multivariate_naming.RESCOR)
    sigma = np.stack([stacked_draws(posterior, view.variables["sigma"]) for view in views], axis=1)
    chol = np.linalg.cholesky(sigma[:, :, None] * correlation * sigma[:, None, :])
    observed = np.stack([view.spec.response.values for view in views], axis=1)
    student = views[0].family.name == "student_t"
    nu = stacked_draws(posterior, "nu") if student else None
    count = len(views)
    chunks = []
    for samples in draw_chunks(posterior, views[0].spec):
        means = np.stack(
            [
                view.link.inverse_np(
                    linear_predictor(view.posterior(posterior), view.spec, samples)
                )
                for view in views
            ],
            axis=2,
        )
        residual = observed[None, :, :] - means
        factor = chol[samples]
        z = np.linalg.solve(factor[:, None, :, :], residual[..., None])[..., 0]
        squares = np.sum(z**2, axis=2)
        log_determinant = np.sum(np.log(np.diagonal(factor, axis1=1, axis2=2)), axis=1)[:, None]
        if student:
            v = nu[samples][:, None]
            chunks.append(
                special.gammaln((v + count) / 2)
                - special.gammaln(v / 2)
                - count / 2 * np.log(v * np.pi)
                - log_determinant
                - (v + count) / 2 * np.log1p(squares / v)
            )
        else:
            chunks.append(-0.5 * squares - log_determinant - count / 2 * np.log(2 * np.pi))
    values = np.concatenate(chunks)
    return values.reshape(posterior.sizes["chain"], posterior.sizes["draw"], -1)
