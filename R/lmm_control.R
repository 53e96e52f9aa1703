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
#' @param optimizer The method that minimises the profiled objective over
#'   theta (both from NLopt). `"bobyqa"`: Powell's derivative-free BOBYQA,
#'   as lme4 uses, with theta's lower bounds. `"lbfgs"`: L-BFGS on the exact
#'   gradient of the objective. It searches without bounds (the objective
#'   depends on each column of a relative covariance factor only up to its
#'   sign) and maps its end to non-negative diagonals. The end is taken when
#'   the gradient there is below 1e-4 (in units of max(1, |theta|)) and no
#'   variance is at or near zero. Otherwise, as for singular fits, BOBYQA
#'   goes on from it. `"lbfgs"` needs the dense layout after the first term
#'   and falls back to BOBYQA otherwise. `"auto"` (the default) takes
#'   `"lbfgs"` for models with at least 3 variance parameters where the dense
#'   layout is used, else `"bobyqa"`. `fit$optinfo$optimizer` says which ran.
#' @param ftol_abs,ftol_rel,xtol_abs Stopping tolerances of the optimizer:
#'   absolute and relative change of the objective, absolute change of theta.
#' @param maxeval Largest number of objective evaluations of one optimizer
#'   run. An evaluation with the exact gradient counts as one, though it
#'   costs about 2.5. A fit near the boundary can take a second run, from
#'   the data as given.
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
#' @param threads Threads for the engine's dense kernels (the Cholesky factor
#'   of the random-effect block after the first term). `NULL` (the default)
#'   takes [lmmkit_threads()] at fit time. The fit is the same whatever the
#'   number: each element of the factor is summed in a fixed order. When R is
#'   linked to an optimized BLAS ([use_optimized_blas()]) that block is
#'   factored by R's LAPACK, which sets its own threads.
#' @return A list of class `"lmm_control"`.
#' @examples
#' lmm_control(check.singular = "ignore")
#' @export
#' @family model fitting
lmm_control <- function(factor = c("auto", "blocked", "sparse"), dense_limit = 4000L,
                        optimizer = c("auto", "bobyqa", "lbfgs"),
                        ftol_abs = 1e-12, ftol_rel = 1e-15, xtol_abs = 1e-10,
                        maxeval = 100000L,
                        check.singular = c("message", "warning", "ignore", "stop"),
                        check.conv = c("warning", "message", "ignore", "stop"),
                        singular.tol = 1e-4, grad.tol = 2e-3, condVar = TRUE,
                        standardize = TRUE, threads = NULL) {
  factor <- match_control_choice(factor, c("auto", "blocked", "sparse"), "factor")
  optimizer <- match_control_choice(optimizer, c("auto", "bobyqa", "lbfgs"), "optimizer")
  check.singular <- match_control_choice(check.singular, c("message", "warning", "ignore", "stop"),
                                         "check.singular")
  check.conv <- match_control_choice(check.conv, c("warning", "message", "ignore", "stop"),
                                     "check.conv")
  tolerances <- list(ftol_abs = ftol_abs, ftol_rel = ftol_rel, xtol_abs = xtol_abs,
                     singular.tol = singular.tol, grad.tol = grad.tol)
  for (nm in names(tolerances)) {
    check_control_number(tolerances[[nm]], nm, "a single non-negative finite number")
  }
  check_control_number(maxeval, "maxeval", "a single positive whole number", lower = 1,
                       whole = TRUE)
  check_control_number(dense_limit, "dense_limit", "a single non-negative whole number",
                       whole = TRUE)
  if (!is.null(threads)) {
    check_control_number(threads, "threads", "NULL or a single positive whole number", lower = 1,
                         whole = TRUE)
    threads <- as.integer(threads)
  }
  for (nm in c("condVar", "standardize")) {
    value <- get(nm)
    if (!is.logical(value) || length(value) != 1L || is.na(value)) {
      stop("lmm_control(): `", nm, "` must be TRUE or FALSE, not ", describe_value(value), ".",
           call. = FALSE)
    }
  }
  structure(list(factor = factor, dense_limit = as.integer(dense_limit), optimizer = optimizer,
                 ftol_abs = ftol_abs, ftol_rel = ftol_rel, xtol_abs = xtol_abs,
                 maxeval = as.integer(maxeval), check.singular = check.singular,
                 check.conv = check.conv, singular.tol = singular.tol,
                 grad.tol = grad.tol, condvar = condVar, standardize = standardize,
                 threads = threads),
            class = "lmm_control")
}

#' A choice of lmm_control(), matched as match.arg() does (the first choice
#' by default, unique abbreviations allowed), with a message naming it
#' @noRd
match_control_choice <- function(x, choices, name) {
  if (identical(x, choices)) return(choices[1L])
  hit <- if (is.character(x) && length(x) == 1L && !is.na(x)) pmatch(x, choices) else NA
  if (is.na(hit)) {
    stop("lmm_control(): `", name, "` must be one of ", paste0("\"", choices, "\"", collapse = ", "),
         ", not ", describe_value(x), ".", call. = FALSE)
  }
  choices[hit]
}

#' A numeric setting of lmm_control(): one finite number at or above `lower`
#' (and a whole number that fits an integer when `whole`)
#' @noRd
check_control_number <- function(x, name, expected, lower = 0, whole = FALSE) {
  ok <- is.numeric(x) && length(x) == 1L && is.finite(x) && x >= lower &&
    (!whole || (x == round(x) && x <= .Machine$integer.max))
  if (!ok) {
    stop("lmm_control(): `", name, "` must be ", expected, ", not ", describe_value(x), ".",
         call. = FALSE)
  }
  invisible(x)
}

# Reports a problem with the severity the user chose in lmm_control().
report_problem <- function(text, severity) {
  switch(severity,
         stop = stop(text, call. = FALSE),
         warning = warning(text, call. = FALSE),
         message = message(text),
         ignore = invisible(NULL))
}
