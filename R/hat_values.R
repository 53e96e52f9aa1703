# Leverages and Cook's distances of lmm fits, from a sparse factor, in column blocks (no n x n matrix).

#' Leverages and Cook's distances of an lmm fit
#'
#' `hatvalues()` returns the diagonal of the hat matrix of the penalized
#' least-squares problem that defines the fit, as lme4's
#' `hatvalues.merMod()`: with W the prior weights, Lambda the relative
#' covariance factor and C = \[Z Lambda, X\],
#' H = W^(1/2) C (C' W C + diag(I_q, 0))^-1 C' W^(1/2),
#' the matrix that maps W^(1/2) y to W^(1/2) times the conditional fitted
#' values. Its trace is the effective number of parameters of the fit.
#'
#' `cooks.distance()` follows lme4's `cooks.distance.merMod()`:
#' D_i = (r_i / (1 - h_i))^2 h_i / (sigma^2 p), with r_i the Pearson residual
#' sqrt(w_i) (y_i - fitted_i), h_i the leverage and p the number of fixed
#' effects; an observation with leverage 1 gets `NaN`.
#'
#' The diagonal is computed without forming H: the sparse Cholesky factor L
#' of Lambda' Z' W Z Lambda + I gives the random-effect part
#' ||L^-1 Lambda' z_i sqrt(w_i)||^2, and the fixed-effect part comes from
#' the p x p factor of the Schur complement; both are taken over blocks of
#' observations, so memory stays of the order of the number of random
#' effects times the block size. An observation with prior weight 0 has
#' leverage 0 and Cook's distance 0. Under `na.action = na.exclude` the
#' results are padded with `NA` for the rows left out, as [residuals.lmm()].
#'
#' @param model An [`lmm`][lmm] object.
#' @param ... Ignored.
#' @return A numeric vector, one element per observation, named as
#'   [fitted.lmm()].
#' @seealso [augment.lmm()]
#' @examples
#' fit <- lmm(time ~ feed + (1 | bird), data = pigeons)
#' head(hatvalues(fit))
#' head(cooks.distance(fit))
#' sum(hatvalues(fit))
#' @importFrom stats hatvalues
#' @export
#' @family diagnostics
hatvalues.lmm <- function(model, ...) per_observation(model, leverages(model))

#' @rdname hatvalues.lmm
#' @importFrom stats cooks.distance
#' @export
cooks.distance.lmm <- function(model, ...) per_observation(model, cook_distances(model))

#' Cook's distances, one per observation used in the fit (lme4's formula)
#' @noRd
cook_distances <- function(fit) {
  h <- leverages(fit)
  pearson <- sqrt(fit$weights) * fit$resid
  distance <- (pearson / (1 - h))^2 * h / (fit$sigma^2 * ncol(fit$X))
  distance[is.infinite(distance)] <- NaN
  unname(distance)
}

#' Diagonal of the hat matrix, one element per observation used in the fit
#'
#' Cached in the fit's environment: augment() asks for it twice.
#' @noRd
leverages <- function(fit) {
  cache <- fit$cache
  if (is.environment(cache) && !is.null(cache$leverages)) return(cache$leverages)
  h <- hat_diagonal(hat_factors(fit))
  if (is.environment(cache)) cache$leverages <- h
  h
}

#' The pieces of the penalized least-squares factor that the leverages need
#'
#' `Ut` = Lambda' Z' W^(1/2) (q x n, sparse), `L` the sparse Cholesky factor
#' of Ut Ut' + I (fill-reducing permutation), `Xw` = W^(1/2) X,
#' `RZX` = L^-1 P Ut Xw and `RX` the upper-triangular factor of
#' Xw'Xw - RZX'RZX.
#' @noRd
hat_factors <- function(fit) {
  random <- random_effect_factor(fit)
  Ut <- random$Ut
  L <- random$L
  Xw <- fit$X * sqrt(fit$weights)
  RZX <- as.matrix(solve_lower(L, Ut %*% Xw))
  RX <- if (ncol(Xw) > 0L) chol(crossprod(Xw) - crossprod(RZX)) else matrix(0, 0L, 0L)
  list(Ut = Ut, L = L, Xw = Xw, RZX = RZX, RX = RX)
}

#' Ut = Lambda' Z' W^(1/2) and the sparse Cholesky factor L of Ut Ut' + I (fill-reducing
#' permutation), as lme4's L
#' @noRd
random_effect_factor <- function(fit) {
  Lambda <- lambda_matrix(fit$theta, fit$re$terms)
  Ut <- Matrix::crossprod(Lambda, engine_Zt(fit$re)) %*% Matrix::Diagonal(x = sqrt(fit$weights))
  Ut <- methods::as(Ut, "CsparseMatrix")
  list(Ut = Ut, L = Matrix::Cholesky(Matrix::tcrossprod(Ut), perm = TRUE, LDL = FALSE, Imult = 1))
}

#' L^-1 P B for the permuted sparse Cholesky factor L
#' @noRd
solve_lower <- function(L, B) {
  Matrix::solve(L, Matrix::solve(L, B, system = "P"), system = "L")
}

#' Leverages from hat_factors(), over blocks of observations
#'
#' For observation i with column c_i of Ut and row x_i of Xw:
#' h_i = ||L^-1 P c_i||^2 + ||RX^-T (x_i - RZX' L^-1 P c_i)||^2.
#' A block holds at most about `max_entries` numbers when L^-1 P Ut is dense.
#' @noRd
hat_diagonal <- function(parts, max_entries = 2^23) {
  n <- ncol(parts$Ut)
  block <- max(256L, min(n, floor(max_entries / max(1L, nrow(parts$Ut)))))
  starts <- seq(1L, n, by = block)
  h <- numeric(n)
  for (start in starts) {
    rows <- seq.int(start, min(n, start + block - 1L))
    h[rows] <- block_leverages(parts, rows)
  }
  h
}

#' Leverages of the observations `rows` (one block of hat_diagonal())
#' @noRd
block_leverages <- function(parts, rows) {
  random_part <- solve_lower(parts$L, parts$Ut[, rows, drop = FALSE])
  h <- Matrix::colSums(random_part^2)
  if (ncol(parts$Xw) == 0L) return(as.numeric(h))
  adjusted <- t(parts$Xw[rows, , drop = FALSE]) - as.matrix(Matrix::crossprod(parts$RZX, random_part))
  fixed_part <- forwardsolve(t(parts$RX), adjusted)
  as.numeric(h + colSums(fixed_part^2))
}
