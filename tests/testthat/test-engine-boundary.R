# The internal entry points refuse malformed input with an R error: no crash, no out-of-bounds read.

engine_model <- function() {
  fit <- lmm(time ~ feed + (1 | bird), pigeons)
  list(fit = fit, model = lmmkit:::engine_data(fit), control = unclass(fit$control))
}

test_that("a malformed random-effect design is an error, not an out-of-bounds read", {
  e <- engine_model()
  m <- e$model
  m$Zt@i[3] <- 1000L
  expect_error(lmmkit:::.lmmkit_fit(m, TRUE, e$control, numeric(0)), "row index out of range")
  m <- e$model
  m$Zt@p[length(m$Zt@p)] <- m$Zt@p[length(m$Zt@p)] + 5L
  expect_error(lmmkit:::.lmmkit_fit(m, TRUE, e$control, numeric(0)), "fewer stored entries")
  m <- e$model
  m$Zt@p <- m$Zt@p[-1]
  expect_error(lmmkit:::.lmmkit_fit(m, TRUE, e$control, numeric(0)), "slot p")
  slopes <- lmm(time ~ feed + (feed | bird), pigeons, control = lmm_control(check.singular = "ignore"))
  m <- lmmkit:::engine_data(slopes)
  two <- which(diff(m$Zt@p) == 2L)[1]
  entries <- m$Zt@p[two] + 1:2
  m$Zt@i[entries] <- rev(m$Zt@i[entries])
  expect_error(lmmkit:::.lmmkit_objective(m, TRUE, e$control, matrix(c(1, 0, 1))),
               "row indices must increase")
  m <- e$model
  m$Zt <- as.matrix(m$Zt)
  expect_error(lmmkit:::.lmmkit_fit(m, TRUE, e$control, numeric(0)), "lmmkit engine")
})

test_that("vectors of the wrong length and oversized terms are errors", {
  e <- engine_model()
  m <- e$model
  m$y <- m$y[1:5]
  expect_error(lmmkit:::.lmmkit_fit(m, TRUE, e$control, numeric(0)), "one row per observation")
  m <- e$model
  m$weights <- m$weights[-1]
  expect_error(lmmkit:::.lmmkit_fit(m, TRUE, e$control, numeric(0)), "weights must have one value")
  m <- e$model
  m$term_ncol <- 100000L
  expect_error(lmmkit:::.lmmkit_fit(m, TRUE, e$control, numeric(0)), "too large")
  m$term_ncol <- c(1L, 1L)
  expect_error(lmmkit:::.lmmkit_fit(m, TRUE, e$control, numeric(0)), "differ in length")
  m <- e$model
  m$X <- as.numeric(m$X)
  expect_error(lmmkit:::.lmmkit_fit(m, TRUE, e$control, numeric(0)), "X must be a matrix")
})

test_that("theta, sigma and new designs of the wrong shape are errors", {
  e <- engine_model()
  expect_error(lmmkit:::.lmmkit_objective(e$model, TRUE, e$control, matrix(1, 2, 1)), "theta must have 1 value")
  expect_error(lmmkit:::.lmmkit_objective(e$model, TRUE, e$control, matrix(NaN)), "theta must be finite")
  expect_error(lmmkit:::.lmmkit_fit(e$model, TRUE, e$control, c(1, 1)), "start must have 1 value")
  expect_error(lmmkit:::.lmmkit_variance_derivatives(e$model, TRUE, e$control, c(1, 2), 1), "theta must have")
  expect_error(lmmkit:::.lmmkit_variance_derivatives(e$model, TRUE, e$control, 1, -1), "sigma must be positive")
  Zt_new <- e$model$Zt[, 1:3]
  expect_error(lmmkit:::.lmmkit_prediction_variances(e$model, TRUE, e$control, 1, matrix(1, 3, 5), Zt_new),
               "one column per fixed effect")
  expect_error(lmmkit:::.lmmkit_prediction_variances(e$model, TRUE, e$control, 1, e$model$X[1:2, ], Zt_new),
               "one column per row of X_new")
  expect_error(lmmkit:::.lmmkit_prediction_variances(e$model, TRUE, e$control, 1, e$model$X[1:3, ],
                                                      Zt_new[1:2, ]), "one row per random effect")
})

test_that("a model without fixed effects fits and summarises", {
  fit <- lmm(time ~ 0 + (1 | bird), pigeons)
  expect_length(fixef(fit), 0L)
  expect_true(is.finite(as.numeric(logLik(fit))))
  expect_output(print(summary(fit)), "bird")
  skip_if_not_installed("lme4")
  ref <- lme4::lmer(time ~ 0 + (1 | bird), pigeons)
  expect_equal(as.numeric(logLik(fit)), as.numeric(logLik(ref)), tolerance = 1e-6)
})

test_that("an engine result that is not finite is an error, never a silent success", {
  fit <- lmm(time ~ feed + (1 | bird), pigeons)
  engine <- list(theta = fit$theta, beta = c(NaN, 1), sigma = fit$sigma, b = fit$b, objective = Inf)
  expect_error(lmmkit:::check_finite_estimates(engine),
               "non-finite values for fixed effects, log-likelihood")
  expect_silent(lmmkit:::check_finite_estimates(list(theta = 1, beta = 2, sigma = 3, b = 4, objective = 5)))
})
