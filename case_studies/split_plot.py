# %% [markdown]
# # Split-plot range experiment: plant counts (simulated, known truth)
#
# **Question.** Stroup's range experiment: 7 range management treatments on whole plots
# in 4 blocks, each whole plot split into 4 sub-plots sown with different seed mixes; the
# response is the number of plants per sub-plot. Which management and seed mix give the
# most plants? The data come from `bg.datasets.simulate_split_plot`, whose generator is
# documented, and are fitted from the `split_plot` template.

# %%
# %matplotlib inline
import os

import numpy as np

import bayesglmm as bg
from bayesglmm.datasets import SPLIT_PLOT_TRUTH
from bayesglmm.studies import show

DRAWS = int(os.environ.get("BAYESGLMM_CASE_DRAWS", "1000"))
data = bg.datasets.simulate_split_plot(seed=2026)
show(data.pivot_table(index="management", columns="seed_mix", values="count", observed=True))

# %%
print(bg.templates.show("split_plot"))

# %%
model = bg.Model.from_template(
    "split_plot",
    data,
    response="count",
    whole_plot_factor="management",
    split_plot_factor="seed_mix",
    block="block",
)
show(model)

# %%
show(model.prior_predictive(draws=300, seed=1).statistics)

# %%
fit = model.fit(draws=DRAWS, tune=DRAWS, chains=4, seed=7, progress=False, target_accept=0.98)
show(fit)

# %%
show(fit.diagnose())

# %%
check = fit.ppc(seed=1)
check.figure

# %% [markdown]
# ## Recovery of the generating values
# Main effects are compared at the reference level of the other factor; the model also
# has interaction terms, whose true values are zero.

# %%
summary = fit.summary()
truth = {
    "b[Intercept]": SPLIT_PLOT_TRUTH["Intercept"],
    "sd_block[Intercept]": SPLIT_PLOT_TRUTH["sd_block"],
    "sd_block:management[Intercept]": SPLIT_PLOT_TRUTH["sd_whole_plot"],
}
for level, effect in enumerate(SPLIT_PLOT_TRUTH["management_effects"][1:], start=2):
    truth[f"b[management[T.{level}]]"] = effect
for label, effect in zip("BCD", SPLIT_PLOT_TRUTH["seed_mix_effects"][1:], strict=True):
    truth[f"b[seed_mix[T.{label}]]"] = effect
recovered = summary.loc[list(truth), ["mean", "2.5%", "97.5%"]].assign(truth=list(truth.values()))
recovered = recovered.assign(
    covered=recovered["truth"].between(recovered["2.5%"], recovered["97.5%"])
)
show(recovered)

# %% [markdown]
# ## Results on the response scale

# %%
show(
    fit.effects("seed_mix", by="management")
    .pivot(index="management", columns="seed_mix", values="mean")
    .round(1)
)

# %%
show(fit.contrast("seed_mix", "D - A", scale="ratio"))

# %% [markdown]
# ## Estimated marginal means: management x seed mix on the count scale
# `fit.emmeans` gives the LS-means of every management x seed-mix cell with each draw's
# inverse link taken before summarising. `re="none"` is the count on a *typical* sub-plot
# (block and whole-plot effects at 0, GLIMMIX's `ilink`); `re="marginal"` is the mean
# count over blocks and whole plots. With the log link the second is the first times
# `exp(v / 2)`, `v` the sum of the block and whole-plot variances, so ratios between cells
# are the same on both scales while the counts are not.

# %%
conditional = fit.emmeans("management * seed_mix", scale="response")
marginal = fit.emmeans("management * seed_mix", scale="response", re="marginal")
cells = conditional.table[["management", "seed_mix"]].assign(
    typical=conditional.table["mean"], population=marginal.table["mean"]
)
show(cells.pivot(index="management", columns="seed_mix", values=["typical", "population"]).round(1))

# %%
fit.plot_emmeans("seed_mix * management", re="both")

# %% [markdown]
# Seed-mix means averaged over the management treatments with equal weights, and each
# mix against mix A as rate ratios with a simultaneous 95% band over the three ratios.

# %%
seed_mix = fit.emmeans("seed_mix", scale="response")
against_a = seed_mix.contrast("trt.vs.ctrl")
show(against_a)

# %% [markdown]
# Latent-scale variance components (Nakagawa, Johnson & Schielzeth 2017): the share of
# block, whole-plot and Poisson variation on the log scale, and marginal and conditional
# R^2.

# %%
components = fit.variance_components()
show(components)

# %% [markdown]
# ## Interpretation
# Seed mix D gives about 50% more plants than mix A across management treatments. The
# whole-plot sd is the error term for management: with 4 blocks, management comparisons
# are much less precise than seed-mix comparisons made within whole plots. The mean
# count over the population of blocks and whole plots is about `exp(v / 2)`, some 10%,
# above the count on a typical sub-plot.

# %% Checks
assert recovered["covered"].mean() >= 0.8, recovered
assert np.isfinite(summary["mean"]).all()
posterior = fit.posterior
variance = sum(
    posterior[name].to_numpy().reshape(-1) ** 2 for name in ("sd_block", "sd_block:management")
)
assert np.allclose(marginal.draws / conditional.draws, np.exp(variance / 2)[:, None], rtol=1e-6)
truth_d = np.exp(SPLIT_PLOT_TRUTH["seed_mix_effects"][3])
d_over_a = against_a.table.set_index("contrast").loc["D / A"]
assert d_over_a["2.5%"] < truth_d < d_over_a["97.5%"], d_over_a
assert d_over_a["sim_low"] < d_over_a["2.5%"] and d_over_a["sim_high"] > d_over_a["97.5%"]
assert components.r2.loc["R2_conditional", "mean"] > components.r2.loc["R2_marginal", "mean"]
