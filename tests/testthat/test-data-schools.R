# The schools data set: its layout, and the two stories it is documented to tell.

test_that("schools has the documented layout", {
  expect_identical(dim(schools), c(1423L, 6L))
  expect_identical(nlevels(schools$school), 60L)
  sizes <- table(schools$school)
  expect_true(all(sizes >= 10 & sizes <= 40))
  expect_false(anyNA(schools))
  sectors_per_school <- tapply(schools$sector, schools$school, function(s) length(unique(s)))
  expect_true(all(sectors_per_school == 1))
})

test_that("schools differ in how much homework pays (the random slope is needed)", {
  slope <- lmm(score ~ ses + homework + sector + (homework | school), data = schools)
  intercept_only <- lmm(score ~ ses + homework + sector + (1 | school), data = schools)
  lrt <- suppressMessages(anova(intercept_only, slope))
  expect_lt(lrt[["Pr(>Chisq)"]][2], 1e-6)
  slope_sd <- attr(VarCorr(slope)$school, "stddev")[["homework"]]
  expect_gt(slope_sd, 0.5)
  expect_lt(slope_sd, 1.5)
})

test_that("the school effect is confounded with ses, and the within effect recovers the simulated 2", {
  fit <- lmm(score ~ ses + homework + sector + (homework | school), data = schools)
  checked <- check_confounding(fit, covariates = "ses")$table
  expect_true(checked$correlated)
  expect_lt(checked$p_value, 1e-6)
  expect_lt(abs(checked$within - 2), 2 * checked$within_se)
  expect_gt(checked$pooled - checked$within, 1.5 * checked$within_se)
  expect_gt(checked$between, checked$pooled)
})

test_that("lmm agrees with lme4 on the schools random-slope model", {
  skip_if_not_installed("lme4")
  fit <- lmm(score ~ ses + homework + sector + (homework | school), data = schools)
  reference <- lme4::lmer(score ~ ses + homework + sector + (homework | school), data = schools)
  expect_gte(as.numeric(logLik(fit)), as.numeric(logLik(reference)) - 1e-6)
  expect_equal(fixef(fit), lme4::fixef(reference), tolerance = 1e-5)
})
