# Rank-based inverse normal transformation of a trait, before a genome-wide scan.

#' Rank-based inverse normal transformation
#'
#' `rint()` replaces each value of a numeric vector by the standard normal
#' quantile of its rank, so that a skewed or heavy-tailed trait becomes
#' approximately normal before a genome-wide scan or a mixed-model fit.
#'
#' For the n non-missing values of `x`, let r_i be the rank of value i, with
#' tied values given their average rank (as `rank(ties.method = "average")`).
#' The transformed value is
#'
#' `qnorm((r_i - offset) / (n - 2 * offset + 1))`.
#'
#' The default `offset = 3/8` is Blom's (1958); `offset = 1/2` gives the
#' Rankit and `offset = 0` the van der Waerden scores (Beasley, Erickson and
#' Allison 2009 compare them). With distinct values the result is symmetric
#' about 0 and its mean is 0; tied values share one transformed value. Only
#' the order of the values matters, so any strictly increasing transformation
#' of `x` (a logarithm, say) gives the same result.
#'
#' Missing values (`NA` and `NaN`) are not ranked: they stay `NA` in their
#' place, and n counts the other values only. `Inf` and `-Inf` are ordinary,
#' orderable values: they are ranked last and first, so they receive finite
#' transformed values like any other largest or smallest observation.
#'
#' @param x A numeric vector (the trait). Names are kept.
#' @param offset The rank offset, a single number in \[0, 1/2\]: 3/8 (Blom,
#'   the default), 1/2 (Rankit) or 0 (van der Waerden).
#' @return A numeric (double) vector of the same length and names as `x`,
#'   with `NA` where `x` is missing.
#' @references Blom, G. (1958). *Statistical Estimates and Transformed
#'   Beta-Variables*. Wiley, New York.
#'
#'   Beasley, T. M., Erickson, S. and Allison, D. B. (2009). Rank-based
#'   inverse normal transformations are increasingly used, but are they
#'   merited? *Behavior Genetics*, 39, 580--595.
#'   \doi{10.1007/s10519-009-9281-0}
#' @examples
#' x <- c(a = 3, b = 1, c = 2, d = 2, e = NA)
#' rint(x)
#' rint(x, offset = 1/2)
#'
#' # A skewed trait becomes symmetric; a logarithm first changes nothing
#' y <- c(0.1, 0.2, 0.4, 1, 3, 12, 150)
#' rint(y)
#' all.equal(rint(log(y)), rint(y))
#' @export
#' @family genetics
rint <- function(x, offset = 3/8) {
  if (!is.numeric(x)) {
    stop("rint(): `x` must be numeric, not ", describe_type(x), ".",
         call. = FALSE)
  }
  check_rint_offset(offset)
  ok <- !is.na(x)
  n <- sum(ok)
  if (n < 2L) {
    stop("rint(): `x` has ", n, " non-missing value", if (n == 1L) "" else "s",
         "; at least 2 are needed to rank.", call. = FALSE)
  }
  r <- rank(x[ok], ties.method = "average")
  out <- rep(NA_real_, length(x))
  out[ok] <- stats::qnorm((r - offset) / (n - 2 * offset + 1))
  names(out) <- names(x)
  out
}

#' `offset` must be a single number in [0, 1/2]
#' @noRd
check_rint_offset <- function(offset) {
  ok <- is.numeric(offset) && length(offset) == 1L && !is.na(offset) &&
    offset >= 0 && offset <= 0.5
  if (!ok) {
    what <- if (!is.numeric(offset)) describe_type(offset)
            else if (length(offset) != 1L) paste("of length", length(offset))
            else format(offset)
    stop("rint(): `offset` must be a single number between 0 and 1/2, not ",
         what, ".", call. = FALSE)
  }
  invisible(offset)
}
