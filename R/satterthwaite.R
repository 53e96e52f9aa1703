# Satterthwaite degrees of freedom for contrasts of the fixed effects, from exact derivatives.

# One contrast l: estimate, variance and df = 2 (l'Cl)^2 / (g' A g), g_i = l' C P_i C l.
satterthwaite_1d <- function(fit, d, l) {
  C <- d$C
  var_l <- qform(l, C)
  Cl <- C %*% l
  vp <- satterthwaite_varpar(fit, d)
  g <- vapply(d$P[vp$free], function(P) qform(Cl, P), numeric(1))
  list(estimate = sum(l * fit$beta), se = sqrt(var_l), df = 2 * var_l^2 / qform(g, vp$A))
}

# The free variance parameters and their asymptotic covariance A, once per fit (cached with d).
satterthwaite_varpar <- function(fit, d) {
  cache <- fit$cache
  if (is.environment(cache) && !is.null(cache$satterthwaite)) return(cache$satterthwaite)
  free <- free_varpar(fit)
  vp <- list(free = free, A = varpar_covariance(d$hessian[free, free, drop = FALSE]))
  if (is.environment(cache)) cache$satterthwaite <- vp
  vp
}

# Several contrasts: lmerTest's construction through the eigen-decomposition of L C L'.
satterthwaite_F <- function(fit, d, L) {
  eig <- eigen(L %*% d$C %*% t(L), symmetric = TRUE)
  pos <- eig$values > max(sqrt(.Machine$double.eps) * eig$values[1], 0)
  q <- sum(pos)
  if (q == 0L) return(f_row(NA_real_, 0L, NA_real_, fit$sigma))
  PtL <- crossprod(eig$vectors, L)[seq_len(q), , drop = FALSE]
  if (q == 1L) {
    one <- satterthwaite_1d(fit, d, PtL[1, ])
    return(f_row((one$estimate / one$se)^2, 1L, one$df, fit$sigma))
  }
  t2 <- drop(PtL %*% fit$beta)^2 / eig$values[seq_len(q)]
  nu <- vapply(seq_len(q), function(m) satterthwaite_1d(fit, d, PtL[m, ])$df, numeric(1))
  f_row(sum(t2) / q, q, combined_F_ddf(nu), fit$sigma)
}

# Denominator df of an F statistic whose q components have df nu (lmerTest's rule).
combined_F_ddf <- function(nu, tol = 1e-8) {
  if (length(nu) == 1L || all(abs(nu - nu[1]) < tol)) return(nu[1])
  if (any(nu <= 2)) return(2)
  E <- sum(nu / (nu - 2))
  2 * E / (E - length(nu))
}

# One row of an F table in lmerTest's layout.
f_row <- function(F_value, ndf, ddf, sigma, F_scale = 1) {
  mean_sq <- F_value * sigma^2
  F_value <- F_value * F_scale
  data.frame(`Sum Sq` = mean_sq * ndf, `Mean Sq` = mean_sq, NumDF = ndf, DenDF = ddf,
             `F value` = F_value, `Pr(>F)` = stats::pf(F_value, ndf, ddf, lower.tail = FALSE),
             check.names = FALSE)
}
