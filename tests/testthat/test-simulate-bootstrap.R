# simulate(), refit_lmm() and bootstrap_lmm(): moments of simulated data, agreement with lme4, same results under any future plan.

sleep_data <- function() {
  env <- new.env()
  utils::data("sleepstudy", package = "lme4", envir = env)
  env$sleepstudy
}

sleep_fit <- function(...) lmm(Reaction ~ Days + (Days | Subject), data = sleep_data(), ...)

# Average over the 18 subjects of the 10 x 10 sample covariance of each subject's simulated responses
# (sleepstudy is sorted by subject, Days 0..9 within each).
pooled_subject_cov <- function(sims) {
  m <- as.matrix(sims)
  covs <- lapply(split(seq_len(nrow(m)), rep(1:18, each = 10)), function(i) stats::cov(t(m[i, ])))
  Reduce(`+`, covs) / length(covs)
}

test_that("unconditional simulation has the model's mean and covariance", {
  fit <- sleep_fit()
  sims <- simulate(fit, nsim = 2000, seed = 101)
  expect_identical(dim(sims), c(180L, 2000L))
  expect_identical(names(sims)[c(1, 2000)], c("sim_1", "sim_2000"))
  Z <- cbind(1, 0:9)
  V <- Z %*% VarCorr(fit)$Subject %*% t(Z) + sigma(fit)^2 * diag(10)
  mu <- drop(fit$X %*% fixef(fit))
  z <- (rowMeans(sims) - mu) / sqrt(rep(diag(V), 18) / 2000)
  expect_lt(max(abs(z)), 4.5)
  S <- pooled_subject_cov(sims)
  expect_lt(norm(S - V, "F") / norm(V, "F"), 0.05)
  # the correlation between days of one subject is there (it would be 0 without random effects)
  expect_gt(S[1, 2] / sqrt(S[1, 1] * S[2, 2]), 0.4)
})

test_that("conditional simulation (re.form = NULL) is fitted values plus noise, scaled by the weights", {
  ss <- sleep_data()
  w <- rep(c(1, 4), 90)
  fit <- lmm(Reaction ~ Days + (Days | Subject), data = ss, weights = w)
  sims <- as.matrix(simulate(fit, nsim = 2000, seed = 7, re.form = NULL))
  expect_lt(max(abs(rowMeans(sims) - fitted(fit)) / (sigma(fit) / sqrt(w) / sqrt(2000))), 4.5)
  v <- apply(sims, 1, var)
  expect_equal(mean(v[w == 1]), sigma(fit)^2, tolerance = 0.03)
  expect_equal(mean(v[w == 4]), sigma(fit)^2 / 4, tolerance = 0.03)
  S <- pooled_subject_cov(sims * sqrt(w))
  expect_lt(max(abs(S[lower.tri(S)])) / sigma(fit)^2, 0.1)
})

test_that("re.form conditions on whole terms only", {
  ss <- sleep_data()
  fit <- lmm(Reaction ~ Days + (Days || Subject), data = ss)
  sims <- simulate(fit, nsim = 2000, seed = 3, re.form = ~ (1 | Subject))
  b_int <- ranef(fit)$Subject[["(Intercept)"]]
  mu <- drop(fit$X %*% fixef(fit)) + rep(b_int, each = 10)
  expect_lt(max(abs(rowMeans(sims) - mu)), 4.5 * sqrt((sigma(fit)^2 + 81 * VarCorr(fit)[[2]][1]) / 2000))
  expect_error(simulate(sleep_fit(), re.form = ~ (1 | Subject)),
               "re.form must name whole random-effect terms; it names only some columns of 'Days | Subject'")
  expect_error(simulate(fit, nsim = 0), "`nsim` must be a single positive whole number, not 0")
})

test_that("simulate() is reproducible with a seed, restores the RNG state and matches lme4", {
  fit <- sleep_fit()
  set.seed(1)
  before <- .Random.seed
  s1 <- simulate(fit, nsim = 3, seed = 42)
  expect_identical(.Random.seed, before)
  expect_identical(simulate(fit, nsim = 3, seed = 42), s1)
  expect_identical(c(attr(s1, "seed")), 42)
  expect_identical(attr(attr(s1, "seed"), "kind"), as.list(RNGkind()))
  expect_false(identical(simulate(fit, nsim = 3), simulate(fit, nsim = 3)))
  skip_if_not_installed("lme4")
  ref <- lme4::lmer(Reaction ~ Days + (Days | Subject), data = sleep_data())
  # lme4 draws the spherical random effects, then the noise: the same numbers with the same seed
  expect_equal(as.matrix(s1), as.matrix(simulate(ref, nsim = 3, seed = 42)), tolerance = 1e-5,
               ignore_attr = TRUE)
  expect_equal(as.matrix(simulate(fit, nsim = 2, seed = 5, re.form = NULL)),
               as.matrix(simulate(ref, nsim = 2, seed = 5, re.form = NULL)), tolerance = 1e-5,
               ignore_attr = TRUE)
})

test_that("refit_lmm() reuses the matrices: same fit for the same response, ML on request", {
  fit <- sleep_fit()
  again <- lmmkit:::refit_lmm(fit, fit$y)
  expect_equal(again$theta, fit$theta, tolerance = 1e-6)
  expect_equal(again$objective, fit$objective, tolerance = 1e-10)
  ml <- lmmkit:::refit_lmm(fit, REML = FALSE)
  direct <- sleep_fit(REML = FALSE)
  expect_false(ml$REML)
  expect_false(ml$call$REML)
  expect_equal(as.numeric(logLik(ml)), as.numeric(logLik(direct)), tolerance = 1e-8)
  y <- simulate(fit, seed = 9)[[1]]
  ss <- sleep_data()
  ss$y <- y
  expect_equal(lmmkit:::refit_lmm(fit, y)$beta,
               lmm(y ~ Days + (Days | Subject), data = ss)$beta, tolerance = 1e-6, ignore_attr = TRUE)
  expect_error(lmmkit:::refit_lmm(fit, y[-1]), "must be numeric of length 180")
  expect_error(lmmkit:::refit_lmm(fit, replace(y, 3, NA)), "missing or non-finite")
})

test_that("bootstrap replicates are fits to the simulated responses (agree with lme4 on them)", {
  fit <- sleep_fit()
  boot <- bootstrap_lmm(fit, nsim = 3, seed = 21)
  expect_s3_class(boot, "lmm_boot")
  expect_identical(colnames(boot$t), c(".sig01", ".sig02", ".sig03", ".sigma", "(Intercept)", "Days"))
  expect_equal(boot$t0[5:6], fixef(fit))
  expect_equal(unname(boot$t0[1:4]), unname(c(attr(VarCorr(fit)$Subject, "stddev")[1],
                                       attr(VarCorr(fit)$Subject, "correlation")[2, 1],
                                       attr(VarCorr(fit)$Subject, "stddev")[2], sigma(fit))))
  expect_identical(c(boot$n_failed, boot$n_singular, boot$n_warned), c(0L, 0L, 0L))
  expect_output(print(boot), "3 samples \\(seed 21\\)")
  skip_if_not_installed("lme4")
  sims <- simulate(fit, nsim = 3, seed = 21)
  ss <- sleep_data()
  for (i in 1:3) {
    ss$y <- sims[[i]]
    ref <- lme4::lmer(y ~ Days + (Days | Subject), data = ss)
    vc <- as.data.frame(lme4::VarCorr(ref), order = "lower.tri")
    expect_equal(boot$t[i, ], c(vc$sdcor, lme4::fixef(ref)), tolerance = 1e-4, ignore_attr = TRUE)
  }
})

test_that("bootstrap counts singular refits quietly, takes FUN, reports failures", {
  ss <- sleep_data()
  ss$block <- factor(rep(1:6, 30))
  fit <- suppressMessages(lmm(Reaction ~ Days + (1 | block), data = ss))
  expect_silent(boot <- bootstrap_lmm(fit, nsim = 10, seed = 2))
  expect_gt(boot$n_singular, 0L)
  sfit <- sleep_fit()
  b2 <- bootstrap_lmm(sfit, nsim = 4, seed = 2, FUN = function(x) c(slope = unname(fixef(x)[2])))
  expect_identical(dim(b2$t), c(4L, 1L))
  expect_identical(colnames(b2$t), "slope")
  expect_error(bootstrap_lmm(sfit, nsim = 2, FUN = function(x) "a"), "FUN must return a numeric vector")
  flaky <- function(x) if (fixef(x)[2] > 10.6) stop("too steep") else fixef(x)
  expect_message(b3 <- bootstrap_lmm(sfit, nsim = 10, seed = 4, FUN = flaky),
                 "of 10 refits failed \\(their rows are NA\\); first error: FUN failed: too steep")
  expect_identical(b3$n_failed, sum(is.na(b3$t[, 1])))
  only_original <- function(x) if (identical(x$y, sfit$y)) fixef(x) else stop("no")
  expect_error(bootstrap_lmm(sfit, nsim = 3, seed = 1, FUN = only_original),
               "all 3 refits failed; the first error was: FUN failed: no")
  expect_error(bootstrap_lmm(sfit, nsim = 3, FUN = function(x) stop("never")),
               "FUN failed on the original fit: never")
  expect_error(bootstrap_lmm(lm(Reaction ~ Days, ss)), "object must be an lmm fit")
})

test_that("bootstrap signals progress through progressr, one step per refit", {
  fit <- sleep_fit()
  old <- options(progressr.enable = TRUE) # progressr is off in non-interactive sessions by default
  on.exit(options(old), add = TRUE)
  steps <- 0L
  withCallingHandlers(
    bootstrap_lmm(fit, nsim = 5, seed = 1),
    progression = function(cond) {
      if (identical(cond$type, "update")) steps <<- steps + as.integer(cond$amount)
    })
  expect_identical(steps, 5L)
})

test_that("bootstrap intervals are the same serially and under plan(multisession, workers = 2)", {
  skip_on_cran()
  skip_if_not_installed("future")
  fit <- sleep_fit()
  old <- future::plan(future::sequential)
  on.exit(future::plan(old), add = TRUE)
  serial <- bootstrap_lmm(fit, nsim = 20, seed = 123)
  ci_serial <- confint(fit, method = "boot", nsim = 20, seed = 123)
  future::plan(future::multisession, workers = 2)
  expect_equal(future::nbrOfWorkers(), 2)
  parallel <- bootstrap_lmm(fit, nsim = 20, seed = 123)
  ci_parallel <- confint(fit, method = "boot", nsim = 20, seed = 123)
  expect_identical(parallel$t, serial$t)
  expect_identical(ci_parallel, ci_serial)
  # and a user FUN that draws random numbers is reproducible too (future.seed = TRUE)
  noisy <- function(x) c(fixef(x), noise = stats::runif(1))
  par_noisy <- bootstrap_lmm(fit, nsim = 6, seed = 9, FUN = noisy)
  future::plan(future::sequential)
  expect_identical(bootstrap_lmm(fit, nsim = 6, seed = 9, FUN = noisy)$t, par_noisy$t)
})
