# The claim of the "Missing data" vignette: under MAR dropout the mixed model on all rows is unbiased
# and the complete-case analysis is not (tolerances from the Monte Carlo error).

simulate_dropout_trial <- function(subjects = 100, times = 0:4) {
  id <- rep(seq_len(subjects), each = length(times))
  time <- rep(times, subjects)
  y <- 10 + time + rnorm(subjects, 0, 2)[id] + rnorm(subjects, 0, 0.5)[id] * time + rnorm(length(time))
  seen <- rep(TRUE, length(y))
  for (i in seq_along(y)[time > 0]) {
    seen[i] <- seen[i - 1] && runif(1) >= plogis(-2.5 + 0.8 * (y[i - 1] - 10 - time[i - 1]))
  }
  data.frame(id = factor(id), time = time, y = y)[seen, ]
}

test_that("under MAR dropout ML on all rows recovers the slope and the complete-case analysis does not", {
  skip_on_cran()
  quiet <- lmm_control(check.singular = "ignore", check.conv = "ignore")
  set.seed(11)
  estimates <- t(replicate(150, {
    d <- simulate_dropout_trial()
    complete <- droplevels(d[d$id %in% names(which(table(d$id) == 5)), ])
    c(all_rows = fixef(lmm(y ~ time + (time | id), d, REML = FALSE, control = quiet))[["time"]],
      complete_case = fixef(lmm(y ~ time + (time | id), complete, REML = FALSE, control = quiet))[["time"]])
  }))
  bias <- colMeans(estimates) - 1
  mc_se <- apply(estimates, 2, sd) / sqrt(nrow(estimates))
  expect_lt(abs(bias[["all_rows"]]), 3 * mc_se[["all_rows"]])
  expect_lt(bias[["complete_case"]], -5 * mc_se[["complete_case"]])
})
