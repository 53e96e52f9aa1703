# Tests of the input checks of stages 1 and 2: each bad input gives a clear, specific error.

build <- function(formula, data, ...) {
  build_lmm_matrices(parse_lmm_formula(formula), data, ...)
}

make_data <- function(n_groups = 6, per_group = 4, seed = 2) {
  set.seed(seed)
  n <- n_groups * per_group
  data.frame(y = rnorm(n), x = rnorm(n), z = rnorm(n),
             g = factor(rep(seq_len(n_groups), each = per_group)),
             id = factor(seq_len(n)))
}

test_that("a variable missing from data is named", {
  d <- make_data()
  expect_error(build(y ~ nothere + (1 | g), d), "Variable 'nothere' is not in `data`")
  expect_error(build(y ~ x + (1 | nogroup), d), "'nogroup' is not in `data`")
  expect_error(build(y ~ a1 + (b1 | g), d),
               "Variables 'a1' and 'b1' are not in `data`")
})

test_that("a non-numeric response is named with its class", {
  d <- make_data()
  d$yf <- factor(rep(c("lo", "hi"), length.out = nrow(d)))
  d$ych <- as.character(d$yf)
  expect_error(build(yf ~ x + (1 | g), d),
               "response 'yf' must be a numeric vector, but it is of class 'factor'")
  expect_error(build(ych ~ x + (1 | g), d), "of class 'character'")
  expect_error(build(cbind(y, x) ~ z + (1 | g), d), "but it is a matrix")
})

test_that("a formula without random effects points to lm()", {
  expect_error(build(y ~ x, make_data()), "No random-effects terms.*lm\\(\\)")
})

test_that("a grouping factor with a single level is an error", {
  d <- make_data()
  d$g1 <- factor("only")
  expect_error(build(y ~ x + (1 | g1), d),
               "grouping factor 'g1' has only 1 level .* at least 2 levels")
})

test_that("a grouping factor left with one level after NA removal is an error", {
  d <- make_data()
  d$x[d$g != "1"] <- NA
  expect_error(build(y ~ x + (1 | g), d), "'g' has only 1 level after removing")
})

test_that("a grouping factor with a level per observation is an error", {
  d <- make_data()
  expect_error(build(y ~ x + (1 | id), d),
               "'id' has 24 levels for 24 observations.*must be < the number of observations")
  expect_error(build(y ~ x + (1 | g) + (0 + x | id), d),
               "grouping factor 'id' has 24 levels")
})

test_that("an interaction grouping with a level per observation is named", {
  d <- make_data()
  d$h <- factor(rep(1:4, 6))
  expect_error(build(y ~ x + (1 | g:h), d), "grouping factor 'g:h' has 24 levels")
})

test_that("a constant response is an error", {
  d <- make_data()
  d$y <- 3
  expect_error(build(y ~ x + (1 | g), d), "response 'y' is constant")
})

test_that("an all-NA response is an error", {
  d <- make_data()
  d$y <- NA_real_
  expect_error(build(y ~ x + (1 | g), d), "response 'y' is missing \\(NA\\) in every row")
})

test_that("NaN or Inf in the response is an error", {
  d <- make_data()
  d$y[3] <- Inf
  expect_error(build(y ~ x + (1 | g), d),
               "response 'y' must be finite, but has 1 infinite or NaN value \\(row 3\\)")
  d$y[c(3, 7)] <- NaN
  expect_error(build(y ~ x + (1 | g), d), "has 2 infinite or NaN values \\(rows 3, 7\\)")
  expect_error(suppressWarnings(build(log(y - 10) ~ x + (1 | g), make_data())), "'log\\(y - 10\\)' must be finite")
})

test_that("Inf or NaN in a predictor is named", {
  d <- make_data()
  d$x[2] <- -Inf
  expect_error(build(y ~ x + (1 | g), d), "variable 'x' must be finite, but has 1 infinite")
  d <- make_data()
  d$z[5] <- NaN
  expect_error(build(y ~ x + (z | g), d), "variable 'z' must be finite")
  expect_error(suppressWarnings(build(y ~ log(x) + (1 | g), make_data())),
               "variable 'log\\(x\\)' must be finite")
})

test_that("negative, zero, infinite or NA weights are errors", {
  d <- make_data()
  w <- rep(1, nrow(d))
  expect_error(build(y ~ x + (1 | g), d, weights = replace(w, 4, -1)),
               "`weights` must be finite and non-negative: 1 weight is negative or infinite \\(row 4\\)")
  expect_error(build(y ~ x + (1 | g), d, weights = replace(w, 4:5, NA)),
               "`weights` must not contain missing values: 2 weights are NA")
  expect_error(build(y ~ x + (1 | g), d, weights = replace(w, 1, Inf)),
               "negative or infinite")
  expect_error(build(y ~ x + (1 | g), d, weights = as.character(w)),
               "`weights` must be a numeric vector, not character")
  expect_error(build(y ~ x + (1 | g), d, weights = 0 * w), "`weights` are all zero")
})

test_that("weights or offset of the wrong length give both lengths", {
  d <- make_data()
  expect_error(build(y ~ x + (1 | g), d, weights = rep(1, 10)),
               "`weights` must have one value per row of `data`: expected length 24, got length 10")
  expect_error(build(y ~ x + (1 | g), d, offset = 1:3 + 0),
               "`offset` must have one value per row of `data`: expected length 24, got length 3")
})

test_that("an infinite offset is an error", {
  d <- make_data()
  expect_error(build(y ~ x + (1 | g), d, offset = replace(rep(0, 24), 2, Inf)),
               "`offset` must be finite")
  d$o <- replace(rep(0, 24), 9, NaN)
  expect_error(build(y ~ x + offset(o) + (1 | g), d), "'offset\\(o\\)' must be finite")
})

test_that("empty data is an error", {
  d <- make_data()
  expect_error(build(y ~ x + (1 | g), d[0, ]), "`data` has 0 rows")
  expect_error(build(y ~ x + (1 | g), as.matrix(d)), "`data` must be a data frame, not matrix")
})

test_that("no rows left after NA removal or subset is an error", {
  d <- make_data()
  d$x[1:12] <- NA
  d$z[13:24] <- NA
  expect_error(build(y ~ x + z + (1 | g), d),
               "No rows are left after removing rows with missing values \\(NA counts: x 12, z 12\\)")
  expect_error(build(y ~ x + (1 | g), make_data(), subset = rep(FALSE, 24)),
               "No rows are left after `subset`")
})

test_that("a random-effect term with as many effects as observations is an error", {
  d <- expand.grid(f = factor(c("u", "v", "w")), g = factor(1:4))
  d$y <- rnorm(nrow(d))
  expect_error(build(y ~ 1 + (0 + f | g), d),
               "term \\(0 \\+ f \\| g\\) has 12 random effects \\(3 columns x 4 levels\\) for 12 observations")
  d2 <- rbind(d, d)
  d2$y <- rnorm(nrow(d2))
  expect_silent(build(y ~ 1 + (0 + f | g), d2))
})

test_that("lme4 rejects the same over-parameterised factor slope", {
  skip_if_not_installed("lme4")
  d <- expand.grid(f = factor(c("u", "v", "w")), g = factor(1:4))
  d$y <- rnorm(nrow(d))
  expect_error(lme4::lFormula(y ~ 1 + (0 + f | g), d), "unidentifiable")
})

test_that("a term without columns is an error", {
  expect_error(build(y ~ x + (0 | g), make_data()), "term \\(0 \\| g\\) has no columns")
})

test_that("a grouping factor with NA kept by na.action is an error", {
  d <- make_data()
  d$g[2] <- NA
  expect_error(build(y ~ x + (1 | g), d, na.action = stats::na.pass),
               "Missing values \\(NA\\) remain after `na.action` in the grouping factor 'g' \\(1 row\\)")
})
