# Messages that say what is wrong (issue 6): each case gives a specific, named message, or now works.

test_that("a response with a large mean is not called constant", {
  p <- pigeons
  p$time <- p$time + 1e10
  res <- tryCatch(suppressWarnings(lmm(time ~ feed + (1 | bird), p)), error = function(e) e)
  if (inherits(res, "error")) {
    expect_no_match(conditionMessage(res), "constant")
  } else {
    ref <- lmm(time ~ feed + (1 | bird), pigeons)
    expect_equal(unname(fixef(res)[2]), unname(fixef(ref)[2]), tolerance = 1e-3)
  }
})

test_that("a truly constant response is called constant", {
  p <- pigeons
  p$time <- 1e10
  expect_error(lmm(time ~ feed + (1 | bird), p),
               "The response 'time' is constant \\(every value is 1e\\+10\\)")
  expect_error(lmm(time ~ feed + (1 | bird), pigeons[1, ]),
               "The response 'time' has only 1 value: there is no variation to model")
})

test_that("a list with columns of different lengths is an error, as in lm()", {
  d <- list(time = pigeons$time, feed = pigeons$feed[1:5], bird = pigeons$bird)
  expect_error(lmm(time ~ feed + (1 | bird), d),
               "`data` is a list whose columns have different lengths \\('time' 192, 'feed' 5, 'bird' 192\\)")
  expect_error(lmm(time ~ feed + (1 | bird), list(pigeons$time)), "unnamed elements")
})

test_that("a list with columns of equal lengths fits as a data frame does", {
  expect_equal(fixef(lmm(time ~ feed + (1 | bird), as.list(pigeons))),
               fixef(lmm(time ~ feed + (1 | bird), pigeons)))
})

test_that("`.` expands to the columns of data except the response and grouping variables", {
  expect_equal(fixef(lmm(time ~ . + (1 | bird), pigeons)),
               fixef(lmm(time ~ loft + flight + feed + weight + (1 | bird), pigeons)))
  expect_equal(fixef(lmm(time ~ . + (1 | loft/bird), pigeons)),
               fixef(lmm(time ~ flight + feed + weight + (1 | loft/bird), pigeons)))
  expect_equal(fixef(lmm(time ~ . - weight + (flight | bird), pigeons)),
               fixef(lmm(time ~ loft + flight + feed + (flight | bird), pigeons)))
})

test_that("missing values kept by na.pass are named with their counts", {
  p <- pigeons
  p$time[1] <- NA
  p$bird[2:3] <- NA
  expect_error(lmm(time ~ feed + (1 | bird), p, na.action = stats::na.pass),
               paste("Missing values \\(NA\\) remain after `na.action` in the response 'time'",
                     "\\(1 row\\) and the grouping factor 'bird' \\(2 rows\\)"))
})

test_that("missing values refused by na.fail are named", {
  p <- pigeons
  p$feed[4] <- NA
  expect_error(lmm(time ~ feed + (1 | bird), p, na.action = stats::na.fail),
               "Missing values \\(NA\\) in 'feed' \\(1 row\\) and `na.action` refused them")
  expect_s3_class(lmm(time ~ feed + (1 | bird), pigeons, na.action = stats::na.fail), "lmm")
})

test_that("an NA level of a grouping factor is named", {
  p <- pigeons
  p$bird[1:3] <- NA
  p$bird <- addNA(p$bird)
  expect_error(lmm(time ~ feed + (1 | bird), p),
               "The grouping factor 'bird' has a missing value \\(NA\\) as a level")
})

test_that("simulate() names a bad nsim", {
  fit <- lmm(time ~ feed + (1 | bird), pigeons)
  msg <- "simulate\\(\\): `nsim` must be a single positive whole number, not "
  expect_error(simulate(fit, nsim = Inf), paste0(msg, "Inf"))
  expect_error(simulate(fit, nsim = NA), paste0(msg, "NA"))
  expect_error(simulate(fit, nsim = -2), paste0(msg, "-2"))
  expect_error(simulate(fit, nsim = 2.5), paste0(msg, "2.5"))
  expect_error(simulate(fit, nsim = 1:2), paste0(msg, "a vector of length 2"))
  expect_error(simulate(fit, nsim = "3"), paste0(msg, "\"3\" \\(character\\)"))
})

test_that("simulate() under na.exclude has as many rows as fitted(), NA where left out", {
  p <- pigeons
  p$time[c(2, 5)] <- NA
  fit <- lmm(time ~ feed + (1 | bird), p, na.action = stats::na.exclude)
  sims <- simulate(fit, nsim = 2, seed = 1)
  expect_identical(nrow(sims), length(fitted(fit)))
  expect_identical(rownames(sims), names(fitted(fit)))
  expect_identical(is.na(sims$sim_1), unname(is.na(fitted(fit))))
  skip_if_not_installed("lme4")
  ref <- lme4::lmer(time ~ feed + (1 | bird), p, na.action = stats::na.exclude)
  expect_equal(as.matrix(sims), as.matrix(simulate(ref, nsim = 2, seed = 1)), tolerance = 1e-5,
               ignore_attr = TRUE)
})

test_that("lmm_control() names each bad setting", {
  expect_error(lmm_control(condVar = NA), "lmm_control\\(\\): `condVar` must be TRUE or FALSE, not NA")
  expect_error(lmm_control(condVar = "yes"), "`condVar` must be TRUE or FALSE, not \"yes\"")
  expect_error(lmm_control(condVar = c(TRUE, FALSE)), "`condVar` must be TRUE or FALSE")
  tol_msg <- "must be a single non-negative finite number, not "
  expect_error(lmm_control(ftol_abs = NA), paste0("`ftol_abs` ", tol_msg, "NA"))
  expect_error(lmm_control(ftol_rel = -1), paste0("`ftol_rel` ", tol_msg, "-1"))
  expect_error(lmm_control(xtol_abs = Inf), paste0("`xtol_abs` ", tol_msg, "Inf"))
  expect_error(lmm_control(singular.tol = "a"), paste0("`singular.tol` ", tol_msg, "\"a\""))
  expect_error(lmm_control(grad.tol = c(1, 2)), paste0("`grad.tol` ", tol_msg, "a vector of length 2"))
  expect_error(lmm_control(maxeval = 0), "`maxeval` must be a single positive whole number, not 0")
  expect_error(lmm_control(maxeval = 10.5), "`maxeval` must be a single positive whole number, not 10.5")
  expect_error(lmm_control(maxeval = 1e12), "`maxeval` must be a single positive whole number")
  expect_error(lmm_control(dense_limit = Inf), "`dense_limit` must be a single non-negative whole number, not Inf")
  expect_error(lmm_control(dense_limit = NA_integer_), "`dense_limit` must be a single non-negative whole number, not NA")
  expect_s3_class(lmm_control(maxeval = 50, dense_limit = 0, condVar = FALSE), "lmm_control")
})

test_that("contrast_test() matches a named L to the coefficients", {
  fit <- lmm(time ~ feed + flight + (1 | bird), pigeons)
  by_position <- contrast_test(fit, c(0, 1, 0))
  expect_equal(contrast_test(fit, c(feedafter = 1)), by_position)
  expect_equal(contrast_test(fit, c(flight = 0, feedafter = 1)), by_position)
  L <- matrix(c(1, 0, 0, 1), 2, dimnames = list(NULL, c("flight", "feedafter")))
  expect_equal(contrast_test(fit, L), contrast_test(fit, rbind(c(0, 0, 1), c(0, 1, 0))))
  expect_error(contrast_test(fit, c(feedafter = 1, feedB = 1, foo = 0)),
               "`L` names coefficients not in the model: 'feedB' and 'foo'; the fixed effects are '\\(Intercept\\)', 'feedafter' and 'flight'")
  expect_error(contrast_test(fit, c(feedafter = 1, 1)), "`L` must name each coefficient once")
  expect_error(contrast_test(fit, c(flight = 1, flight = 2)), "`L` must name each coefficient once")
})

test_that("ranef() works on a fit without conditional variances", {
  fit <- lmm(time ~ feed + (1 | bird), pigeons, control = lmm_control(condVar = FALSE))
  full <- lmm(time ~ feed + (1 | bird), pigeons)
  re <- ranef(fit)
  expect_null(attr(re$bird, "postVar"))
  expect_equal(re$bird[[1]], ranef(full)$bird[[1]])
  expect_false("condsd" %in% names(as.data.frame(re)))
  expect_error(ranef(fit, condVar = TRUE),
               "ranef\\(\\): the conditional variances were not computed for this fit")
  expect_error(ranef(full, condVar = NA), "ranef\\(\\): `condVar` must be TRUE or FALSE, not NA")
})
