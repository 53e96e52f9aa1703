# Settings for lmm(): the factorization layout, the optimizer's tolerances and how problems are reported.

#' Control settings for [lmm()]
#'
#' @param factor How the engine stores the Cholesky factor. `"auto"` (the
#'   default) keeps the first random-effect term (the one with the most levels)
#'   block-diagonal and the remaining terms dense, or sparse when they have more
#'   than `dense_limit` columns. `"blocked"` forces the dense remainder;
#'   `"sparse"` uses one general sparse Cholesky factor with a fill-reducing
#'   ordering, as lme4 does, which suits many nested or crossed terms.
#' @param dense_limit Largest number of random-effect columns, after the first
#'   term, held in a dense block by `factor = "auto"`.
#' @param ftol_abs,ftol_rel,xtol_abs Stopping tolerances of the BOBYQA
#'   optimizer (NLopt): absolute and relative change of the objective, absolute
#'   change of theta.
#' @param maxeval Largest number of objective evaluations.
#' @param check.singular What to do when the fit is singular (a variance
#'   estimated as zero or a correlation of +-1): `"message"` (default),
#'   `"warning"`, `"ignore"` or `"stop"`.
#' @param check.conv What to do when the optimizer did not converge or the
#'   gradient at the optimum is not small: `"warning"` (default), `"message"`,
#'   `"ignore"` or `"stop"`.
#' @param singular.tol Tolerance of [isSingular()]: a fit is singular when a
#'   diagonal element of a relative covariance factor is below it.
#' @param grad.tol Largest acceptable absolute gradient of the objective at
#'   the optimum (for parameters not on a bound).
#' @param condVar Compute the conditional variances of the random effects.
#' @param standardize Fit in the engine's internal parametrisation (`TRUE`,
#'   the default): fixed-effect and random-effect columns centred and
#'   orthonormalised, the response net of its least-squares fit and scaled,
#'   then every estimate transformed back. The fit is the same model; the
#'   computation keeps its precision whatever the location and scale of the
#'   data. `FALSE` works on the data as given (for comparison only).
#' @return A list of class `"lmm_control"`.
#' @examples
#' lmm_control(check.singular = "ignore")
#' @export
lmm_control <- function(factor = c("auto", "blocked", "sparse"), dense_limit = 4000L,
                        ftol_abs = 1e-12, ftol_rel = 1e-15, xtol_abs = 1e-10,
                        maxeval = 100000L,
                        check.singular = c("message", "warning", "ignore", "stop"),
                        check.conv = c("warning", "message", "ignore", "stop"),
                        singular.tol = 1e-4, grad.tol = 2e-3, condVar = TRUE,
                        standardize = TRUE) {
  factor <- match.arg(factor)
  check.singular <- match.arg(check.singular)
  check.conv <- match.arg(check.conv)
  positive <- c(ftol_abs = ftol_abs, ftol_rel = ftol_rel, xtol_abs = xtol_abs,
                singular.tol = singular.tol, grad.tol = grad.tol)
  bad <- !is.finite(positive) | positive < 0
  if (any(bad)) {
    stop("lmm_control(): ", paste(names(positive)[bad], collapse = ", "),
         " must be a non-negative number.", call. = FALSE)
  }
  if (!is.numeric(maxeval) || length(maxeval) != 1L || maxeval < 1) {
    stop("lmm_control(): maxeval must be a positive whole number.", call. = FALSE)
  }
  if (!is.numeric(dense_limit) || length(dense_limit) != 1L || dense_limit < 0) {
    stop("lmm_control(): dense_limit must be a non-negative whole number.", call. = FALSE)
  }
  structure(list(factor = factor, dense_limit = as.integer(dense_limit),
                 ftol_abs = ftol_abs, ftol_rel = ftol_rel, xtol_abs = xtol_abs,
                 maxeval = as.integer(maxeval), check.singular = check.singular,
                 check.conv = check.conv, singular.tol = singular.tol,
                 grad.tol = grad.tol, condvar = isTRUE(condVar),
                 standardize = isTRUE(standardize)),
            class = "lmm_control")
}

# Reports a problem with the severity the user chose in lmm_control().
report_problem <- function(text, severity) {
  switch(severity,
         stop = stop(text, call. = FALSE),
         warning = warning(text, call. = FALSE),
         message = message(text),
         ignore = invisible(NULL))
}
