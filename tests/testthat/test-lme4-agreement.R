# lmm() agrees with stored lme4 1.1-31 reference fits (and with live lme4 fits when installed), REML and ML.

fit_reference_model <- function(key, data, REML) {
  # lmm() on reference model `key`; weights/offset (sim model) are passed as vectors.
  spec <- reference_models[[key]]
  form <- stats::as.formula(spec$formula)
  if (is.null(spec$weights)) return(lmm(form, data = data, REML = REML))
  wts <- data[[spec$weights]]
  offs <- data[[spec$offset]]
  lmm(form, data = data, REML = REML, weights = wts, offset = offs)
}

check_reference_model <- function(key, live = requireNamespace("lme4", quietly = TRUE)) {
  # Both estimation methods; the stored reference always, a live lme4 fit when `live`.
  spec <- reference_models[[key]]
  data <- reference_data(key)
  live_extra <- if (is.null(spec$weights)) list() else
    list(weights = data[[spec$weights]], offset = data[[spec$offset]])
  for (REML in c(TRUE, FALSE)) {
    est <- if (REML) "REML" else "ML"
    fit <- fit_reference_model(key, data, REML)
    expect_s3_class(fit, "lmm")
    expect_agrees_with_reference(fit, lmmkit_reference[[key]][[est]], paste(key, est, "vs stored lme4"))
    if (live) {
      live_ref <- do.call(lme4_live_reference, c(list(spec$formula, data, REML), live_extra))
      expect_agrees_with_reference(fit, live_ref, paste(key, est, "vs live lme4"))
    }
  }
}

test_that("stored references are complete and self-consistent", {
  expect_setequal(names(lmmkit_reference), names(reference_models))
  for (key in names(lmmkit_reference)) for (est in c("REML", "ML")) {
    ref <- lmmkit_reference[[key]][[est]]
    expect_identical(ref$REML, est == "REML")
    expect_equal(ref$objective, -2 * ref$logLik, tolerance = 1e-10)
    expect_equal(ref$logLik, max(ref$logLik_by_fit), tolerance = 1e-12)
    expect_identical(nrow(ref$ranef), if (ref$ranef_truncated) 50L else ref$ranef_n)
  }
})

test_that("the simulated unbalanced data regenerate exactly and leave the RNG alone", {
  set.seed(1)
  before <- .Random.seed
  d <- make_sim_unbalanced()
  expect_identical(.Random.seed, before)
  chk <- lmmkit_reference_meta$sim_checksum
  expect_equal(c(nrow = nrow(d), n_na = sum(is.na(d$y)), sum_y = sum(d$y, na.rm = TRUE),
                 sum_x = sum(d$x), sum_w = sum(d$w), sum_off = sum(d$off)), chk, tolerance = 1e-12)
  expect_true(all(d$w >= 0.5 & d$w <= 2))
  expect_identical(range(table(d$g)), c(2L, 30L))
})

test_that("sleepstudy, correlated intercept and slope (Days | Subject)", {
  skip_if_not_installed("lme4")
  check_reference_model("sleepstudy_corr")
})

test_that("sleepstudy, uncorrelated intercept and slope (Days || Subject)", {
  skip_if_not_installed("lme4")
  check_reference_model("sleepstudy_uncorr")
})

test_that("Dyestuff, one random intercept", {
  skip_if_not_installed("lme4")
  check_reference_model("dyestuff")
})

test_that("Dyestuff2, singular random intercept", {
  skip_if_not_installed("lme4")
  check_reference_model("dyestuff2")
})

test_that("Penicillin, crossed random intercepts", {
  skip_if_not_installed("lme4")
  check_reference_model("penicillin")
})

test_that("Pastes, nested random intercepts (1 | batch/cask)", {
  skip_if_not_installed("lme4")
  check_reference_model("pastes")
})

test_that("Orthodont, correlated intercept and slope", {
  skip_if_not_installed("nlme")
  check_reference_model("orthodont")
})

test_that("Machines, nested (1 | Worker/Machine)", {
  skip_if_not_installed("nlme")
  check_reference_model("machines_nested")
})

test_that("Machines, vector-valued (0 + Machine | Worker)", {
  skip_if_not_installed("nlme")
  check_reference_model("machines_vector")
})

test_that("Exam, correlated intercept and slope, 65 schools", {
  skip_if_not_installed("mlmRev")
  check_reference_model("exam")
})

test_that("simulated unbalanced data with NA responses, prior weights and offset", {
  check_reference_model("sim_unbalanced")
})

test_that("weights and offset given as column names (lme4 style) match the vector form", {
  d <- make_sim_unbalanced()
  fit_nse <- lmm(y ~ x + f + (x | g), data = d, weights = w, offset = off)
  ref <- lmmkit_reference[["sim_unbalanced"]][["REML"]]
  expect_agrees_with_reference(fit_nse, ref, "sim_unbalanced REML, weights = w, offset = off")
})

test_that("InstEval, crossed random intercepts with ~4100 levels", {
  skip_on_cran()
  skip_if_not_installed("lme4")
  check_reference_model("insteval", live = identical(Sys.getenv("LMMKIT_SLOW_TESTS"), "true") &&
                          requireNamespace("lme4", quietly = TRUE))
})

test_that("singular fits are reported as in lme4", {
  skip_if_not_installed("lme4")
  for (REML in c(TRUE, FALSE)) {
    fit2 <- fit_reference_model("dyestuff2", reference_data("dyestuff2"), REML)
    expect_true(isSingular(fit2))
    expect_true(lmmkit_reference[["dyestuff2"]][[if (REML) "REML" else "ML"]]$singular)
    fit_s <- fit_reference_model("sleepstudy_corr", reference_data("sleepstudy_corr"), REML)
    expect_false(isSingular(fit_s))
  }
})
