# hatvalues() and cooks.distance() of lmm fits: against a dense hat matrix, lme4 live and stored lme4 values.

# MASS::oats with prior weights and two missing responses (na.exclude pads them back).
oats_weighted <- function() {
  oats <- MASS::oats
  oats$w <- rep(c(1, 2, 0.5), 24)
  oats$Y[c(3, 50)] <- NA
  oats
}

fit_oats_weighted <- function() {
  lmm(Y ~ N * V + (1 | B/V), oats_weighted(), weights = w, na.action = na.exclude)
}

# The hat matrix written out densely: W^1/2 C (C'WC + diag(I_q, 0))^-1 C' W^1/2, C = [Z Lambda, X].
dense_hat_diagonal <- function(fit) {
  ZL <- as.matrix(Matrix::crossprod(fit$re$Zt, lmmkit:::lambda_matrix(fit$theta, fit$re$terms)))
  C <- cbind(ZL, fit$X) * sqrt(fit$weights)
  penalty <- diag(c(rep(1, ncol(ZL)), rep(0, ncol(fit$X))))
  H <- C %*% solve(crossprod(C) + penalty, t(C))
  diag(H)
}

# lme4 evaluated at the fit's theta (no optimisation): the same model, so the same hat matrix.
lme4_at_theta <- function(fit, formula, data, weights = NULL, na.action = stats::na.omit) {
  do.call(lme4::lmer, list(formula, data = data, weights = weights, na.action = na.action,
                           control = lme4::lmerControl(optimizer = NULL),
                           start = list(theta = unname(fit$theta))))
}

test_that("the blocked sparse leverages equal the diagonal of the dense hat matrix", {
  skip_if_not_installed("MASS")
  fit <- fit_oats_weighted()
  expect_equal(lmmkit:::leverages(fit), unname(dense_hat_diagonal(fit)), tolerance = 1e-10)
  set.seed(11)
  d <- data.frame(a = factor(sample(40, 1000, TRUE)), b = factor(sample(7, 1000, TRUE)), x = rnorm(1000))
  d$y <- d$x + rnorm(40)[d$a] + rnorm(7)[d$b] + rnorm(1000)
  crossed <- lmm(y ~ x + (1 | a) + (x | b), d)
  small_blocks <- lmmkit:::hat_diagonal(lmmkit:::hat_factors(crossed), max_entries = 1)
  expect_equal(small_blocks, unname(dense_hat_diagonal(crossed)), tolerance = 1e-10)
  expect_equal(unname(hatvalues(crossed)), small_blocks, tolerance = 1e-12)
})

test_that("hatvalues() and cooks.distance() agree with lme4 at the same theta", {
  skip_if_not_installed("lme4")
  skip_if_not_installed("MASS")
  fit <- fit_oats_weighted()
  ref <- lme4_at_theta(fit, Y ~ N * V + (1 | B/V), oats_weighted(),
                       weights = oats_weighted()$w, na.action = stats::na.exclude)
  expect_equal(hatvalues(fit), hatvalues(ref), tolerance = 1e-8)
  expect_equal(cooks.distance(fit), cooks.distance(ref), tolerance = 1e-8)
  ss <- lme4::sleepstudy
  fit2 <- lmm(Reaction ~ Days + (Days | Subject), ss)
  ref2 <- lme4_at_theta(fit2, Reaction ~ Days + (Days | Subject), ss)
  expect_equal(hatvalues(fit2), hatvalues(ref2), tolerance = 1e-8)
  expect_equal(cooks.distance(fit2), cooks.distance(ref2), tolerance = 1e-8)
  # At each package's own optimum the two differ only by the optimizers' last digits.
  expect_equal(hatvalues(fit2), hatvalues(lme4::lmer(Reaction ~ Days + (Days | Subject), ss)),
               tolerance = 1e-5)
})

test_that("hatvalues() and cooks.distance() match stored lme4 values, with NA for excluded rows", {
  skip_if_not_installed("MASS")
  fit <- fit_oats_weighted()
  h <- hatvalues(fit)
  expect_length(h, 72L)
  expect_identical(which(is.na(h)), c(`3` = 3L, `50` = 50L))
  # lme4 1.1-31: hatvalues() / cooks.distance() of the same model (at lme4's optimum).
  expect_equal(unname(h[1:6]), c(0.3297184541, 0.5048451355, NA, 0.3297184541, 0.4147759519,
                                 0.228693988), tolerance = 1e-5)
  expect_equal(unname(h[49:51]), c(0.391325676, NA, 0.3057827504), tolerance = 1e-5)
  expect_equal(unname(cooks.distance(fit)[1:6]),
               c(0.0009177190429, 0.02740893998, NA, 0.09075837444, 0.08568432138,
                 0.01079138371), tolerance = 1e-4)
  fit2 <- lmm(Y ~ N * V + (1 | B/V), MASS::oats[-c(1, 7, 20, 33), ])
  expect_equal(unname(hatvalues(fit2)[1:6]), c(0.3744877798, 0.3744877798, 0.3744877798,
                                               0.3770478691, 0.3770478691, 0.3979768442),
               tolerance = 1e-5)
  expect_equal(unname(cooks.distance(fit2)[1:6]),
               c(0.0005760963597, 0.02233358706, 0.1226063292, 0.08099348018, 0.03284611242,
                 0.007044773696), tolerance = 1e-4)
})

test_that("an observation with prior weight 0 has leverage 0 (lme4's value at the same theta)", {
  skip_if_not_installed("MASS")
  fit <- fit_oats_weighted()
  # A copy with one weight set to zero, at lme4's theta, against the dense hat matrix
  # (test-zero-weights.R fits real zero-weight data).
  zeroed <- fit
  zeroed$theta[] <- c(0.741713421467173, 0.91315920943287)
  zeroed$weights[4] <- 0 # row 5 of the data (row 3 was excluded)
  zeroed$cache <- new.env()
  h <- lmmkit:::leverages(zeroed)
  # lme4 1.1-31: hatvalues() with weight 0 on row 5, at that theta.
  expect_equal(h[1:5], c(0.3303022301, 0.5058764522, 0.3303022301, 0, 0.2549908471),
               tolerance = 1e-8)
  expect_identical(lmmkit:::cook_distances(zeroed)[4], 0)
  expect_equal(h, unname(dense_hat_diagonal(zeroed)), tolerance = 1e-10)
})

test_that("the leverages sum to the effective number of parameters and stay in [0, 1]", {
  fit <- lmm(time ~ feed + (1 | loft/bird), pigeons)
  h <- hatvalues(fit)
  expect_true(all(h >= 0 & h <= 1))
  expect_gt(sum(h), 2)
  expect_lt(sum(h), 2 + 6 + 30)
})

test_that("hatvalues() works on 10^5 observations without an n x n matrix", {
  skip_on_cran()
  set.seed(3)
  n <- 1e5
  d <- data.frame(g = factor(sample(5000, n, TRUE)), x = rnorm(n))
  d$y <- d$x + rnorm(5000)[d$g] + rnorm(n)
  fit <- lmm(y ~ x + (1 | g), d)
  h <- hatvalues(fit)
  expect_length(h, n)
  expect_true(all(h > 0 & h < 1))
  # One grouping factor: h_i = w_i (1 / (n_g + 1/tau^2)) plus the fixed-effect part, so
  # observations of the same group and the same x share a leverage; the trace is below p + q.
  expect_lt(sum(h), 2 + 5000)
  cd <- cooks.distance(fit)
  expect_true(all(is.finite(cd) & cd >= 0))
})
