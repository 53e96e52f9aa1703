# Prior weights of zero: the row carries no information, as in lm(); the fit equals the fit without those rows.

zero_weight_data <- function() {
  d <- lme4_data("sleepstudy")
  d$w <- 1
  d$w[c(3, 50, 77, 171:180)] <- 0  # rows 171-180: every row of the last subject
  d
}

test_that("a zero weight leaves the row out of the likelihood but keeps its fitted value", {
  skip_if_not_installed("lme4")
  d <- zero_weight_data()
  fit <- lmm(Reaction ~ Days + (Days | Subject), d, weights = w)
  kept <- lmm(Reaction ~ Days + (Days | Subject), d[d$w > 0, ])
  expect_equal(fixef(fit), fixef(kept), tolerance = 1e-7)
  expect_equal(fit$theta, kept$theta, tolerance = 1e-5)
  expect_equal(as.numeric(logLik(fit)), as.numeric(logLik(kept)), tolerance = 1e-10)
  expect_equal(as.numeric(logLik(fit, REML = FALSE)), as.numeric(logLik(kept, REML = FALSE)), tolerance = 1e-8)
  expect_equal(vcov(fit), vcov(kept), tolerance = 1e-6)
  expect_identical(nobs(fit), 167L)
  expect_equal(df.residual(fit), df.residual(kept))
  expect_length(fitted(fit), 180L)
  expect_true(all(is.finite(fitted(fit))))
  expect_equal(unname(residuals(fit)[3]), d$Reaction[3] - unname(fitted(fit)[3]))
  expect_equal(unname(residuals(fit, type = "pearson")[c(3, 50)]), c(0, 0))
  # The subject with only zero-weight rows: its random effects are 0 with the prior variance.
  re <- ranef(fit)$Subject
  expect_equal(unlist(re["372", ]), c(`(Intercept)` = 0, Days = 0), tolerance = 1e-10)
  vc <- VarCorr(fit)$Subject
  expect_equal(attr(ranef(fit)$Subject, "postVar")[, , 18], unclass(vc)[1:2, 1:2], tolerance = 1e-8,
               ignore_attr = TRUE)
  expect_equal(unname(hatvalues(fit)[c(3, 50, 171)]), c(0, 0, 0))
  expect_equal(unname(cooks.distance(fit)[c(3, 50)]), c(0, 0))
  expect_equal(unname(hatvalues(fit)[d$w > 0]), unname(hatvalues(kept)), tolerance = 1e-6)
  expect_equal(summary(fit)$coefficients[, "df"], summary(kept)$coefficients[, "df"], tolerance = 1e-5)
})

test_that("simulate, refit and bootstrap handle rows of weight zero", {
  skip_if_not_installed("lme4")
  d <- zero_weight_data()
  fit <- lmm(Reaction ~ Days + (Days | Subject), d, weights = w)
  sims <- simulate(fit, nsim = 2, seed = 1)
  expect_true(all(is.na(sims[d$w == 0, ])))
  expect_true(all(is.finite(as.matrix(sims[d$w > 0, ]))))
  again <- refit(fit, sims[[1]])
  expect_true(all(is.finite(fixef(again))))
  expect_identical(nobs(again), 167L)
  expect_error(refit(fit, replace(sims[[1]], 1, NA)), "missing or non-finite")
})

test_that("lme4 gives the same estimates with the rows dropped", {
  skip_if_not_installed("lme4")
  d <- zero_weight_data()
  fit <- lmm(Reaction ~ Days + (Days | Subject), d, weights = w)
  ref <- lme4::lmer(Reaction ~ Days + (Days | Subject), d[d$w > 0, ])
  expect_equal(fixef(fit), lme4::fixef(ref), tolerance = 1e-6)
  expect_equal(as.numeric(logLik(fit)), as.numeric(stats::logLik(ref)), tolerance = 1e-8)
})

test_that("anova() types I-III ignore the rows of weight zero", {
  skip_if_not_installed("lme4")
  d <- zero_weight_data()
  d$f <- factor(d$Days %% 3)
  d$w[d$Days >= 8 & d$f == "0"] <- 0
  fit <- lmm(Reaction ~ f * Days + (1 | Subject), d, weights = w)
  kept <- lmm(Reaction ~ f * Days + (1 | Subject), d[d$w > 0, ])
  for (type in 1:3) {
    expect_equal(anova(fit, type = type), anova(kept, type = type), tolerance = 1e-6, label = paste("type", type))
  }
})
