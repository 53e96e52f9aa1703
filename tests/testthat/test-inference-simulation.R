# With 6 clusters, small-sample tests of a null cluster-level effect hold their level; the naive test does not.

test_that("Satterthwaite and Kenward-Roger reject a null effect near 5%, the naive test more often", {
  rates <- type1_error_simulation(nsim = 300, clusters = 6, per_cluster = 4, seed = 1)
  expect_gt(rates[["Satterthwaite"]], 0.02)
  expect_lt(rates[["Satterthwaite"]], 0.09)
  expect_gt(rates[["Kenward-Roger"]], 0.02)
  expect_lt(rates[["Kenward-Roger"]], 0.09)
  expect_gt(rates[["naive"]], rates[["Satterthwaite"]] + 0.03)
  expect_gt(rates[["naive"]], rates[["Kenward-Roger"]] + 0.03)
})

test_that("the simulation is reproducible and leaves the caller's random stream alone", {
  set.seed(99)
  before <- runif(1)
  set.seed(99)
  a <- type1_error_simulation(nsim = 10, seed = 3)
  after <- runif(1)
  expect_identical(a, type1_error_simulation(nsim = 10, seed = 3))
  expect_identical(before, after)
})
