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
from bayesglmm.studies import show

DRAWS = int(os.environ.get("BAYESGLMM_CASE_DRAWS", "1000"))
data = bg.datasets.load("sleepstudy")
show(data.groupby("Subject", observed=True)["Reaction"].agg(["mean", "std"]).head())

# %% [markdown]
# ## Model
# `Reaction ~ Days + (Days | Subject)`: each subject gets an intercept and a slope, with
# their correlation. Ten measurements per subject pin each subject down well, so the
# default `centered="auto"` parametrises them centred (the printout gives the reason).

# %%
model = bg.Model("Reaction ~ Days + (Days | Subject)", data)
show(model)

# %%
prior = model.prior_predictive(draws=300, seed=1)
prior.plot("density")

# %%
fit = model.fit(draws=DRAWS, tune=DRAWS, chains=4, seed=3, progress=False)
show(fit)

# %%
show(fit.diagnose())

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
# ## Serial correlation within subject
# The subject lines leave residuals that are still alike on neighbouring days. An AR(1)
# structure on the residuals within subject (the R side: GLIMMIX's
# `random _residual_ / subject=Subject type=ar(1)`) lets day `t` and day `t'` correlate
# by `rho^|t - t'|` on top of the subject's line. The serial correlation takes over part
# of what the subject intercepts explained, so their sd is less well determined and the
# default non-centred parametrisation samples it better. LOO compares the two models on
# the same 180 measurements; it scores each measurement given the other days of its subject.

# %%
ar1_model = bg.Model("Reaction ~ Days + (Days | Subject)", data, residual="ar1(Days | Subject)")
ar1_fit = ar1_model.fit(
    draws=DRAWS, tune=2 * DRAWS, chains=4, seed=3, target_accept=0.9, progress=False
)
show(ar1_fit.varcorr())

# %%
comparison = bg.compare({"AR(1) residuals": ar1_fit, "independent residuals": fit})
show(comparison)

# %% [markdown]
# ## Results
# Reaction time rises by about 10 ms per day; subjects' slopes vary with an sd of about
# 6 ms per day and are weakly correlated with their baselines. Residuals one day apart
# correlate by about 0.5, and the AR(1) model predicts held-out days better; the slope
# estimate barely moves, but the subject intercept sd shrinks, because part of what looked
# like a subject's baseline is serial correlation. With 18 subjects the correlation of
# intercepts and slopes stays weakly identified (wide interval; R-hat at the 1.01 edge in
# the AR(1) fit). Bayesian R^2 of the conditional means (independent residuals):

# %%
show(fit.r2())

# %% Checks
reference = {"b[Intercept]": 251.4, "b[Days]": 10.47}
summary = fit.summary()
for name, value in reference.items():
    assert abs(summary.loc[name, "mean"] - value) < 2 * summary.loc[name, "sd"]
assert fit.diagnose().problems == 0
assert fit.r2().loc["R2", "mean"] > 0.7
ar1_summary = ar1_fit.summary()
assert ar1_summary.loc["rho_residual", "2.5%"] > 0.2
assert abs(ar1_summary.loc["b[Days]", "mean"] - summary.loc["b[Days]", "mean"]) < 1.0
assert comparison.index[0] == "AR(1) residuals"
assert (
    -comparison.loc["independent residuals", "elpd_diff"]
    > 2 * comparison.loc["independent residuals", "dse"]
)
