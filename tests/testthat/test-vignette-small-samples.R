# The claims the "Small samples" vignette makes, checked.

test_that("on the balanced split plot both methods give the classical F test with (workers - 1) x (machines - 1) df", {
  machines <- as.data.frame(nlme::Machines)
  fit <- lmm(score ~ Machine + (1 | Worker / Machine), data = machines)
  classical <- summary(aov(score ~ Machine + Error(Worker / Machine), data = machines))
  stratum <- classical[["Error: Worker:Machine"]][[1]]
  for (ddf in c("Satterthwaite", "Kenward-Roger")) {
    table <- anova(fit, ddf = ddf)
    expect_equal(table[["DenDF"]], 10, tolerance = 1e-5)
    expect_equal(table[["F value"]], stratum[["F value"]][1], tolerance = 1e-6)
  }
})

test_that("on the unbalanced split plot Kenward-Roger's standard error is the larger", {
  machines <- as.data.frame(nlme::Machines)
  set.seed(2)
  unbalanced <- machines[-sample(nrow(machines), 12), ]
  fit <- lmm(score ~ Machine + (1 | Worker / Machine), data = unbalanced)
  se_sat <- coef(summary(fit))["MachineC", "Std. Error"]
  se_kr <- coef(summary(fit, ddf = "Kenward-Roger"))["MachineC", "Std. Error"]
  expect_gt(se_kr, se_sat)
})

test_that("with few clusters the naive test rejects a true null too often and the small-sample tests do not", {
  nsim <- 400
  rates <- type1_error_simulation(nsim, clusters = 6, per_cluster = 4, seed = 7)
  mc_se <- sqrt(0.05 * 0.95 / nsim)
  expect_gt(rates[["naive"]], 0.05 + 2 * mc_se)
  expect_lt(abs(rates[["Satterthwaite"]] - 0.05), 3 * mc_se)
  expect_lt(abs(rates[["Kenward-Roger"]] - 0.05), 3 * mc_se)
})
