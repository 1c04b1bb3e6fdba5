# Reference monotonic effect for tests/integration/test_monotonic.py.
#
# Hospital stays (tests/data/hospitalstay.csv: 1493 stays, UCLA OARC ztp.dta): length of
# stay against the age group (nine ordered groups, coded 1..9), HMO membership and death,
# with age as a monotonic effect (Buerkner & Charpentier 2020, BJMSP 73:420-451):
#
#   stay ~ mo(agegroup) + hmo + died,  family = poisson()
#
# brms (2.18, Debian's r-cran-brms, Stan NUTS through rstan) with its default priors: flat
# on b and bsp, student_t(3, ., 2.5) on the intercept, dirichlet(1) on the simplex. Run from
# the repository root:
#
#   Rscript tests/reference/monotonic/make_reference.R
#
# It writes tests/reference/monotonic/hospitalstay.json: per parameter (brms names) the
# posterior mean, sd and the Monte Carlo standard error of the mean.

suppressPackageStartupMessages({
  library(brms)
  library(posterior)
  library(jsonlite)
})

stays <- read.csv("tests/data/hospitalstay.csv")
stays$agegroup <- factor(stays$age, levels = 1:9, ordered = TRUE)
formula <- stay ~ mo(agegroup) + hmo + died
fit <- brm(
  formula, data = stays, family = poisson(), chains = 4, iter = 2000, warmup = 1000,
  seed = 2026, refresh = 0, cores = 1
)
draws <- as_draws_df(fit)
variables <- c(
  "b_Intercept", "b_hmo", "b_died", "bsp_moagegroup",
  sprintf("simo_moagegroup1[%d]", 1:8)
)
table <- summarise_draws(subset_draws(draws, variable = variables), "mean", "sd", "mcse_mean")
reference <- list(
  formula = "stay ~ mo(agegroup) + hmo + died",
  family = "poisson",
  brms_version = as.character(packageVersion("brms")),
  chains = 4, draws_per_chain = 1000, seed = 2026,
  summary = as.data.frame(table)
)
write_json(
  reference, "tests/reference/monotonic/hospitalstay.json",
  auto_unbox = TRUE, digits = NA, pretty = TRUE
)
