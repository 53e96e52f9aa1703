# The claims the "Getting started" vignette makes about the pigeons, checked.

test_that("OLS understates the standard error of a bird-level covariate and overstates that of a within-bird one", {
  fit <- lmm(time ~ feed + weight + (1 | bird), data = pigeons)
  ols <- lm(time ~ feed + weight, data = pigeons)
  se_lmm <- coef(summary(fit))[, "Std. Error"]
  se_ols <- coef(summary(ols))[, "Std. Error"]
  expect_lt(se_ols[["weight"]], se_lmm[["weight"]] / 1.5)
  expect_lt(se_lmm[["feedafter"]], se_ols[["feedafter"]])
  expect_lt(coef(summary(ols))["weight", "Pr(>|t|)"], 0.01)
  expect_gt(coef(summary(fit))["weight", "Pr(>|t|)"], 0.05)
})

test_that("the predicted bird effects are the fixed bird effects shrunk towards zero", {
  fixed <- lm(time ~ feed + bird, data = pigeons, contrasts = list(bird = "contr.sum"))
  own <- coef(fixed)[grep("^bird", names(coef(fixed)))]
  own <- c(own, -sum(own))
  predicted <- ranef(lmm(time ~ feed + (1 | bird), data = pigeons))$bird[, "(Intercept)"]
  slope <- unname(coef(lm(predicted ~ own))[2])
  expect_gt(slope, 0.5)
  expect_lt(slope, 1)
})

test_that("the ICC is the between-bird share of the variance", {
  fit <- lmm(time ~ feed + weight + (1 | bird), data = pigeons)
  vc <- as.data.frame(VarCorr(fit))
  share <- vc$vcov[vc$grp == "bird"] / sum(vc$vcov)
  expect_equal(icc(fit)$icc[icc(fit)$group == "bird"], share, tolerance = 1e-10)
})
