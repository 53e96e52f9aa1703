# Per-SNP association tests of a linear mixed model with a kinship matrix, on data rotated by K's eigenvectors.

#' Wald, likelihood-ratio and score tests of SNPs under y ~ N(W b + x beta, s2 (lambda K + I))
#'
#' The engine's kernel for the genome-wide scan (issue 7): K is decomposed
#' once, y, W and the SNPs are rotated by its eigenvectors, and each SNP's
#' variance ratio lambda is searched in [1e-5, 1e5] as GEMMA does. The Wald
#' test uses the SNP's REML lambda and F(1, n - c - 1); the likelihood ratio
#' its ML lambda against the null model's and chi-square(1); the score test
#' the null model's ML lambda and F(1, n - c - 1).
#'
#' @param y Phenotype, length n.
#' @param W n x c covariate matrix (with the intercept).
#' @param G n x m matrix of SNP dosages, missing values already imputed.
#' @param K n x n kinship matrix.
#' @return A data frame with one row per SNP: `beta`, `se`, `logl_H1` (REML),
#'   `l_remle`, `p_wald`, `l_mle`, `p_lrt`, `p_score` (`NA` for a SNP
#'   collinear with the covariates), and the null model in attribute `null`.
#' @noRd
association_tests <- function(y, W, G, K) {
  e <- eigen(K, symmetric = TRUE)
  d <- e$values
  d[d < 1e-10] <- 0
  rotate <- function(A) crossprod(e$vectors, A)
  res <- .lmmkit_association_rotated(d, rotate(W), as.numeric(rotate(y)), rotate(G))
  stats <- res$stats
  df <- length(y) - ncol(W) - 1
  out <- data.frame(beta = stats[, 1L], se = stats[, 2L], logl_H1 = stats[, 5L], l_remle = stats[, 4L],
                    p_wald = stats::pf(stats[, 3L], 1, df, lower.tail = FALSE), l_mle = stats[, 6L],
                    p_lrt = stats::pchisq(2 * (stats[, 7L] - res$null$logl_mle), 1, lower.tail = FALSE),
                    p_score = stats::pf(stats[, 8L], 1, df, lower.tail = FALSE))
  out[res$flags[, 1L], ] <- NA
  attr(out, "null") <- res$null
  out
}
