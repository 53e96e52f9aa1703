# Satterthwaite on a singular fit: the variance on its boundary is held fixed, as lmerTest does.

test_that("a variance estimated as zero is held fixed and gives lmerTest's df without a warning", {
  skip_if_not_installed("lme4")
  data("Dyestuff2", package = "lme4", envir = environment())
  fit <- suppressMessages(lmm(Yield ~ 1 + (1 | Batch), Dyestuff2))
  expect_true(isSingular(fit))
  expect_silent(tab <- coef(summary(fit)))
  # With the batch variance fixed at zero the model is a simple regression: df = n - 1.
  expect_equal(unname(tab[, "df"]), 29, tolerance = 1e-8)
  expect_equal(unname(tab[, "Std. Error"]), sd(Dyestuff2$Yield) / sqrt(30), tolerance = 1e-6)
  skip_if_not_installed("lmerTest")
  ref <- suppressMessages(coef(summary(lmerTest::lmer(Yield ~ 1 + (1 | Batch), Dyestuff2))))
  expect_equal(unname(tab[, "df"]), unname(ref[, "df"]), tolerance = 1e-6)
})

test_that("Kenward-Roger on a model whose variance parameters are not identified is a clear error", {
  d <- pigeons
  d$bird2 <- d$bird
  fit <- suppressWarnings(suppressMessages(lmm(time ~ feed + (1 | bird) + (1 | bird2), d)))
  expect_error(summary(fit, ddf = "Kenward-Roger"), "Kenward-Roger's method is undefined for this model")
  expect_error(contrast_test(fit, c(0, 1), ddf = "Kenward-Roger"), "information matrix of the variance parameters is singular")
})

test_that("the summary says which degrees of freedom its t tests use", {
  fit <- lmm(time ~ feed + (1 | bird), data = pigeons)
  expect_output(print(summary(fit)), "Satterthwaite's degrees of freedom", fixed = TRUE)
  expect_output(print(summary(fit, ddf = "Kenward-Roger")), "Kenward-Roger adjusted SEs", fixed = TRUE)
  expect_output(print(summary(fit, ddf = "none")), "Fixed effects:", fixed = TRUE)
})
