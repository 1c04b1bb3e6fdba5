"""Multivariate models: several responses fitted jointly on the same rows (brms's
``bf(y1 ~ ...) + bf(y2 ~ ...)`` and ``mvbind(y1, y2) ~ ...``).

Each response is first read as a model of its own (:class:`~bayesglmm.model.Model`, its
"view"): its formula, family, default priors and parameterisation. The joint graph then
takes each view's linear predictor under the response's names
(:func:`~bayesglmm.multivariate_naming.response_names`), joins group-level terms that share a
correlation ID across responses, and adds residual correlations for gaussian or student_t
responses (:mod:`bayesglmm.backend.multivariate`). A response ``z | mi()`` has its missing
values imputed as parameters, which other responses may read as ``mi(z)``
(:mod:`bayesglmm.formula.imputed`).

Examples
--------
>>> import numpy as np, pandas as pd
>>> import bayesglmm as bg
>>> rng = np.random.default_rng(1)
>>> data = pd.DataFrame({"y1": rng.normal(size=40), "y2": rng.poisson(2.0, 40),
...                      "x": rng.normal(size=40), "g": np.repeat(list("abcdefgh"), 5)})
>>> model = bg.Model(bg.formula("y1 ~ x + (1 | p | g)")
...                  + bg.formula("y2 ~ x + (1 | p | g)", family="poisson"), data)
>>> model.names, model.rescor
(('y1', 'y2'), False)
>>> list(model.priors)[:3]
['Intercept_y1', 'b_y1[x]', 'sd[g__y1][Intercept]']
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from bayesglmm import naming
from bayesglmm.backend.multivariate import ResponsePart, build_multivariate_graph
from bayesglmm.backend.parameterisation import smooth_centring
from bayesglmm.backend.rescor import RESCOR_FAMILIES
from bayesglmm.errors import FamilyError, FormulaError, SamplerError
from bayesglmm.families import Family, get_family
from bayesglmm.formula.distributional import BayesFormula, MultivariateFormula
from bayesglmm.formula.linked import linked_blocks
from bayesglmm.formula.multivariate import multivariate_formula
from bayesglmm.formula.smooth_spec import GPDesign
from bayesglmm.frames import as_pandas
from bayesglmm.multivariate_views import (
    centred_per_response,
    imputed_reads,
    read_response,
    response_design,
    response_designs,
    view_rows,
)
from bayesglmm.naming import multivariate_naming
from bayesglmm.priors import LKJ, Prior, resolve_priors
from bayesglmm.priors.resolve import Priors, user_priors
from bayesglmm.results.display import format_header
from bayesglmm.results.multivariate import MultivariateFit, ResponseView
from bayesglmm.samplers.nutpie_sampler import compile_graph
from bayesglmm.samplers.options import SamplingOptions, record_run

SAMPLERS = ("nutpie",)
"""The samplers of a multivariate model."""


class MultivariateModel:
    """A model of several responses fitted jointly; ``bg.Model`` returns one for a
    multivariate formula (see :class:`~bayesglmm.model.Model` for the arguments they
    share), and passes itself as ``model``, the class that reads each response alone.

    Parameters
    ----------
    formula
        ``bg.formula(...) + bg.formula(...)``, or ``"mvbind(y1, y2) ~ ..."``.
    data
        The rows; a row missing any response's columns is refused (``na_action="error"``)
        or dropped from every response (``"drop"``), except the missing values of
        responses ``z | mi()``: parameters ``Ymi_z`` that formulas may read as ``mi(z)``.
    family, link
        The family of the responses whose formula gives none.
    priors
        Priors by key: a response's keys end with it (``b_y1[x]``, ``Intercept_y1``,
        ``sd[g__y1]``, ``sigma_y1``); ``cor[g]`` is the prior of the correlations that an
        ID joins across responses, ``rescor`` of the residual correlations.
    centered
        As for :class:`~bayesglmm.model.Model`, for each response's grouping factors (by
        their names in its own formula); or a mapping from response to such a setting.
        Factors that an ID joins across responses are always non-centred.
    rescor
        Residual correlations between gaussian (or between student_t) responses: None
        (default) models them when every response is gaussian, or every one student_t,
        as brms does, and none imputes missing values.
    """

    def __init__(
        self,
        formula: MultivariateFormula | BayesFormula | str,
        data: pd.DataFrame,
        family: str | Family = "gaussian",
        link: str | None = None,
        priors: Mapping[str, Prior] | None = None,
        centered: bool | str | Iterable[str] = "auto",
        na_action: str = "error",
        covariances: Mapping[str, pd.DataFrame] | None = None,
        rescor: bool | None = None,
        *,
        model: type,
    ):
        if isinstance(formula, BayesFormula):
            if formula.parameters:
                raise FormulaError(
                    f"'{formula.mean}' has formulas for its family parameters; distributional "
                    "formulas are not supported in a multivariate model yet: fit each "
                    "response alone."
                )
            formula = formula.mean
        if isinstance(formula, str):
            formula = multivariate_formula(formula)
        self.formula = formula
        data = as_pandas(data)
        self.names = formula.names
        self.family, self.link = get_family(family, link)
        self.covariances = covariances
        settings = centred_per_response(centered, self.names)
        arguments = (family, link, na_action, covariances)
        reads = imputed_reads(formula)

        def read(frame: pd.DataFrame) -> list:
            return [
                read_response(
                    model,
                    f,
                    frame,
                    *arguments[:2],
                    settings[name],
                    *arguments[2:],
                    reads[name],
                )
                for f, name in zip(formula.responses, self.names, strict=True)
            ]

        views = read(data)
        covered = np.ones(len(data), dtype=bool)
        for view in views:
            covered &= data.index.isin(view_rows(view))
        common = data.index[covered]
        if any(len(view_rows(view)) != len(common) for view in views):
            views = read(data.loc[common])
        columns = list(dict.fromkeys(c for view in views for c in view.spec.data.columns))
        self.data = data.loc[common, columns]
        designs = [
            response_designs(model, f, view, data.loc[common], covariances, reads[name])
            for f, view, name in zip(formula.responses, views, self.names, strict=True)
        ]
        families = {view.family.name for view in views}
        correlatable = len(families) == 1 and families <= set(RESCOR_FAMILIES)
        if rescor and not correlatable:
            raise FamilyError(
                "rescor=True models residual correlations, which need every response gaussian "
                f"or every one student_t; these are {', '.join(v.family.name for v in views)}. "
                "Correlate them through shared group-level terms instead, as (1 | p | g)."
            )
        missing = {
            name: design.missing
            for name, design in zip(self.names, designs, strict=True)
            if len(design.missing)
        }
        designs = [
            design.reading(missing, reads[name])
            for name, design in zip(self.names, designs, strict=True)
        ]
        imputed = list(missing)
        if rescor and imputed:
            raise FamilyError(
                f"rescor=True with the missing values of '{imputed[0]}' imputed (mi()) is not "
                "supported yet; leave rescor out (or rescor=False), and correlate the "
                "responses through shared group-level terms, as (1 | p | g)."
            )
        self.rescor = correlatable and not imputed if rescor is None else bool(rescor)
        shared = ("nu",) if self.rescor and families == {"student_t"} else ()
        self.parts = tuple(
            ResponsePart(
                name=name,
                design=response_design(design.every, view.link, name),
                response=design.every.response,
                family=view.family,
                link=view.link,
                shared=shared,
                observed=design.observed,
                missing_labels=tuple(design.missing),
                imputed_predictors=design.every.imputed_predictors,
            )
            for name, view, design in zip(self.names, views, designs, strict=True)
        )
        self.linked = linked_blocks(tuple(g for part in self.parts for g in part.design.groups))
        maps = [
            self._names(view, part, (*([name] if name in missing else []), *imputed_read))
            for view, part, design, name, imputed_read in zip(
                views,
                self.parts,
                designs,
                self.names,
                ([c for c in reads[name] if c in imputed] for name in self.names),
                strict=True,
            )
        ]
        defaults: dict[str, Prior] = {}
        for view, (_, _, keys) in zip(views, maps, strict=True):
            defaults.update({keys[key]: prior for key, prior in view.priors.items()})
        defaults.update({naming.correlation_key(link.factor): LKJ(1) for link in self.linked})
        if self.rescor:
            defaults[multivariate_naming.RESCOR] = LKJ(1)
        self.priors: Priors = resolve_priors(defaults, user_priors(priors))
        joined = {name for link in self.linked for name, _ in link.members}
        centred = set()
        smooth_centred = {}
        for view, part in zip(views, self.parts, strict=True):
            centred |= {naming.parameter_group(g, part.name) for g in view.centered}
            for block, choice in smooth_centring(view.spec, view.family, view.link).items():
                smooth_centred[naming.parameter_group(block, part.name)] = choice
        self.centered = frozenset(centred - joined)
        self.views = tuple(
            ResponseView(
                name=part.name,
                spec=design.fitted,
                family=view.family,
                link=view.link,
                priors=Priors(
                    {key: self.priors[keys[key]] for key in view.priors},
                    {key: self.priors.source(keys[key]) for key in view.priors},
                ),
                variables=variables,
                dims=dims,
                centered=frozenset(
                    g
                    for g in view.centered
                    if naming.parameter_group(g, part.name) in self.centered
                ),
            )
            for view, part, design, (variables, dims, keys) in zip(
                views, self.parts, designs, maps, strict=True
            )
        )
        self.graph = build_multivariate_graph(
            self.parts, self.linked, self.priors, self.centered, smooth_centred, self.rescor
        )
        self._compiled = None

    @staticmethod
    def _names(view, part: ResponsePart, imputed: tuple[str, ...]):
        spec = view.spec
        blocks = tuple(
            block
            for smooth in spec.smooths
            if not isinstance(smooth, GPDesign)
            for block in smooth.blocks
        )
        gps = tuple(smooth.label for smooth in spec.all_gps)
        own = tuple(name for name in view.family.dispersion_names if name not in part.shared)
        return multivariate_naming.response_names(
            part.name, tuple(g.name for g in spec.groups), blocks, gps, own, imputed
        )

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
    ) -> MultivariateFit:
        """Draw from the joint posterior with nutpie (as :meth:`bayesglmm.Model.fit`).

        Raises
        ------
        SamplerError
            For a sampler other than ``"nutpie"``.
        """
        if sampler not in SAMPLERS:
            raise SamplerError(
                f"sampler={sampler!r}: a multivariate model is sampled by NUTS, sampler='nutpie'."
            )
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
        start = time.perf_counter()
        if self._compiled is None:
            self._compiled = compile_graph(self.graph)
        prepared_at = time.perf_counter()
        raw = self._compiled.run(options)
        record_run(raw["posterior"], self._compiled.description, options, start, prepared_at)
        return MultivariateFit(raw, self)

    def _header(self) -> list[tuple[str, str]]:
        header = []
        for part, view in zip(self.parts, self.views, strict=True):
            header.append(
                (part.name, f"{view.family.name} ({view.link.name}): {view.spec.formula.text}")
            )
        data = [f"{len(self.data)} rows"]
        data += [
            f"{len(part.missing_labels)} missing '{part.name}' imputed "
            f"({multivariate_naming.imputed_response(part.name)})"
            for part in self.parts
            if part.missing_labels
        ]
        header.append(("Data", "; ".join(data)))
        if self.rescor:
            header.append(("Residuals", f"correlated ({multivariate_naming.RESCOR})"))
        groups = []
        for part in self.parts:
            for group in part.design.groups:
                kind = "centred" if group.name in self.centered else "non-centred"
                groups.append(
                    f"{group.name} ({group.n_levels} levels): {', '.join(group.terms)} [{kind}]"
                )
        for link in self.linked:
            members = " and ".join(f"'{name}'" for name, _ in link.members)
            groups.append(
                f"ID '{link.correlation_id}' correlates {', '.join(link.terms)} across {members} "
                f"({naming.group_correlation(link.name)})"
            )
        if groups:
            header.append(("Groups", "\n".join(groups)))
        return header

    def __repr__(self) -> str:
        priors = "\n".join(f"  {line}" for line in repr(self.priors).splitlines())
        return f"bayesglmm multivariate model\n{format_header(self._header())}\n\nPriors:\n{priors}"
