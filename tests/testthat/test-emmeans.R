# emmeans on lmm fits: estimates, SEs and df against emmeans on lme4 fits (live) and stored values.

# emmeans through lme4 + pbkrtest/lmerTest, captured with emmeans 1.8.4.1 and lme4 1.1-31 fitted
# with a tight optimizer (rows 13-18 of the pairs: the Victory panel).
emmeans_reference <- list(
  "oats satterthwaite V" = list(estimate = c(104.5000000, 109.7916667, 97.6250000),
    SE = c(7.79753951, 7.79753951, 7.79753951),
    df = c(8.868979968, 8.868979971, 8.868979972)),
  "oats satterthwaite pairs N | V" = list(estimate = c(-18.166666670, -39.333333330, -47.000000000, -21.166666670, -28.833333330, -7.666666667),
    SE = c(7.682953692, 7.682953692, 7.682953692, 7.682953692, 7.682953692, 7.682953692),
    df = c(45.00000014, 45.00000014, 45.00000014, 45.00000015, 45.00000014, 45.00000014)),
  "oats kenward-roger V" = list(estimate = c(104.5000000, 109.7916667, 97.6250000),
    SE = c(7.79753951, 7.79753951, 7.79753951),
    df = c(8.868980505, 8.868980505, 8.868980505)),
  "oats kenward-roger pairs N | V" = list(estimate = c(-18.166666670, -39.333333330, -47.000000000, -21.166666670, -28.833333330, -7.666666667),
    SE = c(7.682953692, 7.682953692, 7.682953692, 7.682953692, 7.682953692, 7.682953692),
    df = c(45, 45, 45, 45, 45, 45)),
  "oats_u satterthwaite V" = list(estimate = c(102.89309420, 109.29870240, 97.46344761),
    SE = c(7.577769433, 7.577769433, 7.601584349),
    df = c(9.171709552, 9.171709554, 9.262057973)),
  "oats_u satterthwaite pairs N | V" = list(estimate = c(-18.000000000, -39.573104770, -47.239771440, -21.573104770, -29.239771440, -7.666666667),
    SE = c(8.602185203, 8.358093330, 8.358093330, 8.358093330, 8.358093330, 7.852684799),
    df = c(37.51659064, 38.57402203, 38.57402202, 38.57402203, 38.57402203, 37.51659063)),
  "oats_u kenward-roger V" = list(estimate = c(102.89309420, 109.29870240, 97.46344761),
    SE = c(7.579398529, 7.579398529, 7.608594788),
    df = c(9.850810631, 9.850810631, 9.947987257)),
  "oats_u kenward-roger pairs N | V" = list(estimate = c(-18.000000000, -39.573104770, -47.239771440, -21.573104770, -29.239771440, -7.666666667),
    SE = c(8.602185203, 8.383569897, 8.383569897, 8.383569897, 8.383569897, 7.852684799),
    df = c(39.04066447, 40.03357234, 40.03357234, 40.03357234, 40.03357234, 39.04066447)),
  "sleepstudy satterthwaite Days" = list(estimate = c(251.4051048, 298.5078917, 345.6106785),
    SE = c(6.824556262, 9.049936048, 14.628786020),
    df = c(17.00000174, 17.00000052, 16.99999986)),
  "sleepstudy kenward-roger Days" = list(estimate = c(251.4051048, 298.5078917, 345.6106785),
    SE = c(6.824556262, 9.049936048, 14.628786020),
    df = c(17, 17, 17)))

# lme4 fitted to the optimum lmmkit reaches (lme4's default stopping rule leaves theta ~1e-5 off).
lme4_tight_control <- function() {
  lme4::lmerControl(optimizer = "nloptwrap",
                    optCtrl = list(xtol_abs = 1e-12, ftol_abs = 1e-14, xtol_rel = 0, maxeval = 1e5))
}

oats_data <- function(unbalanced = FALSE) {
  env <- new.env()
  utils::data("oats", package = "MASS", envir = env)
  if (unbalanced) env$oats[-c(1, 2, 5, 10, 20, 33), ] else env$oats
}


# estimate, SE and df of an emmGrid's summary, whatever the estimate column is called.
emm_numbers <- function(grid, rows = NULL) {
  d <- as.data.frame(grid)
  if (!is.null(rows)) d <- d[rows, ]
  list(estimate = if ("emmean" %in% names(d)) d$emmean else d$estimate, SE = d$SE, df = d$df)
}

expect_emm_equal <- function(object, expected, df_tol = 1e-5) {
  expect_equal(object$estimate, expected$estimate, tolerance = 1e-6)
  expect_equal(object$SE, expected$SE, tolerance = 1e-6)
  expect_equal(object$df, expected$df, tolerance = df_tol)
}

lme4_route_available <- function() {
  skip_if_not_installed("lme4")
  skip_if_not_installed("pbkrtest")
  skip_if_not_installed("lmerTest")
}

test_that("emmeans of Y ~ N * V + (1 | B/V) match the lme4 route and stored values", {
  skip_if_not_installed("emmeans")
  skip_if_not_installed("MASS")
  for (unbalanced in c(FALSE, TRUE)) {
    data <- oats_data(unbalanced)
    key <- if (unbalanced) "oats_u" else "oats"
    fit <- lmm(Y ~ N * V + (1 | B/V), data = data)
    for (mode in c("satterthwaite", "kenward-roger")) {
      by_V <- emm_numbers(suppressMessages(emmeans::emmeans(fit, ~ V, lmer.df = mode)))
      pairs_N <- emm_numbers(pairs(emmeans::emmeans(fit, ~ N | V, lmer.df = mode)))
      expect_emm_equal(by_V, emmeans_reference[[paste(key, mode, "V")]])
      expect_emm_equal(lapply(pairs_N, `[`, 13:18), emmeans_reference[[paste(key, mode, "pairs N | V")]])
    }
  }
})

test_that("live: emmeans, pairs and joint tests agree with emmeans on the lme4 fit", {
  skip_if_not_installed("emmeans")
  skip_if_not_installed("MASS")
  lme4_route_available()
  for (unbalanced in c(FALSE, TRUE)) {
    data <- oats_data(unbalanced)
    fit <- lmm(Y ~ N * V + (1 | B/V), data = data)
    ref <- lme4::lmer(Y ~ N * V + (1 | B/V), data = data, control = lme4_tight_control())
    for (mode in c("satterthwaite", "kenward-roger", "asymptotic")) {
      for (spec in list(~ V, ~ N | V)) {
        ours <- suppressMessages(emmeans::emmeans(fit, spec, lmer.df = mode))
        theirs <- suppressMessages(emmeans::emmeans(ref, spec, lmer.df = mode))
        expect_emm_equal(emm_numbers(ours), emm_numbers(theirs))
        expect_emm_equal(emm_numbers(pairs(ours)), emm_numbers(pairs(theirs)))
      }
      ours <- as.data.frame(emmeans::joint_tests(fit, lmer.df = mode))
      theirs <- as.data.frame(emmeans::joint_tests(ref, lmer.df = mode))
      expect_equal(ours$F.ratio, theirs$F.ratio, tolerance = 1e-3)
      expect_equal(ours$df2, theirs$df2, tolerance = 1e-3)
    }
  }
})

test_that("a covariate model at chosen values matches the lme4 route and stored values", {
  skip_if_not_installed("emmeans")
  skip_if_not_installed("lme4")
  data <- lme4_data("sleepstudy")
  fit <- lmm(Reaction ~ Days + (Days | Subject), data = data)
  at <- list(Days = c(0, 4.5, 9))
  for (mode in c("satterthwaite", "kenward-roger")) {
    ours <- emmeans::emmeans(fit, ~ Days, at = at, lmer.df = mode)
    expect_emm_equal(emm_numbers(ours), emmeans_reference[[paste("sleepstudy", mode, "Days")]])
  }
  lme4_route_available()
  ref <- lme4::lmer(Reaction ~ Days + (Days | Subject), data = data, control = lme4_tight_control())
  for (mode in c("satterthwaite", "kenward-roger", "asymptotic")) {
    ours <- emmeans::emmeans(fit, ~ Days, at = at, lmer.df = mode)
    theirs <- emmeans::emmeans(ref, ~ Days, at = at, lmer.df = mode)
    expect_emm_equal(emm_numbers(ours), emm_numbers(theirs))
    expect_emm_equal(emm_numbers(pairs(ours)), emm_numbers(pairs(theirs)))
  }
})

test_that("asymptotic df are infinite with the model's covariance; emm_options sets the default", {
  skip_if_not_installed("emmeans")
  skip_if_not_installed("MASS")
  fit <- lmm(Y ~ N * V + (1 | B/V), data = oats_data(TRUE))
  asym <- emm_numbers(emmeans::emmeans(fit, ~ V, lmer.df = "asymptotic"))
  expect_true(all(asym$df == Inf))
  expect_equal(asym$SE, emmeans_reference[["oats_u satterthwaite V"]]$SE, tolerance = 1e-6)
  default <- emmeans::emmeans(fit, ~ V)
  expect_emm_equal(emm_numbers(default), emmeans_reference[["oats_u kenward-roger V"]])
  old <- emmeans::get_emm_option("lmer.df")
  emmeans::emm_options(lmer.df = "satterthwaite")
  on.exit(emmeans::emm_options(lmer.df = old), add = TRUE)
  expect_emm_equal(emm_numbers(emmeans::emmeans(fit, ~ V)),
                   emmeans_reference[["oats_u satterthwaite V"]])
})

test_that("a rank-deficient X gives non-estimable means, as emmeans on the lme4 fit", {
  skip_if_not_installed("emmeans")
  skip_if_not_installed("MASS")
  oats <- oats_data()
  data <- oats[!(oats$N == "0.0cwt" & oats$V == "Victory"), ]
  fit <- suppressMessages(lmm(Y ~ N * V + (1 | B/V), data = data))
  by_V <- emm_numbers(emmeans::emmeans(fit, ~ V))
  expect_emm_equal(by_V, list(estimate = c(104.5, 109.7916667, NA), SE = c(7.886242191, 7.886242191, NA),
                              df = c(8.88953583, 8.88953583, NA)))
  cells <- emm_numbers(emmeans::emmeans(fit, ~ N | V, lmer.df = "satterthwaite"), c(1, 9, 12))
  expect_emm_equal(cells, list(estimate = c(80, NA, 118.5), SE = c(9.253555363, NA, 9.253555363),
                               df = c(16.29510246, NA, 16.29510246)))
  lme4_route_available()
  ref <- suppressMessages(lme4::lmer(Y ~ N * V + (1 | B/V), data = data, control = lme4_tight_control()))
  for (mode in c("satterthwaite", "kenward-roger")) {
    expect_emm_equal(emm_numbers(emmeans::emmeans(fit, ~ N | V, lmer.df = mode)),
                     emm_numbers(emmeans::emmeans(ref, ~ N | V, lmer.df = mode)))
  }
})

test_that("rows removed by na.action are left out of the reference grid", {
  skip_if_not_installed("emmeans")
  skip_if_not_installed("MASS")
  oats <- oats_data()
  with_na <- oats
  with_na$Y[c(3, 17, 40)] <- NA
  with_na$N[8] <- NA
  complete <- oats[-c(3, 8, 17, 40), ]
  expected <- emm_numbers(emmeans::emmeans(lmm(Y ~ N * V + (1 | B/V), data = complete), ~ N))
  for (action in c("na.omit", "na.exclude")) {
    fit <- lmm(Y ~ N * V + (1 | B/V), data = with_na, na.action = action)
    expect_emm_equal(emm_numbers(emmeans::emmeans(fit, ~ N)), expected)
  }
})

test_that("an ML fit gets Kenward-Roger from its REML refit, as pbkrtest does", {
  skip_if_not_installed("emmeans")
  skip_if_not_installed("MASS")
  fit <- lmm(Y ~ N * V + (1 | B/V), data = oats_data(TRUE), REML = FALSE)
  expect_message(ours <- emmeans::emmeans(fit, ~ N, lmer.df = "kenward-roger"), "refitting the model with REML")
  expect_equal(emm_numbers(ours)$estimate, unname(colMeans(matrix(predict(fit, newdata = expand.grid(
    N = levels(oats_data()$N), V = levels(oats_data()$V)), re.form = NA), nrow = 3, byrow = TRUE))), tolerance = 1e-10)
  lme4_route_available()
  ref <- lme4::lmer(Y ~ N * V + (1 | B/V), data = oats_data(TRUE), REML = FALSE, control = lme4_tight_control())
  for (mode in c("satterthwaite", "kenward-roger")) {
    expect_emm_equal(emm_numbers(suppressMessages(emmeans::emmeans(fit, ~ N, lmer.df = mode))),
                     emm_numbers(suppressMessages(emmeans::emmeans(ref, ~ N, lmer.df = mode))))
  }
})

test_that("bad lmer.df is a clear error; a user covariance turns Kenward-Roger into Satterthwaite", {
  skip_if_not_installed("emmeans")
  fit <- lmm(time ~ feed + (1 | bird), data = pigeons)
  expect_error(emmeans::emmeans(fit, ~ feed, lmer.df = "bogus"),
               "`lmer.df` must be one of \"satterthwaite\", \"kenward-roger\", \"asymptotic\"; got \"bogus\"")
  expect_error(emmeans::emmeans(fit, ~ feed, lmer.df = 3), "`lmer.df` must be one of")
  expect_identical(emm_numbers(emmeans::emmeans(fit, ~ feed, lmer.df = "Kenward")),
                   emm_numbers(emmeans::emmeans(fit, ~ feed, lmer.df = "kenward-roger")))
  expect_message(user <- emmeans::emmeans(fit, ~ feed, lmer.df = "kenward-roger", vcov. = 4 * vcov(fit)),
                 "can't be used with user-supplied covariances")
  satt <- emm_numbers(emmeans::emmeans(fit, ~ feed, lmer.df = "satterthwaite"))
  expect_equal(emm_numbers(user)$SE, 2 * satt$SE)
  expect_equal(emm_numbers(user)$df, satt$df)
})
