# refit_lmm(): refits an lmm model to a new response (or by ML instead of REML) reusing the fit's matrices.

#' Refit an lmm model to a new response vector
#'
#' Rebuilds the `mats` list of stage 2 from the fitted object (formula, frame,
#' X, y, weights, offset and the random-effect structure), replaces the
#' response and runs stages 3 and 4 again: no formula parsing, no model frame,
#' no new design matrices. Used by the parametric bootstrap and by the
#' likelihood-ratio tests (to refit REML fits by ML).
#'
#' @param fit An `lmm` object.
#' @param y The new response, numeric of length `nobs(fit)` (default: the
#'   fit's own response).
#' @param REML Refit by REML? Default: as `fit`.
#' @param control An [lmm_control()] list; default: the fit's own.
#' @param start Starting theta; default: the fit's estimate, which is close to
#'   the new optimum for a simulated response or an ML refit.
#' @return An `lmm` object. Its call has `REML` set when it differs from the
#'   original call's.
#' @noRd
refit_lmm <- function(fit, y = fit$y, REML = fit$REML, control = fit$control,
                      start = fit$theta) {
  if (!inherits(fit, "lmm")) stop("refit_lmm(): fit must be an lmm object.", call. = FALSE)
  mats <- lmm_mats_from_fit(fit)
  mats$y <- check_refit_response(y, length(fit$y), fit$weights > 0)
  engine <- fit_lmm_engine(mats, REML, control, unname(start))
  call <- fit$call
  if (!is.null(call) && !identical(isTRUE(REML), fit$REML)) call$REML <- isTRUE(REML)
  assemble_lmm(mats, engine, call, REML, control)
}

#' The stage-2 `mats` list of a fitted model, rebuilt from its fields
#' @noRd
lmm_mats_from_fit <- function(fit) {
  list(formula = fit$formula, fixed_formula = stats::formula(attr(fit$frame, "terms")),
       frame = fit$frame, y = fit$y, X = fit$X, weights = fit$weights,
       offset = fit$offset, re = fit$re)
}

#' X without the columns `drop`, keeping its attributes `assign`, `contrasts` and `dropped`
#' @noRd
without_fixed_columns <- function(X, drop) {
  out <- X[, -drop, drop = FALSE]
  attr(out, "assign") <- attr(X, "assign")[-drop]
  attr(out, "contrasts") <- attr(X, "contrasts")
  attr(out, "dropped") <- attr(X, "dropped")
  out
}

check_refit_response <- function(y, n, informative = rep(TRUE, n)) {
  if (!is.numeric(y) || length(y) != n) {
    stop(sprintf("refit_lmm(): the new response must be numeric of length %d (the number of observations), not %s of length %d.",
                 n, class(y)[1L], length(y)), call. = FALSE)
  }
  if (!all(is.finite(y[informative]))) {
    stop("refit_lmm(): the new response has missing or non-finite values.", call. = FALSE)
  }
  as.numeric(y)
}

#' One quiet refit for the bootstrap
#'
#' Refits `fit` to `y` with singular-fit and convergence reports switched off
#' and without conditional variances, and reports what happened instead.
#' @return A list: `fit` (the refit, or `NULL` when it failed), the flags
#'   `failed`, `singular` and `warned` (convergence problems) and `message`
#'   (the error or the first convergence problem, else `""`).
#' @noRd
refit_lmm_quietly <- function(fit, y) {
  control <- fit$control
  control$check.singular <- "ignore"
  control$check.conv <- "ignore"
  control$condvar <- FALSE
  refit <- tryCatch(suppressMessages(refit_lmm(fit, y, control = control)),
                    error = function(e) conditionMessage(e))
  if (is.character(refit)) {
    return(list(fit = NULL, failed = TRUE, singular = FALSE, warned = FALSE, message = refit))
  }
  problems <- refit$optinfo$warnings
  list(fit = refit, failed = FALSE, singular = isTRUE(refit$singular),
       warned = length(problems) > 0L, message = if (length(problems)) problems[1L] else "")
}
