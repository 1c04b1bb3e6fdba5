"""The responses ``y | mi()`` imputes, drawn into the posterior.

When only the response is missing, a row adds nothing to the likelihood once its value
is integrated out, so the model is fitted to the observed rows and each missing value's
posterior is its posterior predictive distribution given the parameters, for responses
missing at random (Little & Rubin 2019, *Statistical Analysis with Missing Data*, 3rd
ed.). One draw per posterior draw, with the row's group effects (a level seen only in
missing rows gets effects drawn from the fitted distribution), is kept as ``Ymi`` over
dim ``Ymi_row``, the caller's row labels: the variable brms samples as a parameter.

Examples
--------
>>> import numpy as np
>>> import bayesglmm as bg
>>> data = bg.datasets.load("sleepstudy")
>>> data.loc[[3, 50], "Reaction"] = np.nan
>>> fit = bg.Model("Reaction | mi() ~ Days + (1 | Subject)", data).fit(
...     draws=200, tune=300, chains=2, seed=1, progress=False)
>>> fit.posterior["Ymi"].sizes["Ymi_row"], fit.posterior["Ymi_row"].values.tolist()
(2, [3, 50])
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import xarray as xr

from bayesglmm import naming

if TYPE_CHECKING:
    from bayesglmm.results.fit import Fit


def imputed_responses(fit: Fit) -> xr.DataArray | None:
    """Draws ``(chain, draw, Ymi_row)`` of the missing responses of ``fit``, seeded by its
    run's seed; None when it imputes none."""
    rows = fit.spec.imputed_rows
    if rows is None:
        return None
    tree = fit.predict(
        rows,
        kind="response",
        new_levels="population",
        summary=False,
        seed=fit.posterior.attrs.get("seed"),
    )
    draws = tree["predictions"][fit.observed_name]
    return draws.rename({naming.OBS: naming.IMPUTED_ROW}).rename(naming.IMPUTED_RESPONSE)
