# Profile-likelihood intervals (confint(method = "profile")) against lme4's, stored and live.

# lme4 1.1-31, confint(<lmer fit>, method = "profile"). lme4 profiles the ML deviance (it refits
# REML fits by ML), so the REML and ML fits of a model have the same intervals.
profile_ref <- list(
  sleepstudy = matrix(
    c(14.3814181607732, -0.481500758280773, 3.8011640532591, 22.8982668820808,
      237.680695505234, 7.35865327511699,
      37.7159953182866, 0.684986273295485, 8.75338075305527, 28.8579965114253,
      265.129514680174, 13.5759187517082),
    6L, 2L, dimnames = list(c(".sig01", ".sig02", ".sig03", ".sigma", "(Intercept)", "Days"),
                            c("2.5 %", "97.5 %"))),
  penicillin = matrix(
    c(0.633565966954977, 1.09578930235763, 0.485845400185307, 21.2666273836243,
      1.18210397596899, 3.55629095260836, 0.629453478450691, 24.6778176161738),
    4L, 2L, dimnames = list(c(".sig01", ".sig02", ".sigma", "(Intercept)"),
                            c("2.5 %", "97.5 %")))
)

profile_data <- function(name) {
  env <- new.env()
  utils::data(list = name, package = "lme4", envir = env)
  env[[name]]
}

# Each bound within 1e-3, absolute, or relative for values above 1 in size.
expect_profile_close <- function(ours, ref, tol = 1e-3) {
  expect_identical(dimnames(ours), dimnames(ref))
  err <- abs(ours - ref) / pmax(1, abs(ref))
  expect_true(all(is.finite(err)))
  expect_lt(max(err), tol)
}

test_that("profile intervals agree with lme4's (stored) on sleepstudy, REML and ML fits", {
  skip_if_not_installed("lme4") # for the data
  ss <- profile_data("sleepstudy")
  reml <- lmm(Reaction ~ Days + (Days | Subject), data = ss)
  ml <- lmm(Reaction ~ Days + (Days | Subject), data = ss, REML = FALSE)
  ci_reml <- confint(reml, method = "profile")
  ci_ml <- confint(ml, method = "profile")
  expect_profile_close(ci_reml, profile_ref$sleepstudy)
  expect_profile_close(ci_ml, profile_ref$sleepstudy)
  # both profile the ML deviance, so they agree with each other to the optimiser's precision
  expect_equal(ci_reml, ci_ml, tolerance = 1e-6)
  # intervals contain the ML estimates
  expect_true(all(ci_ml[, 1] < ci_ml[, 2]))
  expect_true(ci_ml[".sigma", 1] < ml$sigma && ml$sigma < ci_ml[".sigma", 2])
  expect_true(all(ci_ml[5:6, 1] < ml$beta & ml$beta < ci_ml[5:6, 2]))
})

test_that("profile intervals agree with lme4's (stored) on Penicillin, REML and ML fits", {
  skip_if_not_installed("lme4")
  pen <- profile_data("Penicillin")
  f <- diameter ~ 1 + (1 | plate) + (1 | sample)
  expect_profile_close(confint(lmm(f, data = pen), method = "profile"), profile_ref$penicillin)
  expect_profile_close(confint(lmm(f, data = pen, REML = FALSE), method = "profile"),
                       profile_ref$penicillin)
})

test_that("parm and level work with profile intervals", {
  skip_if_not_installed("lme4")
  ss <- profile_data("sleepstudy")
  fit <- lmm(Reaction ~ Days + (Days | Subject), data = ss)
  all <- confint(fit, method = "profile")
  expect_equal(confint(fit, parm = "Days", method = "profile"), all["Days", , drop = FALSE])
  expect_equal(confint(fit, parm = "theta_", method = "profile"), all[1:4, , drop = FALSE])
  expect_equal(confint(fit, parm = "beta_", method = "profile"), all[5:6, , drop = FALSE])
  expect_equal(confint(fit, parm = c(2L, 4L), method = "profile"), all[c(2, 4), , drop = FALSE])
  ci90 <- confint(fit, parm = "beta_", method = "profile", level = 0.9)
  expect_identical(colnames(ci90), c("5 %", "95 %"))
  expect_true(all(ci90[, 1] > all[5:6, 1] & ci90[, 2] < all[5:6, 2]))
})

test_that("a standard deviation whose profile does not reach the cut-off gets the lower bound 0", {
  skip_if_not_installed("lme4")
  # Dyestuff2: singular fit, the Batch SD is estimated as 0
  dy2 <- profile_data("Dyestuff2")
  ci <- suppressMessages(confint(lmm(Yield ~ 1 + (1 | Batch), data = dy2), method = "profile"))
  # lme4 1.1-31: 0, 2.0840435; 2.8928310, 4.8158326; 4.3121002, 7.0190923 (its spline
  # interpolation is about 7e-4 off on the intercept: at lmmkit's bounds zeta is 1.959964)
  ref <- matrix(c(0, 2.8928310, 4.3121002, 2.0840435, 4.8158326, 7.0190923), 3L, 2L,
                dimnames = list(c(".sig01", ".sigma", "(Intercept)"), c("2.5 %", "97.5 %")))
  expect_identical(ci[".sig01", 1], 0)
  expect_profile_close(ci, ref, tol = 1e-3)
})

test_that("profile intervals agree with lme4's live", {
  skip_on_cran()
  skip_if_not_installed("lme4")
  ss <- profile_data("sleepstudy")
  pen <- profile_data("Penicillin")
  cases <- list(list(Reaction ~ Days + (Days | Subject), ss, TRUE),
                list(Reaction ~ Days + (Days | Subject), ss, FALSE),
                list(diameter ~ 1 + (1 | plate) + (1 | sample), pen, TRUE),
                list(time ~ feed + (1 | bird), pigeons, TRUE))
  for (cs in cases) {
    ref <- suppressWarnings(suppressMessages(
      confint(lme4::lmer(cs[[1]], data = cs[[2]], REML = cs[[3]]), method = "profile")))
    ours <- confint(lmm(cs[[1]], data = cs[[2]], REML = cs[[3]]), method = "profile")
    expect_profile_close(ours, ref)
  }
})

test_that("terms with more than 2 columns are refused with a clear error", {
  set.seed(1)
  d <- data.frame(g = factor(rep(1:30, each = 10)), x = rnorm(300), z = rnorm(300))
  d$y <- d$x + rnorm(30)[d$g] + rnorm(30)[d$g] * d$x + 0.5 * rnorm(30)[d$g] * d$z + rnorm(300)
  fit <- lmm(y ~ x + z + (x + z | g), data = d)
  expect_error(confint(fit, method = "profile"),
               "profile intervals are not available for random-effect terms with more than 2 columns (x + z | g)",
               fixed = TRUE)
})
