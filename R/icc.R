# Intraclass correlations of an lmm fit, per grouping factor.

#' Intraclass correlations of an lmm fit
#'
#' `icc()` returns, for each distinct grouping factor, the share of the total
#' variance due to that factor.
#'
#' Let sigma^2 be the residual variance and, for each random-effect term k
#' with covariance matrix Sigma_k, let tau_k^2 be its intercept variance
#' (0 when the term has no intercept column).
#'
#' * `icc`: for grouping factor g,
#'   `sum(tau_k^2 for the terms k of g) / (sum(tau_k^2 over all terms) + sigma^2)`.
#'   For a model with random intercepts only this is the usual ICC: the
#'   correlation of two observations sharing level of g (and no other
#'   level). It is `NA` for a factor with no random intercept.
#' * `adjusted` (only when some term has a column other than the intercept,
#'   e.g. a random slope): the random-effect variance averaged over the
#'   observed design, as the adjusted ICC of Nakagawa, Johnson and Schielzeth
#'   (2017). For term k let `v_k = mean_i(z_ik' Sigma_k z_ik)`, the mean over
#'   observations of the diagonal of Z_k Sigma_k Z_k' (z_ik holds the
#'   term's model-matrix row of observation i, e.g. (1, Days_i)). Then for
#'   grouping factor g,
#'   `adjusted = sum(v_k for the terms k of g) / (sum(v_k over all terms) + sigma^2)`.
#'   The values over all grouping factors add up to Nakagawa et al.'s adjusted
#'   ICC of the whole model; for intercept-only terms `v_k = tau_k^2`.
#'
#' Prior weights are ignored: sigma^2 is used as the residual variance.
#'
#' lme4 has no ICC function; the definitions above agree with
#' `performance::icc()` for the whole-model adjusted ICC.
#'
#' @param x An [`lmm`][lmm] object.
#' @param ... Ignored.
#' @return A data frame of class `"lmm_icc"` with one row per grouping
#'   factor and columns `group`, `icc` and, for models with random slopes,
#'   `adjusted`.
#' @references Nakagawa, S., Johnson, P. C. D. and Schielzeth, H. (2017).
#'   The coefficient of determination R^2 and intra-class correlation
#'   coefficient from generalized linear mixed-effects models revisited and
#'   expanded. *Journal of the Royal Society Interface*, 14, 20170213.
#'   \doi{10.1098/rsif.2017.0213}
#' @examples
#' fit <- lmm(time ~ feed + (1 | bird), data = pigeons)
#' icc(fit)
#' @export
icc.lmm <- function(x, ...) {
  terms <- x$re$terms
  covs <- lapply(terms, term_covariance, object = x)
  tau2 <- vapply(covs, function(S) {
    if ("(Intercept)" %in% rownames(S)) S["(Intercept)", "(Intercept)"] else 0
  }, 0)
  groups <- terms_by_group(x$re)
  has_int <- vapply(groups, function(idx) any(vapply(terms[idx], function(t) {
    "(Intercept)" %in% t$cnms
  }, NA)), NA)
  out <- data.frame(group = names(groups),
                    icc = vapply(groups, function(idx) sum(tau2[idx]), 0) /
                      (sum(tau2) + x$sigma^2))
  out$icc[!has_int] <- NA_real_
  if (any(vapply(terms, function(t) any(t$cnms != "(Intercept)"), NA))) {
    v <- vapply(seq_along(terms), function(k) design_variance(x, terms[[k]], covs[[k]]), 0)
    out$adjusted <- vapply(groups, function(idx) sum(v[idx]), 0) / (sum(v) + x$sigma^2)
  }
  rownames(out) <- NULL
  structure(out, class = c("lmm_icc", "data.frame"))
}

#' Mean over observations of z_i' Sigma_k z_i for one term
#'
#' Column j of the term's model matrix is recovered from Zt by summing the
#' rows of that column over all levels (each observation has one level).
#' @noRd
design_variance <- function(object, term, Sigma) {
  p <- term$ncol
  rows <- term$col_start + seq_len(term$nlevels * p)
  Zk <- object$re$Zt[rows, , drop = FALSE]
  M <- vapply(seq_len(p), function(j) {
    as.vector(Matrix::colSums(Zk[seq(j, by = p, length.out = term$nlevels), , drop = FALSE]))
  }, numeric(ncol(Zk)))
  M <- matrix(M, ncol = p)
  mean(rowSums((M %*% Sigma) * M))
}

#' Format an ICC table for printing
#' @noRd
format_icc <- function(x, digits) {
  out <- as.data.frame(unclass(x), stringsAsFactors = FALSE)
  num <- vapply(out, is.numeric, NA)
  out[num] <- lapply(out[num], function(v) format(round(v, digits), nsmall = 1L))
  out
}

#' Print intraclass correlations
#'
#' @param x An `"lmm_icc"` object from [icc.lmm()].
#' @param digits Number of decimal places.
#' @param ... Ignored.
#' @return `x`, invisibly.
#' @export
print.lmm_icc <- function(x, digits = 3, ...) {
  cat("Intraclass correlation by grouping factor\n")
  print(format_icc(x, digits), row.names = FALSE)
  if ("adjusted" %in% names(x)) {
    cat("(adjusted: random-effect variance averaged over the observed design)\n")
  }
  invisible(x)
}
