"""Convergence checks in plain language, each with its usual remedy.

A fit is flagged when any parameter has R-hat above :data:`RHAT_MAX`, bulk ESS
below :data:`ESS_MIN`, or any post-warm-up transition diverged (Vehtari et al.
2021; Betancourt 2017).

Examples
--------
>>> import pandas as pd, xarray as xr, numpy as np
>>> table = pd.DataFrame({"rhat": [1.05], "ess_bulk": [150.0]}, index=["sd_herd[Intercept]"])
>>> stats = xr.Dataset({"diverging": (("chain", "draw"), np.zeros((2, 5), bool))})
>>> [m.split(":")[0] for m in convergence_messages(table, stats)]
['R-hat is above 1.01 for 1 parameter (worst', 'bulk ESS is below 400 for 1 parameter (lowest']
"""

from __future__ import annotations

import pandas as pd
import xarray as xr

RHAT_MAX = 1.01
ESS_MIN = 400


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def convergence_messages(table: pd.DataFrame, sample_stats: xr.Dataset) -> list[str]:
    """Messages for every convergence problem in ``table`` and ``sample_stats``.

    Parameters
    ----------
    table
        One row per parameter element, with columns ``rhat`` and ``ess_bulk``.
    sample_stats
        The sampler's statistics; ``diverging`` is used when present.
    """
    messages = []
    if "diverging" in sample_stats:
        diverging = int(sample_stats["diverging"].sum())
        if diverging:
            total = int(sample_stats["diverging"].size)
            messages.append(
                f"{diverging} of {total} post-warm-up transitions diverged: the sampler could "
                "not follow the posterior everywhere, so the draws may be biased. Raise "
                "target_accept (for example fit(target_accept=0.95)); if divergences remain, "
                "try centered=[...] for grouping factors with many observations per level, or a "
                "tighter prior on the group sds."
            )
    rhat = table["rhat"].dropna()
    high = rhat[rhat > RHAT_MAX]
    if len(high):
        messages.append(
            f"R-hat is above {RHAT_MAX} for {_count(len(high), 'parameter')} (worst: "
            f"{high.idxmax()} at {high.max():.3f}): the chains have not mixed. Run longer "
            "warm-up and more draws (for example fit(tune=2000, draws=2000)), and look for "
            "weakly identified parameters."
        )
    ess = table["ess_bulk"].dropna()
    low = ess[ess < ESS_MIN]
    if len(low):
        messages.append(
            f"bulk ESS is below {ESS_MIN} for {_count(len(low), 'parameter')} (lowest: "
            f"{low.idxmin()} at {low.min():.0f}): means and intervals are imprecise. Draw more "
            "(for example fit(draws=2000)), raise tune, or reparameterise with centered=[...] "
            "when the low-ESS parameters are group sds."
        )
    return messages
