# Intraclass correlations: intercept-only, crossed, nested and random-slope models.

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

test_that("icc(at = ) is the icc column at Days = 0, z' S z / (z' S z + sigma^2) elsewhere", {
  skip_if_not_installed("lme4")
  sleep <- lme4_data("sleepstudy")
  fit <- lmm(Reaction ~ Days + (Days | Subject), data = sleep)
  expect_equal(icc(fit, at = list(Days = 0))$icc, icc(fit)$icc)
  days <- c(0, 5, 9)
  ic <- icc(fit, at = list(Days = days))
  expect_s3_class(ic, "lmm_icc")
  expect_named(ic, c("group", "Days", "icc"))
  expect_identical(ic$group, rep("Subject", 3))
  expect_equal(ic$Days, days)
  S <- VarCorr(fit)$Subject
  z <- cbind(1, days)
  v <- rowSums((z %*% S) * z)
  expect_equal(ic$icc, v / (v + sigma(fit)^2))
  expect_equal(ic$icc, c(0.4830945177, 0.7076000271, 0.8470026717), tolerance = 1e-4)
  g <- lme4::lmer(Reaction ~ Days + (Days | Subject), data = sleep)
  v4 <- rowSums((z %*% lme4::VarCorr(g)$Subject) * z)
  expect_equal(ic$icc, v4 / (v4 + sigma(g)^2), tolerance = 1e-4)
  expect_output(print(ic), "at the given values of Days")
})

test_that("icc() of a slope model prints a note naming the covariate and showing `at`", {
  fit <- lmm(time ~ feed + (flight | bird), data = pigeons)
  out <- capture.output(print(icc(fit)))
  expect_true(any(grepl("ICC depends on flight", out, fixed = TRUE)))
  expect_true(any(grepl("icc(fit, at = list(flight = c(", out, fixed = TRUE)))
  in_summary <- capture.output(print(summary(fit)))
  expect_true(any(grepl("the ICC depends on flight", in_summary, fixed = TRUE)))
  expect_true(any(grepl("icc(fit, at = list(flight = ", in_summary, fixed = TRUE)))
  plain_fit <- lmm(time ~ feed + (1 | bird), data = pigeons)
  expect_false(any(grepl("Note", capture.output(print(icc(plain_fit))))))
  expect_false(any(grepl("depends on", capture.output(print(summary(plain_fit))))))
})

test_that("icc(at = ) of weighted data with an offset matches stored lme4 numbers", {
  d <- make_sim_unbalanced()
  fit <- lmm(y ~ x + f + (x | g), data = d, weights = w, offset = off)
  ic <- icc(fit, at = list(x = c(-1, 1, 3)))
  expect_equal(ic$icc, c(0.6484883592, 0.7970771520, 0.9092778003), tolerance = 1e-4)
})

test_that("icc(at = ) over two grouping factors and two covariates uses every term in the total", {
  fit <- lmm(time ~ feed + (flight | bird) + (0 + weight | loft), data = pigeons)
  at <- list(flight = c(1, 6), weight = c(350, 450))
  ic <- icc(fit, at = at)
  grid <- expand.grid(at)
  expect_named(ic, c("group", "flight", "weight", "icc"))
  expect_identical(ic$group, rep(c("bird", "loft"), each = 4))
  vc <- VarCorr(fit)
  z_bird <- cbind(1, grid$flight)
  v_bird <- rowSums((z_bird %*% vc$bird) * z_bird)
  v_loft <- drop(vc$loft) * grid$weight^2
  total <- v_bird + v_loft + sigma(fit)^2
  expect_equal(ic$icc, c(v_bird, v_loft) / total)
  expect_equal(ic$flight, rep(grid$flight, 2))
  rows <- data.frame(flight = c(1, 6), weight = c(350, 450))
  expect_equal(icc(fit, at = rows)$icc, c(v_bird[c(1, 4)], v_loft[c(1, 4)]) / total[c(1, 4)])
})

test_that("icc(at = ) rejects unknown names, non-numeric values, factor covariates and gaps", {
  fit <- lmm(time ~ feed + (flight | bird), data = pigeons)
  expect_error(icc(fit, at = list(flights = 1)), "`at` names 'flights'.*use 'flight'")
  expect_error(icc(fit, at = list(flight = "a")),
               "`at\\$flight` must be a non-empty numeric vector.*character")
  expect_error(icc(fit, at = list(flight = factor(1))), "not a factor")
  expect_error(icc(fit, at = list(flight = c(1, NA))), "NA or infinite")
  expect_error(icc(fit, at = list(flight = numeric())), "an empty vector")
  expect_error(icc(fit, at = list(1)), "named list")
  expect_error(icc(fit, at = c(flight = 1)), "named list")
  factor_fit <- lmm(time ~ feed + (feed | bird), data = pigeons)
  expect_error(icc(factor_fit, at = list(feed = 1)), "non-numeric covariate 'feed'")
  two <- lmm(time ~ feed + (flight | bird) + (0 + weight | loft), data = pigeons)
  expect_error(icc(two, at = list(flight = 1)), "missing 'weight'")
  expect_error(icc(lmm(time ~ feed + (1 | bird), data = pigeons), at = list(flight = 1)),
               "models with random slopes")
})

test_that("icc(at = ) and predict() keep the fitted coefficients of scale() and poly() in random terms", {
  set.seed(1)
  d <- data.frame(g = gl(20, 10), x = stats::rnorm(200, 5, 3))
  d$y <- d$x + stats::rnorm(20)[d$g] + stats::rnorm(20, sd = 0.3)[d$g] * as.numeric(scale(d$x)) + stats::rnorm(200)
  fit <- suppressMessages(lmm(y ~ x + (scale(x) | g), data = d))
  S <- unclass(VarCorr(fit)$g)[1:2, 1:2]
  z <- cbind(1, (c(2, 8) - mean(d$x)) / stats::sd(d$x))
  v <- rowSums((z %*% S) * z)
  expect_equal(icc(fit, at = list(x = c(2, 8)))$icc, v / (v + sigma(fit)^2), tolerance = 1e-12)
  new <- data.frame(x = c(2, 8), g = "1")
  b <- unlist(ranef(fit)$g["1", ])
  expect_equal(unname(predict(fit, new)), unname(fixef(fit)[1] + fixef(fit)[2] * new$x + drop(z %*% b)),
               tolerance = 1e-12)
  poly_fit <- suppressMessages(lmm(y ~ x + (poly(x, 2) | g), data = d))
  expect_true(is.finite(icc(poly_fit, at = list(x = 1))$icc))
  skip_if_not_installed("lme4")
  ref <- suppressMessages(lme4::lmer(y ~ x + (scale(x) | g), data = d))
  expect_equal(unname(predict(fit, new)), unname(stats::predict(ref, new)), tolerance = 1e-6)
})
