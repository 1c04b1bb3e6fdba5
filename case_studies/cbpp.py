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
from bayesglmm.studies import show

DRAWS = int(os.environ.get("BAYESGLMM_CASE_DRAWS", "1000"))
data = bg.datasets.load("cbpp")
data = data.assign(observation=range(len(data)))
show(data.head())

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
show(olre)

# %%
show(herd.prior_predictive(draws=300, seed=1).statistics)

# %%
herd_fit = herd.fit(draws=DRAWS, tune=DRAWS, chains=4, seed=2, progress=False)
olre_fit = olre.fit(draws=DRAWS, tune=DRAWS, chains=4, seed=2, progress=False)
show(herd_fit)

# %%
show(olre_fit.diagnose())

# %% [markdown]
# ## Predictive checks
# The sd of the herd-period proportions is the statistic that exposes overdispersion.

# %% [markdown]
# The Pearson dispersion ratio of the herd-only fit (squared conditional Pearson residuals
# over the residual degrees of freedom) measures the same thing directly; `diagnose()`
# reports it too, and names the remedies.

# %%
show(herd_fit.dispersion())

# %%
show(olre_fit.dispersion())

# %%
herd_check = herd_fit.ppc(seed=1)
olre_check = olre_fit.ppc(seed=1)
show(herd_check.statistics.assign(p_value_olre=olre_check.statistics["p_value"]))

# %%
herd_check.figure

# %% [markdown]
# ## Comparison by LOO and the size of the extra variation

# %%
comparison = bg.compare({"herd": herd_fit, "herd + observation": olre_fit})
show(comparison)

# %%
show(olre_fit.varcorr()[["group", "term", "mean", "2.5%", "97.5%"]])

# %% [markdown]
# ## Results on the response scale
# Incidence by period for a typical herd (conditional) and averaged over herds.

# %%
show(herd_fit.effects("period"))

# %% [markdown]
# ## Interpretation
#
# Incidence falls after the first period. The herd-only fit leaves extra-binomial
# variation (Pearson ratio well above 1), which the observation-level effect absorbs; its
# sd is modest, and LOO does not separate the two models clearly.

# %% Checks
herd_diagnosis = herd_fit.diagnose()
assert herd_diagnosis.problems == 1
assert herd_diagnosis.verdicts[0].startswith("overdispersion: the Pearson dispersion ratio")
assert herd_fit.dispersion().loc["pearson", "ratio"] > 1.3
assert olre_fit.dispersion().loc["pearson", "p_value"] > 0.05
assert herd_fit.fixef().loc["period[T.4]", "97.5%"] < 0
assert set(comparison.index) == {"herd", "herd + observation"}
assert olre_fit.varcorr().query("group == 'observation'")["mean"].iloc[0] < 1.0
