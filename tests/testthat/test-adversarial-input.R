# Adversarial inputs through lmm() and its methods: each gives a fit that agrees with lme4, or a clear error.

sleep6 <- function() {
  skip_if_not_installed("lme4")
  e <- new.env()
  utils::data("sleepstudy", package = "lme4", envir = e)
  d <- e$sleepstudy
  droplevels(d[d$Subject %in% levels(d$Subject)[1:6], ])
}

# logLik of an lmm fit against lme4's on the same call, within 1e-6 relative (`...`: evaluated vectors).
expect_loglik_as_lme4 <- function(fit, formula, data, ...) {
  skip_if_not_installed("lme4")
  ref <- suppressWarnings(suppressMessages(
    do.call(lme4::lmer, c(list(formula = formula, data = data), list(...)))))
  expect_equal(as.numeric(logLik(fit)), as.numeric(logLik(ref)), tolerance = 1e-6)
}

# Every method runs on the fit and gives finite numbers where it should.
expect_methods_run <- function(fit) {
  expect_true(all(is.finite(fixef(fit))))
  expect_true(is.finite(as.numeric(logLik(fit))))
  expect_s3_class(summary(fit), "summary.lmm")
  expect_true(all(is.finite(predict(fit)[!is.na(predict(fit))])))
  expect_identical(nrow(simulate(fit, nsim = 2, seed = 1)), length(fitted(fit)))
  expect_s3_class(anova(fit), "data.frame")
  ci <- confint(fit, method = "Wald")
  expect_true(all(is.finite(ci[names(fixef(fit)), ])))
  expect_true(all(vapply(ranef(fit), function(r) all(is.finite(as.matrix(r))), NA)))
  expect_true(all(is.finite(as.data.frame(VarCorr(fit))$sdcor)))
}

test_that("NA in the response, a predictor, the offset or a grouping factor drops the row", {
  p <- pigeons
  p$time[3] <- NA
  p$flight[10] <- NA
  p$bird[20] <- NA
  off <- rep(0.5, nrow(p))
  off[30] <- NA
  fit <- lmm(time ~ feed + flight + (1 | bird), p, offset = off)
  expect_identical(nobs(fit), nrow(p) - 4L)
  expect_methods_run(fit)
  expect_loglik_as_lme4(fit, time ~ feed + flight + (1 | bird), p, offset = off)
})

test_that("NaN or Inf in the response or a predictor is named", {
  p <- pigeons
  p$time[3] <- NaN
  expect_error(lmm(time ~ feed + (1 | bird), p),
               "The response 'time' must be finite, but has 1 infinite or NaN value \\(row 3\\)")
  p <- pigeons
  p$time[4] <- -Inf
  expect_error(lmm(time ~ feed + (1 | bird), p), "The response 'time' must be finite")
  p <- pigeons
  p$flight[c(5, 6)] <- c(Inf, NaN)
  expect_error(lmm(time ~ flight + (1 | bird), p),
               "The variable 'flight' must be finite, but has 2 infinite or NaN values \\(rows 5, 6\\)")
})

test_that("NA, NaN or Inf in weights and Inf in offset are named", {
  w <- rep(1, nrow(pigeons))
  expect_error(lmm(time ~ feed + (1 | bird), pigeons, weights = replace(w, 2, NA)),
               "`weights` must not contain missing values: 1 weight is NA")
  expect_error(lmm(time ~ feed + (1 | bird), pigeons, weights = replace(w, 2, NaN)),
               "`weights` must not contain missing values")
  expect_error(lmm(time ~ feed + (1 | bird), pigeons, weights = replace(w, 2, Inf)),
               "`weights` must be finite and non-negative: 1 weight is negative or infinite \\(row 2\\)")
  expect_error(lmm(time ~ feed + (1 | bird), pigeons, offset = replace(w, 7, Inf)),
               "`offset` must be finite, but has 1 infinite or NaN value \\(row 7\\)")
})

test_that("empty data, one row, one group and one group per row are errors", {
  expect_error(lmm(time ~ feed + (1 | bird), pigeons[0, ]), "`data` has 0 rows: there is nothing to fit")
  expect_error(lmm(time ~ feed + (1 | bird), pigeons[1, ]), "The response 'time' has only 1 value")
  one <- pigeons
  one$bird <- factor("B01")
  expect_error(lmm(time ~ feed + (1 | bird), one),
               "The grouping factor 'bird' has only 1 level after removing missing values")
  own <- pigeons
  own$bird <- factor(seq_len(nrow(own)))
  expect_error(lmm(time ~ feed + (1 | bird), own),
               "the number of levels of each grouping factor must be < the number of observations")
  skip_if_not_installed("lme4")
  expect_error(lme4::lmer(time ~ feed + (1 | bird), own),
               "number of levels of each grouping factor must be < number of observations")
})

test_that("unused factor levels are dropped: the same fit as without them", {
  p <- pigeons
  p$bird <- factor(p$bird, levels = c(levels(p$bird), "unused"))
  p$loft <- factor(p$loft, levels = c("L0", levels(p$loft)))
  fit <- lmm(time ~ feed + loft + (1 | bird), p)
  ref <- lmm(time ~ feed + loft + (1 | bird), pigeons)
  expect_equal(fixef(fit), fixef(ref))
  expect_equal(as.numeric(logLik(fit)), as.numeric(logLik(ref)))
  expect_identical(rownames(ranef(fit)$bird), levels(pigeons$bird))
})

test_that("Date and logical grouping variables fit as factors, as in lme4", {
  d <- sleep6()
  d$date <- as.Date("2020-01-01") + as.integer(d$Subject)
  fit <- lmm(Reaction ~ Days + (1 | date), d)
  expect_identical(rownames(ranef(fit)$date), as.character(sort(unique(d$date))))
  expect_methods_run(fit)
  expect_loglik_as_lme4(fit, Reaction ~ Days + (1 | date), d)
  d$late <- d$Days > 4
  fit <- suppressMessages(lmm(Reaction ~ Days + (1 | late), d))
  expect_identical(rownames(ranef(fit)$late), c("FALSE", "TRUE"))
  expect_loglik_as_lme4(fit, Reaction ~ Days + (1 | late), d)
})

test_that("moderately extreme weights agree with lme4", {
  d <- sleep6()
  w <- rep(c(1e-3, 1e3), length.out = nrow(d))
  fit <- lmm(Reaction ~ Days + (1 | Subject), d, weights = w)
  expect_methods_run(fit)
  expect_loglik_as_lme4(fit, Reaction ~ Days + (1 | Subject), d, weights = w)
})

test_that("weights of 1e-8 and 1e8 mixed give a finite fit at least as good as lme4's", {
  d <- sleep6()
  set.seed(1)
  w <- ifelse(stats::runif(nrow(d)) < 0.5, 1e-8, 1e8)
  fit <- lmm(Reaction ~ Days + (1 | Subject), d, weights = w)
  expect_true(all(is.finite(c(fixef(fit), sigma(fit), fit$theta))))
  ref <- suppressWarnings(lme4::lmer(Reaction ~ Days + (1 | Subject), d, weights = w))
  # lme4 1.1-31 stops with a degenerate Hessian here, short of lmmkit's optimum.
  expect_gte(as.numeric(logLik(fit)), as.numeric(logLik(ref)) - 1e-6 * abs(as.numeric(logLik(ref))))
})

test_that("nonsense control values are named", {
  expect_error(lmm(time ~ feed + (1 | bird), pigeons, control = list(maxeval = 10)),
               "control must come from lmm_control\\(\\)")
  expect_error(lmm_control(factor = "dense"),
               "lmm_control\\(\\): `factor` must be one of \"auto\", \"blocked\", \"sparse\", not \"dense\"")
  expect_error(lmm_control(check.conv = NA), "`check.conv` must be one of \"warning\", \"message\"")
  expect_error(lmm_control(check.singular = TRUE), "`check.singular` must be one of")
  expect_identical(lmm_control(factor = "spa")$factor, "sparse")
  expect_error(lmm_control(maxeval = -5), "`maxeval` must be a single positive whole number, not -5")
  expect_error(lmm(time ~ feed + (1 | bird), pigeons, REML = NA), "REML must be TRUE or FALSE")
  expect_error(lmm(time ~ feed + (1 | bird), pigeons,
                   control = lmm_control(maxeval = 2, check.conv = "stop")),
               "lmm\\(\\): the optimizer did not converge")
})

test_that("a wrong start is named", {
  f <- time ~ feed + (1 | bird)
  expect_error(lmm(f, pigeons, start = c(1, 2)),
               "`start` must be a numeric theta of length 1 \\(one value per covariance parameter\\), not a vector of length 2")
  expect_error(lmm(f, pigeons, start = "a"), "`start` must be a numeric theta of length 1")
  expect_error(lmm(f, pigeons, start = NA_real_),
               "`start` must be finite, and at least 0 on the diagonal .*theta\\[1\\] = NA")
  expect_error(lmm(f, pigeons, start = -1), "theta\\[1\\] = -1")
  expect_error(lmm(f, pigeons, start = list(beta = 1)), "`start` is a list without an element `theta`")
  expect_equal(fixef(lmm(f, pigeons, start = list(theta = 0.5))), fixef(lmm(f, pigeons)),
               tolerance = 1e-6)
  expect_error(lmm(time ~ feed + (flight | bird), pigeons, start = c(1, -0.5, -1)),
               "1 element is not \\(theta\\[3\\] = -1\\)")
})

test_that("bad newdata for predict() is named", {
  fit <- lmm(time ~ feed + flight + (1 | bird), pigeons)
  expect_error(predict(fit, newdata = pigeons[, c("feed", "bird")]),
               "newdata lacks variable needed for the fixed effects: 'flight'")
  expect_error(predict(fit, newdata = pigeons[, c("feed", "flight")]),
               "newdata lacks variable needed for the grouping factor 'bird'")
  expect_error(predict(fit, newdata = data.frame(feed = "after", flight = "two", bird = "B01")),
               "newdata has variable 'flight' of class 'character'; it was numeric in the fit")
  expect_error(predict(fit, newdata = data.frame(feed = "during", flight = 1, bird = "B01")),
               "newdata has level of 'feed' not present in the fit: 'during'")
  expect_error(predict(fit, newdata = "B01"), "newdata must be a data frame, not \"B01\" \\(character\\)")
  nd <- data.frame(feed = "after", flight = 2, bird = "new bird")
  expect_error(predict(fit, newdata = nd),
               "newdata has 1 new level of grouping factor 'bird': 'new bird'; use allow.new.levels = TRUE")
  expect_equal(unname(predict(fit, newdata = nd, allow.new.levels = TRUE)),
               unname(predict(fit, newdata = nd, re.form = NA)))
  skip_if_not_installed("lme4")
  ref <- lme4::lmer(time ~ feed + flight + (1 | bird), pigeons)
  expect_error(predict(ref, newdata = nd), "new levels detected in newdata")
  expect_equal(unname(predict(fit, newdata = nd, allow.new.levels = TRUE)),
               unname(predict(ref, newdata = nd, allow.new.levels = TRUE)), tolerance = 1e-5)
})

test_that("an offset equal to the response leaves nothing to model", {
  expect_error(lmm(time ~ feed + (1 | bird), pigeons, offset = pigeons$time),
               "The response 'time' minus the offset is constant \\(every difference is 0\\)")
  p <- pigeons
  p$base <- p$time - 2
  expect_error(lmm(time ~ feed + offset(base) + (1 | bird), p),
               "The response 'time' minus the offset is constant \\(every difference is 2\\)")
})

test_that("a response shifted by 1e12 fits as the unshifted one", {
  p <- pigeons
  p$time <- p$time + 1e12
  fit <- lmm(time ~ feed + (1 | bird), p)
  ref <- lmm(time ~ feed + (1 | bird), pigeons)
  expect_equal(sigma(fit), sigma(ref), tolerance = 1e-4)
  expect_equal(fixef(fit)[["feedafter"]], fixef(ref)[["feedafter"]], tolerance = 1e-4)
})
