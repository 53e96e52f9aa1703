# gc_lambda(): the genomic-control inflation factor against null and inflated p-values, and its checks.

test_that("gc_lambda of uniform p-values is 1", {
  p <- ppoints(1e5)
  expect_lt(abs(gc_lambda(p) - 1), 1e-3)
  expect_lt(abs(gc_lambda(rev(p)) - 1), 1e-3)
})

test_that("gc_lambda recovers a known inflation of the statistics", {
  p <- pchisq(1.2 * qchisq(ppoints(1e5), 1, lower.tail = FALSE), 1, lower.tail = FALSE)
  expect_lt(abs(gc_lambda(p) - 1.2), 1e-3)
  p_deflated <- pchisq(0.9 * qchisq(ppoints(1e5), 1, lower.tail = FALSE), 1,
                       lower.tail = FALSE)
  expect_lt(abs(gc_lambda(p_deflated) - 0.9), 1e-3)
})

test_that("gc_lambda is the median chi-square over the null median, by hand", {
  # With 1 df the statistic of p is qnorm(p / 2)^2, and the null median qnorm(1/4)^2.
  expect_equal(gc_lambda(c(0.5, 0.001, 0.05)), qnorm(0.025)^2 / qnorm(0.25)^2)
  # An even number of p-values: the median averages the two middle statistics
  # (not the two middle p-values)
  expect_equal(gc_lambda(c(0.2, 0.5, 0.001, 0.05)),
               (qnorm(0.025)^2 + qnorm(0.1)^2) / 2 / qnorm(0.25)^2)
  expect_equal(gc_lambda(0.5), 1)
  expect_equal(gc_lambda(c(1, 1, 0.5)), 0)
})

test_that("gc_lambda with df = 2", {
  # With 2 df the statistic of p is -2 log(p), and the null median 2 log(2).
  expect_equal(gc_lambda(c(0.1, 0.5, 0.01), df = 2), log(10) / log(2))
  expect_false(isTRUE(all.equal(gc_lambda(c(0.1, 0.5, 0.01)), log(10) / log(2))))
  p <- ppoints(1e5)
  expect_lt(abs(gc_lambda(p, df = 2) - 1), 1e-3)
  p2 <- pchisq(1.2 * qchisq(p, 2, lower.tail = FALSE), 2, lower.tail = FALSE)
  expect_lt(abs(gc_lambda(p2, df = 2) - 1.2), 1e-3)
  # The 1-df factor of these 2-df p-values is something else
  expect_gt(abs(gc_lambda(p2, df = 1) - 1.2), 1e-3)
})

test_that("gc_lambda from log10p agrees with p", {
  p <- pchisq(1.2 * qchisq(ppoints(1e5), 1, lower.tail = FALSE), 1, lower.tail = FALSE)
  expect_equal(gc_lambda(log10p = -log10(p)), gc_lambda(p))
  q <- c(0.5, 0.001, 0.05, 0.2)
  expect_equal(gc_lambda(log10p = -log10(q), df = 2), gc_lambda(q, df = 2))
  expect_equal(gc_lambda(log10p = c(300, 300, 0)), gc_lambda(c(1e-300, 1e-300, 1)))
})

test_that("gc_lambda from log10p handles p-values below the double range", {
  lp <- c(400, 500, 600)
  expect_identical(10^-lp, c(0, 0, 0))
  lambda <- gc_lambda(log10p = lp)
  expect_true(is.finite(lambda))
  # The median statistic x is the one of p = 10^-500: P(chi2_1 > x) = 2 pnorm(-sqrt(x))
  x <- lambda * qchisq(0.5, 1)
  expect_equal(log(2) + pnorm(-sqrt(x), log.p = TRUE), -500 * log(10))
})

test_that("gc_lambda drops missing values", {
  p <- c(0.5, 0.001, 0.05, 0.2)
  expect_equal(gc_lambda(c(NA, p, NaN, NA)), gc_lambda(p))
  expect_equal(gc_lambda(log10p = c(NA, -log10(p))), gc_lambda(p))
})

test_that("gc_lambda returns Inf with a warning when most p-values underflowed", {
  # A few zeros do not move the median
  expect_warning(lambda <- gc_lambda(c(0, 0.5, 0.5)), NA)
  expect_equal(lambda, 1)
  expect_warning(lambda <- gc_lambda(c(0, 0, 0, 0.5)),
                 "3 of 4 p-values are 0 (they underflowed the double range)", fixed = TRUE)
  expect_identical(lambda, Inf)
  expect_warning(gc_lambda(c(0, 0, 0.5, 0.5)), "as `log10p`", fixed = TRUE)
  expect_warning(lambda <- gc_lambda(log10p = c(Inf, Inf, 1)),
                 "2 of 3 values of `log10p` are Inf", fixed = TRUE)
  expect_identical(lambda, Inf)
})

test_that("gc_lambda rejects bad input with messages naming the argument", {
  expect_error(gc_lambda(c(0.5, 1.5, 2)),
               "`p` must be between 0 and 1; 2 values are not (the first is 1.5)", fixed = TRUE)
  expect_error(gc_lambda(c(0.5, -0.1)),
               "`p` must be between 0 and 1; 1 value is not (the first is -0.1)", fixed = TRUE)
  expect_error(gc_lambda(c(0.5, Inf)), "`p` must be between 0 and 1", fixed = TRUE)
  expect_error(gc_lambda(c("0.5", "0.1")), "`p` must be numeric, not a character vector",
               fixed = TRUE)
  expect_error(gc_lambda(c(NA_real_, NA_real_)), "`p` has no non-missing values",
               fixed = TRUE)
  expect_error(gc_lambda(c(NA, NA)), "`p` must be numeric, not a logical vector",
               fixed = TRUE)
  expect_error(gc_lambda(numeric(0)), "`p` has no non-missing values", fixed = TRUE)
  expect_error(gc_lambda(log10p = c(2, -1)), "`log10p` must be 0 or more", fixed = TRUE)
  expect_error(gc_lambda(log10p = NA_real_), "`log10p` has no non-missing values",
               fixed = TRUE)
  expect_error(gc_lambda(), "give the p-values as `p` or as `log10p`", fixed = TRUE)
  expect_error(gc_lambda(0.5, log10p = 1), "give either `p` or `log10p`, not both",
               fixed = TRUE)
  msg <- "`df` must be a single positive number, not"
  expect_error(gc_lambda(0.5, df = 0), paste(msg, "0"), fixed = TRUE)
  expect_error(gc_lambda(0.5, df = -1), paste(msg, "-1"), fixed = TRUE)
  expect_error(gc_lambda(0.5, df = Inf), paste(msg, "Inf"), fixed = TRUE)
  expect_error(gc_lambda(0.5, df = NA_real_), paste(msg, "NA"), fixed = TRUE)
  expect_error(gc_lambda(0.5, df = c(1, 2)), paste(msg, "of length 2"), fixed = TRUE)
  expect_error(gc_lambda(0.5, df = "1"), paste(msg, "a character vector"), fixed = TRUE)
})
