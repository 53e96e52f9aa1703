# Methods of lmm fits (extractors, VarCorr, ranef, coef, summary, update), compared with lme4.

# lme4 reference fits: sleepstudy (Days | Subject), (Days || Subject),
# Penicillin crossed, Pastes nested.
reference_specs <- function() {
  list(
    slopes = list(Reaction ~ Days + (Days | Subject), lme4_data("sleepstudy")),
    uncorrelated = list(Reaction ~ Days + (Days || Subject), lme4_data("sleepstudy")),
    crossed = list(diameter ~ 1 + (1 | plate) + (1 | sample), lme4_data("Penicillin")),
    nested = list(strength ~ 1 + (1 | batch/cask), lme4_data("Pastes"))
  )
}

fit_both <- function(spec, REML = TRUE) {
  list(ours = lmm(spec[[1]], data = spec[[2]], REML = REML),
       ref = lme4::lmer(spec[[1]], data = spec[[2]], REML = REML))
}

tol <- 1e-4

test_that("extractors agree with lme4 on sleepstudy (Days | Subject)", {
  skip_if_not_installed("lme4")
  m <- fit_both(reference_specs()$slopes)
  f <- m$ours
  g <- m$ref
  expect_equal(fixef(f), lme4::fixef(g), tolerance = tol)
  expect_equal(sigma(f), sigma(g), tolerance = tol)
  expect_equal(vcov(f), as.matrix(vcov(g)), tolerance = tol)
  expect_true(is.matrix(vcov(f)))
  expect_identical(nobs(f), 180L)
  expect_equal(ngrps(f), c(Subject = 18L))
  expect_equal(df.residual(f), df.residual(g))
  expect_equal(weights(f), rep(1, 180))
  expect_equal(fitted(f), fitted(g), tolerance = tol)
  expect_equal(residuals(f), residuals(g), tolerance = tol)
  expect_equal(residuals(f, type = "pearson"), residuals(g, type = "pearson"), tolerance = tol)
  expect_equal(residuals(f, type = "pearson", scaled = TRUE),
               residuals(g, type = "pearson", scaled = TRUE), tolerance = tol)
  expect_equal(as.vector(model.matrix(f)), as.vector(lme4::getME(g, "X")))
  expect_equal(colnames(model.matrix(f)), c("(Intercept)", "Days"))
  expect_equal(dim(model.matrix(f, type = "random")), c(180L, 36L))
  expect_equal(formula(f), Reaction ~ Days + (Days | Subject), ignore_formula_env = TRUE)
  expect_identical(nrow(model.frame(f)), 180L)
  expect_false(isSingular(f))
})

test_that("logLik, AIC, BIC and deviance agree with lme4 for REML and ML fits", {
  skip_if_not_installed("lme4")
  for (spec in reference_specs()) {
    for (reml in c(TRUE, FALSE)) {
      m <- fit_both(spec, REML = reml)
      f <- m$ours
      g <- m$ref
      expect_equal(c(logLik(f)), c(logLik(g)), tolerance = tol)
      expect_identical(attr(logLik(f), "df"), attr(logLik(g), "df"))
      expect_identical(attr(logLik(f), "nobs"), attr(logLik(g), "nobs"))
      expect_s3_class(logLik(f), "logLik")
      expect_equal(AIC(f), AIC(g), tolerance = tol)
      expect_equal(BIC(f), BIC(g), tolerance = tol)
      expect_equal(c(logLik(f, REML = !reml)), c(logLik(g, REML = !reml)), tolerance = tol)
      expect_equal(deviance(f, REML = FALSE), deviance(g, REML = FALSE), tolerance = tol)
      if (reml) {
        expect_warning(d <- deviance(f), "deviance() is deprecated for REML fits", fixed = TRUE)
        expect_equal(d, lme4::REMLcrit(g), tolerance = tol)
      } else {
        expect_equal(deviance(f), deviance(g), tolerance = tol)
      }
    }
  }
})

test_that("VarCorr agrees with lme4, including its as.data.frame layout", {
  skip_if_not_installed("lme4")
  for (spec in reference_specs()) {
    m <- fit_both(spec)
    vf <- VarCorr(m$ours)
    vg <- lme4::VarCorr(m$ref)
    expect_s3_class(vf, "VarCorr.lmm")
    expect_identical(names(vf), names(vg))
    expect_equal(attr(vf, "sc"), attr(vg, "sc"), tolerance = tol)
    for (nm in names(vg)) {
      expect_equal(unclass(vf[[nm]]), unclass(vg[[nm]]), tolerance = tol)
    }
    expect_equal(as.data.frame(vf), as.data.frame(vg), tolerance = tol)
    expect_equal(as.data.frame(vf, order = "lower.tri"),
                 as.data.frame(vg, order = "lower.tri"), tolerance = tol)
    expect_output(print(vf), "Residual")
  }
})

test_that("as.data.frame(VarCorr) names the second || term 'Subject.1' as lme4", {
  skip_if_not_installed("lme4")
  f <- lmm(Reaction ~ Days + (Days || Subject), data = lme4_data("sleepstudy"))
  df <- as.data.frame(VarCorr(f))
  expect_identical(df$grp, c("Subject", "Subject.1", "Residual"))
  expect_identical(df$var1, c("(Intercept)", "Days", NA))
  expect_true(all(is.na(df$var2)))
})

test_that("ranef and coef agree with lme4", {
  skip_if_not_installed("lme4")
  for (spec in reference_specs()) {
    m <- fit_both(spec)
    rf <- ranef(m$ours)
    rg <- lme4::ranef(m$ref)
    expect_s3_class(rf, "ranef.lmm")
    expect_identical(names(rf), names(rg))
    for (nm in names(rg)) {
      expect_equal(as.matrix(rf[[nm]]), as.matrix(rg[[nm]]), tolerance = tol)
      expect_equal(attr(rf[[nm]], "postVar"), attr(rg[[nm]], "postVar"), tolerance = tol)
    }
    # grp levels are ordered by mean conditional mode; tied levels may swap, so compare labels.
    ours_df <- as.data.frame(rf)
    ref_df <- as.data.frame(rg)
    expect_equal(as.character(ours_df$grp), as.character(ref_df$grp))
    ours_df$grp <- ref_df$grp <- NULL
    expect_equal(ours_df, ref_df, tolerance = tol)
    expect_null(attr(ranef(m$ours, condVar = FALSE)[[1]], "postVar"))
    cf <- coef(m$ours)
    cg <- coef(m$ref)
    expect_identical(names(cf), names(cg))
    for (nm in names(cg)) expect_equal(cf[[nm]], cg[[nm]], tolerance = tol)
  }
})

test_that("ranef combines terms sharing a grouping factor", {
  skip_if_not_installed("lme4")
  f <- lmm(Reaction ~ Days + (Days || Subject), data = lme4_data("sleepstudy"))
  r <- ranef(f)
  expect_named(r, "Subject")
  expect_named(r$Subject, c("(Intercept)", "Days"))
  expect_identical(nrow(r$Subject), 18L)
  expect_output(print(r), "with conditional variances for")
  df <- as.data.frame(r)
  expect_named(df, c("grpvar", "term", "grp", "condval", "condsd"))
  expect_identical(nrow(df), 36L)
})

test_that("summary agrees with lme4 and prints lme4's layout", {
  skip_if_not_installed("lme4")
  m <- fit_both(reference_specs()$slopes)
  s <- summary(m$ours, ddf = "none")
  sg <- summary(m$ref)
  expect_s3_class(s, "summary.lmm")
  expect_equal(s$coefficients, sg$coefficients, tolerance = tol)
  expect_identical(colnames(coef(s)), c("Estimate", "Std. Error", "t value"))
  expect_identical(colnames(coef(summary(m$ours))),
                   c("Estimate", "Std. Error", "df", "t value", "Pr(>|t|)"))
  expect_equal(s$sigma, sg$sigma, tolerance = tol)
  expect_equal(c(s$logLik), c(sg$logLik), tolerance = tol)
  expect_s3_class(s$varcor, "VarCorr.lmm")
  expect_s3_class(s$icc, "data.frame")
  out <- capture.output(print(s))
  expect_identical(out[1], "Linear mixed model fit by REML ['lmm']")
  expect_true("REML criterion at convergence: 1743.6" %in% out)
  expect_true(any(grepl("^Formula: Reaction ~ Days \\+ \\(Days \\| Subject\\)", out)))
  expect_true(any(grepl("^ Groups +Name +Variance +Std.Dev. +Corr", out)))
  expect_true("Number of obs: 180, groups:  Subject, 18" %in% out)
  expect_true("Correlation of Fixed Effects:" %in% out)
  expect_true("Intraclass correlation:" %in% out)
  expect_output(print(m$ours), "Fixed Effects:")
})

test_that("summary of an ML fit shows lme4's AIC table", {
  skip_if_not_installed("lme4")
  m <- fit_both(reference_specs()$crossed, REML = FALSE)
  out <- capture.output(print(summary(m$ours)))
  expect_true(any(grepl("AIC +BIC +logLik +deviance +df.resid", out)))
  expect_true("Number of obs: 144, groups:  plate, 24; sample, 6" %in% out)
  expect_false("Correlation of Fixed Effects:" %in% out)
})

test_that("a singular fit is flagged and noted in summary", {
  dat <- data.frame(y = rep(c(-1, 0, 1, 2, 0.5), times = 6), g = gl(6, 5))
  f <- suppressWarnings(suppressMessages(lmm(y ~ 1 + (1 | g), data = dat)))
  expect_true(isSingular(f))
  expect_output(print(summary(f)), "boundary (singular) fit", fixed = TRUE)
})

test_that("update refits with changed arguments and formula", {
  skip_if_not_installed("lme4")
  sleep <- lme4_data("sleepstudy")
  f <- lmm(Reaction ~ Days + (Days | Subject), data = sleep)
  f_ml <- update(f, REML = FALSE)
  expect_false(f_ml$REML)
  expect_equal(c(logLik(f_ml)),
               c(logLik(lme4::lmer(Reaction ~ Days + (Days | Subject), sleep, REML = FALSE))),
               tolerance = tol)
  f_int <- update(f, . ~ . - Days)
  expect_named(fixef(f_int), "(Intercept)")
  expect_identical(ngrps(f_int), c(Subject = 18L))
  expect_true(is.call(update(f, REML = FALSE, evaluate = FALSE)))
})

test_that("methods work on pigeons without lme4", {
  fit <- lmm(time ~ feed + (1 | bird), data = pigeons)
  expect_named(fixef(fit), c("(Intercept)", "feedafter"))
  expect_identical(nobs(fit), nrow(pigeons))
  expect_identical(ngrps(fit), c(bird = 30L))
  expect_equal(unname(fitted(fit) + residuals(fit)), pigeons$time)
  expect_equal(sqrt(diag(vcov(fit))), coef(summary(fit))[, "Std. Error"])
  vc <- as.data.frame(VarCorr(fit))
  expect_identical(vc$grp, c("bird", "Residual"))
  expect_equal(vc$sdcor[2], sigma(fit))
  cf <- coef(fit)$bird
  expect_equal(cf[["(Intercept)"]], fixef(fit)[[1]] + ranef(fit)$bird[["(Intercept)"]])
  expect_equal(cf$feedafter, rep(fixef(fit)[[2]], 30))
  expect_equal(AIC(fit), -2 * c(logLik(fit)) + 2 * 4)
  expect_equal(BIC(fit), -2 * c(logLik(fit)) + log(nrow(pigeons)) * 4)
  expect_equal(c(logLik(fit)), -fit$objective / 2)
})
