# Random effects with a known relationship matrix (relmat): equivalent ordinary models, direct GLS, errors.

# 40 families of 4 full sibs, one record each: K = 0.5 within a family, 1 on the diagonal.
family_data <- function(seed = 3) {
  set.seed(seed)
  nf <- 40
  size <- 4
  n <- nf * size
  id <- sprintf("i%03d", seq_len(n))
  K <- as.matrix(Matrix::bdiag(replicate(nf, matrix(0.5, size, size) + diag(0.5, size), simplify = FALSE)))
  dimnames(K) <- list(id, id)
  d <- data.frame(id = id, fam = factor(rep(seq_len(nf), each = size)), x = rnorm(n))
  d$y <- 1 + 0.5 * d$x + 1.2 * as.numeric(t(chol(K)) %*% rnorm(n)) + rnorm(n, sd = 0.8)
  list(data = d, K = K)
}

# The REML or ML log-likelihood of y ~ N(X beta, s_g Z K Z' + s_e I), computed densely.
direct_loglik <- function(y, X, ZKZ, s_g, s_e, REML) {
  V <- s_g * ZKZ + diag(s_e, length(y))
  Vi <- solve(V)
  beta <- solve(t(X) %*% Vi %*% X, t(X) %*% Vi %*% y)
  r <- y - X %*% beta
  ll <- -0.5 * (determinant(V)$modulus + sum(r * (Vi %*% r)) + length(y) * log(2 * pi))
  if (REML) ll <- ll - 0.5 * determinant(t(X) %*% Vi %*% X)$modulus + 0.5 * ncol(X) * log(2 * pi)
  as.numeric(ll)
}

test_that("a sib-family relationship matrix gives the same fit as a random family effect", {
  skip_if_not_installed("lme4")
  fd <- family_data()
  for (REML in c(FALSE, TRUE)) {
    fit <- lmm(y ~ x + (1 | id), fd$data, REML = REML, relmat = list(id = fd$K))
    ref <- lme4::lmer(y ~ x + (1 | fam), fd$data, REML = REML)
    expect_equal(as.numeric(logLik(fit)), as.numeric(logLik(ref)), tolerance = 1e-7)
    expect_equal(fixef(fit), lme4::fixef(ref), tolerance = 1e-5)
    s_g <- VarCorr(fit)$id[1, 1]
    s_f <- lme4::VarCorr(ref)$fam[1, 1]
    expect_equal(s_g / 2, s_f, tolerance = 1e-4)
    expect_equal(sigma(fit)^2 + s_g / 2, sigma(ref)^2, tolerance = 1e-5)
  }
})

test_that("the likelihood, BLUPs and conditional variances agree with a dense GLS computation", {
  fd <- family_data(seed = 11)
  d <- fd$data[-(5:7), ]  # unequal family sizes; K keeps rows of the dropped individuals
  fit <- lmm(y ~ x + (1 | id), d, relmat = list(id = fd$K))
  X <- cbind(1, d$x)
  Kd <- fd$K[d$id, d$id]
  s_g <- VarCorr(fit)$id[1, 1]
  s_e <- sigma(fit)^2
  expect_equal(as.numeric(logLik(fit)), direct_loglik(d$y, X, Kd, s_g, s_e, TRUE), tolerance = 1e-9)
  best <- stats::optim(c(s_g, s_e), function(s) -direct_loglik(d$y, X, Kd, s[1], s[2], TRUE),
                       method = "L-BFGS-B", lower = c(1e-6, 1e-6))
  expect_lte(-best$value, as.numeric(logLik(fit)) + 1e-7)
  V <- s_g * Kd + diag(s_e, nrow(d))
  blup <- s_g * Kd %*% solve(V, d$y - X %*% fixef(fit))
  b <- ranef(fit)$id
  expect_equal(b[d$id, 1], as.numeric(blup), tolerance = 1e-6)
  expect_identical(rownames(b), d$id)
  condvar <- solve(diag(nrow(d)) / s_e + solve(s_g * Kd))
  expect_equal(attr(b, "postVar")[1, 1, ], diag(condvar), tolerance = 1e-6, ignore_attr = TRUE)
  expect_equal(fitted(fit), as.numeric(X %*% fixef(fit) + blup), tolerance = 1e-6, ignore_attr = TRUE)
})

test_that("K = identity is the ordinary random intercept, and sparse K the same as dense", {
  sl <- lme4::sleepstudy
  I <- diag(18)
  dimnames(I) <- list(levels(sl$Subject), levels(sl$Subject))
  ordinary <- lmm(Reaction ~ Days + (Days | Subject), sl)
  known <- lmm(Reaction ~ Days + (Days | Subject), sl, relmat = list(Subject = I))
  expect_equal(logLik(known), logLik(ordinary), tolerance = 1e-10)
  expect_equal(ranef(known), ranef(ordinary), tolerance = 1e-8)
  fd <- family_data()
  dense <- lmm(y ~ x + (1 | id), fd$data, relmat = list(id = fd$K))
  sparse <- lmm(y ~ x + (1 | id), fd$data, relmat = list(id = Matrix::Matrix(fd$K, sparse = TRUE)))
  expect_equal(logLik(sparse), logLik(dense), tolerance = 1e-10)
  expect_equal(ranef(sparse), ranef(dense), tolerance = 1e-8)
})

test_that("a singular K (identical twins) works and equals a random effect of the pair", {
  set.seed(5)
  pairs <- 50
  id <- sprintf("t%03d", seq_len(2 * pairs))
  K <- as.matrix(Matrix::bdiag(replicate(pairs, matrix(1, 2, 2), simplify = FALSE)))
  dimnames(K) <- list(id, id)
  d <- data.frame(id = id, pair = factor(rep(seq_len(pairs), each = 2)), x = rnorm(2 * pairs))
  d$y <- d$x + rep(rnorm(pairs), each = 2) + rnorm(2 * pairs)
  twin <- lmm(y ~ x + (1 | id), d, relmat = list(id = K))
  pair <- lmm(y ~ x + (1 | pair), d)
  expect_equal(as.numeric(logLik(twin)), as.numeric(logLik(pair)), tolerance = 1e-8)
  expect_equal(VarCorr(twin)$id[1, 1], VarCorr(pair)$pair[1, 1], tolerance = 1e-5)
})

test_that("every method runs on a model with a relationship matrix and another term", {
  fd <- family_data()
  d <- fd$data
  d$batch <- factor(rep(1:8, length.out = nrow(d)))
  d$y <- d$y + rnorm(8)[d$batch]
  fit <- lmm(y ~ x + (1 | id) + (1 | batch), d, relmat = list(id = fd$K))
  expect_true(all(is.finite(summary(fit)$coefficients)))
  expect_true(all(is.finite(summary(fit, ddf = "Kenward-Roger")$coefficients)))
  expect_true(all(is.finite(as.matrix(anova(fit)))))
  expect_true(all(is.finite(confint(fit, method = "Wald", parm = "beta_"))))
  expect_identical(dim(simulate(fit, nsim = 3, seed = 1)), c(nrow(d), 3L))
  pr <- predict(fit, newdata = d[1:5, ], interval = "confidence")
  expect_true(all(is.finite(pr)))
  expect_equal(pr[, "fit"], fitted(fit)[1:5], ignore_attr = TRUE)
  expect_equal(logLik(lmm(y ~ x + (1 | id) + (1 | batch), d,
                          relmat = list(id = fd$K[rev(d$id), rev(d$id)]))), logLik(fit), tolerance = 1e-10)
})

test_that("a bad relationship matrix is a clear error that says what is wrong", {
  fd <- family_data()
  d <- fd$data
  K <- fd$K
  fit_with <- function(relmat) lmm(y ~ x + (1 | id), d, relmat = relmat)
  expect_error(fit_with(K), "`relmat` must be a list of matrices named by grouping factors")
  expect_error(fit_with(list(K)), "`relmat` must be a list")
  expect_error(fit_with(list(fam = K)), "'fam' is not a grouping factor of the model \\(its grouping factors: id\\)")
  expect_error(fit_with(list(id = unname(K))), "relmat\\$id must have row and column names")
  expect_error(fit_with(list(id = K[-1, -1])), "relmat\\$id lacks 1 level of id in the data, such as 'i001'")
  asym <- K
  asym[1, 2] <- 0.4
  expect_error(fit_with(list(id = asym)), "relmat\\$id is not symmetric: the largest \\|K\\[i, j\\] - K\\[j, i\\]\\| is 0.1")
  neg <- K
  neg[1:2, 1:2] <- matrix(c(1, 2, 2, 1), 2)
  expect_error(fit_with(list(id = neg)), "relmat\\$id is not positive semi-definite: its smallest eigenvalue is -1")
  na <- K
  na[3, 3] <- NA
  expect_error(fit_with(list(id = na)), "relmat\\$id has values that are missing or not finite")
  expect_error(fit_with(list(id = as.data.frame(K))), "relmat\\$id must be a square numeric matrix")
})
