# Tests of stage 1, parse_lmm_formula(): splitting and expanding lme4-style formulas.

bars_of <- function(parsed) vapply(parsed$re_terms, `[[`, "", "label")

test_that("a random intercept and a correlated slope are split from the fixed part", {
  p <- parse_lmm_formula(Reaction ~ Days + (Days | Subject))
  expect_equal(p$fixed, Reaction ~ Days, ignore_formula_env = TRUE)
  expect_length(p$re_terms, 1L)
  term <- p$re_terms[[1L]]
  expect_identical(term$group, quote(Subject))
  expect_identical(term$group_name, "Subject")
  expect_identical(term$label, "Days | Subject")
  expect_identical(term$lhs[[2L]], quote(Days))
  expect_s3_class(term$lhs, "formula")
})

test_that("the formula is kept and the fixed part keeps its environment", {
  f <- local(y ~ x + (1 | g))
  p <- parse_lmm_formula(f)
  expect_identical(p$formula, f)
  expect_identical(environment(p$fixed), environment(f))
  expect_identical(environment(p$re_terms[[1L]]$lhs), environment(f))
})

test_that("a string is accepted as a formula", {
  p <- parse_lmm_formula("y ~ x + (1 | g)")
  expect_identical(bars_of(p), "1 | g")
})

test_that("intercept-free slopes are kept as written", {
  expect_identical(bars_of(parse_lmm_formula(y ~ (0 + x | g))), "0 + x | g")
  expect_identical(bars_of(parse_lmm_formula(y ~ (x - 1 | g))), "x - 1 | g")
  expect_identical(bars_of(parse_lmm_formula(y ~ (0 + f | g))), "0 + f | g")
})

test_that("double bars expand into uncorrelated terms as lme4 does", {
  expect_identical(bars_of(parse_lmm_formula(y ~ x + (x || g))),
                   c("1 | g", "0 + x | g"))
  expect_identical(bars_of(parse_lmm_formula(y ~ (x + z || g))),
                   c("1 | g", "0 + x | g", "0 + z | g"))
  expect_identical(bars_of(parse_lmm_formula(y ~ (x - 1 || g))), "0 + x | g")
  expect_identical(bars_of(parse_lmm_formula(y ~ (0 + x || g))), "0 + x | g")
  expect_identical(bars_of(parse_lmm_formula(y ~ (x * z || g))),
                   c("1 | g", "0 + x | g", "0 + z | g", "0 + x:z | g"))
})

test_that("a factor under a double bar keeps its columns together", {
  expect_identical(bars_of(parse_lmm_formula(y ~ (f || g))),
                   c("1 | g", "0 + f | g"))
})

test_that("nested groupings expand and are named as in lme4", {
  p <- parse_lmm_formula(strength ~ 1 + (1 | batch / cask))
  expect_identical(vapply(p$re_terms, `[[`, "", "group_name"),
                   c("cask:batch", "batch"))
  p3 <- parse_lmm_formula(y ~ (1 | a / b / c))
  expect_identical(vapply(p3$re_terms, `[[`, "", "group_name"),
                   c("c:(b:a)", "b:a", "a"))
  p2 <- parse_lmm_formula(y ~ (x || a / b))
  expect_identical(bars_of(p2), c("1 | b:a", "1 | a", "0 + x | b:a", "0 + x | a"))
})

test_that("an interaction grouping is one term", {
  p <- parse_lmm_formula(y ~ (1 | a:b))
  expect_identical(p$re_terms[[1L]]$group_name, "a:b")
  expect_identical(p$re_terms[[1L]]$group, quote(a:b))
})

test_that("several terms, anywhere in the formula, are all found in order", {
  p <- parse_lmm_formula(y ~ (1 | g) + x + (0 + x | g) + z + (1 | h))
  expect_identical(bars_of(p), c("1 | g", "0 + x | g", "1 | h"))
  expect_equal(p$fixed, y ~ x + z, ignore_formula_env = TRUE)
})

test_that("the fixed part keeps offsets, transformations and the intercept choice", {
  p <- parse_lmm_formula(log(y) ~ poly(x, 2) + offset(log(z)) + (1 | g))
  expect_equal(p$fixed, log(y) ~ poly(x, 2) + offset(log(z)),
               ignore_formula_env = TRUE)
  expect_equal(parse_lmm_formula(y ~ (1 | g))$fixed, y ~ 1,
               ignore_formula_env = TRUE)
  expect_equal(parse_lmm_formula(y ~ 0 + (1 | g))$fixed, y ~ 0,
               ignore_formula_env = TRUE)
  expect_equal(parse_lmm_formula(y ~ (1 | g) - 1)$fixed, y ~ -1,
               ignore_formula_env = TRUE)
})

test_that("the parse agrees with lme4's findbars and nobars", {
  skip_if_not_installed("lme4")
  forms <- list(y ~ x + (x | g), y ~ (x || g) + (1 | h), y ~ (1 | a / b),
                y ~ x + (0 + f | g) + offset(z), y ~ (1 | a:b) + x * z)
  for (f in forms) {
    p <- parse_lmm_formula(f)
    expect_identical(bars_of(p), vapply(lme4::findbars(f), deparse1, ""))
    expect_equal(p$fixed, lme4::nobars(f), ignore_formula_env = TRUE)
  }
})

test_that("a formula without a bar term points to lm()", {
  expect_error(parse_lmm_formula(y ~ x), "No random-effects terms.*use lm\\(\\)")
})

test_that("a formula without a response is an error", {
  expect_error(parse_lmm_formula(~ x + (1 | g)), "no response")
})

test_that("a bar term with an empty grouping is an error", {
  f <- y ~ x + (1 | g)
  f[[3L]][[3L]][[2L]][[3L]] <- quote(expr = )
  expect_error(parse_lmm_formula(f), "empty grouping")
  expect_error(parse_lmm_formula(y ~ (1 | 1)), "empty grouping")
  f2 <- y ~ (x || g)
  f2[[3L]][[2L]][[3L]] <- quote(expr = )
  expect_error(parse_lmm_formula(f2), "empty grouping")
})

test_that("a bar term inside another operator is an error", {
  expect_error(parse_lmm_formula(y ~ x * (1 | g)), "must be added .* with `\\+`")
})

test_that("an unparseable nested grouping is an error", {
  expect_error(parse_lmm_formula(y ~ (1 | a / (b / c))), "Cannot parse the grouping")
})
