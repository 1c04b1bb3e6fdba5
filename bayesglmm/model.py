"""``bg.Model``: a formula and a DataFrame in, a PyMC GLMM ready to fit.

Examples
--------
>>> import bayesglmm as bg
>>> data = bg.datasets.load("infection")
>>> model = bg.Model("favorable | trials(n) ~ treatment + (1 | clinic)", data, family="binomial")
>>> print(model)  # doctest: +ELLIPSIS
bayesglmm model
 Family: binomial
  Links: mu = logit
Formula: favorable | trials(n) ~ treatment + (1 | clinic)
...
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields

import numpy as np
import pandas as pd
import pymc as pm

from bayesglmm import templates
from bayesglmm.backend import build_pymc_model
from bayesglmm.backend.contract import (
    check_same_sweeps,
    graph_coords,
    graph_data,
    in_display_order,
    structural_dims,
)
from bayesglmm.backend.parameterisation import centered_groups, choose_centring
from bayesglmm.errors import DataError
from bayesglmm.families import Family, get_family
from bayesglmm.formula import build_spec, parse_formula
from bayesglmm.formula.canonical import canonical_order
from bayesglmm.formula.collapse import collapse, collapsible
from bayesglmm.formula.compatibility import check_same_structure
from bayesglmm.formula.design import with_observation_effect
from bayesglmm.formula.distributional import BayesFormula
from bayesglmm.formula.imputed import check_imputed_columns, check_imputed_rows
from bayesglmm.formula.mixture import mixture_formula
from bayesglmm.formula.multivariate import is_multivariate
from bayesglmm.formula.spec import ModelSpec
from bayesglmm.formula.syntax import parse_residual
from bayesglmm.frames import as_pandas
from bayesglmm.multivariate_model import MultivariateModel
from bayesglmm.priors import Prior, default_priors, resolve_priors
from bayesglmm.priors.resolve import user_priors
from bayesglmm.results import Fit
from bayesglmm.results.display import (
    STYLE,
    format_header,
    groups_text,
    html_header,
    model_header,
)
from bayesglmm.results.ppc import PredictiveCheck, response_scale
from bayesglmm.samplers import (
    AutoChoice,
    ModelParts,
    SamplingOptions,
    check_names,
    kept_after_new_data,
    prepare_sampler,
)
from bayesglmm.samplers.options import check_draw_storage, record_run
from bayesglmm.samplers.prior_predictive import prior_predictive_draws


@dataclass(frozen=True)
class ModelArguments:
    """What a :class:`Model` was built from besides its data, so that the same model can
    be built on other data (``ModelArguments.build(data)``), in another process too."""

    formula: str | BayesFormula
    family: str | Family = "gaussian"
    link: str | None = None
    priors: Mapping[str, Prior] | None = None
    centered: bool | str | Iterable[str] = "auto"
    na_action: str = "error"
    overdispersion: bool = False
    covariances: Mapping[str, pd.DataFrame] | None = None
    residual: str | None = None

    def build(self, data: pd.DataFrame) -> Model:
        """The model with these arguments on ``data``."""
        values = {field.name: getattr(self, field.name) for field in fields(self)}
        formula = values.pop("formula")
        return Model(formula, data, **values)


class Model:
    """A Bayesian generalized linear mixed model.

    Parameters
    ----------
    formula
        lme4/brms-style formula, e.g. ``"y ~ x + (1 + x | g)"``. The response may
        be ``s | trials(n)`` or ``cbind(s, f)`` for binomial families; random terms
        are ``(terms | g)``, ``(terms || g)`` (uncorrelated), ``g1/g2`` (nested)
        and ``g1:g2``; ``offset(expr)`` adds a fixed offset. A :func:`bayesglmm.formula`
        also gives family parameters their own formulas (``zi="~ x + (1 | g)"``).
    data
        The data; it is never modified.
    family
        One of :data:`bayesglmm.families.FAMILIES` (default ``"gaussian"``), or a finite
        mixture of them, :func:`bayesglmm.mixture`.
    link
        Link function; the family's default when None.
    priors
        Priors that replace the defaults, by key: ``"Intercept"``, ``"b"``,
        ``"b[<coef>]"``, ``"sd"``, ``"sd[<group>]"``, ``"sd[<group>][<term>]"``,
        ``"cor"``, ``"cor[<group>]"`` and dispersion names (``"sigma"``, ``"nu"``,
        ``"shape"``, ``"phi"``). See :mod:`bayesglmm.priors.defaults` for the defaults.
    centered
        ``"auto"`` (default) chooses centred or non-centred effects for each grouping
        factor from how well the data inform its levels (see
        :mod:`bayesglmm.backend.parameterisation`; ``print(model)`` shows each choice and
        its reason). True centres every grouping factor, False none, and a list of names
        centres those. ``set_data`` keeps the choice made for the first data.
    na_action
        ``"error"`` (default) refuses missing values in used columns; ``"drop"``
        drops those rows and reports how many.
    overdispersion
        Add an observation-level random intercept, ``+ (1 | observation)``, for
        Poisson and binomial data that vary more than the family allows (Harrison
        2014, *PeerJ* 2:e616). ``varcorr()`` reports its sd as group ``observation``;
        predictions for new rows draw new observation effects.
    covariances
        Known covariance matrices among levels, by the name a ``(1 | gr(g, cov = A))`` term
        gives (brms's ``gr(cov=)``, MCMCglmm's ginverse): for a pedigree's additive
        relationship matrix or a phylogeny. Each is a DataFrame whose index and columns
        are the levels of ``g``; levels without rows (ancestors) may be included. The
        effects are ``r = L_A z diag(sd)`` with ``L_A`` the Cholesky factor of ``A``.
    residual
        Correlated residuals within subject for the gaussian family (R-side, GLIMMIX's
        ``random _residual_``): ``"ar1(time | subject)"`` (correlation ``rho^|gap|``
        between positions of the time levels) or ``"cs(time | subject)"`` (compound
        symmetry). Reported as ``rho_residual``; see :mod:`bayesglmm.structures.residual`.

    Examples
    --------
    >>> import bayesglmm as bg
    >>> model = bg.Model("Reaction ~ Days + (Days | Subject)", bg.datasets.load("sleepstudy"))
    >>> list(model.priors)[:3]
    ['Intercept', 'b[Days]', 'sd[Subject][Intercept]']
    """

    def __new__(cls, formula=None, *args, **kwargs):
        """A :class:`~bayesglmm.multivariate_model.MultivariateModel` for a multivariate
        formula (``bg.formula(...) + bg.formula(...)`` or ``mvbind(...) ~ ...``)."""
        if is_multivariate(formula):
            return MultivariateModel(formula, *args, model=cls, **kwargs)
        return super().__new__(cls)

    def __init__(
        self,
        formula: str | BayesFormula,
        data: pd.DataFrame,
        family: str | Family = "gaussian",
        link: str | None = None,
        priors: Mapping[str, Prior] | None = None,
        centered: bool | str | Iterable[str] = "auto",
        na_action: str = "error",
        overdispersion: bool = False,
        covariances: Mapping[str, pd.DataFrame] | None = None,
        residual: str | None = None,
    ):
        self.arguments = ModelArguments(
            formula,
            family,
            link,
            priors,
            centered,
            na_action,
            overdispersion,
            covariances,
            residual,
        )
        self.family, self.link = get_family(family, link)
        if not isinstance(formula, BayesFormula):
            formula = BayesFormula(formula)
        formula, self.family = mixture_formula(formula, self.family)
        mean = formula.mean
        if not isinstance(overdispersion, bool | np.bool_):
            raise DataError(
                f"overdispersion= takes True or False, not {overdispersion!r}; for example "
                "Model(..., overdispersion=True)."
            )
        if covariances is not None and not isinstance(covariances, Mapping):
            raise DataError(
                "covariances= maps the names in gr(g, cov = A) terms to DataFrames, such as "
                f"covariances={{'A': A}}, not {type(covariances).__name__}."
            )
        data = as_pandas(data)
        if overdispersion:
            mean, data = with_observation_effect(mean, data, self.family.name)
        self.formula = mean
        self.parsed = parse_formula(mean)
        check_imputed_columns(self.parsed, formula.imputed)
        self.parameter_formulas = formula.parsed_parameters()
        for parsed in self.parameter_formulas.values():
            check_imputed_columns(parsed, ())
        self.na_action = na_action
        self.covariances = dict(covariances or {})
        self.residual = None if residual is None else parse_residual(residual)
        self._user_priors = user_priors(priors)
        spec = self._build_spec(data)
        if spec.response.se is not None and not spec.response.se_sigma:
            self.family = self.family.without("sigma")
        self.collapsed = collapsible(spec, self.family, self.link)
        self._use(spec)
        self.centring = (
            choose_centring(self.canonical.spec, self.family, self.link)
            if isinstance(centered, str) and centered == "auto"
            else None
        )
        self.centered = (
            frozenset(name for name, choice in self.centring.items() if choice.centered)
            if self.centring is not None
            else centered_groups(centered, self.spec)
        )
        self.graph = build_pymc_model(
            self.sampled_spec, self.sampled_family, self.link, self.priors, self.centered
        )
        self._prepared: dict[tuple[str, str], object] = {}

    def _use(self, spec: ModelSpec) -> None:
        """Take ``spec`` as the model's rows: their canonical order, the default priors
        autoscaled to them, and the rows the sampler sees (collapsed where
        :mod:`~bayesglmm.formula.collapse` applies)."""
        self.spec, self.canonical = spec, canonical_order(spec)
        canonical = self.canonical.spec
        defaults = default_priors(canonical, self.family, self.link)
        self.priors = resolve_priors(defaults, self._user_priors)
        self.sampled_spec, self.sampled_family = (
            collapse(canonical, self.family) if self.collapsed else (canonical, self.family)
        )

    def _build_spec(self, data: pd.DataFrame) -> ModelSpec:
        spec = build_spec(
            self.parsed,
            data,
            self.family,
            self.na_action,
            self.parameter_formulas,
            self.covariances,
            self.residual,
        )
        check_imputed_rows(spec)
        return spec

    @classmethod
    def from_template(
        cls,
        name: str,
        data: pd.DataFrame,
        family: str | None = None,
        priors: Mapping[str, Prior] | None = None,
        centered: bool | str | Iterable[str] = "auto",
        na_action: str = "error",
        **roles: str | list[str],
    ) -> Model:
        """A model for a classic design from ``bg.templates``, with roles given as columns.

        Parameters
        ----------
        name
            Template name (see ``bg.templates.list()``).
        data
            The data.
        family
            Overrides the template's family.
        priors
            Priors on top of the template's (which are on top of the defaults).
        centered, na_action
            As for :class:`Model`.
        **roles
            Column for each role of the template, e.g. ``response="y", block="field"``;
            a list of columns joins them with ``+``.

        Examples
        --------
        >>> import bayesglmm as bg
        >>> model = bg.Model.from_template(
        ...     "multicentre_trial", bg.datasets.load("infection"),
        ...     successes="favorable", trials="n", treatment="treatment", centre="clinic")
        >>> model.formula
        'favorable | trials(n) ~ treatment + (1 | clinic) + (1 | clinic:treatment)'
        """
        template = templates.show(name)
        return cls(
            template.formula_for(roles),
            data,
            family=family or template.family,
            priors={**template.priors, **(priors or {})},
            residual=template.residual_for(roles),
            centered=centered,
            na_action=na_action,
        )

    @property
    def pymc_model(self) -> pm.Model:
        """The underlying PyMC model."""
        return self.graph.model

    def set_data(self, data: pd.DataFrame) -> None:
        """Swap in new data of the same structure without rebuilding or recompiling.

        Default priors are autoscaled again to the new data; user priors stay. The NUTS
        samplers keep their compiled model; the Gibbs sampler, whose set-up holds the data,
        is set up again on the next fit (no compilation).

        Raises
        ------
        DataError
            When the new data change the model's structure (other coefficients,
            grouping factors or terms); build a new :class:`Model` then.

        Examples
        --------
        >>> import bayesglmm as bg
        >>> data = bg.datasets.load("sleepstudy")
        >>> model = bg.Model("Reaction ~ Days + (Days | Subject)", data)
        >>> model.set_data(data[data["Days"] < 8])
        >>> model.spec.n_obs
        144
        """
        data = as_pandas(data)
        if self.arguments.overdispersion:
            _, data = with_observation_effect(self.formula, data, self.family.name)
        spec = self._build_spec(data)
        check_same_structure(self.spec, spec)
        check_same_sweeps(self.spec, spec, self.family, self.priors)
        self._use(spec)
        sampled = self.sampled_spec
        model = self.graph.model
        for dim, values in graph_coords(sampled).items():
            if dim not in structural_dims(sampled):
                model.set_dim(dim, len(values), coord_values=values)
        with model:
            pm.set_data(graph_data(sampled, self.sampled_family, self.priors))
        self._prepared = kept_after_new_data(self._prepared)

    def fit(
        self,
        draws: int = 1000,
        tune: int = 1000,
        chains: int = 4,
        cores: int | None = None,
        seed: int | None = None,
        sampler: str = "nutpie",
        target_accept: float = 0.8,
        progress: bool = True,
        time_limit: float | None = None,
        backend: str = "numba",
    ) -> Fit:
        """Draw from the posterior.

        Parameters
        ----------
        draws, tune
            Post-warm-up draws and warm-up iterations per chain.
        chains, cores
            Number of chains, and how many run at once (default: one per chain,
            up to the machine's cores; for nutpie on small data without a
            ``time_limit``, one after another, as there chains take turns on Python's GIL).
        seed
            Seed for reproducible draws; a random one (recorded in the fit) when None.
        sampler
            ``"nutpie"`` (default), ``"pymc"``, ``"gibbs"`` (block Gibbs for gaussian,
            logit binomial/bernoulli and negative binomial models) or ``"auto"``
            (Gibbs where it applies to at least 5,000 rows, or 10,000 with correlated
            group effects, nutpie otherwise; it says which it chose and why).
        target_accept
            NUTS target acceptance rate; raise it (e.g. 0.95) when transitions diverge.
        progress
            Show a progress bar.
        time_limit
            Stop sampling after this many seconds (preparation and compilation not
            counted) and keep the draws made so far. Ctrl-C does the same at any time.
            Such a fit is marked incomplete (``fit.incomplete``, a line in the printout,
            an :class:`~bayesglmm.errors.IncompleteSamplingWarning`), its chains trimmed
            to a common length. Stopped during warm-up, sampling raises
            :class:`~bayesglmm.errors.SamplingInterrupted`.
        backend
            How nutpie's log density is compiled: ``"numba"`` (default) or ``"jax"``
            (JAX, on a GPU when JAX sees one, the rows split across several devices; see
            :mod:`bayesglmm.samplers.jax_backend`). ``"jax"`` needs ``sampler="nutpie"``
            and the ``jax`` extra.

        Returns
        -------
        Fit

        Raises
        ------
        SamplerError
            For an unknown sampler or a ``time_limit`` that is not a positive number.
        SamplingInterrupted
            When Ctrl-C or ``time_limit`` stopped sampling during warm-up.

        Examples
        --------
        >>> import bayesglmm as bg
        >>> model = bg.Model("favorable | trials(n) ~ treatment + (1 | clinic)",
        ...                  bg.datasets.load("infection"), family="binomial")
        >>> fit = model.fit(draws=300, tune=300, chains=2, seed=7, progress=False)
        >>> fit.idata.posterior.sizes["draw"]
        300
        """
        options = SamplingOptions(
            draws=draws,
            tune=tune,
            chains=chains,
            cores=cores,
            seed=seed,
            target_accept=target_accept,
            progress=progress,
            time_limit=time_limit,
        ).resolved()
        check_draw_storage(options, self.spec)
        check_names(sampler, backend)
        start = time.perf_counter()
        if (sampler, backend) not in self._prepared:
            parts = ModelParts(
                self.graph, self.sampled_spec, self.sampled_family, self.link, self.priors
            )
            self._prepared[sampler, backend] = prepare_sampler(sampler, backend, parts)
        prepared = self._prepared[sampler, backend]
        if progress and isinstance(prepared, AutoChoice):
            print(
                f"sampler='auto' chose {prepared.chosen.description}: {prepared.reason}.",
                file=sys.stderr,
            )
        prepared_at = time.perf_counter()
        raw = prepared.run(options)
        raw["posterior"] = in_display_order(raw["posterior"], self.spec)
        record_run(raw["posterior"], prepared.description, options, start, prepared_at)
        return Fit(
            raw,
            self.spec,
            self.family,
            self.link,
            self.priors,
            self.graph.observed_name,
            self.centered,
        )

    def prior_predictive(self, draws: int = 500, seed=None) -> PredictiveCheck:
        """Prior predictive check: data simulated from the priors against the observed.

        Shows what the priors alone imply on the response scale; ``.plot(kind=...)``
        draws the same figures as :meth:`Fit.ppc`, and ``.statistics`` tells how far the
        observed data sit in the prior predictive distribution.

        Examples
        --------
        >>> import bayesglmm as bg
        >>> model = bg.Model("incidence | trials(size) ~ period + (1 | herd)",
        ...                  bg.datasets.load("cbpp"), family="binomial")
        >>> check = model.prior_predictive(draws=100, seed=1)
        >>> check.replicated.shape
        (100, 56)
        """
        parts = (self.canonical.spec, self.family, self.link, self.priors, self.centered)
        graph = build_pymc_model(*parts) if self.collapsed else self.graph
        values = self.canonical.original_rows(prior_predictive_draws(graph, draws, seed))
        trials = self.spec.response.trials
        return PredictiveCheck(
            response_scale(self.spec.response.values, trials),
            response_scale(values, trials),
            graph.observed_name,
            self.family.support.name,
        )

    def _header(self) -> list[tuple[str, str]]:
        header = model_header(self.spec, self.family.name, self.link.name)
        if self.collapsed:
            rows = f"{self.sampled_spec.n_obs} {self.sampled_family.name} rows"
            header.append(("Sampled as", f"{rows}: rows with one linear predictor merged"))
        if self.spec.all_groups:
            header.append(("Groups", groups_text(self.spec, self.centring, self.centered)))
        return header

    def __repr__(self) -> str:
        priors = "\n".join(f"  {line}" for line in repr(self.priors).splitlines())
        return f"bayesglmm model\n{format_header(self._header())}\n\nPriors:\n{priors}"

    def _repr_html_(self) -> str:
        priors = self.priors.to_frame().to_html(classes="bayesglmm")
        header = html_header(self._header())
        return f"{STYLE}<p><b>bayesglmm model</b></p>{header}<h4>Priors</h4>{priors}"
