# Reference approximate Gaussian process for tests/integration/test_gp.py.
#
# tests/reference/gp/curve.csv: 80 rows, x uniform on (0, 10), y = sin(x) + 0.3 x + N(0, 0.3^2)
# noise (simulated in Python with seed 2026). brms (2.18, Debian's r-cran-brms, Stan through
# rstan) fits the Hilbert-space approximate GP (Riutort-Mayol et al. 2023):
#
#   y ~ gp(x, k = 20, c = 5/4),  family = gaussian()
#
# with explicit priors, which bayesglmm's test sets the same: normal(0, 5) on the intercept
# (brms's Intercept is that of the centred design, which with only a GP term is the plain
# intercept), half-normal(0, 2) on sdgp, inv_gamma(3, 0.5) on lscale (x scaled to unit range,
# brms's scale = TRUE) and half-normal(0, 1) on sigma. Run from the repository root:
#
#   R_LIBS=<lib> Rscript tests/reference/gp/make_reference.R
#
# where <lib> holds a copy of the BH package whose include/boost links to /usr/include/boost
# (Debian's r-cran-bh ships no headers and rstan then stops with "Boost not found").
#
# It writes tests/reference/gp/curve.json: the posterior mean and sd of the fitted mean at a
# grid of 21 points of x, and summaries of sdgp, lscale, sigma and the intercept.

suppressPackageStartupMessages({
  library(brms)
  library(posterior)
  library(jsonlite)
})

data <- read.csv("tests/reference/gp/curve.csv")
priors <- c(
  prior(normal(0, 5), class = Intercept),
  prior(normal(0, 2), class = sdgp),
  prior(inv_gamma(3, 0.5), class = lscale, coef = gpx),
  prior(normal(0, 1), class = sigma)
)
fit <- brm(
  y ~ gp(x, k = 20, c = 5 / 4), data = data, family = gaussian(), prior = priors,
  chains = 2, iter = 2000, warmup = 1000, seed = 2026, refresh = 0, cores = 1
)
grid <- data.frame(x = seq(0.5, 9.5, length.out = 21))
curve <- fitted(fit, newdata = grid, summary = FALSE)
draws <- subset_draws(as_draws_df(fit), variable = c("b_Intercept", "sdgp_gpx", "lscale_gpx", "sigma"))
table <- summarise_draws(draws, "mean", "median", "sd", "mcse_mean")
write_json(
  list(
    formula = "y ~ gp(x, k = 20, c = 5/4)", family = "gaussian",
    brms_version = as.character(packageVersion("brms")),
    chains = 2, draws_per_chain = 1000, seed = 2026,
    grid = grid$x, curve_mean = colMeans(curve), curve_sd = apply(curve, 2, sd),
    summary = as.data.frame(table)
  ),
  "tests/reference/gp/curve.json",
  auto_unbox = TRUE, digits = NA, pretty = TRUE
)
