# Tests of check_confounding(): the Mundlak within-between test of random effects vs covariates.

# 60 clusters x 10 observations; the cluster effect u_g is 2 * N(0, 1). With
# confounded = TRUE the cluster part of x is u_g itself, otherwise independent.
# True within effect 0.5; true between effect (slope of y on the cluster mean
# of x) 0.5 + 2 * cov(u, xbar) / var(xbar) = 0.5 + 2 / (1 + 1/10) = 2.318.
sim_confounding <- function(seed, confounded, G = 60L, m = 10L) {
  set.seed(seed)
  g <- factor(rep(seq_len(G), each = m))
  u <- rnorm(G)
  x_cluster <- if (confounded) u else rnorm(G)
  x <- x_cluster[g] + rnorm(G * m)
  z <- rnorm(G * m)
  y <- 1 + 0.5 * x + 0.3 * z + 2 * u[g] + rnorm(G * m)
  data.frame(y = y, x = x, z = z, g = g)
}

# The printed summary with its line breaks turned into spaces, matched against a pattern.
expect_printed <- function(x, pattern) {
  printed <- paste(utils::capture.output(print(x)), collapse = " ")
  expect_match(gsub("\\s+", " ", printed), pattern)
}

test_that("a covariate correlated with the cluster effect is flagged and decomposed", {
  d <- sim_confounding(11, confounded = TRUE)
  fit <- lmm(y ~ x + (1 | g), data = d)
  res <- check_confounding(fit)
  expect_s3_class(res, "lmm_confounding")
  row <- res$table[res$table$covariate == "x", ]
  expect_true(row$correlated)
  expect_lt(row$p_value, 1e-6)
  expect_lt(abs(row$within - 0.5), 3 * row$within_se)
  expect_gt(row$pooled - row$within, 0.02)          # pooled estimate biased upwards
  expect_equal(row$pooled, unname(fixef(fit)["x"]))
  expect_lt(abs(row$between - 2.318), 0.25)
  expect_equal(row$contextual, row$between - row$within)
  expect_equal(row$z, row$contextual / row$contextual_se)
  expect_printed(res, "x is correlated with the random effect of 'g' \\(p < 0.0001\\)")
  expect_printed(res, "Report the within effect, or add the cluster mean of x")
})

test_that("the printed verdicts are wrapped to the console's width", {
  d <- sim_confounding(11, confounded = TRUE)
  res <- check_confounding(lmm(y ~ x + (1 | g), data = d))
  old <- options(width = 60)
  on.exit(options(old))
  expect_lte(max(nchar(utils::capture.output(print(res)))), 60)
})

test_that("a covariate independent of the cluster effect is not flagged", {
  d <- sim_confounding(12, confounded = FALSE)
  res <- check_confounding(lmm(y ~ x + (1 | g), data = d))
  expect_false(res$table$correlated)
  expect_gt(res$table$p_value, 0.05)
  expect_printed(res, "no evidence that x is correlated with the random effect of 'g'")
})

test_that("joint Mundlak refit: per-covariate verdicts and a joint chi-square test", {
  d <- sim_confounding(13, confounded = TRUE)
  res <- check_confounding(lmm(y ~ x + z + (1 | g), data = d))
  expect_equal(res$table$covariate, c("x", "z"))
  expect_equal(res$table$correlated, c(TRUE, FALSE))
  expect_equal(res$joint$df, 2L)
  aug <- res$fits$g
  expect_true(all(c("mean(x | g)", "mean(z | g)") %in% names(fixef(aug))))
  b <- fixef(aug)[c("mean(x | g)", "mean(z | g)")]
  V <- vcov(aug)[names(b), names(b)]
  expect_equal(res$joint$chisq, as.numeric(t(b) %*% solve(V) %*% b))
  expect_equal(res$joint$p_value, pchisq(res$joint$chisq, 2, lower.tail = FALSE))
  expect_printed(res, "Jointly \\(2 cluster means\\): chi-square = .* on 2 df")
  expect_equal(check_confounding(lmm(y ~ x + z + (1 | g), data = d), covariates = "z")$table$covariate, "z")
})

test_that("within estimate equals the fixed-effects (lm with factor(g)) estimate, balanced design", {
  d <- sim_confounding(14, confounded = TRUE)
  fe <- coef(lm(y ~ x + z + g, data = d))[c("x", "z")]
  for (reml in c(TRUE, FALSE)) {
    res <- check_confounding(lmm(y ~ x + z + (1 | g), data = d, REML = reml))
    expect_equal(res$table$within, unname(fe), tolerance = 1e-6)
    expect_identical(res$fits$g$REML, reml)
  }
})

test_that("transformed covariates, factor dummies and cluster-level covariates", {
  d <- sim_confounding(15, confounded = TRUE)
  d$x2 <- d$x + 10
  res <- check_confounding(lmm(y ~ log(x2) + (1 | g), data = d), covariates = "x2")
  expect_equal(res$table$covariate, "log(x2)")
  expect_true(res$table$correlated)
  fit <- lmm(time ~ feed + weight + (1 | bird), data = pigeons)
  res <- check_confounding(fit)
  expect_equal(res$table$covariate, "feedafter")
  expect_equal(res$skipped$covariate, "weight")
  expect_printed(res, "Not tested: weight \\(constant within every level of 'bird'\\)")
})

test_that("clear errors: nothing to test, unknown covariate or group, bad input", {
  d <- sim_confounding(16, confounded = FALSE)
  expect_error(check_confounding(lmm(time ~ weight + (1 | bird), data = pigeons)),
               "found no covariate to test.*vary both within and between.*'weight' for 'bird'")
  expect_error(check_confounding(lmm(y ~ 1 + (1 | g), data = d)),
               "found no covariate to test.*the fixed part has none")
  fit <- lmm(y ~ x + (1 | g), data = d)
  expect_error(check_confounding(fit, covariates = c("x", "income")),
               "covariates not found.*'income'.*the model has 'x'")
  expect_error(check_confounding(fit, groups = "school"),
               "groups not among the model's grouping factors: 'school'")
  expect_error(check_confounding(fit, level = 2), "level must be")
  expect_error(check_confounding(lm(y ~ x, data = d)), "must be an lmm fit")
})
