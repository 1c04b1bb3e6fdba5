# Reference two-component gaussian mixture for tests/integration/test_mixture.py.
#
# Old Faithful eruptions (tests/reference/mixture/faithful.csv: R's datasets::faithful,
# 272 eruptions of the Old Faithful geyser, Yellowstone; Haerdle 1991, Azzalini & Bowman
# 1990), eruption length in minutes, which is bimodal:
#
#   eruptions ~ 1,  family = mixture(gaussian, gaussian)  (order = "mu", brms's default
#   for equal families)
#
# with explicit priors that tests/integration/test_mixture.py sets in bayesglmm too:
# normal(2, 1) and normal(4.5, 1) on the intercepts of mu1 and mu2, half-normal(0, 1) on
# sigma1 and sigma2, dirichlet(1, 1) on theta. brms (2.18, Debian's r-cran-brms, Stan
# NUTS through rstan), 2 chains of 1000 draws after 1000 warm-up. Run from the repository
# root:
#
#   Rscript tests/reference/mixture/make_reference.R
#
# (a few minutes, mostly compiling). Debian's r-cran-bh ships no headers; rstan then
# stops with "Boost not found" unless BH/include holds a link to /usr/include/boost in a
# library on R_LIBS (as for tests/reference/monotonic/make_reference.R).
#
# It writes tests/reference/mixture/faithful.json: per parameter (brms names) the
# posterior mean, sd and the Monte Carlo standard error of the mean.

suppressPackageStartupMessages({
  library(brms)
  library(posterior)
  library(jsonlite)
})

faithful <- read.csv("tests/reference/mixture/faithful.csv")
priors <- c(
  prior(normal(2, 1), class = Intercept, dpar = mu1),
  prior(normal(4.5, 1), class = Intercept, dpar = mu2),
  prior(normal(0, 1), class = sigma1),
  prior(normal(0, 1), class = sigma2),
  prior(dirichlet(1, 1), class = theta)
)
fit <- brm(
  eruptions ~ 1, data = faithful, family = mixture(gaussian, gaussian), prior = priors,
  chains = 2, iter = 2000, warmup = 1000, seed = 2026, refresh = 0, cores = 1
)
variables <- c("b_mu1_Intercept", "b_mu2_Intercept", "sigma1", "sigma2", "theta1", "theta2")
table <- summarise_draws(subset_draws(as_draws_df(fit), variable = variables),
                         "mean", "sd", "mcse_mean")
write_json(
  list(
    formula = "eruptions ~ 1", family = "mixture(gaussian, gaussian)",
    brms_version = as.character(packageVersion("brms")),
    chains = 2, draws_per_chain = 1000, seed = 2026,
    summary = as.data.frame(table)
  ),
  "tests/reference/mixture/faithful.json",
  auto_unbox = TRUE, digits = NA, pretty = TRUE
)
