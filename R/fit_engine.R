# Stage 3: hands the model matrices to the C++ engine once and gets the fit back.

#' Fit the matrices of a linear mixed model in the C++ engine
#'
#' The whole optimisation of the profiled REML criterion or ML deviance runs
#' in C++: the matrices cross once, theta never comes back to R.
#'
#' @param mats The output of `build_lmm_matrices()`.
#' @param REML Fit by REML (`TRUE`) or maximum likelihood.
#' @param control An [lmm_control()] list.
#' @param start Optional starting theta (lme4's parametrisation), or a list
#'   with element `theta`.
#' @return The engine's result: theta, beta, u, b, sigma, objective, pieces,
#'   vcov_unscaled, gradient and the optimizer's report. The conditional
#'   variances are left to `fit_condvar()`, when first asked for.
#' @noRd
fit_lmm_engine <- function(mats, REML, control, start = NULL) {
  settings <- engine_control(control)
  settings$condvar <- FALSE
  .lmmkit_fit(engine_data(mats), isTRUE(REML), settings,
              engine_start(start, mats$re$theta_start, mats$re$lower))
}

#' Conditional variances of the random effects of a fit, computed when first asked
#' for and kept in the fit's cache
#'
#' @return NULL for a fit made with `lmm_control(condVar = FALSE)`; otherwise a
#'   list per term of p x p x nlevels arrays, scaled by sigma^2.
#' @noRd
fit_condvar <- function(fit) {
  if (!is.null(fit$condvar)) return(fit$condvar)
  if (!isTRUE(fit$control$condvar)) return(NULL)
  if (is.null(fit$cache$condvar)) {
    raw <- .lmmkit_conditional_variances(engine_data(fit), isTRUE(fit$REML), engine_control(fit$control),
                                         as.numeric(fit$theta))
    fit$cache$condvar <- relmat_condvar(condvar_arrays(raw, fit$re$terms), fit,
                                        list(theta = fit$theta, sigma = fit$sigma))
  }
  fit$cache$condvar
}

#' Evaluate the engine's objective at one or more values of theta
#'
#' @param thetas A matrix with one theta per column (or one theta vector).
#' @return A matrix with one column per theta and rows `objective` (profiled
#'   REML criterion or ML deviance), `ldL2`, `ldRX2` and `pwrss`, from which
#'   the deviance at any sigma follows.
#' @noRd
engine_objective <- function(mats, REML, control, thetas) {
  .lmmkit_objective(engine_data(mats), isTRUE(REML), engine_control(control), as.matrix(thetas))
}

#' The settings every engine entry point takes: lmm_control()'s, with the number of
#' threads (lmm_control(threads = ) or lmmkit_threads()) and whether dense Cholesky
#' factors go to R's LAPACK (use_optimized_blas()) resolved now
#' @noRd
engine_control <- function(control) {
  settings <- unclass(control)
  settings$threads <- control$threads %||% lmmkit_threads()
  settings$blas <- use_optimized_blas()
  settings
}

#' The data every engine entry point takes, from a `mats` list or an `lmm` fit
#' (both have X, y, weights, offset and re): doubles, as the C++ glue views them without copying.
#' @noRd
engine_data <- function(x) {
  terms <- x$re$terms
  rows <- informative_rows(x$weights)
  pick <- function(v) as.numeric(if (is.null(rows)) v else v[rows])
  Zt <- engine_Zt(x$re)
  if (!is.null(rows)) Zt <- Zt[, rows, drop = FALSE]
  list(X = engine_X(if (is.null(rows)) x$X else x$X[rows, , drop = FALSE]),
       y = pick(x$y), weights = pick(x$weights), offset = pick(x$offset), Zt = Zt,
       term_ncol = vapply(terms, `[[`, integer(1), "ncol"),
       term_nlevels = vapply(terms, `[[`, integer(1), "nlevels"))
}

#' The rows with a positive prior weight, or NULL when all are (the engine sees only these:
#' a row of weight zero carries no information)
#' @noRd
informative_rows <- function(weights) if (all(weights > 0)) NULL else which(weights > 0)

#' The random-effect design the engine fits: Zt, or F' Zt for terms with a relationship matrix
#' @noRd
engine_Zt <- function(re) re$Zt_engine %||% re$Zt

engine_X <- function(X) {
  X <- unname(as.matrix(X))
  storage.mode(X) <- "double"
  X
}

#' Starting theta: the user's `start` checked against the model's theta
#' (length, finite, diagonal elements at or above 0), or numeric(0), which
#' lets the engine start from its internal default
#' @noRd
engine_start <- function(start, default, lower) {
  if (is.null(start)) return(numeric(0))
  if (is.list(start)) {
    if (is.null(start$theta)) {
      stop("`start` is a list without an element `theta`: give it as list(theta = ...).",
           call. = FALSE)
    }
    start <- start$theta
  }
  if (!is.numeric(start) || length(start) != length(default)) {
    stop(sprintf("`start` must be a numeric theta of length %d (one value per covariance parameter), not %s.",
                 length(default), describe_value(start)), call. = FALSE)
  }
  bad <- !is.finite(start) | start < lower
  if (any(bad)) {
    stop("`start` must be finite, and at least 0 on the diagonal of each relative ",
         "covariance factor: ", n_of(sum(bad), "element is", "elements are"), " not (",
         paste0("theta[", which(bad), "] = ", format(start[bad]), collapse = ", "), ").",
         call. = FALSE)
  }
  as.numeric(start)
}
