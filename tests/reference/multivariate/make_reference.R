# Reference fits for the High School and Beyond case study (case_studies/hsb.py, which
# quotes them) and tests/integration/test_hsb_reference.py (which reads hsb.json).
#
# 1. The data: nlme's MathAchieve (7185 students in 160 schools; Raudenbush & Bryk 2002)
#    with each school's sector from MathAchSchool, written to
#    bayesglmm/datasets/data/hsb.csv.
# 2. brms (2.x, Stan NUTS): the bivariate model of mathematics achievement and
#    socio-economic status with school intercepts correlated across the two responses
#    and correlated residuals,
#      bf(MathAch ~ Sex + Minority + Sector + (1 | p | School)) +
#      bf(SES ~ Sex + Minority + Sector + (1 | p | School)) + set_rescor(TRUE),
#    brms's default priors, 4 chains x (1000 + 1000), seed 20261203.
# 3. mgcv: MathAch ~ s(SES) + Sex + Minority + Sector + s(School, bs = "re") by REML,
#    the smooth's partial effect and its standard error on a grid of SES.
#
# Run from the repository root:
#
#   Rscript tests/reference/multivariate/make_reference.R
#
# It writes hsb.csv and tests/reference/multivariate/hsb.json. Debian's r-cran-bh holds no
# headers, which rstan looks for in BH's include folder; with libboost-dev installed,
#   ln -s /usr/include /usr/lib/R/site-library/BH/include
# lets brms compile.

suppressPackageStartupMessages({
  library(nlme)
  library(brms)
  library(mgcv)
})

data(MathAchieve)
data(MathAchSchool)
hsb <- data.frame(
  School = as.character(MathAchieve$School),
  Minority = as.character(MathAchieve$Minority),
  Sex = as.character(MathAchieve$Sex),
  SES = MathAchieve$SES,
  MathAch = MathAchieve$MathAch
)
sector <- setNames(as.character(MathAchSchool$Sector), as.character(MathAchSchool$School))
hsb$Sector <- unname(sector[hsb$School])
hsb <- hsb[, c("School", "Sector", "Sex", "Minority", "SES", "MathAch")]
write.csv(hsb, "bayesglmm/datasets/data/hsb.csv", row.names = FALSE)

hsb$Sex <- factor(hsb$Sex, levels = c("Female", "Male"))
hsb$Minority <- factor(hsb$Minority, levels = c("No", "Yes"))
hsb$Sector <- factor(hsb$Sector, levels = c("Public", "Catholic"))

fit <- brm(
  bf(MathAch ~ Sex + Minority + Sector + (1 | p | School)) +
    bf(SES ~ Sex + Minority + Sector + (1 | p | School)) + set_rescor(TRUE),
  data = hsb, chains = 4, iter = 2000, warmup = 1000, seed = 20261203, refresh = 0,
  cores = 2
)
draws <- as_draws_df(fit)
wanted <- c(
  "b_MathAch_Intercept", "b_MathAch_SexMale", "b_MathAch_MinorityYes",
  "b_MathAch_SectorCatholic", "b_SES_Intercept", "b_SES_SexMale", "b_SES_MinorityYes",
  "b_SES_SectorCatholic", "sd_School__MathAch_Intercept", "sd_School__SES_Intercept",
  "cor_School__MathAch_Intercept__SES_Intercept", "sigma_MathAch", "sigma_SES",
  "rescor__MathAch__SES"
)
summary_of <- function(name) {
  values <- draws[[name]]
  sprintf('    "%s": {"mean": %.8g, "sd": %.8g}', name, mean(values), sd(values))
}

hsb$SchoolFactor <- factor(hsb$School)
gam_fit <- gam(
  MathAch ~ s(SES) + Sex + Minority + Sector + s(SchoolFactor, bs = "re"),
  data = hsb, method = "REML"
)
grid <- seq(-2.5, 2.0, by = 0.25)
new <- data.frame(
  SES = grid, Sex = factor("Female", levels = levels(hsb$Sex)),
  Minority = factor("No", levels = levels(hsb$Minority)),
  Sector = factor("Public", levels = levels(hsb$Sector)),
  SchoolFactor = factor(hsb$School[1], levels = levels(hsb$SchoolFactor))
)
terms <- predict(gam_fit, newdata = new, type = "terms", se.fit = TRUE)
json_vector <- function(v) paste0("[", paste(sprintf("%.10g", v), collapse = ", "), "]")

lines <- c(
  "{",
  sprintf('  "brms": "%s",', as.character(packageVersion("brms"))),
  sprintf('  "mgcv": "%s",', as.character(packageVersion("mgcv"))),
  '  "bivariate": {',
  paste(vapply(wanted, summary_of, ""), collapse = ",\n"),
  "  },",
  '  "smooth": {',
  sprintf('    "SES": %s,', json_vector(grid)),
  sprintf('    "effect": %s,', json_vector(terms$fit[, "s(SES)"])),
  sprintf('    "se": %s', json_vector(terms$se.fit[, "s(SES)"])),
  "  }",
  "}"
)
writeLines(lines, "tests/reference/multivariate/hsb.json")
