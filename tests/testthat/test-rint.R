# rint(): the rank-based inverse normal transformation against its definition, and its checks.

test_that("rint gives tied values their average rank (Blom offset by default)", {
  # Non-missing values 3, 1, 2, 2: ranks 4, 1, 2.5, 2.5, n = 4,
  # so the fractions are (r - 3/8) / (4 - 3/4 + 1) = (8 r - 3) / 34.
  x <- c(3, 1, 2, 2, NA)
  expect_equal(rint(x), c(qnorm(29 / 34), qnorm(5 / 34), 0, 0, NA))
  # Ties off the middle: 5, 5, 1, 9, 7 have ranks 2.5, 2.5, 1, 5, 4, n = 5,
  # fractions (r - 3/8) / (21/4).
  y <- c(5, 5, 1, 9, NA, 7)
  expect_equal(rint(y), qnorm(c(17, 17, 5, 37, NA, 29) / 42))
  expect_equal(rint(y, offset = 3/8), rint(y))
})

test_that("rint with offset 1/2 (Rankit) and 0 (van der Waerden)", {
  x <- c(3, 1, 2, 2, NA)
  expect_equal(rint(x, offset = 1/2), c(qnorm(7 / 8), qnorm(1 / 8), 0, 0, NA))
  expect_equal(rint(x, offset = 0), c(qnorm(4 / 5), qnorm(1 / 5), 0, 0, NA))
  y <- c(5, 5, 1, 9, NA, 7)
  # Rankit: (r - 1/2) / 5; van der Waerden: r / 6
  expect_equal(rint(y, offset = 1/2), qnorm(c(2, 2, 0.5, 4.5, NA, 3.5) / 5))
  expect_equal(rint(y, offset = 0), qnorm(c(2.5, 2.5, 1, 5, NA, 4) / 6))
})

test_that("rint depends only on the order of the values", {
  x <- c(0.3, 5, 2, 2, 100, 0.01, NA, 7.5)
  expect_identical(rint(log(x)), rint(x))
  expect_identical(rint(x^3 + 10), rint(x))
  expect_identical(rint(exp(x / 10), offset = 0), rint(x, offset = 0))
  # ... and a decreasing transformation reverses the signs
  expect_equal(rint(-x), -rint(x))
})

test_that("rint of distinct values has mean 0 and is symmetric", {
  for (x in list(c(2.5, -1, 7, 3.3, 0, 11, 4), c(10, 1, 1000, 3, 40, 2))) {
    for (offset in c(0, 3/8, 1/2)) {
      z <- rint(x, offset = offset)
      expect_lt(abs(mean(z)), 1e-12)
      expect_equal(sort(z), -rev(sort(z)))
      expect_identical(order(z), order(x))
    }
  }
  # A larger skewed sample comes out close to standard normal
  z <- rint(exp(seq(-3, 3, length.out = 1001)))
  expect_lt(abs(sd(z) - 1), 0.01)
})

test_that("rint keeps names and the positions of missing values", {
  x <- c(a = 4, b = NA, c = 1, d = NaN, e = 9)
  z <- rint(x)
  expect_named(z, c("a", "b", "c", "d", "e"))
  expect_identical(is.na(z), c(a = FALSE, b = TRUE, c = FALSE, d = TRUE, e = FALSE))
  # n counts the non-missing values only: ranks 2, 1, 3 of n = 3
  expect_equal(unname(z), qnorm(c(13, NA, 5, NA, 21) / 26))
  expect_null(names(rint(c(2, 1))))
})

test_that("rint returns doubles for integer input and ranks Inf as an ordinary value", {
  z <- rint(4:1)
  expect_type(z, "double")
  expect_length(z, 4L)
  expect_equal(z, qnorm((4:1 - 3/8) / (4 + 1/4)))
  # -Inf, 1, Inf: ranks 1, 2, 3 of n = 3, fractions (r - 3/8) / (13/4)
  w <- rint(c(Inf, 1, -Inf))
  expect_true(all(is.finite(w)))
  expect_equal(w, qnorm(c(21, 13, 5) / 26))
})

test_that("rint rejects bad input with messages naming the argument", {
  expect_error(rint(c("1", "2")), "`x` must be numeric, not a character vector",
               fixed = TRUE)
  expect_error(rint(factor(c(1, 2))), "`x` must be numeric, not a factor", fixed = TRUE)
  expect_error(rint(c(TRUE, FALSE)), "`x` must be numeric, not a logical vector",
               fixed = TRUE)
  expect_error(rint(NULL), "`x` must be numeric, not NULL", fixed = TRUE)
  expect_error(rint(c(1, NA)), "`x` has 1 non-missing value; at least 2", fixed = TRUE)
  expect_error(rint(c(NA_real_, NaN)), "`x` has 0 non-missing values", fixed = TRUE)
  expect_error(rint(numeric(0)), "`x` has 0 non-missing values", fixed = TRUE)
  msg <- "`offset` must be a single number between 0 and 1/2, not"
  expect_error(rint(1:3, offset = 0.6), paste(msg, "0.6"), fixed = TRUE)
  expect_error(rint(1:3, offset = -0.1), paste(msg, "-0.1"), fixed = TRUE)
  expect_error(rint(1:3, offset = NA), paste(msg, "a logical vector"), fixed = TRUE)
  expect_error(rint(1:3, offset = NA_real_), paste(msg, "NA"), fixed = TRUE)
  expect_error(rint(1:3, offset = c(0, 0.5)), paste(msg, "of length 2"), fixed = TRUE)
  expect_error(rint(1:3, offset = "0"), paste(msg, "a character vector"), fixed = TRUE)
})
