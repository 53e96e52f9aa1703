# tidy(), glance() and augment() of lmm fits against broom.mixed live and stored broom.mixed values.

# lme4's sleepstudy, written out so that the stored comparisons need no other package.
sleep_data <- function() {
  reaction <- c(249.56, 258.7047, 250.8006, 321.4398, 356.8519, 414.6901, 382.2038, 290.1486, 430.5853,
    466.3535, 222.7339, 205.2658, 202.9778, 204.707, 207.7161, 215.9618, 213.6303, 217.7272, 224.2957,
    237.3142, 199.0539, 194.3322, 234.32, 232.8416, 229.3074, 220.4579, 235.4208, 255.7511, 261.0125,
    247.5153, 321.5426, 300.4002, 283.8565, 285.133, 285.7973, 297.5855, 280.2396, 318.2613, 305.3495,
    354.0487, 287.6079, 285, 301.8206, 320.1153, 316.2773, 293.3187, 290.075, 334.8177, 293.7469,
    371.5811, 234.8606, 242.8118, 272.9613, 309.7688, 317.4629, 309.9976, 454.1619, 346.8311, 330.3003,
    253.8644, 283.8424, 289.555, 276.7693, 299.8097, 297.171, 338.1665, 332.0265, 348.8399, 333.36,
    362.0428, 265.4731, 276.2012, 243.3647, 254.6723, 279.0244, 284.1912, 305.5248, 331.5229, 335.7469,
    377.299, 241.6083, 273.9472, 254.4907, 270.8021, 251.4519, 254.6362, 245.4523, 235.311, 235.7541,
    237.2466, 312.3666, 313.8058, 291.6112, 346.1222, 365.7324, 391.8385, 404.2601, 416.6923, 455.8643,
    458.9167, 236.1032, 230.3167, 238.9256, 254.922, 250.7103, 269.7744, 281.5648, 308.102, 336.2806,
    351.6451, 256.2968, 243.4543, 256.2046, 255.5271, 268.9165, 329.7247, 379.4445, 362.9184, 394.4872,
    389.0527, 250.5265, 300.0576, 269.8939, 280.5891, 271.8274, 304.6336, 287.7466, 266.5955, 321.5418,
    347.5655, 221.6771, 298.1939, 326.8785, 346.8555, 348.7402, 352.8287, 354.4266, 360.4326, 375.6406,
    388.5417, 271.9235, 268.4369, 257.2424, 277.6566, 314.8222, 317.2135, 298.1353, 348.1229, 340.28,
    366.5131, 225.264, 234.5235, 238.9008, 240.473, 267.5373, 344.1937, 281.1481, 347.5855, 365.163,
    372.2288, 269.8804, 272.4428, 277.8989, 281.7895, 279.1705, 284.512, 259.2658, 304.6306, 350.7807,
    369.4692, 269.4117, 273.474, 297.5968, 310.6316, 287.1726, 329.6076, 334.4818, 343.2199, 369.1417,
    364.1236)
  subjects <- c(308, 309, 310, 330, 331, 332, 333, 334, 335, 337, 349, 350, 351, 352, 369, 370, 371, 372)
  data.frame(Reaction = reaction, Days = rep(0:9, 18),
             Subject = factor(rep(subjects, each = 10)))
}

oats_unbalanced <- function() MASS::oats[-c(1, 7, 20, 33), ]

sleep_formula <- Reaction ~ Days + (Days | Subject)
oats_formula <- Y ~ N * V + (1 | B/V)

# Numeric columns compared with a tolerance, the others exactly.
expect_same_tidy <- function(ours, ref, tolerance = 1e-4) {
  ours <- as.data.frame(ours)
  ref <- as.data.frame(ref)
  expect_identical(names(ours), names(ref))
  expect_identical(nrow(ours), nrow(ref))
  numeric_cols <- names(ref)[vapply(ref, is.numeric, NA)]
  for (col in setdiff(names(ref), numeric_cols)) {
    expect_identical(as.character(ours[[col]]), as.character(ref[[col]]), label = col)
  }
  for (col in numeric_cols) expect_equal(ours[[col]], ref[[col]], tolerance = tolerance, label = col)
}

test_that("tidy() matches broom.mixed on lmerTest fits, all effects and ddf methods", {
  skip_if_not_installed("broom.mixed")
  skip_if_not_installed("lmerTest")
  skip_if_not_installed("MASS")
  cases <- list(list(sleep_formula, sleep_data()), list(oats_formula, oats_unbalanced()))
  for (case in cases) {
    ours <- lmm(case[[1]], data = case[[2]])
    ref <- lmerTest::lmer(case[[1]], data = case[[2]])
    for (effects in list("fixed", "ran_pars", "ran_vals", "ran_coefs", c("ran_pars", "fixed"))) {
      expect_same_tidy(tidy(ours, effects = effects), broom.mixed::tidy(ref, effects = effects))
    }
    expect_same_tidy(tidy(ours, effects = "fixed", conf.int = TRUE, ddf.method = "Kenward-Roger"),
                     broom.mixed::tidy(ref, effects = "fixed", conf.int = TRUE,
                                       ddf.method = "Kenward-Roger"))
    expect_same_tidy(tidy(ours, effects = "ran_vals", conf.int = TRUE),
                     broom.mixed::tidy(ref, effects = "ran_vals", conf.int = TRUE))
    expect_same_tidy(tidy(ours, effects = c("ran_pars", "fixed"), scales = c("vcov", NA)),
                     broom.mixed::tidy(ref, effects = c("ran_pars", "fixed"), scales = c("vcov", NA)))
    lme4_ref <- lme4::lmer(case[[1]], data = case[[2]])
    expect_same_tidy(tidy(ours, ddf.method = "none", conf.int = TRUE),
                     broom.mixed::tidy(lme4_ref, conf.int = TRUE))
  }
})

test_that("tidy() matches stored broom.mixed values on sleepstudy", {
  fit <- lmm(sleep_formula, data = sleep_data())
  # broom.mixed 0.2.9.4 on lmerTest::lmer (lme4 1.1-31).
  fixed <- tidy(fit, effects = "fixed", conf.int = TRUE)
  expect_identical(names(fixed), c("effect", "term", "estimate", "std.error", "statistic", "df",
                                   "p.value", "conf.low", "conf.high"))
  expect_equal(fixed$estimate, c(251.4051048, 10.46728596), tolerance = 1e-6)
  expect_equal(fixed$std.error, c(6.824596695, 1.545789644), tolerance = 1e-4)
  expect_equal(fixed$statistic, c(36.83808965, 6.771481489), tolerance = 1e-4)
  expect_equal(fixed$df, c(16.99972629, 16.99998373), tolerance = 1e-4)
  expect_equal(fixed$p.value, c(1.171558111e-17, 3.26382447e-06), tolerance = 1e-3)
  expect_equal(fixed$conf.low, c(237.0064468, 7.205954651), tolerance = 1e-5)
  expect_equal(fixed$conf.high, c(265.8037629, 13.72861727), tolerance = 1e-5)
  kr <- tidy(fit, effects = "fixed", conf.int = TRUE, ddf.method = "Kenward-Roger")
  expect_equal(kr$df, c(17, 17), tolerance = 1e-4)
  expect_equal(kr$p.value, c(1.171003316e-17, 3.263808018e-06), tolerance = 1e-3)
  expect_equal(kr$conf.low, c(237.0064644, 7.205954889), tolerance = 1e-5)
  pars <- tidy(fit, effects = "ran_pars")
  expect_identical(pars$group, c("Subject", "Subject", "Subject", "Residual"))
  expect_identical(pars$term, c("sd__(Intercept)", "cor__(Intercept).Days", "sd__Days",
                                "sd__Observation"))
  expect_equal(pars$estimate, c(24.74065799, 0.06555123824, 5.922137659, 25.59179572),
               tolerance = 1e-4)
  expect_equal(tidy(fit, effects = "ran_pars", scales = "vcov")$estimate,
               c(612.100158, 9.604408951, 35.07171445, 654.9400083), tolerance = 1e-4)
  vals <- tidy(fit, effects = "ran_vals")
  expect_identical(names(vals), c("effect", "group", "level", "term", "estimate", "std.error"))
  expect_identical(vals$level[c(1, 2, 19, 20)], c("308", "309", "308", "309"))
  expect_equal(vals$estimate[c(1, 2, 19, 20)], c(2.25855095, -40.39873808, 9.198975766, -8.619680615),
               tolerance = 1e-4)
  expect_equal(vals$std.error[c(1, 2, 19, 20)], c(12.07085695, 12.07085695, 2.304839021, 2.304839021),
               tolerance = 1e-4)
  coefs <- tidy(fit, effects = "ran_coefs")
  expect_identical(names(coefs), c("effect", "group", "level", "term", "estimate"))
  expect_identical(coefs$term[c(1, 19, 36)], c("(Intercept)", "Days", "Days"))
  expect_equal(coefs$estimate[c(1, 19, 36)], c(253.6636558, 19.66626173, 11.75130804), tolerance = 1e-5)
})

test_that("tidy() matches stored broom.mixed values on unbalanced oats (N * V, B/V)", {
  skip_if_not_installed("MASS")
  fit <- lmm(oats_formula, data = oats_unbalanced())
  fixed <- tidy(fit, effects = "fixed")
  expect_equal(fixed$estimate, c(80, 18.5, 30.17295549, 40.77918412, 7.271242179, -8.556562279,
                                 2.728757821, -0.2775310065, -1.217092969, -0.2767710541,
                                 9.216940118, 6.277378156), tolerance = 1e-5)
  expect_equal(fixed$std.error, c(8.842125005, 7.582365646, 8.043191579, 8.04297955, 10.13315643,
                                  10.13332853, 11.05278469, 11.37112819, 11.37105808, 11.05294247,
                                  11.38820392, 11.37036768), tolerance = 1e-5)
  expect_equal(fixed$df, c(17.06839328, 40.50375836, 41.11418657, 41.12240689, 29.73781776,
                           29.74582845, 40.82268343, 41.14778247, 41.14970259, 40.81823895,
                           40.91729277, 41.1527588), tolerance = 1e-4)
  kr <- tidy(fit, effects = "fixed", ddf.method = "Kenward-Roger")
  expect_equal(kr$std.error, c(8.842125005, 7.582365646, 8.058232063, 8.058311595, 10.14505214,
                               10.14499035, 11.06369166, 11.3932214, 11.39324739, 11.06363501,
                               11.40537395, 11.39230933), tolerance = 1e-5)
  expect_equal(kr$df, c(17.33868302, 41.01286511, 41.60879473, 41.61677424, 30.18177889,
                        30.18976134, 41.32428206, 41.64136168, 41.64322536, 41.3199646,
                        41.41757867, 41.64616983), tolerance = 1e-4)
  pars <- tidy(fit, effects = "ran_pars")
  expect_identical(pars$group, c("V:B", "B", "Residual"))
  expect_equal(pars$estimate, c(10.67835359, 13.51277195, 13.13304254), tolerance = 1e-4)
  vals <- tidy(fit, effects = "ran_vals")
  expect_identical(vals$level[c(1, 24)], c("Golden.rain:I", "VI"))
  expect_equal(vals$estimate[c(1, 24)], c(0.7447366241, -5.48270981), tolerance = 1e-4)
  expect_equal(vals$std.error[c(1, 24)], c(7.551680582, 6.380038097), tolerance = 1e-4)
  coefs <- tidy(fit, effects = "ran_coefs")
  expect_identical(nrow(coefs), 288L)
  expect_equal(coefs$estimate[c(1, 288)], c(80.74473662, 6.277378156), tolerance = 1e-5)
})

test_that("glance() matches broom.mixed live and stored", {
  fit <- lmm(sleep_formula, data = sleep_data())
  g <- glance(fit)
  expect_identical(names(g), c("nobs", "sigma", "logLik", "AIC", "BIC", "REMLcrit", "df.residual"))
  # broom.mixed 0.2.9.4, lme4 1.1-31.
  expect_equal(unlist(g), c(nobs = 180, sigma = 25.59179572, logLik = -871.814136, AIC = 1755.628272,
                            BIC = 1774.786013, REMLcrit = 1743.628272, df.residual = 174),
               tolerance = 1e-7)
  ml <- glance(update(fit, REML = FALSE))
  expect_identical(names(ml)[6], "deviance")
  skip_if_not_installed("broom.mixed")
  skip_if_not_installed("MASS")
  for (REML in c(TRUE, FALSE)) {
    ours <- lmm(oats_formula, data = oats_unbalanced(), REML = REML)
    ref <- lme4::lmer(oats_formula, data = oats_unbalanced(), REML = REML)
    expect_same_tidy(glance(ours), broom.mixed::glance(ref), tolerance = 1e-6)
  }
})

test_that("augment() matches broom.mixed live and stored", {
  fit <- lmm(sleep_formula, data = sleep_data())
  a <- augment(fit)
  expect_identical(names(a), c("Reaction", "Days", "Subject", ".fitted", ".resid", ".hat", ".cooksd",
                               ".fixed", ".mu", ".offset", ".sqrtXwt", ".sqrtrwt", ".weights", ".wtres"))
  # broom.mixed 0.2.9.4, lme4 1.1-31.
  expect_equal(a$.fitted[1:6], c(253.6636558, 273.3299175, 292.9961792, 312.662441, 332.3287027,
                                 351.9949644), tolerance = 1e-6)
  expect_equal(a$.hat[1:6], c(0.2293040377, 0.1697299938, 0.126823715, 0.1005852014, 0.09101445295,
                              0.09811146965), tolerance = 1e-5)
  expect_equal(a$.cooksd[1:6], c(0.004963132515, 0.04020620186, 0.2260991848, 0.007313246991,
                                 0.05057304171, 0.3619513732), tolerance = 1e-4)
  expect_equal(a$.fixed[1:6], c(251.4051048, 261.8723908, 272.3396768, 282.8069627, 293.2742487,
                                303.7415346), tolerance = 1e-7)
  skip_if_not_installed("broom.mixed")
  skip_if_not_installed("MASS")
  ours <- lmm(oats_formula, data = oats_unbalanced())
  expect_same_tidy(augment(ours), broom.mixed::augment(lme4::lmer(oats_formula, oats_unbalanced())),
                   tolerance = 1e-5)
  weighted <- sleep_data()
  weighted$w <- rep(c(1, 2, 0.5), 60)
  weighted$Reaction[c(3, 50)] <- NA
  ours <- lmm(sleep_formula, weighted, weights = w, na.action = na.exclude)
  ref <- lme4::lmer(sleep_formula, weighted, weights = w, na.action = na.exclude)
  expect_same_tidy(augment(ours, data = weighted), broom.mixed::augment(ref, data = weighted),
                   tolerance = 1e-5)
})

test_that("augment() pads excluded rows, predicts for newdata and refuses data of the wrong size", {
  d <- sleep_data()
  d$Reaction[c(3, 50)] <- NA
  fit <- lmm(sleep_formula, d, na.action = na.exclude)
  padded <- augment(fit, data = d)
  expect_identical(nrow(padded), 180L)
  expect_identical(which(is.na(padded$.hat)), c(3L, 50L))
  expect_identical(nrow(augment(fit)), 178L)
  expect_identical(augment(fit)$.rownames[1:3], c("1", "2", "4"))
  nd <- augment(fit, newdata = d[1:4, ])
  expect_equal(nd$.fitted, unname(predict(fit, newdata = d[1:4, ])))
  expect_equal(nd$.fixed, unname(predict(fit, newdata = d[1:4, ], re.form = NA)))
  expect_error(augment(fit, data = d[1:10, ]), "has 10 rows, but the model was fitted to 178")
})

test_that("tidy() reports bad arguments clearly", {
  fit <- lmm(time ~ feed + (1 | bird), data = pigeons)
  expect_error(tidy(fit, effects = "random"), "unknown `effects` value 'random'")
  expect_error(tidy(fit, effects = character(0)), "`effects` must name")
  expect_error(tidy(fit, effects = "ran_pars", scales = c("vcov", NA)), "one value per element")
  expect_error(tidy(fit, effects = "ran_pars", scales = "sd"), "must be \"sdcor\" or \"vcov\"")
  expect_error(tidy(fit, conf.int = TRUE, conf.method = "exact"), "`conf.method` must be one of")
  expect_error(tidy(fit, conf.int = TRUE, conf.level = 95), "between 0 and 1")
  expect_error(tidy(fit, ddf.method = "Satterthwait"), "`ddf.method` must be one of")
  expect_error(tidy(fit, effects = "ran_vals", conf.int = TRUE, conf.method = "profile"),
               "only Wald intervals")
  expect_warning(cf <- tidy(fit, effects = "ran_coefs", conf.int = TRUE), "not available")
  expect_true(all(is.na(cf$conf.low)))
  expect_identical(tidy(fit, ddf.method = "lme4"), tidy(fit, ddf.method = "none"))
})

test_that("profile intervals of the variance parameters are confint()'s", {
  fit <- lmm(time ~ feed + (1 | bird), data = pigeons)
  ci <- confint(fit, method = "profile")
  td <- tidy(fit, conf.int = TRUE, conf.method = "profile")
  expect_equal(td$conf.low, unname(ci[c(names(fixef(fit)), ".sig01", ".sigma"), 1]))
  expect_equal(tidy(fit, effects = "ran_pars", conf.int = TRUE)$conf.low, c(NA_real_, NA_real_))
  vc <- tidy(fit, effects = "ran_pars", scales = "vcov", conf.int = TRUE, conf.method = "profile")
  expect_equal(vc$conf.high, unname(ci[c(".sig01", ".sigma"), 2])^2)
})
