# Fits keep their precision whatever the location and scale of the response, the covariates and the offset.

lme4_data <- function(name) {
  skip_if_not_installed("lme4")
  env <- new.env()
  utils::data(list = name, package = "lme4", envir = env)
  env[[name]]
}
sleep <- function() lme4_data("sleepstudy")

quiet_fit <- function(...) suppressMessages(lmm(...))

# Two fits of the same model in different units agree: logLik (shifted by ll_shift), sigma and every
# variance component (scaled by vc_scale), and the fixed effect `coef` (scaled by coef_scale).
expect_same_fit <- function(fit, ref, coef, ll_shift = 0, y_scale = 1, coef_scale = y_scale, vc_scale = y_scale,
                            label = "") {
  expect_equal(as.numeric(logLik(fit)) - ll_shift, as.numeric(logLik(ref)), tolerance = 1e-7, label = label)
  expect_equal(sigma(fit) / y_scale, sigma(ref), tolerance = 1e-5, label = label)
  vc <- as.data.frame(VarCorr(fit))
  vc_ref <- as.data.frame(VarCorr(ref))
  expect_equal(vc$sdcor / ifelse(is.na(vc$var2), vc_scale, 1), vc_ref$sdcor, tolerance = 1e-4, label = label)
  expect_equal(fixef(fit)[[coef]] / coef_scale, fixef(ref)[[coef]], tolerance = 1e-5, label = label)
  expect_false(isSingular(fit))
}

test_that("a shifted or rescaled covariate in a random slope reaches the unshifted maximum (lme4 stops short)", {
  ss <- sleep()
  base <- quiet_fit(Reaction ~ Days + (Days | Subject), ss)
  expect_equal(as.numeric(logLik(base)), -871.8141, tolerance = 1e-6)
  ss$yr <- ss$Days + 2000
  # lme4 1.1-31 stops at logLik -893.22 here and reports a singular fit.
  shifted <- quiet_fit(Reaction ~ yr + (yr | Subject), ss)
  expect_equal(as.numeric(logLik(shifted)), -871.8141, tolerance = 1e-6)
  expect_equal(sigma(shifted), sigma(base), tolerance = 1e-5)
  expect_equal(attr(VarCorr(shifted)$Subject, "stddev")[["yr"]],
               attr(VarCorr(base)$Subject, "stddev")[["Days"]], tolerance = 1e-4)
  expect_false(isSingular(shifted))
  ss$dk <- ss$Days * 1000
  scaled <- quiet_fit(Reaction ~ dk + (dk | Subject), ss)
  # The REML criterion carries log |X'V^-1 X|, which rescaling a column moves by 2 log 1000.
  expect_equal(as.numeric(logLik(scaled)) + log(1000), -871.8141, tolerance = 1e-6)
  expect_equal(sigma(scaled), sigma(base), tolerance = 1e-5)
  expect_equal(fixef(scaled)[["dk"]] * 1000, fixef(base)[["Days"]], tolerance = 1e-6)
  expect_equal(attr(VarCorr(scaled)$Subject, "stddev")[["dk"]] * 1000,
               attr(VarCorr(base)$Subject, "stddev")[["Days"]], tolerance = 1e-4)
  expect_false(isSingular(scaled))
  if (requireNamespace("lme4", quietly = TRUE)) {
    ref <- suppressWarnings(suppressMessages(lme4::lmer(Reaction ~ yr + (yr | Subject), ss)))
    expect_gte(as.numeric(logLik(shifted)), as.numeric(logLik(ref)) - 1e-6)
  }
})

test_that("the response shifted by 1e4 to 1e12 gives the unshifted fit (pigeons, sleepstudy, crossed)", {
  pen <- transform(lme4_data("Penicillin"), x = (seq_along(diameter) %% 7) / 3)
  cases <- list(
    list(formula = y ~ feed + (1 | bird), data = transform(pigeons, y = time), coef = "feedafter"),
    list(formula = y ~ Days + (Days | Subject), data = transform(sleep(), y = Reaction), coef = "Days"),
    list(formula = y ~ x + (1 | plate) + (1 | sample), data = transform(pen, y = diameter), coef = "x"))
  for (case in cases) {
    for (shift in 10^c(4, 6, 8, 10, 12)) {
      d <- case$data
      d$y <- d$y + shift
      fit <- quiet_fit(case$formula, d)
      d$y <- d$y - shift   # exact: the reference sees the same rounded data
      ref <- quiet_fit(case$formula, d)
      expect_same_fit(fit, ref, case$coef, label = paste(deparse(case$formula), "shift", shift))
      expect_equal(fixef(fit)[[1]] - shift, fixef(ref)[[1]], tolerance = 1e-5 * max(1, shift / 1e4))
    }
  }
})

test_that("a response scaled by 1e-150 to 1e150 gives the unscaled fit, in its units", {
  for (s in 10^c(-150, -50, 50, 150)) {
    p <- transform(pigeons, y = time * s)
    fit <- quiet_fit(y ~ feed + (1 | bird), p, REML = FALSE)
    ref <- quiet_fit(time ~ feed + (1 | bird), pigeons, REML = FALSE)
    expect_same_fit(fit, ref, "feedafter", ll_shift = -nobs(fit) * log(s), y_scale = s, label = paste("scale", s))
    ss <- transform(sleep(), y = Reaction * s)
    fit <- quiet_fit(y ~ Days + (Days | Subject), ss, REML = FALSE)
    ref <- quiet_fit(Reaction ~ Days + (Days | Subject), ss, REML = FALSE)
    expect_same_fit(fit, ref, "Days", ll_shift = -nobs(fit) * log(s), y_scale = s, label = paste("scale", s))
  }
})

test_that("a predictor shifted by 1e4 to 1e12 or scaled by 1e-150 to 1e150 gives the same fit", {
  ss <- sleep()
  base <- quiet_fit(Reaction ~ Days + (Days | Subject), ss)
  slope_sd <- function(fit, name) attr(VarCorr(fit)$Subject, "stddev")[[name]]
  for (shift in 10^c(4, 6, 8, 10, 12)) {
    ss$x <- ss$Days + shift
    fit <- quiet_fit(Reaction ~ x + (x | Subject), ss)
    label <- paste("shift", shift)
    expect_equal(as.numeric(logLik(fit)), as.numeric(logLik(base)), tolerance = 1e-7, label = label)
    expect_equal(sigma(fit), sigma(base), tolerance = 1e-5, label = label)
    expect_equal(slope_sd(fit, "x"), slope_sd(base, "Days"), tolerance = 1e-4, label = label)
    expect_equal(fixef(fit)[["x"]], fixef(base)[["Days"]], tolerance = 1e-5, label = label)
    expect_false(isSingular(fit))
  }
  for (s in 10^c(-150, -50, 50, 150)) {
    ss$x <- ss$Days * s
    fit <- quiet_fit(Reaction ~ x + (1 | Subject), ss, REML = FALSE)
    ref <- quiet_fit(Reaction ~ Days + (1 | Subject), ss, REML = FALSE)
    names(ref$beta)[2] <- "x"
    expect_same_fit(fit, ref, "x", coef_scale = 1 / s, y_scale = 1, label = paste("fixed-only scale", s))
    fit <- quiet_fit(Reaction ~ x + (x | Subject), ss, REML = FALSE)
    ref <- quiet_fit(Reaction ~ Days + (Days | Subject), ss, REML = FALSE)
    expect_equal(as.numeric(logLik(fit)), as.numeric(logLik(ref)), tolerance = 1e-7)
    expect_equal(slope_sd(fit, "x") * s, slope_sd(ref, "Days"), tolerance = 1e-4)
  }
})

test_that("an offset shifted by 1e4 to 1e12 or scaled by 1e-150 to 1e150 gives the same fit", {
  for (o in 10^c(4, 8, 12)) {
    p <- transform(pigeons, off = o * (1 + as.numeric(bird) %% 2))
    p$y <- p$time + p$off
    fit <- quiet_fit(y ~ feed + (1 | bird), p, offset = off)
    p$y <- p$y - p$off  # exact: the reference sees the same rounded data
    ref <- quiet_fit(y ~ feed + (1 | bird), p)
    expect_same_fit(fit, ref, "feedafter", label = paste("offset", o))
  }
  ref <- quiet_fit(time ~ feed + (1 | bird), pigeons, REML = FALSE)
  for (s in 10^c(-150, 150)) {
    p <- transform(pigeons, off = s * 10 * (1 + as.numeric(bird) %% 2), y = s * (time + 10 * (1 + as.numeric(bird) %% 2)))
    fit <- quiet_fit(y ~ feed + (1 | bird), p, offset = off, REML = FALSE)
    expect_same_fit(fit, ref, "feedafter", ll_shift = -nobs(fit) * log(s), y_scale = s,
                    label = paste("offset scale", s))
  }
})

test_that("a response fitted exactly is an error that says so", {
  p <- pigeons
  p$y <- as.numeric(p$bird) * 3
  expect_error(lmm(y ~ feed + (1 | bird), p),
               "constant within every level of the grouping factor 'bird'")
  p$y <- 2 * (p$feed == "after") + 5
  expect_error(lmm(y ~ feed + (1 | bird), p), "fitted exactly by the fixed effects")
})

test_that("a fit with extreme weights is finite and agrees with lme4", {
  skip_if_not_installed("lme4")
  p <- transform(pigeons, w = rep(c(1e-6, 1e6), length.out = nrow(pigeons)))
  p$huge <- p$w * 1e150
  fit <- quiet_fit(time ~ feed + (1 | bird), p, weights = huge)
  ref <- quiet_fit(time ~ feed + (1 | bird), p, weights = w)
  expect_true(fit$optinfo$converged)
  expect_true(ref$optinfo$converged)
  expect_equal(fixef(fit), fixef(ref), tolerance = 1e-7)
  expect_equal(sigma(fit) / 1e75, sigma(ref), tolerance = 1e-6)
  lme <- suppressWarnings(suppressMessages(lme4::lmer(time ~ feed + (1 | bird), p, weights = w)))
  expect_gte(as.numeric(logLik(ref)), as.numeric(logLik(lme)) - 1e-6 * abs(as.numeric(logLik(lme))))
})

test_that("fitting the data as given (standardize = FALSE) gives the same fit on well-scaled data", {
  ss <- sleep()
  a <- quiet_fit(Reaction ~ Days + (Days | Subject), ss)
  b <- quiet_fit(Reaction ~ Days + (Days | Subject), ss, control = lmm_control(standardize = FALSE))
  expect_equal(as.numeric(logLik(a)), as.numeric(logLik(b)), tolerance = 1e-9)
  expect_equal(fixef(a), fixef(b), tolerance = 1e-6)
  expect_equal(a$theta, b$theta, tolerance = 1e-4)
  expect_equal(ranef(a)$Subject, ranef(b)$Subject, tolerance = 1e-4)
  expect_error(lmm_control(standardize = NA), "`standardize` must be TRUE or FALSE")
})

test_that("a nearly deterministic random slope reaches an optimum no worse than over the data as given", {
  # Centring Days makes the internal random effects almost perfectly correlated here, and the
  # optimizer stalls near the internal boundary (REML criterion -1393.1 instead of -1579.2); the
  # engine then also fits the data as given and keeps the better optimum. lme4 1.1-31: -1579.23.
  # (The scaled-gradient check warns at this boundary optimum, as it does for the fit as given.)
  ss <- sleep()
  set.seed(1)
  ss$y <- as.numeric(ss$Subject) * ss$Days + rnorm(180) * 1e-3
  fit <- suppressWarnings(quiet_fit(y ~ Days + (Days | Subject), ss))
  as_given <- suppressWarnings(quiet_fit(y ~ Days + (Days | Subject), ss,
                                         control = lmm_control(standardize = FALSE)))
  expect_gte(as.numeric(logLik(fit)), as.numeric(logLik(as_given)) - 1e-6)
  expect_lt(-2 * as.numeric(logLik(fit)), -1579.2)
  if (requireNamespace("lme4", quietly = TRUE)) {
    dev <- lme4::lmer(y ~ Days + (Days | Subject), ss, devFunOnly = TRUE)
    expect_equal(dev(fit$theta), -2 * as.numeric(logLik(fit)), tolerance = 1e-6)
  }
})
