# confint() for lmm fits: Wald intervals against lme4, parm selection, bootstrap intervals, method dispatch.

sleep_data <- function() {
  env <- new.env()
  utils::data("sleepstudy", package = "lme4", envir = env)
  env$sleepstudy
}

test_that("Wald intervals agree with lme4's confint(method = 'Wald'), layout included", {
  skip_if_not_installed("lme4")
  ss <- sleep_data()
  specs <- list(Reaction ~ Days + (Days | Subject), Reaction ~ Days + (Days || Subject))
  for (f in specs) {
    fit <- lmm(f, data = ss)
    ref <- confint(lme4::lmer(f, data = ss), method = "Wald")
    ours <- confint(fit, method = "Wald")
    expect_identical(dimnames(ours), dimnames(ref))
    expect_identical(is.na(ours), is.na(ref))
    expect_equal(ours, ref, tolerance = 1e-5)
    ours90 <- confint(fit, method = "Wald", level = 0.9)
    ref90 <- confint(lme4::lmer(f, data = ss), method = "Wald", level = 0.9)
    expect_identical(colnames(ours90), c("5 %", "95 %"))
    expect_equal(ours90, ref90, tolerance = 1e-5)
  }
  fit <- lmm(time ~ feed + (1 | bird), data = pigeons)
  ref <- confint(lme4::lmer(time ~ feed + (1 | bird), data = pigeons), method = "Wald")
  expect_equal(confint(fit, method = "Wald"), ref, tolerance = 1e-5)
})

test_that("parm selects rows by name, index, 'theta_' and 'beta_' as lme4", {
  skip_if_not_installed("lme4")
  ss <- sleep_data()
  fit <- lmm(Reaction ~ Days + (Days | Subject), data = ss)
  ref_fit <- lme4::lmer(Reaction ~ Days + (Days | Subject), data = ss)
  for (parm in list("Days", c(".sigma", "(Intercept)"), "beta_", "theta_", 5:6, 2L)) {
    expect_equal(confint(fit, parm = parm, method = "Wald"),
                 confint(ref_fit, parm = parm, method = "Wald"), tolerance = 1e-5)
  }
  expect_error(confint(fit, parm = "day", method = "Wald"),
               "no parameter named 'day'; the parameters are '.sig01'")
  expect_error(confint(fit, parm = 9, method = "Wald"), "parm index 9 out of range \\(there are 6")
})

test_that("profile intervals work (details in test-confint-profile.R); bad method and level are errors", {
  fit <- lmm(time ~ feed + (1 | bird), data = pigeons)
  prof <- confint(fit, method = "profile")
  expect_identical(dimnames(prof), list(c(".sig01", ".sigma", "(Intercept)", "feedafter"),
                                        c("2.5 %", "97.5 %")))
  expect_true(all(is.finite(prof)) && all(prof[, 1] < prof[, 2]))
  expect_identical(confint(fit), prof)
  expect_error(confint(fit, method = "wold"), "should be one of")
  expect_error(confint(fit, method = "Wald", level = 95), "level must be a single number between 0 and 1")
})

test_that("bootstrap intervals: lme4's rows, percentiles of bootstrap_lmm(), reproducible", {
  ss <- sleep_data()
  fit <- lmm(Reaction ~ Days + (Days | Subject), data = ss)
  ci <- confint(fit, method = "boot", nsim = 40, seed = 11)
  expect_identical(dimnames(ci), list(c(".sig01", ".sig02", ".sig03", ".sigma", "(Intercept)", "Days"),
                                      c("2.5 %", "97.5 %")))
  boot <- bootstrap_lmm(fit, nsim = 40, seed = 11)
  expect_equal(ci[, 1], apply(boot$t, 2, quantile, 0.025, type = 6))
  expect_equal(ci[, 2], apply(boot$t, 2, quantile, 0.975, type = 6))
  expect_identical(confint(fit, method = "boot", nsim = 40, seed = 11, parm = "beta_"),
                   ci[5:6, ])
  # the intervals cover the estimates, and the fixed-effect ones resemble the Wald ones
  est <- c(boot$t0)
  expect_true(all(ci[, 1] < est & est < ci[, 2]))
  wald <- confint(fit, method = "Wald")[5:6, ]
  expect_equal(ci[5:6, ], wald, tolerance = 0.1)
})
