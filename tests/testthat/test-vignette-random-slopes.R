# The claims the "Random slopes" vignette makes, checked.

test_that("the mean of the school-specific slopes is the population slope, exactly", {
  fit <- lmm(score ~ ses + homework + sector + (homework | school), data = schools)
  school_coef <- coef(fit)$school
  expect_equal(mean(school_coef[, "homework"]), fixef(fit)[["homework"]], tolerance = 1e-8)
  expect_equal(colSums(ranef(fit)$school), c("(Intercept)" = 0, homework = 0), tolerance = 1e-8)
})

test_that("a random intercept reproduces the repeated-measures ANOVA's F test on balanced data", {
  orthodont <- as.data.frame(nlme::Orthodont)
  orthodont$Subject <- factor(as.character(orthodont$Subject))
  strata <- summary(aov(distance ~ factor(age) + Error(Subject / factor(age)), data = orthodont))
  within <- strata[["Error: Subject:factor(age)"]][[1]]
  table <- anova(lmm(distance ~ factor(age) + (1 | Subject), data = orthodont))
  expect_equal(table[["F value"]], within[["F value"]][1], tolerance = 1e-6)
  expect_equal(table[["DenDF"]], within[["Df"]][2], tolerance = 1e-6)
})

test_that("the vignette's small example is singular and its simplification is not", {
  set.seed(1)
  small <- data.frame(g = factor(rep(1:8, each = 6)), x = rep(1:6, 8))
  small$y <- 10 + 0.5 * small$x + rnorm(8, 0, 0.3)[small$g] + rnorm(48)
  expect_message(singular_fit <- lmm(y ~ x + (x | g), data = small), "singular")
  expect_true(isSingular(singular_fit))
  expect_false(isSingular(lmm(y ~ x + (1 | g), data = small)))
})
