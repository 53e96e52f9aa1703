# The engine's objective evaluated from R: the optimum, its neighbourhood, and its pieces.

test_that("engine_objective reproduces the fit's objective and rises away from the optimum", {
  fit <- lmm(time ~ feed + (1 | bird), data = pigeons)
  mats <- lmm_mats_from_fit(fit)
  values <- engine_objective(mats, TRUE, fit$control, cbind(fit$theta, fit$theta * 1.1, fit$theta * 0.9))
  expect_identical(rownames(values), c("objective", "ldL2", "ldRX2", "pwrss"))
  expect_equal(unname(values["objective", 1]), fit$objective, tolerance = 1e-10)
  expect_true(all(values["objective", 2:3] > values["objective", 1]))
  n <- nobs(fit)
  p <- length(fixef(fit))
  reml <- values["ldL2", ] + values["ldRX2", ] + (n - p) * (1 + log(2 * pi * values["pwrss", ] / (n - p)))
  expect_equal(unname(values["objective", ]), unname(reml), tolerance = 1e-10)
  expect_equal(sigma(fit), sqrt(unname(values["pwrss", 1]) / (n - p)), tolerance = 1e-10)
})
