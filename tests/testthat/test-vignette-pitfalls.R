# The claims of the "Pitfalls" vignette, checked.

test_that("with heavy-tailed residuals the level holds and rint() gains power", {
  skip_on_cran()
  heavy_tailed_p <- function(effect) {
    g <- factor(rep(1:30, each = 8))
    d <- data.frame(g = g, x = rnorm(240))
    d$y <- effect * d$x + rnorm(30)[g] + rt(240, df = 2)
    d$y_rint <- rint(d$y)
    quiet <- lmm_control(check.singular = "ignore")
    p <- function(f) coef(summary(lmm(f, data = d, control = quiet)))["x", "Pr(>|t|)"]
    c(raw = p(y ~ x + (1 | g)), rint = p(y_rint ~ x + (1 | g)))
  }
  set.seed(5)
  nsim <- 200
  level <- colMeans(t(replicate(nsim, heavy_tailed_p(0))) < 0.05)
  power <- colMeans(t(replicate(nsim, heavy_tailed_p(0.3))) < 0.05)
  mc_se <- sqrt(0.05 * 0.95 / nsim)
  expect_true(all(level < 0.05 + 3 * mc_se))
  expect_gt(power[["rint"]], power[["raw"]] + 0.1)
})

test_that("a typing error in the pigeons is the largest standardized residual", {
  typo <- pigeons
  typo$time[17] <- 10 * typo$time[17]
  fit <- suppressMessages(lmm(time ~ feed + (1 | bird), data = typo))
  standardized <- residuals(fit, type = "pearson") / sigma(fit)
  expect_identical(unname(which.max(abs(standardized))), 17L)
  expect_gt(abs(standardized[[17]]), 5)
})
