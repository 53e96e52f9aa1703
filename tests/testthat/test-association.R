# The scan's per-SNP kernel against brute force: lmm(relmat = ) fits per SNP and a dense score statistic.

scan_example <- function(seed = 21, n = 120, m = 6) {
  set.seed(seed)
  pop <- rep(1:2, length.out = n)
  G <- sapply(seq_len(m + 200), function(j) rbinom(n, 2, c(0.2, 0.45)[pop] + runif(1, 0, 0.3)))
  ids <- sprintf("p%03d", seq_len(n))
  W <- G[, -(seq_len(m))]
  W <- scale(W, scale = FALSE)
  K <- tcrossprod(W) / ncol(W)
  dimnames(K) <- list(ids, ids)
  age <- rnorm(n, 50, 10)
  y <- 0.3 * G[, 1] + 0.4 * pop + 0.02 * age + as.numeric(t(chol(K + diag(1e-6, n))) %*% rnorm(n)) + rnorm(n)
  list(data = data.frame(id = ids, y = y, age = age), G = G[, seq_len(m)], K = K)
}

test_that("Wald, LRT and score statistics agree with per-SNP lmm() fits with a relationship matrix", {
  ex <- scan_example()
  d <- ex$data
  W <- cbind(1, d$age)
  res <- association_tests(d$y, W, ex$G, ex$K)
  null_ml <- lmm(y ~ age + (1 | id), d, REML = FALSE, relmat = list(id = ex$K))
  expect_equal(attr(res, "null")$logl_mle, as.numeric(logLik(null_ml)), tolerance = 1e-7)
  V0 <- VarCorr(null_ml)$id[1, 1] * ex$K + diag(sigma(null_ml)^2, nrow(d))
  V0i <- solve(V0)
  P0 <- V0i - V0i %*% W %*% solve(t(W) %*% V0i %*% W, t(W) %*% V0i)
  for (j in seq_len(ncol(ex$G))) {
    d$x <- ex$G[, j]
    reml <- lmm(y ~ age + x + (1 | id), d, relmat = list(id = ex$K))
    ml <- lmm(y ~ age + x + (1 | id), d, REML = FALSE, relmat = list(id = ex$K))
    expect_equal(res$beta[j], unname(fixef(reml)["x"]), tolerance = 1e-6)
    expect_equal(res$se[j], sqrt(vcov(reml)["x", "x"]), tolerance = 1e-5)
    expect_equal(res$l_remle[j], VarCorr(reml)$id[1, 1] / sigma(reml)^2, tolerance = 1e-4)
    expect_equal(res$l_mle[j], VarCorr(ml)$id[1, 1] / sigma(ml)^2, tolerance = 1e-4)
    lrt <- 2 * (as.numeric(logLik(ml)) - as.numeric(logLik(null_ml)))
    expect_equal(res$p_lrt[j], stats::pchisq(lrt, 1, lower.tail = FALSE), tolerance = 1e-5)
    x <- d$x
    score <- nrow(d) * (sum(x * (P0 %*% d$y)))^2 /
      (sum(d$y * (P0 %*% d$y)) * sum(x * (P0 %*% x)))
    expect_equal(res$p_score[j], stats::pf(score, 1, nrow(d) - 3, lower.tail = FALSE), tolerance = 1e-5)
  }
  expect_true(all(res$p_wald > 0 & res$p_wald <= 1))
})

test_that("a SNP collinear with the covariates gets no tests", {
  ex <- scan_example(m = 2)
  W <- cbind(1, ex$data$age)
  res <- association_tests(ex$data$y, W, cbind(ex$G, 2 * W[, 2] + 1), ex$K)
  expect_true(all(is.na(res[3, ])))
  expect_false(anyNA(res[1:2, ]))
})
