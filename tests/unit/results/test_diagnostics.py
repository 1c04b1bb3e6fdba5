"""The divergence message names the prior remedy for grouping factors with few levels."""

import numpy as np
import pandas as pd
import xarray as xr

from bayesglmm.results.diagnostics import convergence_messages

TABLE = pd.DataFrame(
    {"rhat": [1.0, 1.0], "ess_bulk": [900.0, 900.0]},
    index=["sd_block[Intercept]", "sd_block:management[Intercept]"],
)
DIVERGING = np.zeros((2, 10), bool)
DIVERGING[0, :3] = True
STATS = xr.Dataset({"diverging": (("chain", "draw"), DIVERGING)})
GENERIC = (
    "3 of 20 post-warm-up transitions diverged: the sampler could not follow the posterior "
    "everywhere, so the draws may be biased. Raise target_accept (for example "
    "fit(target_accept=0.95)); if divergences remain, try centered=[...] for grouping "
    "factors with many observations per level, or a tighter prior on the group sds."
)


def test_a_group_with_four_levels_gets_the_prior_remedy():
    messages = convergence_messages(TABLE, STATS, {"block": 4, "block:management": 28})
    assert messages == [
        GENERIC + " The sds of 'block' (4 levels) rest on fewer than 5 levels, so the default "
        "prior leaves them free to approach 0, where the sampler cannot follow (a funnel "
        "that no centring removes); say how large those effects can plausibly be, on the "
        "link scale, e.g. priors={'sd[block]': bg.priors.HalfNormal(0.5)}."
    ]


def test_groups_with_many_levels_get_the_generic_message():
    assert convergence_messages(TABLE, STATS, {"block": 12}) == [GENERIC]
    assert convergence_messages(TABLE, STATS) == [GENERIC]
