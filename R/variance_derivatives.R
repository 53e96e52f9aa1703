# Derivatives of cov(beta) and of the deviance with respect to the variance parameters, from the engine.

#' Variance-parameter derivatives of a fit, computed once and cached in the fit
#'
#' The variance parameters phi are the elements of each term's covariance
#' matrix (lower triangle, column by column) and sigma^2. Returns the list of
#' the engine: `phi`, `C` (cov(beta)), `P` (list: X'V^-1 V_i V^-1 X), `Q`
#' (list of lists: X'V^-1 V_i V^-1 V_j V^-1 X), `expected` (tr(P V_i P V_j)
#' for REML, tr(V^-1 V_i V^-1 V_j) for ML) and `hessian` (observed Hessian of
#' the deviance). All are computed on q x q and p x p blocks.
#' @noRd
variance_derivatives <- function(fit) {
  cache <- fit$cache
  if (is.environment(cache) && !is.null(cache$derivatives)) return(cache$derivatives)
  d <- .lmmkit_variance_derivatives(engine_data(fit), isTRUE(fit$REML), engine_control(fit$control),
                                    as.numeric(fit$theta), fit$sigma)
  dimnames(d$C) <- list(names(fit$beta), names(fit$beta))
  if (is.environment(cache)) cache$derivatives <- d
  d
}

# Variance parameters not on the boundary: a covariance element of a column whose variance is
# estimated as zero is held fixed, as is that variance itself.
free_varpar <- function(fit) {
  free <- unlist(lapply(fit$re$terms, function(term) {
    k <- term$theta_start + seq_len(term$ncol * (term$ncol + 1L) / 2L)
    T <- matrix(0, term$ncol, term$ncol)
    T[lower.tri(T, diag = TRUE)] <- fit$theta[k]
    zero <- rowSums(T^2) < 1e-10
    idx <- which(lower.tri(T, diag = TRUE), arr.ind = TRUE)
    !(zero[idx[, "row"]] | zero[idx[, "col"]])
  }))
  c(free, TRUE)
}

# Asymptotic covariance of the variance parameters: twice the inverse of the deviance's Hessian.
varpar_covariance <- function(hessian) {
  eig <- eigen(hessian, symmetric = TRUE)
  if (min(eig$values) <= max(abs(eig$values)) * 1e-10) {
    warning("the Hessian of the deviance with respect to the variance parameters is not positive ",
            "definite (a variance on its boundary?): degrees of freedom may be unreliable.",
            call. = FALSE)
    keep <- eig$values > max(abs(eig$values)) * 1e-10
    return(2 * eig$vectors[, keep, drop = FALSE] %*% (t(eig$vectors[, keep, drop = FALSE]) /
                                                        eig$values[keep]))
  }
  2 * solve(hessian)
}

# x' A x
qform <- function(x, A) sum(x * (A %*% x))
