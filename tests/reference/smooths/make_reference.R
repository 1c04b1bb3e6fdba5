# Reference smooths for tests/integration/test_smooths.py.
#
# 1. A known curve, f(x) = sin(2 pi x) + 0.5 x (the linear part exercises the null space),
#    observed at 150 points with gaussian noise of sd 0.3. mgcv fits y ~ s(x, bs, k = 10) by
#    REML for the thin plate (tp), cubic regression (cr) and P-spline (ps) bases and gives
#    the fitted values and their standard errors at the data and on a grid of 41 points that
#    reaches 0.05 beyond the data's range (so the linear extrapolation is checked too).
# 2. Two curves, one per level of a factor g (200 rows): y ~ g + s(x, by = g) (tp, k = 10).
# 3. A surface of two covariates (300 rows): y ~ t2(x, z) (cr, k = 5 per covariate).
# 4. A curve varying with a numeric z (200 rows), y = 1 + (sin(2 pi x) + 1) z + noise:
#    y ~ s(x, by = z) (tp, k = 10), which is not centred, so it holds z's own slope.
# 5. The surface of part 3 as an isotropic thin plate spline: y ~ s(x, z) (tp, k = 30).
#
# Run from the repository root:
#
#   Rscript tests/reference/smooths/make_reference.R
#
# It writes the data as CSV next to this script (curve.csv, curve_by.csv, surface.csv, varying.csv; the
# Python test reads them so both sides fit the identical rows) and mgcv.json.

suppressPackageStartupMessages(library(mgcv))

set.seed(20261202)
n <- 150
x <- sort(runif(n))
f <- sin(2 * pi * x) + 0.5 * x
y <- f + rnorm(n, sd = 0.3)
curve <- data.frame(x = x, y = y, f = f)
write.csv(curve, "tests/reference/smooths/curve.csv", row.names = FALSE)

grid <- data.frame(x = seq(min(x) - 0.05, max(x) + 0.05, length.out = 41))

fits <- list()
for (bs in c("tp", "cr", "ps")) {
  fit <- gam(y ~ s(x, bs = bs, k = 10), data = curve, method = "REML")
  at_data <- predict(fit, se.fit = TRUE)
  at_grid <- predict(fit, newdata = grid, se.fit = TRUE)
  fits[[bs]] <- list(
    fitted = as.numeric(at_data$fit),
    se = as.numeric(at_data$se.fit),
    grid_fitted = as.numeric(at_grid$fit),
    grid_se = as.numeric(at_grid$se.fit),
    sigma = sqrt(fit$sig2),
    edf = sum(fit$edf)
  )
}

set.seed(20261203)
m <- 100
by_data <- data.frame(x = c(runif(m), runif(m)), g = rep(c("a", "b"), each = m))
by_data$f <- ifelse(by_data$g == "a", sin(2 * pi * by_data$x), 4 * (by_data$x - 0.5)^2 + 0.5)
by_data$y <- by_data$f + rnorm(2 * m, sd = 0.3)
write.csv(by_data, "tests/reference/smooths/curve_by.csv", row.names = FALSE)
by_fit <- gam(y ~ g + s(x, by = factor(g), k = 10), data = by_data, method = "REML")
by_pred <- predict(by_fit, se.fit = TRUE)

set.seed(20261204)
surface <- data.frame(x = runif(300), z = runif(300))
surface$f <- sin(2 * pi * surface$x) * cos(2 * pi * surface$z)
surface$y <- surface$f + rnorm(300, sd = 0.2)
write.csv(surface, "tests/reference/smooths/surface.csv", row.names = FALSE)
t2_fit <- gam(y ~ t2(x, z), data = surface, method = "REML")
t2_pred <- predict(t2_fit, se.fit = TRUE)

set.seed(20261205)
varying <- data.frame(x = runif(200), z = runif(200, 0.5, 2))
varying$f <- sin(2 * pi * varying$x) + 1
varying$y <- 1 + varying$f * varying$z + rnorm(200, sd = 0.3)
write.csv(varying, "tests/reference/smooths/varying.csv", row.names = FALSE)
varying_fit <- gam(y ~ s(x, by = z, k = 10), data = varying, method = "REML")
varying_pred <- predict(varying_fit, se.fit = TRUE)

plate_fit <- gam(y ~ s(x, z), data = surface, method = "REML")
plate_pred <- predict(plate_fit, se.fit = TRUE)

json_vector <- function(v) paste0("[", paste(sprintf("%.10g", v), collapse = ", "), "]")
lines <- c(
  "{",
  sprintf('  "mgcv": "%s",', as.character(packageVersion("mgcv"))),
  '  "formula": "y ~ s(x, bs = <bs>, k = 10), method = \\"REML\\"",',
  sprintf('  "grid": %s,', json_vector(grid$x)),
  '  "fits": {'
)
names_bs <- names(fits)
for (i in seq_along(names_bs)) {
  item <- fits[[names_bs[i]]]
  lines <- c(
    lines,
    sprintf('    "%s": {', names_bs[i]),
    sprintf('      "fitted": %s,', json_vector(item$fitted)),
    sprintf('      "se": %s,', json_vector(item$se)),
    sprintf('      "grid_fitted": %s,', json_vector(item$grid_fitted)),
    sprintf('      "grid_se": %s,', json_vector(item$grid_se)),
    sprintf('      "sigma": %.10g,', item$sigma),
    sprintf('      "edf": %.10g', item$edf),
    if (i < length(names_bs)) "    }," else "    }"
  )
}
lines <- c(
  lines,
  "  },",
  '  "by": {',
  sprintf('    "fitted": %s,', json_vector(by_pred$fit)),
  sprintf('    "se": %s,', json_vector(by_pred$se.fit)),
  sprintf('    "sigma": %.10g', sqrt(by_fit$sig2)),
  "  },",
  '  "t2": {',
  sprintf('    "fitted": %s,', json_vector(t2_pred$fit)),
  sprintf('    "se": %s,', json_vector(t2_pred$se.fit)),
  sprintf('    "sigma": %.10g', sqrt(t2_fit$sig2)),
  "  },",
  '  "varying": {',
  sprintf('    "fitted": %s,', json_vector(varying_pred$fit)),
  sprintf('    "se": %s,', json_vector(varying_pred$se.fit)),
  sprintf('    "sigma": %.10g', sqrt(varying_fit$sig2)),
  "  },",
  '  "plate": {',
  sprintf('    "fitted": %s,', json_vector(plate_pred$fit)),
  sprintf('    "se": %s,', json_vector(plate_pred$se.fit)),
  sprintf('    "sigma": %.10g', sqrt(plate_fit$sig2)),
  "  }",
  "}"
)
writeLines(lines, "tests/reference/smooths/mgcv.json")
