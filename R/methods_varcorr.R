# Variance components of an lmm fit: VarCorr() with print and as.data.frame methods.

#' Relative covariance factor of one random-effect term
#'
#' Theta holds, for each term, the lower triangle of its p_k x p_k factor T_k
#' column by column (lme4's order), starting at `term$theta_start` (0-based).
#' @param theta The full theta vector.
#' @param term One element of `re$terms`.
#' @return The lower-triangular p_k x p_k matrix T_k, dimnames from the term's
#'   column names.
#' @noRd
relative_cov_factor <- function(theta, term) {
  p <- term$ncol
  Tk <- matrix(0, p, p, dimnames = list(term$cnms, term$cnms))
  Tk[lower.tri(Tk, diag = TRUE)] <- theta[term$theta_start + seq_len(p * (p + 1) / 2)]
  Tk
}

#' Covariance matrix of one random-effect term, sigma^2 T_k T_k'
#' @noRd
term_covariance <- function(object, term) {
  tcrossprod(object$sigma * relative_cov_factor(object$theta, term))
}

#' Variance components of an lmm fit
#'
#' `VarCorr()` extracts the estimated covariance matrix of the random effects
#' of each random-effect term, in the layout of lme4's `VarCorr.merMod()`.
#'
#' @param x An [`lmm`][lmm] object.
#' @param sigma Residual standard deviation used to scale the relative
#'   covariances; by default the fit's estimate.
#' @param ... Ignored.
#' @return An object of class `"VarCorr.lmm"`: a list with one covariance
#'   matrix per random-effect term, named by the term's grouping factor (made
#'   unique with [make.names()] when several terms share a factor, as lme4 does,
#'   e.g. `"Subject"`, `"Subject.1"` for `(Days || Subject)`). Each matrix has
#'   attributes `stddev` (standard deviations) and `correlation`; the list has
#'   attribute `sc`, the residual standard deviation.
#' @seealso [as.data.frame.VarCorr.lmm()], [sigma.lmm()]
#' @examples
#' fit <- lmm(time ~ feed + (1 | bird), data = pigeons)
#' VarCorr(fit)
#' as.data.frame(VarCorr(fit))
#' @method VarCorr lmm
#' @export
#' @family random effects
VarCorr.lmm <- function(x, sigma = 1, ...) {
  if (missing(sigma)) sigma <- x$sigma
  terms <- x$re$terms
  ans <- lapply(terms, function(term) {
    val <- tcrossprod(sigma * relative_cov_factor(x$theta, term))
    stddev <- sqrt(diag(val))
    corr <- t(val / stddev) / stddev
    diag(corr) <- 1
    structure(val, stddev = stddev, correlation = corr)
  })
  nms <- vapply(terms, `[[`, "", "group")
  if (anyDuplicated(nms)) nms <- make.names(nms, unique = TRUE)
  names(ans) <- nms
  structure(ans, sc = sigma, useSc = TRUE, class = "VarCorr.lmm")
}

#' Print variance components
#'
#' @param x A `"VarCorr.lmm"` object.
#' @param digits Number of significant digits.
#' @param comp Which columns to show: any of `"Variance"` and `"Std.Dev."`.
#' @param ... Passed to [print()].
#' @return `x`, invisibly.
#' @export
print.VarCorr.lmm <- function(x, digits = max(3, getOption("digits") - 2),
                              comp = "Std.Dev.", ...) {
  print(format_varcorr(x, digits = digits, comp = comp), quote = FALSE, ...)
  invisible(x)
}

#' Character table of variance components (lme4's formatVC layout)
#'
#' Columns Groups, Name, the requested `comp` columns, then the lower
#' triangle of each term's correlation matrix under "Corr"; the last row is
#' the residual.
#' @noRd
format_varcorr <- function(varcor, digits, comp = "Std.Dev.") {
  comp <- match.arg(comp, c("Variance", "Std.Dev."), several.ok = TRUE)
  comp <- intersect(c("Variance", "Std.Dev."), comp)
  sds <- c(lapply(varcor, attr, "stddev"), list(Residual = unname(attr(varcor, "sc"))))
  lens <- lengths(sds)
  nr <- sum(lens)
  tab <- array("", c(nr, 2L + length(comp)),
               list(rep.int("", nr), c("Groups", "Name", comp)))
  tab[1 + cumsum(lens) - lens, "Groups"] <- names(lens)
  tab[, "Name"] <- c(unlist(lapply(varcor, colnames)), "")
  if ("Variance" %in% comp) tab[, "Variance"] <- format(unlist(sds)^2, digits = digits)
  if ("Std.Dev." %in% comp) tab[, "Std.Dev."] <- format(unlist(sds), digits = digits)
  if (all(lens <= 1)) return(tab)
  cbind(tab, format_varcorr_corr(varcor, digits, max(lens), nr))
}

#' The "Corr" columns of format_varcorr()
#' @noRd
format_varcorr_corr <- function(varcor, digits, maxlen, nrows) {
  dig <- max(2, digits - 2)
  blocks <- lapply(varcor, function(v) {
    cc <- format(round(attr(v, "correlation"), dig), nsmall = dig)
    cc[!lower.tri(cc)] <- ""
    cbind(cc, matrix("", nrow(cc), maxlen - nrow(cc)))
  })
  corr <- do.call(rbind, blocks)[, -maxlen, drop = FALSE]
  corr <- rbind(corr, matrix("", nrows - nrow(corr), ncol(corr)))
  colnames(corr) <- c("Corr", rep.int("", ncol(corr) - 1L))
  dimnames(corr) <- list(NULL, colnames(corr))
  corr
}

#' Variance components as a data frame
#'
#' One row per variance and covariance, in lme4's layout and order: for each
#' term, the variances, then the covariances (lower triangle, column by
#' column), then a `"Residual"` row.
#'
#' @param x A `"VarCorr.lmm"` object.
#' @param row.names,optional Ignored (for compatibility with the generic).
#' @param order `"cov.last"` (variances of a term first, then its
#'   covariances) or `"lower.tri"` (the term's lower triangle column by column).
#' @param ... Ignored.
#' @return A data frame with columns `grp` (the term's name in `x`), `var1`,
#'   `var2` (`NA` for variances), `vcov` (variance or covariance) and `sdcor`
#'   (standard deviation or correlation).
#' @examples
#' fit <- lmm(time ~ feed + (1 | loft/bird), data = pigeons)
#' as.data.frame(VarCorr(fit))
#' @export
as.data.frame.VarCorr.lmm <- function(x, row.names = NULL, optional = FALSE,
                                      order = c("cov.last", "lower.tri"), ...) {
  order <- match.arg(order)
  rows <- Map(varcorr_term_rows, x, names(x), MoreArgs = list(order = order))
  resid <- data.frame(grp = "Residual", var1 = NA_character_, var2 = NA_character_,
                      vcov = attr(x, "sc")^2, sdcor = attr(x, "sc"))
  r <- do.call(rbind, c(unname(rows), list(resid)))
  rownames(r) <- NULL
  r
}

#' Rows of as.data.frame.VarCorr.lmm() for one term
#' @noRd
varcorr_term_rows <- function(v, grp, order) {
  lt <- lower.tri(v)
  nm <- rownames(v)
  n <- nrow(v)
  dd <- data.frame(grp = grp, var1 = nm[c(seq_len(n), col(v)[lt])],
                   var2 = c(rep(NA_character_, n), nm[row(v)[lt]]),
                   vcov = c(diag(v), v[lt]),
                   sdcor = c(attr(v, "stddev"), attr(v, "correlation")[lt]))
  if (order == "lower.tri") {
    m <- matrix(NA_integer_, n, n)
    diag(m) <- seq_len(n)
    m[lower.tri(m)] <- seq_len(n * (n - 1) / 2) + n
    dd <- dd[m[lower.tri(m, diag = TRUE)], ]
  }
  dd
}
