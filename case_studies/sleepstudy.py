# %% [markdown]
# # Sleep deprivation: correlated random intercepts and slopes
#
# **Question.** How fast does reaction time grow per day of sleep deprivation, and how
# much do subjects differ in baseline and in that growth? (Belenky et al. 2003; lme4's
# `sleepstudy`.)

# %%
# %matplotlib inline
import os

import bayesglmm as bg

DRAWS = int(os.environ.get("BAYESGLMM_CASE_DRAWS", "1000"))
data = bg.datasets.load("sleepstudy")
data.groupby("Subject", observed=True)["Reaction"].agg(["mean", "std"]).head()

# %% [markdown]
# ## Model
# `Reaction ~ Days + (Days | Subject)`: each subject gets an intercept and a slope, with
# their correlation. Ten measurements per subject pin each subject down well, so the
# centred parametrisation samples best.

# %%
model = bg.Model("Reaction ~ Days + (Days | Subject)", data, centered=True)
model

# %%
prior = model.prior_predictive(draws=300, seed=1)
prior.plot("density")

# %%
fit = model.fit(draws=DRAWS, tune=DRAWS, chains=4, seed=3, progress=False)
fit

# %%
fit.diagnose()

# %%
check = fit.ppc(seed=1)
check.figure

# %% [markdown]
# ## Shrinkage
# Separate least-squares lines per subject (open circles) against the partially pooled
# estimates (filled): subjects with extreme separate fits move most towards the average.

# %%
fit.plot_shrinkage("Subject")

# %%
fit.plot_ranef("Subject", "Days")

# %% [markdown]
# ## Results
# Reaction time rises by about 10 ms per day; subjects' slopes vary with an sd of about
# 6 ms per day and are weakly correlated with their baselines. Bayesian R^2 of the
# conditional means:

# %%
fit.r2()

# %% Checks
reference = {"b[Intercept]": 251.4, "b[Days]": 10.47}
summary = fit.summary()
for name, value in reference.items():
    assert abs(summary.loc[name, "mean"] - value) < 2 * summary.loc[name, "sd"]
assert fit.diagnose().problems == 0
assert fit.r2().loc["R2", "mean"] > 0.7
