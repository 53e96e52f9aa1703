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

test_that("OLS finds an effect of a bird-level covariate with no effect far more often than 5% of the time", {
  set.seed(31)
  bird <- as.integer(pigeons$bird)
  p_ols <- replicate(400, {
    null_weight <- rnorm(nlevels(pigeons$bird))[bird]
    coef(summary(lm(pigeons$time ~ pigeons$feed + null_weight)))["null_weight", "Pr(>|t|)"]
  })
  # with 400 simulations the Monte Carlo SE of a 5% rate is 1.1%
  expect_gt(mean(p_ols < 0.05), 0.15)
})

test_that("the birds differ in their response to the feed, and the random slope widens the feed's standard error", {
  fit <- lmm(time ~ feed + weight + (1 | bird), data = pigeons)
  slopes <- lmm(time ~ feed + weight + (feed | bird), data = pigeons)
  lrt <- suppressMessages(anova(fit, slopes))
  expect_lt(lrt[2, "Pr(>Chisq)"], 0.001)
  vc <- as.data.frame(VarCorr(slopes))
  sd_response <- vc$sdcor[vc$grp == "bird" & vc$var1 == "feedafter" & is.na(vc$var2)]
  expect_gt(sd_response, 2)
  expect_lt(fixef(slopes)[["feedafter"]], 0)
  se <- function(m) coef(summary(m))["feedafter", "Std. Error"]
  expect_gt(se(slopes), se(fit))
  expect_gt(se(slopes), coef(summary(lm(time ~ feed + weight, data = pigeons)))["feedafter", "Std. Error"])
  # the correlation is poorly determined: its profile interval is wide and reaches the bound 1
  ci <- confint(slopes, parm = ".sig02", method = "profile")
  expect_equal(ci[[2]], 1)
  expect_gt(ci[[2]] - ci[[1]], 0.5)
})
