# car::Anova() and car::linearHypothesis() on lmm fits against car on lme4 fits (live) and stored values.

# car 3.1-1 on lme4 1.1-31 fits (tight optimizer) with pbkrtest 0.5.2 for the F tests.
car_reference <- list(
  oats_u = list(
    II_Chisq = list(stat = c(90.696173500, 2.254038283, 1.318996880)),
    III_Chisq = list(stat = c(69.171055650, 29.506714020, 2.249325903, 1.318996880)),
    II_F = list(stat = c(30.0296010300, 1.1188563830, 0.2182613553),
                res_df = c(39.553543760, 9.857264837, 39.685088670)),
    III_F = list(stat = c(68.9636894400, 9.7649327630, 1.1183519550, 0.2182613553),
                 res_df = c(21.23943838, 39.62312948, 32.02028147, 39.68508867))),
  sleepstudy = list(
    II_Chisq = list(stat = 45.85300611),
    III_Chisq = list(stat = c(1357.06092900, 45.85300611)),
    II_F = list(stat = 45.85300611, res_df = 17),
    III_F = list(stat = c(1357.06092900, 45.85300611), res_df = c(17, 17)))
)

car_models <- function() {
  env <- new.env()
  utils::data("oats", package = "MASS", envir = env)
  out <- list(oats_u = list(formula = Y ~ N * V + (1 | B/V), data = env$oats[-c(1, 2, 5, 10, 20, 33), ]))
  if (requireNamespace("lme4", quietly = TRUE)) {
    utils::data("sleepstudy", package = "lme4", envir = env)
    out$sleepstudy <- list(formula = Reaction ~ Days + (Days | Subject), data = env$sleepstudy)
  }
  out
}

car_settings <- list(II_Chisq = list(type = "II", test.statistic = "Chisq"),
                     III_Chisq = list(type = 3, test.statistic = "Chisq"),
                     II_F = list(type = 2, test.statistic = "F"),
                     III_F = list(type = "III", test.statistic = "F"))

test_that("car::Anova on lmm fits reproduces stored car results on lme4 fits", {
  skip_if_not_installed("car")
  skip_if_not_installed("MASS")
  for (model in names(car_models())) {
    spec <- car_models()[[model]]
    fit <- lmm(spec$formula, data = spec$data)
    for (setting in names(car_settings)) {
      table <- do.call(car::Anova, c(list(fit), car_settings[[setting]]))
      ref <- car_reference[[model]][[setting]]
      expect_equal(table[[1]], ref$stat, tolerance = 1e-6)
      if (!is.null(ref$res_df)) expect_equal(table$Df.res, ref$res_df, tolerance = 1e-5)
    }
  }
})

test_that("live: car::Anova and linearHypothesis agree with car on the lme4 fit", {
  skip_if_not_installed("car")
  skip_if_not_installed("MASS")
  skip_if_not_installed("lme4")
  skip_if_not_installed("pbkrtest")
  control <- lme4::lmerControl(optimizer = "nloptwrap", optCtrl = list(xtol_abs = 1e-12,
                               ftol_abs = 1e-14, xtol_rel = 0, maxeval = 1e5))
  env <- new.env()
  utils::data("oats", package = "MASS", envir = env)
  missing_cell <- with(env$oats, N == "0.0cwt" & V == "Victory")
  models <- c(car_models(), list(oats = list(formula = Y ~ N * V + (1 | B/V), data = env$oats),
                                 rank_deficient = list(formula = Y ~ N * V + (1 | B/V),
                                                       data = env$oats[!missing_cell, ])))
  for (spec in models) {
    fit <- suppressMessages(lmm(spec$formula, data = spec$data))
    ref <- suppressMessages(lme4::lmer(spec$formula, data = spec$data, control = control))
    for (setting in car_settings) {
      ours <- do.call(car::Anova, c(list(fit), setting))
      theirs <- do.call(car::Anova, c(list(ref), setting))
      expect_identical(dimnames(ours), dimnames(theirs))
      expect_identical(attr(ours, "heading"), attr(theirs, "heading"))
      expect_equal(as.matrix(ours), as.matrix(theirs), tolerance = 1e-5)
    }
  }
  sleep <- models$sleepstudy
  fit <- lmm(sleep$formula, data = sleep$data)
  ref <- lme4::lmer(sleep$formula, data = sleep$data, control = control)
  for (hypothesis in list("Days = 10", c("(Intercept) = 250", "Days = 10"), c(0, 1))) {
    for (test in c("Chisq", "F")) {
      ours <- suppressWarnings(car::linearHypothesis(fit, hypothesis, test = test))
      theirs <- suppressWarnings(car::linearHypothesis(ref, hypothesis, test = test))
      expect_identical(attr(ours, "heading"), attr(theirs, "heading"))
      expect_equal(as.matrix(ours), as.matrix(theirs), tolerance = 1e-5)
    }
  }
})

test_that("car::linearHypothesis reproduces stored values; vcov. and bad input", {
  skip_if_not_installed("car")
  fit <- lmm(time ~ feed + (1 | bird), data = pigeons)
  chisq <- car::linearHypothesis(fit, "feedafter = 0")
  wald <- contrast_test(fit, c(0, 1), ddf = "none")
  expect_equal(chisq$Chisq[2], wald$`F value`)
  expect_equal(car::linearHypothesis(fit, c(0, 1), vcov. = 4 * vcov(fit))$Chisq[2], wald$`F value` / 4)
  expect_equal(car::linearHypothesis(fit, c(0, 1), vcov. = vcov)$Chisq[2], wald$`F value`)
  kr <- contrast_test(fit, c(0, 1), ddf = "Kenward-Roger")
  F_test <- car::linearHypothesis(fit, c(0, 1), test = "F")
  expect_equal(c(F_test$F[2], F_test$Res.Df[2]), c(kr$`F value`, kr$DenDF))
  expect_error(car::linearHypothesis(fit, c(0, 1, 0)), "one column per fixed effect")
  expect_error(car::linearHypothesis(fit, c(0, 1), vcov. = diag(3)), "2 x 2 covariance matrix")
  ml <- update(fit, REML = FALSE)
  expect_error(car::Anova(ml, test.statistic = "F"), "only for a model fitted by REML")
  expect_error(car::Anova(fit, type = "IV"), "should be one of")
  expect_warning(car::Anova(fit, test.statistic = "F", vcov. = vcov(fit)), "vcov. argument ignored")
  skip_if_not_installed("lme4")
  utils::data("sleepstudy", package = "lme4", envir = environment())
  fit <- lmm(Reaction ~ Days + (Days | Subject), data = sleepstudy)
  two <- car::linearHypothesis(fit, c("(Intercept) = 250", "Days = 10"))
  expect_equal(two$Chisq[2], 0.1538061394, tolerance = 1e-6)
  expect_equal(two$`Pr(>Chisq)`[2], 0.9259796047, tolerance = 1e-6)
  one <- car::linearHypothesis(fit, "Days = 0", test = "F")
  expect_equal(c(one$Res.Df, one$F[2]), c(18, 17, 45.85300611), tolerance = 1e-6)
})
