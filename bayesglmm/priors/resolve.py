"""Merge user priors into the defaults, with keys that read like the parameters.

Keys, most specific first:

* ``"Intercept"``: the intercept with predictors centred.
* ``"b[<coef>]"``, then ``"b"`` for every coefficient but the intercept.
* For a modelled parameter such as ``zi``: ``"Intercept_zi"``, ``"b_zi[<coef>]"``,
  then ``"b_zi"``; its groups are named ``<group>__zi`` in the ``sd`` and ``cor`` keys.
* ``"sd[<group>][<term>]"``, then ``"sd[<group>]"``, then ``"sd"``.
* ``"sds[<block>]"`` (a smooth's sd, ``sds[sx_1]`` for ``s(x)``), then ``"sds"``.
* ``"sdgp[<label>]"`` and ``"lscale[<label>]"`` (a Gaussian process's sd and length
  scale, ``sdgp[gpx]`` for ``gp(x, k = 20)``), then ``"sdgp"`` and ``"lscale"``.
* ``"cor[<group>]"``, then ``"cor"``.
* A monotonic term ``mo(x)``: its coefficient ``"b[mo(x)]"`` (then ``"b"``, as brms's class
  ``b``) and its simplex ``"simo[mo(x)]"``, then ``"simo"`` (a ``Dirichlet``).
* Dispersion parameters by their brms names: ``"sigma"``, ``"nu"``, ``"shape"``, ``"phi"``.

Examples
--------
>>> import bayesglmm as bg
>>> model = bg.Model("favorable | trials(n) ~ treatment + (1 | clinic)",
...                  bg.datasets.load("infection"), family="binomial",
...                  priors={"b": bg.priors.Normal(0, 1)})
>>> print(model.priors["b[treatment[T.drug]]"]), model.priors.source("b[treatment[T.drug]]")
normal(0, 1)
(None, 'user')
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

import pandas as pd

from bayesglmm import naming
from bayesglmm.errors import PriorError, did_you_mean
from bayesglmm.priors.distributions import PRIORS, Prior

_SUITABLE = {
    "real": "Normal or StudentT",
    "positive": "HalfNormal, HalfStudentT, HalfCauchy, Exponential, Gamma or InverseGamma",
    "correlation": "LKJ",
    "unit": "Beta",
    "simplex": "Dirichlet",
}


class Priors(Mapping[str, Prior]):
    """The prior of every parameter, and whether it is a default or the user's.

    Behaves as a read-only mapping from key to prior; ``to_frame()`` gives a table.

    Examples
    --------
    >>> import bayesglmm as bg
    >>> model = bg.Model("y ~ trt + (1 | subject)", bg.datasets.load("epil"), family="poisson")
    >>> list(model.priors)
    ['Intercept', 'b[trt[T.progabide]]', 'sd[subject][Intercept]']
    """

    def __init__(self, priors: Mapping[str, Prior], sources: Mapping[str, str]):
        self._priors = dict(priors)
        self._sources = dict(sources)

    def __getitem__(self, key: str) -> Prior:
        return self._priors[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._priors)

    def __len__(self) -> int:
        return len(self._priors)

    def source(self, key: str) -> str:
        """``"default"`` or ``"user"``."""
        return self._sources[key]

    def to_frame(self) -> pd.DataFrame:
        """One row per parameter with its prior and source."""
        return pd.DataFrame(
            {
                "prior": [str(p) for p in self._priors.values()],
                "source": list(self._sources.values()),
            },
            index=pd.Index(list(self._priors), name="parameter"),
        )

    def __repr__(self) -> str:
        width = max((len(key) for key in self._priors), default=0)
        return "\n".join(
            f"{key:<{width}}  {prior}{'' if self._sources[key] == 'default' else '  (user)'}"
            for key, prior in self._priors.items()
        )


def user_priors(priors: object) -> dict[str, Prior]:
    """A copy of the user's ``priors`` mapping (empty for None).

    Raises
    ------
    PriorError
        When ``priors`` is not a mapping from keys to priors.
    """
    if priors is not None and not isinstance(priors, Mapping):
        raise PriorError(
            f"priors must map keys to priors, such as {{'b': bg.priors.Normal(0, 1)}}, not "
            f"{type(priors).__name__}; print(model.priors) lists the keys."
        )
    return dict(priors or {})


def resolve_priors(defaults: Mapping[str, Prior], user: Mapping[str, Prior] | None) -> Priors:
    """Apply the user's priors over the defaults and check every key and support.

    Parameters
    ----------
    defaults
        Default prior per parameter key.
    user
        The user's priors; keys may be specific (``"b[x]"``) or broad (``"b"``).

    Raises
    ------
    PriorError
        For an unknown key (listing the valid ones), a value that is not a prior,
        or a prior whose support does not suit the parameter.
    """
    user = user_priors(user)
    valid = list(defaults)
    for key in defaults:
        valid.extend(k for k in naming.broader_keys(key) if k not in valid)
    for key, prior in user.items():
        if key not in valid:
            hint = did_you_mean(key, valid)
            if key == naming.coefficient_key(naming.INTERCEPT) and naming.INTERCEPT in defaults:
                hint = (
                    " The intercept has its own key 'Intercept' (its prior applies with "
                    "predictors centred, as in brms)."
                )
            raise PriorError(f"unknown prior key {key!r}.{hint} Valid keys: {', '.join(valid)}.")
        if not isinstance(prior, Prior):
            raise PriorError(
                f"priors[{key!r}] must be a prior such as bg.priors.Normal(0, 1), "
                f"not {type(prior).__name__}. Available priors: {', '.join(PRIORS)}."
            )
    resolved: dict[str, Prior] = {}
    sources: dict[str, str] = {}
    for key, default in defaults.items():
        chosen = next((k for k in [key, *naming.broader_keys(key)] if k in user), None)
        prior = default if chosen is None else user[chosen]
        if prior.support != default.support:
            raise PriorError(
                f"priors[{chosen!r}] is {prior!r}, a prior on {prior.support} values, but "
                f"'{key}' is {default.support}; use {_SUITABLE[default.support]}."
            )
        resolved[key] = prior.shaped_like(default, chosen or key)
        sources[key] = "default" if chosen is None else "user"
    return Priors(resolved, sources)
