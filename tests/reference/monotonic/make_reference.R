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
# (about 25 minutes on one core, mostly the office visits). Debian's r-cran-bh ships no
# headers; rstan then stops with "Boost not found" unless BH/include holds a link to
# /usr/include/boost in a library on R_LIBS.
#
# Physician office visits (tests/data/nmes1988.csv: 4406 people aged 66 and over, NMES
# 1987-88, Deb & Trivedi 1997), with years of schooling (every value 0..18 present) and
# self-rated health (poor < average < excellent) as monotonic effects:
#
#   ofp ~ mo(school) + mo(health) + numchron,  family = negbinomial()
#
# It writes tests/reference/monotonic/hospitalstay.json and nmes1988.json: per parameter
# (brms names) the posterior mean, sd and the Monte Carlo standard error of the mean.

suppressPackageStartupMessages({
  library(brms)
  library(posterior)
  library(jsonlite)
})

reference <- function(formula, data, family, family_name, variables, name) {
  fit <- brm(
    formula, data = data, family = family, chains = 4, iter = 2000, warmup = 1000,
    seed = 2026, refresh = 0, cores = 1
  )
  draws <- subset_draws(as_draws_df(fit), variable = variables)
  table <- summarise_draws(draws, "mean", "sd", "mcse_mean")
  write_json(
    list(
      formula = deparse(formula), family = family_name,
      brms_version = as.character(packageVersion("brms")),
      chains = 4, draws_per_chain = 1000, seed = 2026,
      summary = as.data.frame(table)
    ),
    sprintf("tests/reference/monotonic/%s.json", name),
    auto_unbox = TRUE, digits = NA, pretty = TRUE
  )
}

stays <- read.csv("tests/data/hospitalstay.csv")
stays$agegroup <- factor(stays$age, levels = 1:9, ordered = TRUE)
reference(
  stay ~ mo(agegroup) + hmo + died, stays, poisson(), "poisson",
  c("b_Intercept", "b_hmo", "b_died", "bsp_moagegroup", sprintf("simo_moagegroup1[%d]", 1:8)),
  "hospitalstay"
)

visits <- read.csv("tests/data/nmes1988.csv")
visits$health <- factor(visits$health, levels = c("poor", "average", "excellent"), ordered = TRUE)
reference(
  ofp ~ mo(school) + mo(health) + numchron, visits, negbinomial(), "negbinomial",
  c(
    "b_Intercept", "b_numchron", "bsp_moschool", "bsp_mohealth", "shape",
    sprintf("simo_moschool1[%d]", 1:18), sprintf("simo_mohealth1[%d]", 1:2)
  ),
  "nmes1988"
)
