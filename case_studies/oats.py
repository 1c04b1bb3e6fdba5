# %% [markdown]
# # Yates's oats: least-squares means of a split-plot experiment (Yates 1935)
#
# **Question.** Three oat varieties were sown on the whole plots of 6 blocks; each whole
# plot was split into 4 sub-plots that got 0, 0.2, 0.4 or 0.6 hundredweight of nitrogen
# per acre. How do yield (bushels per acre) and its response to nitrogen depend on the
# variety? The published analysis (Yates 1935, Complex experiments, JRSS Supplement 2)
# reports the variety and nitrogen means of a balanced split-plot ANOVA: varieties 104.5,
# 109.8, 97.6 and nitrogen 79.4, 98.9, 114.2, 123.4. With a balanced design these are the
# least-squares means of the mixed model, and `fit.emmeans` should reproduce them.

# %%
# %matplotlib inline
import os

import numpy as np
import pandas as pd

import bayesglmm as bg
from bayesglmm.studies import show

DRAWS = int(os.environ.get("BAYESGLMM_CASE_DRAWS", "1000"))
data = bg.datasets.load("oats")
show(data.pivot_table(index="variety", columns="nitrogen", values="yield", observed=True).round(1))

# %% [markdown]
# ## Model
# The `split_plot` template with the gaussian family: `yield ~ variety * nitrogen +
# (1 | block) + (1 | block:variety)`. The whole plot, `block:variety`, is the experimental
# unit of variety, so varieties are compared against the whole-plot variation and nitrogen
# within whole plots. The gaussian model with an identity link is conditionally
# conjugate, so the Gibbs sampler fits it in seconds; its draws of the sds of only six
# blocks are autocorrelated, so it runs four times as many draws as the other studies.

# %%
model = bg.Model.from_template(
    "split_plot",
    data,
    family="gaussian",
    response="yield",
    whole_plot_factor="variety",
    split_plot_factor="nitrogen",
    block="block",
)
show(model)

# %%
fit = model.fit(draws=4 * DRAWS, tune=DRAWS, chains=4, seed=1, sampler="gibbs", progress=False)
show(fit)

# %%
diagnosis = fit.diagnose()
show(diagnosis)

# %% [markdown]
# ## Least-squares means against the published table
# Each mean averages the cells of the other factor with equal weights (the LS-means of
# Searle, Speed & Milliken 1980). With an identity link the typical-unit and
# population-averaged means coincide.

# %%
published = {
    "variety": [104.5, 109.8, 97.6],
    "nitrogen": [79.4, 98.9, 114.2, 123.4],
}
comparison = pd.concat(
    [
        fit.emmeans(factor)
        .table.rename(columns={factor: "level"})
        .assign(factor=factor, published=values)
        for factor, values in published.items()
    ],
    ignore_index=True,
)
comparison = comparison.assign(z=(comparison["mean"] - comparison["published"]) / comparison["sd"])
show(comparison[["factor", "level", "mean", "sd", "2.5%", "97.5%", "published", "z"]].round(2))

# %% [markdown]
# ## Nitrogen: pairwise differences and the shape of the response
# Differences between nitrogen levels within whole plots, with a simultaneous 95% band
# over the six pairs, and orthogonal polynomial contrasts (linear -3, -1, 1, 3; quadratic
# 1, -1, -1, 1; cubic -1, 3, -3, 1) as in Yates's analysis.

# %%
nitrogen = fit.emmeans("nitrogen")
show(fit.pairs(nitrogen))

# %%
shape = nitrogen.contrast("poly")
show(shape)

# %% [markdown]
# Does the response to nitrogen differ by variety? The linear contrast within each variety:

# %%
within = fit.emmeans("nitrogen | variety").contrast("poly").table
show(within[within["contrast"] == "linear"])

# %%
fit.plot_emmeans("nitrogen * variety")

# %% [markdown]
# ## Variance components
# Blocks, whole plots and sub-plots on the yield scale, and the marginal and conditional
# R^2 of Nakagawa & Schielzeth (2013).

# %%
components = fit.variance_components()
show(components)

# %% [markdown]
# ## Interpretation
# Yield rises steadily with nitrogen, about 44 bushels per acre from none to 0.6 cwt, an
# almost linear response (the quadratic and cubic contrasts are near zero), and it rises
# alike for the three varieties. The varieties differ by up to 12 bushels, but they are
# compared against the whole-plot variation with six blocks, so their differences are
# uncertain: the intervals of the variety comparisons include zero.

# %% Checks
assert diagnosis.problems == 0, diagnosis.verdicts
assert (comparison["z"].abs() < 0.15).all(), comparison
table = shape.table.set_index("contrast")
assert table.loc["linear", "pd"] > 0.999 and table.loc["linear", "sim_low"] > 0
assert table.loc["quadratic", "2.5%"] < 0 < table.loc["quadratic", "97.5%"]
varieties = fit.pairs(fit.emmeans("variety")).table
assert ((varieties["2.5%"] < 0) & (varieties["97.5%"] > 0)).all(), varieties
assert np.isclose(components.table["share"].sum(), 1.0)
