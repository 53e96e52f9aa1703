# Kenward-Roger adjusted covariance of the fixed effects and denominator degrees of freedom.

# REML fit for Kenward-Roger: an ML fit is refitted, with a message.
as_reml_fit <- function(fit) {
  if (isTRUE(fit$REML)) return(fit)
  message("Kenward-Roger's method needs a REML fit: refitting the model with REML.")
  refit_lmm(fit, REML = TRUE)
}

# The adjusted covariance of a REML fit, computed once per fit (cached with the derivatives).
kr_vcov <- function(fit) {
  cache <- fit$cache
  if (is.environment(cache) && !is.null(cache$kr_vcov)) return(cache$kr_vcov)
  adjusted <- kr_adjusted_vcov(variance_derivatives(fit))
  if (is.environment(cache)) cache$kr_vcov <- adjusted
  adjusted
}

# Phi_A = Phi + 2 Phi U Phi, U = sum_ij W_ij (Q_ij - P_i Phi P_j), W = 2 (tr(P V_i P V_j))^{-1}
# (Kenward and Roger 1997, eq. 4, with R_ij = 0 because V is linear in the parameters).
kr_adjusted_vcov <- function(d) {
  Phi <- d$C
  if (rcond(d$expected) < 1e-12) {
    stop("Kenward-Roger's method is undefined for this model: the information matrix of the ",
         "variance parameters is singular (are two random-effect terms confounded?). ",
         "Use ddf = \"Satterthwaite\".", call. = FALSE)
  }
  W <- 2 * solve(d$expected)
  m <- length(d$P)
  U <- matrix(0, nrow(Phi), ncol(Phi))
  for (i in seq_len(m)) {
    for (j in seq_len(m)) U <- U + W[i, j] * (d$Q[[i]][[j]] - d$P[[i]] %*% Phi %*% d$P[[j]])
  }
  adjusted <- Phi + 2 * Phi %*% U %*% Phi
  adjusted <- (adjusted + t(adjusted)) / 2
  dimnames(adjusted) <- dimnames(Phi)
  structure(adjusted, W = W)
}

# The scaled Wald F and its denominator df for the rows of L (pbkrtest's formulas).
kr_F <- function(fit, d, adjusted, L) {
  q <- qr(L)$rank
  stats <- kr_moments(d, adjusted, L, q)
  Lb <- L %*% fit$beta
  F_unscaled <- drop(t(Lb) %*% solve(L %*% adjusted %*% t(L), Lb)) / q
  f_row(F_unscaled, q, stats$ddf, fit$sigma, F_scale = stats$F_scale)
}

kr_moments <- function(d, adjusted, L, q) {
  Phi <- d$C
  W <- attr(adjusted, "W")
  Theta <- t(L) %*% solve(L %*% Phi %*% t(L), L)
  u <- lapply(d$P, function(P) Theta %*% Phi %*% P %*% Phi)
  traces <- vapply(u, function(x) sum(diag(x)), numeric(1))
  A1 <- sum(W * outer(traces, traces))
  A2 <- sum(W * outer(seq_along(u), seq_along(u), Vectorize(function(i, j) sum(u[[i]] * t(u[[j]])))))
  B <- (A1 + 6 * A2) / (2 * q)
  g <- ((q + 1) * A1 - (q + 4) * A2) / ((q + 2) * A2)
  denom <- 3 * q + 2 * (1 - g)
  c1 <- g / denom
  c2 <- (q - g) / denom
  c3 <- (q + 2 - g) / denom
  V0 <- 1 + c1 * B
  V0 <- if (abs(V0) < 1e-10) 0 else V0
  V1 <- 1 - c2 * B
  V2 <- 1 - c3 * B
  rho <- (1 / q) * ((1 - A2 / q) / V1)^2 * V0 / V2
  ddf <- 4 + (q + 2) / (q * rho - 1)
  F_scale <- if (abs(ddf - 2) < 0.01) 1 else ddf * (1 - A2 / q) / (ddf - 2)
  list(ddf = ddf, F_scale = F_scale)
}

# One contrast l: the adjusted standard error and the df.
kr_1d <- function(fit, d, adjusted, l) {
  L <- matrix(l, nrow = 1)
  list(estimate = sum(l * fit$beta), se = sqrt(qform(l, adjusted)),
       df = kr_moments(d, adjusted, L, 1L)$ddf)
}
