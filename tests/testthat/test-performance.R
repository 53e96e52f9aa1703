# performance::icc() and r2() on lmm fits against lmmkit's icc(), performance on lme4 fits and stored values.

# performance 0.10.2 / insight 0.19.0 on lme4 1.1-31 fits (tight optimizer).
performance_reference <- list(
  oats = list(icc_adjusted = 0.6441410365, icc_unadjusted = 0.3960728384,
              r2_conditional = 0.7811875634, r2_marginal = 0.3851147250),
  sleepstudy = list(icc_adjusted = 0.7216584736, icc_unadjusted = 0.5205668724,
                    r2_conditional = 0.7992189059, r2_marginal = 0.2786520335)
)

performance_models <- function() {
  env <- new.env()
  out <- list()
  if (requireNamespace("MASS", quietly = TRUE)) {
    utils::data("oats", package = "MASS", envir = env)
    out$oats <- list(formula = Y ~ N * V + (1 | B/V), data = env$oats)
  }
  if (requireNamespace("lme4", quietly = TRUE)) {
    utils::data("sleepstudy", package = "lme4", envir = env)
    out$sleepstudy <- list(formula = Reaction ~ Days + (Days | Subject), data = env$sleepstudy)
  }
  out
}

test_that("performance::icc and r2 agree with lmmkit's icc() and stored Nakagawa values", {
  skip_if_not_installed("performance")
  for (model in names(performance_models())) {
    spec <- performance_models()[[model]]
    fit <- lmm(spec$formula, data = spec$data)
    ref <- performance_reference[[model]]
    icc_perf <- performance::icc(fit)
    own <- icc(fit)
    expect_equal(icc_perf$ICC_adjusted, sum(if (is.null(own$adjusted)) own$icc else own$adjusted))
    expect_equal(icc_perf$ICC_adjusted, ref$icc_adjusted, tolerance = 1e-6)
    expect_equal(icc_perf$ICC_unadjusted, ref$icc_unadjusted, tolerance = 1e-6)
    r2 <- performance::r2(fit)
    expect_s3_class(r2, "r2_nakagawa")
    expect_equal(unname(r2$R2_conditional), ref$r2_conditional, tolerance = 1e-6)
    expect_equal(unname(r2$R2_marginal), ref$r2_marginal, tolerance = 1e-6)
  }
})

test_that("live: insight::get_variance, icc and r2 agree with the lme4 fit", {
  skip_if_not_installed("performance")
  skip_if_not_installed("lme4")
  control <- lme4::lmerControl(optimizer = "nloptwrap", optCtrl = list(xtol_abs = 1e-12,
                               ftol_abs = 1e-14, xtol_rel = 0, maxeval = 1e5))
  for (spec in performance_models()) {
    fit <- lmm(spec$formula, data = spec$data)
    ref <- lme4::lmer(spec$formula, data = spec$data, control = control)
    ours <- insight::get_variance(fit)
    theirs <- insight::get_variance(ref)
    shared <- setdiff(names(theirs), "cor.slope_intercept")
    expect_named(ours, shared)
    expect_equal(ours[shared], theirs[shared], tolerance = 1e-6)
    expect_equal(unlist(performance::icc(fit)), unlist(performance::icc(ref)), tolerance = 1e-6)
    expect_equal(unlist(performance::r2(fit)), unlist(performance::r2(ref)), tolerance = 1e-6)
  }
  expect_equal(insight::get_variance(fit, component = "residual"), sigma(fit)^2)
})
