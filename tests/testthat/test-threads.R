# The engine's dense kernels: the same fit whatever the number of threads, and through R's LAPACK.

crossed_data <- function(n = 6000, first = 800, second = 500, seed = 3) {
  set.seed(seed)
  g1 <- sample(first, n, replace = TRUE)
  g2 <- sample(second, n, replace = TRUE)
  x <- rnorm(n)
  y <- 1 + 0.5 * x + rnorm(first)[g1] + 0.7 * rnorm(second)[g2] + rnorm(n)
  data.frame(y = y, x = x, g1 = factor(g1), g2 = factor(g2))
}

with_options <- function(opts, expr) {
  old <- options(opts)
  on.exit(options(old))
  expr
}

test_that("a fit with a large dense block is the same with one thread and with two", {
  d <- crossed_data()
  fit <- function(threads) {
    with_options(list(lmmkit.blas = FALSE), lmm(y ~ x + (1 | g1) + (1 | g2), d, control = lmm_control(threads = threads)))
  }
  one <- fit(1)
  two <- fit(2)
  expect_true(one$optinfo$dense_rest)
  expect_lte(abs(as.numeric(logLik(one) - logLik(two))) / abs(as.numeric(logLik(one))), 1e-10)
  expect_equal(two$theta, one$theta, tolerance = 1e-10)
  expect_equal(fixef(two), fixef(one), tolerance = 1e-10)
  expect_equal(attr(ranef(two)$g2, "postVar"), attr(ranef(one)$g2, "postVar"), tolerance = 1e-10)
})

test_that("the exact-gradient search with a large dense block is the same with one thread and with two", {
  d <- crossed_data(seed = 5)
  d$y <- d$y + 0.4 * d$x * rnorm(800)[as.integer(d$g1)]
  fit <- function(threads) {
    with_options(list(lmmkit.blas = FALSE),
                 lmm(y ~ x + (1 + x | g1) + (1 | g2), d, control = lmm_control(threads = threads)))
  }
  one <- fit(1)
  two <- fit(2)
  expect_true(one$optinfo$dense_rest)
  expect_match(one$optinfo$method, "^lbfgs")
  expect_gt(one$optinfo$geval, 0)
  expect_lte(abs(as.numeric(logLik(one) - logLik(two))) / abs(as.numeric(logLik(one))), 1e-10)
  expect_equal(two$theta, one$theta, tolerance = 1e-8)
  expect_equal(fixef(two), fixef(one), tolerance = 1e-8)
})

test_that("the dense block factored by R's LAPACK gives the engine's fit", {
  d <- crossed_data(n = 3000, first = 400, second = 450, seed = 4)
  engine <- with_options(list(lmmkit.blas = FALSE), lmm(y ~ x + (1 | g1) + (1 | g2), d))
  lapack <- with_options(list(lmmkit.blas = TRUE), lmm(y ~ x + (1 | g1) + (1 | g2), d))
  expect_equal(as.numeric(logLik(lapack)), as.numeric(logLik(engine)), tolerance = 1e-10)
  expect_equal(lapack$theta, engine$theta, tolerance = 1e-6)
  expect_equal(fixef(lapack), fixef(engine), tolerance = 1e-8)
  if (requireNamespace("lme4", quietly = TRUE)) {
    ref <- lme4::lmer(y ~ x + (1 | g1) + (1 | g2), d,
                      control = lme4::lmerControl(optimizer = "bobyqa", optCtrl = list(rhoend = 1e-10)))
    expect_gte(as.numeric(logLik(engine)) - as.numeric(logLik(ref)), -1e-7)
  }
})

test_that("lmm_control(threads =) takes a positive whole number or NULL, and the option sets the default", {
  expect_null(lmm_control()$threads)
  expect_identical(lmm_control(threads = 2)$threads, 2L)
  expect_error(lmm_control(threads = 0), "`threads` must be NULL or a single positive whole number")
  expect_error(lmm_control(threads = 1.5), "`threads`")
  expect_error(lmm_control(threads = NA), "`threads`")
  with_options(list(lmmkit.threads = 1), {
    expect_identical(lmmkit:::engine_control(lmm_control())$threads, 1L)
    expect_identical(lmmkit:::engine_control(lmm_control(threads = 2))$threads, 2L)
  })
})
