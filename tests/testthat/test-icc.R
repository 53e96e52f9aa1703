# Intraclass correlations: intercept-only, crossed, nested and random-slope models.

lme4_data <- function(name) {
  env <- new.env()
  utils::data(list = name, package = "lme4", envir = env)
  env[[name]]
}

test_that("icc of a random-intercept model is tau^2 / (tau^2 + sigma^2)", {
  fit <- lmm(time ~ feed + (1 | bird), data = pigeons)
  ic <- icc(fit)
  expect_s3_class(ic, "data.frame")
  expect_named(ic, c("group", "icc"))
  vc <- as.data.frame(VarCorr(fit))
  expect_equal(ic$icc, vc$vcov[1] / (vc$vcov[1] + sigma(fit)^2))
  expect_output(print(ic), "Intraclass correlation by grouping factor")
})

test_that("icc of nested random intercepts shares the total variance", {
  fit <- lmm(time ~ feed + (1 | loft/bird), data = pigeons)
  ic <- icc(fit)
  expect_identical(ic$group, c("bird:loft", "loft"))
  vc <- as.data.frame(VarCorr(fit))
  total <- sum(vc$vcov)
  expect_equal(ic$icc, vc$vcov[1:2] / total)
})

test_that("icc with random slopes adds the design-averaged adjusted ICC", {
  skip_if_not_installed("lme4")
  sleep <- lme4_data("sleepstudy")
  fit <- lmm(Reaction ~ Days + (Days | Subject), data = sleep)
  g <- lme4::lmer(Reaction ~ Days + (Days | Subject), data = sleep)
  S <- lme4::VarCorr(g)$Subject
  s2 <- sigma(g)^2
  z <- cbind(1, sleep$Days)
  v <- mean(rowSums((z %*% S) * z))
  ic <- icc(fit)
  expect_named(ic, c("group", "icc", "adjusted"))
  expect_equal(ic$icc, S[1, 1] / (S[1, 1] + s2), tolerance = 1e-4)
  expect_equal(ic$adjusted, v / (v + s2), tolerance = 1e-4)
})

test_that("icc is NA for a grouping factor without random intercept", {
  skip_if_not_installed("lme4")
  sleep <- lme4_data("sleepstudy")
  fit <- lmm(Reaction ~ Days + (0 + Days | Subject), data = sleep)
  ic <- icc(fit)
  expect_true(is.na(ic$icc))
  S <- as.data.frame(VarCorr(fit))$vcov
  v <- S[1] * mean(sleep$Days^2)
  expect_equal(ic$adjusted, v / (v + sigma(fit)^2))
})

test_that("icc of crossed factors agrees with the variance components of lme4", {
  skip_if_not_installed("lme4")
  pen <- lme4_data("Penicillin")
  fit <- lmm(diameter ~ 1 + (1 | plate) + (1 | sample), data = pen)
  vc <- as.data.frame(lme4::VarCorr(lme4::lmer(diameter ~ 1 + (1 | plate) + (1 | sample), pen)))
  expect_equal(icc(fit)$icc, vc$vcov[1:2] / sum(vc$vcov), tolerance = 1e-4)
  expect_equal(summary(fit)$icc, icc(fit))
})
