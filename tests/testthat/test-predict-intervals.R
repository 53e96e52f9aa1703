# Standard errors and intervals of predict(): against dense Henderson computations on small fits.

henderson_se <- function(fit) {
  X <- model.matrix(fit)
  Z <- t(as.matrix(fit$re$Zt))
  G <- as.matrix(Matrix::bdiag(lapply(fit$re$terms, function(term) {
    T <- matrix(0, term$ncol, term$ncol)
    T[lower.tri(T, diag = TRUE)] <- fit$theta[term$theta_start + seq_len(term$ncol * (term$ncol + 1) / 2)]
    kronecker(diag(term$nlevels), fit$sigma^2 * tcrossprod(T))
  })))
  W <- cbind(X, Z)
  H <- crossprod(W) / fit$sigma^2
  idx <- ncol(X) + seq_len(ncol(Z))
  H[idx, idx] <- H[idx, idx] + solve(G)
  sqrt(rowSums((W %*% solve(H)) * W))
}

test_that("conditional standard errors equal the dense mixed-model-equations result", {
  fit <- lmm(time ~ feed + (1 | bird), data = pigeons)
  p <- predict(fit, se.fit = TRUE)
  expect_named(p, c("fit", "se.fit", "residual.scale"))
  expect_equal(unname(p$fit), unname(predict(fit)))
  expect_equal(p$se.fit, henderson_se(fit), tolerance = 1e-8)
  skip_if_not_installed("lme4")
  data("sleepstudy", package = "lme4", envir = environment())
  fit2 <- lmm(Reaction ~ Days + (Days | Subject), sleepstudy)
  expect_equal(predict(fit2, se.fit = TRUE)$se.fit, henderson_se(fit2), tolerance = 1e-8)
})

test_that("marginal standard errors are sqrt(diag(X V(beta) X'))", {
  fit <- lmm(time ~ feed + (1 | bird), data = pigeons)
  X <- model.matrix(fit)
  se <- predict(fit, re.form = NA, se.fit = TRUE)$se.fit
  expect_equal(se, sqrt(rowSums((X %*% vcov(fit)) * X)), tolerance = 1e-10)
})

test_that("intervals: prediction wider than confidence, new levels add their variance", {
  fit <- lmm(time ~ feed + (1 | bird), data = pigeons)
  nd <- data.frame(feed = c("before", "after"), bird = c(levels(pigeons$bird)[1], "new bird"))
  conf <- predict(fit, nd, allow.new.levels = TRUE, interval = "confidence")
  pred <- predict(fit, nd, allow.new.levels = TRUE, interval = "prediction")
  expect_identical(colnames(conf), c("fit", "lwr", "upr"))
  expect_true(all(pred[, "upr"] - pred[, "lwr"] > conf[, "upr"] - conf[, "lwr"]))
  tau2 <- as.data.frame(VarCorr(fit))$vcov[1]
  se <- predict(fit, nd, allow.new.levels = TRUE, se.fit = TRUE)$se.fit
  se_marginal <- predict(fit, nd, re.form = NA, se.fit = TRUE)$se.fit
  expect_equal(se[2]^2, se_marginal[2]^2 + tau2, tolerance = 1e-8)
  # A population-level prediction interval covers the bird and residual variances.
  pm <- predict(fit, nd, re.form = NA, interval = "prediction", level = 0.9)
  half <- qnorm(0.95) * sqrt(se_marginal^2 + tau2 + sigma(fit)^2)
  expect_equal(unname(pm[, "upr"] - pm[, "fit"]), unname(half), tolerance = 1e-8)
  expect_error(predict(fit, interval = "confidence", level = 2), "level must be a single number")
  expect_error(predict(fit, nd, interval = "confidence"), "new level of grouping factor 'bird'")
})
