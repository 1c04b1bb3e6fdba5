# Reference fit for mi() predictors in a multivariate model, read by
# tests/integration/test_multivariate_missing.py (nhanes_mi.json).
#
# The model is the one of brms's vignette "Handle Missing Values with brms" (Buerkner),
# on mice's nhanes data (25 people; age group, body mass index, cholesterol, with
# missing bmi and chl; brms names each imputed value by its row, Ymi_bmi[3]):
#   bf(bmi | mi() ~ age * mi(chl)) + bf(chl | mi() ~ age) + set_rescor(FALSE)
# with wide explicit priors (so that the two programs' different intercept centring and
# default priors do not matter), 4 chains x (1000 + 1000), seed 20261206.
#
# Run from the repository root:
#
#   Rscript tests/reference/missing/make_reference.R
#
# It writes tests/reference/missing/nhanes.csv and nhanes_mi.json (with BRMS_FIT_FILE set,
# brms keeps the fit in that file and reuses it). Debian's r-cran-bh
# holds no headers, which rstan looks for in BH's include folder; with libboost-dev
# installed, `ln -s /usr/include /usr/lib/R/site-library/BH/include` lets brms compile.

suppressPackageStartupMessages({
  library(brms)
  library(mice)
  library(jsonlite)
})

data("nhanes", package = "mice")
nhanes <- nhanes[, c("age", "bmi", "chl")]
write.csv(nhanes, "tests/reference/missing/nhanes.csv", row.names = FALSE, na = "")

priors <- c(
  prior(normal(0, 100), class = Intercept, resp = bmi),
  prior(normal(0, 10), class = b, resp = bmi),
  prior(student_t(3, 0, 10), class = sigma, resp = bmi),
  prior(normal(0, 1000), class = Intercept, resp = chl),
  prior(normal(0, 100), class = b, resp = chl),
  prior(student_t(3, 0, 100), class = sigma, resp = chl)
)
fit <- brm(
  bf(bmi | mi() ~ age * mi(chl)) + bf(chl | mi() ~ age) + set_rescor(FALSE),
  data = nhanes, prior = priors, chains = 4, iter = 2000, warmup = 1000,
  seed = 20261206, refresh = 0, cores = 2, file = Sys.getenv("BRMS_FIT_FILE", unset = NA)
)
draws <- as.data.frame(as_draws_df(fit))
parameters <- c(
  "b_bmi_Intercept", "b_bmi_age", "bsp_bmi_michl", "bsp_bmi_michl:age", "sigma_bmi",
  "b_chl_Intercept", "b_chl_age", "sigma_chl"
)
summarise <- function(name) {
  x <- draws[[name]]
  list(mean = mean(x), sd = sd(x), mcse = unname(posterior::mcse_mean(x)))
}
imputed <- function(response) {
  rows <- which(is.na(nhanes[[response]]))
  lapply(rows, function(row) {
    c(list(row = row - 1), summarise(sprintf("Ymi_%s[%d]", response, row)))
  })
}
reference <- list(
  source = paste(
    "brms", as.character(packageVersion("brms")), "on mice's nhanes,",
    "bf(bmi | mi() ~ age * mi(chl)) + bf(chl | mi() ~ age) + set_rescor(FALSE),",
    "4 chains x (1000 + 1000), seed 20261206; rows are 0-based positions"
  ),
  parameters = setNames(lapply(parameters, summarise), parameters),
  Ymi_bmi = imputed("bmi"),
  Ymi_chl = imputed("chl")
)
write_json(reference, "tests/reference/missing/nhanes_mi.json", auto_unbox = TRUE,
           digits = 8, pretty = TRUE)
