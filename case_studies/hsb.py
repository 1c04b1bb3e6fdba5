# %% [markdown]
# # High School and Beyond: a smooth of social status, and two correlated outcomes
#
# **Question.** 7185 students in 160 US high schools took a mathematics test (Raudenbush
# & Bryk 2002, *Hierarchical Linear Models*; nlme's `MathAchieve`). How does a student's
# score depend on their socio-economic status (SES), and is that relation a straight
# line? Schools differ in both score and SES: are the schools whose students score higher
# the ones whose students are better off, once sex, minority status and the school's
# sector (public or Catholic) are accounted for, and are a student's score and SES still
# related within a school?

# %%
# %matplotlib inline
import os

import pandas as pd

import bayesglmm as bg
from bayesglmm.studies import show

DRAWS = int(os.environ.get("BAYESGLMM_CASE_DRAWS", "1000"))
data = bg.datasets.load("hsb")
show(
    data.groupby("Sector")
    .agg(
        schools=("School", "nunique"),
        students=("School", "size"),
        MathAch=("MathAch", "mean"),
        SES=("SES", "mean"),
    )
    .round(2)
)

# %% [markdown]
# ## 1. The shape of the SES effect: a penalised smooth
# `MathAch ~ s(SES) + Sex + Minority + Sector + (1 | School)`. The thin-plate smooth
# `s(SES)` (k = 10) splits into a linear part, a fixed effect, and a penalised wiggly part,
# random effects with sd `sds_sSES`: the data decide how far the curve bends from a line
# (Wood 2017, *Generalized Additive Models*, sec. 5.8). mgcv's REML fit of the same model
# (`tests/reference/multivariate/make_reference.R`) gives the curve an effective 1.0
# degrees of freedom: a line.

# %%
smooth_model = bg.Model("MathAch ~ s(SES) + Sex + Minority + Sector + (1 | School)", data)
show(smooth_model)

# %% [markdown]
# A nearly straight smooth puts its sd `sds_sSES` near zero, the neck of a funnel; at the
# default `target_accept=0.8` a handful of transitions diverge there, and the fit's
# warning names the remedy used here, a higher `target_accept`.

# %%
smooth_fit = smooth_model.fit(
    draws=DRAWS, tune=DRAWS, chains=4, seed=2, target_accept=0.95, progress=False
)
show(smooth_fit)

# %%
show(smooth_fit.diagnose())

# %%
smooth_fit.plot_smooth("s(SES)")

# %% [markdown]
# The partial effect of SES against mgcv's (`predict(type = "terms")`, both centred over
# the data), with the difference in units of our posterior sd. mgcv fixes the smoothing
# parameter at its REML estimate (a straight line); the posterior averages over how far
# the curve may bend, so its band is wider, most at the edges where few students are.

# %%
mgcv = pd.DataFrame(
    {
        "SES": [-2.0, -1.0, 1.0, 2.0],
        "mgcv": [-4.1222, -2.0612, 2.0607, 4.1218],
        "mgcv_se": [0.2110, 0.1053, 0.1053, 0.2112],
    }
)
smooth_table = smooth_fit.smooth_effect("s(SES)", values=mgcv["SES"]).merge(mgcv, on="SES")
smooth_table["z"] = (smooth_table["mean"] - smooth_table["mgcv"]) / smooth_table["sd"]
show(smooth_table.round(3))

# %% [markdown]
# ## 2. Score and SES as two responses of one model
# Treating SES as a second outcome asks how the two co-vary at each level: each school
# has an effect on both responses, correlated through the shared ID `p` in `(1 | p |
# School)`, and each student's two residuals are correlated (`rescor`). This is brms's
# `bf(MathAch ~ ...) + bf(SES ~ ...) + set_rescor(TRUE)`.

# %%
covariates = "Sex + Minority + Sector + (1 | p | School)"
joint_model = bg.Model(
    bg.formula(f"MathAch ~ {covariates}") + bg.formula(f"SES ~ {covariates}"),
    data,
    rescor=True,
)
show(joint_model)

# %%
joint_fit = joint_model.fit(draws=DRAWS, tune=DRAWS, chains=4, seed=3, progress=False)
show(joint_fit)

# %% [markdown]
# The same model fitted by brms 2.18 (4 chains x (1000 + 1000), its default priors;
# `tests/reference/multivariate/make_reference.R`), with the difference in units of
# brms's posterior sd.

# %%
brms = pd.DataFrame(
    {
        "parameter": [
            "b_MathAch[Intercept]",
            "b_MathAch[Sector[T.Catholic]]",
            "b_SES[Sector[T.Catholic]]",
            "sd_School__MathAch[Intercept]",
            "sd_School__SES[Intercept]",
            "cor_School__id_p[MathAch_Intercept,SES_Intercept]",
            "sigma_MathAch",
            "sigma_SES",
            "rescor[MathAch,SES]",
        ],
        "brms": [11.674, 2.924, 0.308, 1.971, 0.328, 0.732, 6.124, 0.658, 0.205],
        "brms_sd": [0.250, 0.355, 0.054, 0.138, 0.020, 0.049, 0.051, 0.0054, 0.011],
    }
).set_index("parameter")
joint_summary = joint_fit.summary()
brms_table = brms.join(joint_summary[["mean", "sd"]])
brms_table["z"] = (brms_table["mean"] - brms_table["brms"]) / brms_table["brms_sd"]
show(brms_table.round(3))

# %% [markdown]
# ## Results
# - **The SES effect is close to a straight line**: about 2 points of score per unit of
#   SES. The penalised part of `s(SES)` is small (`sds_sSES` mostly near zero) and mgcv's
#   REML line lies inside the posterior band at every SES; the data leave room for some
#   flattening only at the extremes of SES, where students are few.
# - **Schools.** A school whose students score higher also has students of higher SES:
#   the school effects on the two responses correlate by about 0.73. Catholic schools
#   score about 3 points higher and their students' SES is about 0.3 higher.
# - **Students.** Within a school, a student's score and SES residuals still correlate
#   by about 0.2: most of the co-variation of score and status lies between schools.
# - The bivariate model matches brms on every parameter compared within a small fraction
#   of brms's posterior sd, and the smooth matches mgcv's curve within one posterior sd.

# %% Checks
assert smooth_fit.diagnose().problems == 0
assert joint_fit.diagnose().problems == 0
assert (smooth_table["z"].abs() < 1).all()
assert smooth_table["mgcv"].between(smooth_table["2.5%"], smooth_table["97.5%"]).all()
assert (brms_table["z"].abs() < 0.5).all()
