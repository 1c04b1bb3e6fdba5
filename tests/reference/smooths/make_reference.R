# Reference smooths for tests/integration/test_smooths.py.
#
# A known curve, f(x) = sin(2 pi x) + 0.5 x (the linear part exercises the null space),
# observed at 150 points with gaussian noise of sd 0.3. mgcv fits y ~ s(x, bs, k = 10) by
# REML for the thin plate (tp), cubic regression (cr) and P-spline (ps) bases and gives the
# fitted values and their standard errors at the data and on a grid of 41 points that
# reaches 0.05 beyond the data's range (so the linear extrapolation is checked too).
#
# Run from the repository root:
#
#   Rscript tests/reference/smooths/make_reference.R
#
# It writes tests/reference/smooths/curve.csv (the data, read by the Python test so both
# sides fit the identical rows) and tests/reference/smooths/mgcv.json.

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
lines <- c(lines, "  }", "}")
writeLines(lines, "tests/reference/smooths/mgcv.json")
