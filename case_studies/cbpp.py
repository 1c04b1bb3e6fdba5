# %% [markdown]
# # Contagious bovine pleuropneumonia: herds, periods and overdispersion
#
# **Question.** How does the incidence of CBPP in 15 Ethiopian zebu herds change over
# four periods, and is there more herd-to-herd and period-to-period variation than a
# binomial with herd effects allows? (Lesnoff et al. 2004; lme4's `cbpp`.)

# %%
# %matplotlib inline
import os

import bayesglmm as bg

DRAWS = int(os.environ.get("BAYESGLMM_CASE_DRAWS", "1000"))
data = bg.datasets.load("cbpp")
data = data.assign(observation=range(len(data)))
data.head()

# %% [markdown]
# ## Two models
#
# 1. Herd intercepts: `incidence | trials(size) ~ period + (1 | herd)`.
# 2. The same with an observation-level random effect `(1 | observation)`, one normal deviation
#    per herd-period on the logit scale: a logit-normal-binomial model for overdispersion.

# %%
herd = bg.Model("incidence | trials(size) ~ period + (1 | herd)", data, family="binomial")
olre = bg.Model(
    "incidence | trials(size) ~ period + (1 | herd) + (1 | observation)", data, family="binomial"
)
olre

# %%
herd.prior_predictive(draws=300, seed=1).statistics

# %%
herd_fit = herd.fit(draws=DRAWS, tune=DRAWS, chains=4, seed=2, progress=False)
olre_fit = olre.fit(draws=DRAWS, tune=DRAWS, chains=4, seed=2, progress=False)
herd_fit

# %%
olre_fit.diagnose()

# %% [markdown]
# ## Predictive checks
# The sd of the herd-period proportions is the statistic that exposes overdispersion.

# %%
herd_check = herd_fit.ppc(seed=1)
olre_check = olre_fit.ppc(seed=1)
herd_check.statistics.assign(p_value_olre=olre_check.statistics["p_value"])

# %%
herd_check.figure

# %% [markdown]
# ## Comparison by LOO and the size of the extra variation

# %%
comparison = bg.compare({"herd": herd_fit, "herd + observation": olre_fit})
comparison

# %%
olre_fit.varcorr()[["group", "term", "mean", "2.5%", "97.5%"]]

# %% [markdown]
# ## Results on the response scale
# Incidence by period for a typical herd (conditional) and averaged over herds.

# %%
herd_fit.effects("period")

# %% [markdown]
# ## Interpretation
#
# Incidence falls after the first period. The observation-level sd is modest and its
# interval reaches near zero, and LOO does not separate the two models clearly: the herd
# effects already absorb most of the extra-binomial variation in these data.

# %% Checks
assert herd_fit.diagnose().problems == 0
assert herd_fit.fixef().loc["period[T.4]", "97.5%"] < 0
assert set(comparison.index) == {"herd", "herd + observation"}
assert olre_fit.varcorr().query("group == 'observation'")["mean"].iloc[0] < 1.0
