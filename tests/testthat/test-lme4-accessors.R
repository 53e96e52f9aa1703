# getME(), refit(), drop1(), extractAIC(), simulate(use.u), terms() and the generics shared with lme4, against lme4 and lmerTest.

sleep_fit <- function() lmm(Reaction ~ Days + (Days | Subject), lme4_data("sleepstudy"))
oats_unbalanced <- function() MASS::oats[-c(1, 2, 5, 10, 20, 33), ]

test_that("getME() gives lme4's pieces with lme4's names and shapes", {
  skip_if_not_installed("lme4")
  fit <- sleep_fit()
  # lme4 1.1-31, lmer(Reaction ~ Days + (Days | Subject), sleepstudy):
  expect_equal(unname(getME(fit, "theta")), c(0.966741774, 0.0151690589, 0.2309099532), tolerance = 2e-5)
  expect_named(getME(fit, "theta"), c("Subject.(Intercept)", "Subject.Days.(Intercept)", "Subject.Days"))
  cmp <- getME(fit, "devcomp")$cmp
  expect_equal(unname(cmp[c("ldL2", "ldRX2", "pwrss", "REML")]),
               c(75.96133321, 8.276052835, 116579.3215, 1743.628272), tolerance = 1e-5)
  expect_equal(getME(fit, "RX")[c(1, 3, 4)], c(3.785922087, 2.299136524, 16.55580746), tolerance = 1e-5)
  expect_equal(getME(fit, "u")[1:4], c(2.336250497, 39.68446105, -41.78855116, -34.58399047), tolerance = 1e-4)
  expect_equal(getME(fit, "b")[1:4], c(2.25855095, 9.198975766, -40.39873808, -8.619680615), tolerance = 1e-4)
  expect_identical(getME(fit, "Gp"), c(0L, 36L))
  expect_identical(unlist(getME(fit, c("n", "p", "q"))), c(n = 180L, p = 2L, q = 36L))
  expect_equal(as.numeric(2 * Matrix::determinant(getME(fit, "L"))$modulus), unname(cmp["ldL2"]), tolerance = 1e-10)
  expect_equal(sigma(fit)^2 * chol2inv(getME(fit, "RX")), unname(vcov(fit)), tolerance = 1e-10)
  expect_equal(as.numeric(getME(fit, "Lambda") %*% getME(fit, "u")), getME(fit, "b"), tolerance = 1e-12)
  all <- getME(fit, "ALL")
  expect_true(all(lmmkit:::getme_names %in% names(all)))
  expect_error(getME(fit, "Ztlist"), "unknown name 'Ztlist'")
  expect_error(getME(fit), "`name` must be")

  m <- lme4::lmer(Reaction ~ Days + (Days | Subject), lme4_data("sleepstudy"))
  for (nm in c("X", "Zt", "Z", "flist", "cnms", "Gp", "n", "p", "q", "y", "offset", "REML", "is_REML")) {
    expect_equal(getME(fit, nm), lme4::getME(m, nm), label = paste("getME", nm), ignore_attr = nm == "X")
  }
  for (nm in c("theta", "beta", "sigma", "u", "mu", "RX")) {
    expect_equal(getME(fit, nm), lme4::getME(m, nm), tolerance = 1e-4, label = paste("getME", nm))
  }
  expect_equal(as.matrix(getME(fit, "Lambdat")), as.matrix(lme4::getME(m, "Lambdat")), tolerance = 1e-4)
  expect_equal(getME(fit, "b"), as.numeric(lme4::getME(m, "b")), tolerance = 1e-4)
  expect_identical(names(getME(fit, "devcomp")$cmp), names(lme4::getME(m, "devcomp")$cmp))
  expect_identical(names(getME(fit, "devcomp")$dims), names(lme4::getME(m, "devcomp")$dims))
})

test_that("the shared generics work on both packages' fits whichever package is attached last", {
  skip_if_not_installed("lme4")
  script <- system.file("scripts", "lme4_interop.R", package = "lmmkit")
  expect_true(nzchar(script))
  for (order in c("lme4-first", "lmmkit-first")) {
    out <- suppressWarnings(system2(file.path(R.home("bin"), "Rscript"), c(shQuote(script), order),
                                    stdout = TRUE, stderr = TRUE, env = paste0("R_LIBS=", paste(.libPaths(), collapse = ":"))))
    expect_identical(attr(out, "status"), NULL, label = paste(order, paste(out, collapse = "\n")))
    expect_true(any(out == "interop: 36 calls, 0 errors"), label = paste(order, paste(tail(out, 5), collapse = "\n")))
  }
})

test_that("refit() refits to a new response as lme4's refit()", {
  fit <- sleep_fit()
  y2 <- 2 * fit$y + 5
  expect_equal(fixef(refit(fit, y2)), 2 * fixef(fit) + c(5, 0), tolerance = 1e-6)
  expect_equal(fixef(refit(fit)), fixef(fit), tolerance = 1e-8)
  expect_error(refit(fit, y2[-1]), "length 180")
  skip_if_not_installed("lme4")
  m <- lme4::lmer(Reaction ~ Days + (Days | Subject), lme4_data("sleepstudy"))
  expect_equal(fixef(refit(fit, y2)), lme4::fixef(lme4::refit(m, y2)), tolerance = 1e-6)
})

test_that("drop1() matches lme4 (Chisq) and lmerTest (F)", {
  skip_if_not_installed("MASS")
  fit <- sleep_fit()
  d <- drop1(fit, test = "Chisq")
  # lme4 1.1-31 drop1(lmer fit, test = "Chisq"): AIC and LRT.
  expect_equal(d$AIC, c(1763.939344, 1785.475882), tolerance = 1e-7)
  expect_equal(d$LRT[2], 23.5365375, tolerance = 1e-6)
  expect_identical(rownames(d), c("<none>", "Days"))
  expect_equal(extractAIC(fit), c(6, 1763.939344), tolerance = 1e-8)
  oats <- oats_unbalanced()
  fo <- lmm(Y ~ N * V + (1 | B/V), oats)
  d <- drop1(fo, test = "Chisq")
  expect_identical(rownames(d), c("<none>", "N:V"))
  expect_equal(d$AIC, c(578.6135696, 568.2026052), tolerance = 1e-7)
  expect_equal(d$LRT[2], 1.589035627, tolerance = 1e-5)
  f_add <- drop1(lmm(Y ~ N + V + (1 | B/V), oats), test = "F")
  # lmerTest 3.1-3 drop1(lmer(Y ~ N + V + (1 | B/V))): Satterthwaite DenDF and F.
  expect_equal(f_add$DenDF, c(44.20152657, 9.248085405), tolerance = 1e-4)
  expect_equal(f_add[["F value"]], c(33.91124962, 1.05585515), tolerance = 1e-6)
  expect_error(drop1(fo, scope = "Q"), "must name fixed-effect terms")
  skip_if_not_installed("lme4")
  m <- lme4::lmer(Y ~ N * V + (1 | B/V), oats)
  expect_equal(d$AIC, stats::drop1(m, test = "Chisq")$AIC, tolerance = 1e-7)
  skip_if_not_installed("lmerTest")
  mt <- lmerTest::lmer(Y ~ N * V + (1 | B/V), oats)
  for (ddf in c("Satterthwaite", "Kenward-Roger")) {
    got <- drop1(fo, test = "F", ddf = ddf)
    ref <- stats::drop1(mt, ddf = ddf)
    expect_equal(got$DenDF, ref$DenDF, tolerance = 1e-4)
    expect_equal(got[["F value"]], ref[["F value"]], tolerance = 1e-6)
  }
})

test_that("simulate(use.u = TRUE) conditions on the random effects, with lme4's random numbers", {
  fit <- sleep_fit()
  y <- simulate(fit, seed = 7, use.u = TRUE)[[1]]
  # lme4 1.1-31 simulate(lmer fit, seed = 7, use.u = TRUE): first five values, and minus fitted().
  expect_equal(y[1:5], c(312.1984179, 242.7023811, 275.2279872, 302.111124, 307.4874288), tolerance = 1e-6)
  expect_equal((y - fitted(fit))[1:5], c(58.53476212, -30.62753642, -17.7681921, -10.55131698, -24.84127386),
               tolerance = 1e-6, ignore_attr = TRUE)
  expect_equal(simulate(fit, seed = 7, use.u = TRUE), simulate(fit, seed = 7, re.form = NULL))
  expect_error(simulate(fit, use.u = TRUE, re.form = NA), "only one of")
  expect_error(simulate(fit, use.u = NA), "`use.u` must be TRUE or FALSE")
  skip_if_not_installed("lme4")
  m <- lme4::lmer(Reaction ~ Days + (Days | Subject), lme4_data("sleepstudy"))
  ref <- stats::simulate(m, seed = 7, use.u = TRUE)[[1]]
  expect_equal(y - fitted(fit), ref - fitted(m), tolerance = 1e-5, ignore_attr = TRUE)
})

test_that("terms(), family(), formula() and friends follow lme4", {
  fit <- sleep_fit()
  expect_identical(attr(terms(fit), "term.labels"), "Days")
  expect_identical(attr(terms(fit, fixed.only = FALSE), "term.labels"), c("Days", "Subject"))
  expect_identical(attr(terms(fit, random.only = TRUE), "term.labels"), c("Days", "Subject"))
  expect_identical(deparse(formula(terms(fit, random.only = TRUE))), "Reaction ~ (Days + Subject)")
  expect_error(terms(fit, fixed.only = TRUE, random.only = TRUE), "cannot both be TRUE")
  expect_error(extractAIC(fit, k = "a"), "`k` must be a single non-negative number")
  expect_error(qqnorm(fit, ~ ranef(.)), "`id.n` must be a single whole number")
  expect_error(profile(fit, npoints = 0), "`npoints` must be a single number of at least 6")
  expect_identical(family(fit)$family, "gaussian")
  expect_identical(family(fit)$link, "identity")
  expect_identical(nobs(fit), 180L)
  expect_equal(df.residual(fit), 174)
  expect_warning(deviance(fit), "REMLcrit")
  expect_equal(deviance(fit, REML = FALSE), -2 * as.numeric(logLik(fit, REML = FALSE)))
})
