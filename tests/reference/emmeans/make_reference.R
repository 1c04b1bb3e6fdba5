# Reference estimated marginal means for tests/test_emmeans.py.
#
# Yates's (1935) oats split-plot (nlme::Oats, shipped with R): 6 blocks, 3 varieties on
# whole plots, 4 nitrogen levels on sub-plots, yield in bushels per acre. lme4 fits the
# split-plot model yield ~ variety * nitrogen + (1 | block/variety) by REML and emmeans
# gives the LS-means (Searle, Speed & Milliken 1980) with Kenward-Roger standard errors.
#
# The balanced data give the classic tables; the unbalanced copy (rows dropped below) checks
# equal against proportional weights. Run from the repository root:
#
#   Rscript tests/reference/emmeans/make_reference.R
#
# It writes the bundled dataset bayesglmm/datasets/data/oats.csv (bg.datasets.load("oats");
# nitrogen as the factor '0.0cwt' ... '0.6cwt', hundredweight per acre, beside the number
# nitro) and tests/reference/emmeans/oats.json.

suppressPackageStartupMessages({
  library(lme4)
  library(emmeans)
  library(jsonlite)
})

data(Oats, package = "nlme")
oats <- data.frame(
  block = as.character(Oats$Block),
  variety = as.character(Oats$Variety),
  nitro = Oats$nitro,
  nitrogen = sprintf("%.1fcwt", Oats$nitro),
  yield = Oats$yield
)
oats <- oats[order(oats$block, oats$variety, oats$nitro), ]
rownames(oats) <- NULL
write.csv(oats, "bayesglmm/datasets/data/oats.csv", row.names = FALSE)

# Factors with the levels in sorted order, as pandas reads them.
prepare <- function(frame) {
  frame$block <- factor(frame$block)
  frame$variety <- factor(frame$variety, levels = sort(unique(frame$variety)))
  frame$nitrogen <- factor(frame$nitrogen)
  frame
}

table_of <- function(grid) {
  frame <- as.data.frame(summary(grid))
  names(frame)[names(frame) == "emmean"] <- "estimate"
  frame
}

references <- function(frame) {
  fit <- lmer(yield ~ variety * nitrogen + (1 | block / variety), data = frame, REML = TRUE)
  variance <- as.data.frame(VarCorr(fit))
  list(
    n = nrow(frame),
    fixef = as.list(fixef(fit)),
    varcorr = variance[, c("grp", "sdcor")],
    variety = table_of(emmeans(fit, ~variety)),
    nitrogen = table_of(emmeans(fit, ~nitrogen)),
    cells = table_of(emmeans(fit, ~ variety * nitrogen)),
    variety_proportional = table_of(emmeans(fit, ~variety, weights = "proportional")),
    nitrogen_pairs = table_of(pairs(emmeans(fit, ~nitrogen), adjust = "none")),
    nitrogen_by_variety = table_of(emmeans(fit, ~ nitrogen | variety))
  )
}

# Rows dropped for the unbalanced copy (1-based, in the sorted order written above).
dropped <- c(2, 7, 8, 15, 26, 27, 41, 58, 59, 60)
result <- list(
  source = "nlme::Oats (Yates 1935); lme4 REML fit, emmeans with Kenward-Roger SEs",
  formula = "yield ~ variety * nitrogen + (1 | block/variety)",
  r_version = R.version.string,
  lme4 = as.character(packageVersion("lme4")),
  emmeans = as.character(packageVersion("emmeans")),
  balanced = references(prepare(oats)),
  dropped_rows = dropped - 1,
  unbalanced = references(prepare(oats[-dropped, ]))
)
write_json(result, "tests/reference/emmeans/oats.json", digits = NA, pretty = TRUE,
           auto_unbox = TRUE)
