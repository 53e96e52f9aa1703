# Parametric bootstrap of lmm fits: simulate, refit in parallel through the future framework, collect the estimates.

#' Parametric bootstrap of an lmm fit
#'
#' Simulates `nsim` responses from the fitted model ([simulate.lmm()],
#' unconditional on the random effects), refits the model to each one (same
#' design matrices, same REML or ML criterion, starting from the fit's
#' estimates) and applies `FUN` to every refit, as lme4's `bootMer()`.
#'
#' The refits run through [future.apply::future_lapply()], so any
#' [future::plan()] applies: `future::plan(future::multisession, workers = 2)`
#' runs them on two background R sessions. The responses are all simulated
#' in the calling session before the refits start and `future.seed = TRUE` is
#' used, so for a given `seed` the results are the same whatever the plan.
#' Progress is reported through progressr: wrap the call in
#' [progressr::with_progress()], or call `progressr::handlers(global = TRUE)`
#' once, to see a progress bar.
#'
#' Singular-fit messages and convergence warnings of the refits are not shown;
#' the numbers of singular refits, refits with convergence problems and failed
#' refits are counted instead (rows of failed refits are `NA`).
#'
#' @param object An [`lmm`][lmm] object.
#' @param nsim Number of bootstrap samples.
#' @param FUN A function of a fitted `lmm` object returning a named numeric
#'   vector. The default returns, in lme4's order and with its names, the
#'   standard deviations and correlations of each random-effect term
#'   (`.sig01`, `.sig02`, ...), the residual standard deviation (`.sigma`) and
#'   the fixed effects. Under a parallel plan `FUN` runs on the workers, so it
#'   should use only its argument and functions of packages (`pkg::fun`).
#' @param seed `NULL` or an integer for [set.seed()]; the caller's
#'   random-number state is restored afterwards.
#' @return An object of class `"lmm_boot"`: a list with `t` (an `nsim` x k
#'   matrix of replicates), `t0` (`FUN` of the original fit), `nsim`, `seed`,
#'   `n_failed`, `n_singular`, `n_warned` (refits with convergence problems)
#'   and `messages` (the distinct error and convergence messages, with counts).
#' @seealso [confint.lmm()] with `method = "boot"` for percentile intervals.
#' @examples
#' fit <- lmm(time ~ feed + (1 | bird), data = pigeons)
#' boot <- bootstrap_lmm(fit, nsim = 20, seed = 1)
#' boot
#' @export
#' @family inference
bootstrap_lmm <- function(object, nsim = 500, FUN = NULL, seed = NULL) {
  if (!inherits(object, "lmm")) {
    stop("bootstrap_lmm(): object must be an lmm fit, not an object of class ",
         sQuote(class(object)[1L], FALSE), ".", call. = FALSE)
  }
  nsim <- check_nsim(nsim)
  FUN <- if (is.null(FUN)) lmm_boot_estimates else match.fun(FUN)
  t0 <- tryCatch(FUN(object), error = function(e) {
    stop("bootstrap_lmm(): FUN failed on the original fit: ", conditionMessage(e), call. = FALSE)
  })
  t0 <- check_boot_value(t0, NULL)
  rng <- use_seed(seed)
  on.exit(rng$restore())
  ysim <- simulate.lmm(object, nsim = nsim)
  p <- progressr::progressor(steps = nsim)
  res <- future.apply::future_lapply(
    unname(as.list(ysim)), boot_replicate, object = object, stat = FUN, p = p,
    future.seed = TRUE, future.packages = "lmmkit")
  collect_boot(res, t0, nsim, seed)
}

#' One bootstrap replicate: refit to y quietly, apply the statistic, tick the progress bar
#'
#' (The statistic is called `stat`, not `FUN`, which future_lapply() would take as its own.)
#' @noRd
boot_replicate <- function(y, object, stat, p) {
  r <- refit_lmm_quietly(object, y)
  if (!r$failed) {
    value <- tryCatch(stat(r$fit), error = function(e) e)
    if (inherits(value, "error")) {
      r$failed <- TRUE
      r$message <- paste("FUN failed:", conditionMessage(value))
      value <- NULL
    }
  } else {
    value <- NULL
  }
  p()
  list(value = value, failed = r$failed, singular = r$singular, warned = r$warned,
       message = r$message)
}

#' Assemble the "lmm_boot" object from the replicates
#' @noRd
collect_boot <- function(res, t0, nsim, seed) {
  failed <- vapply(res, `[[`, NA, "failed")
  if (all(failed)) {
    stop("bootstrap_lmm(): all ", nsim, " refits failed; the first error was: ",
         res[[1L]]$message, call. = FALSE)
  }
  t <- matrix(NA_real_, nsim, length(t0), dimnames = list(NULL, names(t0)))
  for (i in which(!failed)) t[i, ] <- check_boot_value(res[[i]]$value, t0)
  msgs <- vapply(res, `[[`, "", "message")
  out <- structure(list(
    t = t, t0 = t0, nsim = nsim, seed = seed, n_failed = sum(failed),
    n_singular = sum(vapply(res, `[[`, NA, "singular")),
    n_warned = sum(vapply(res, `[[`, NA, "warned")),
    messages = table(msgs[nzchar(msgs)])
  ), class = "lmm_boot")
  if (out$n_failed > 0L) {
    message(sprintf("bootstrap_lmm(): %d of %d refits failed (their rows are NA); first error: %s",
                    out$n_failed, nsim, res[[which(failed)[1L]]]$message))
  }
  out
}

#' Check a value of FUN: numeric, and (for replicates) as long as FUN(object)
#' @noRd
check_boot_value <- function(value, t0) {
  if (!is.numeric(value) || (is.null(t0) && length(value) == 0L)) {
    stop("bootstrap_lmm(): FUN must return a numeric vector; it returned ",
         sQuote(class(value)[1L], FALSE), ".", call. = FALSE)
  }
  if (!is.null(t0) && length(value) != length(t0)) {
    stop(sprintf("bootstrap_lmm(): FUN returned %d values for a refit but %d for the original fit.",
                 length(value), length(t0)), call. = FALSE)
  }
  value
}

#' Default bootstrap statistic: random-effect SDs and correlations, sigma, fixed effects
#'
#' For each term, the lower triangle (column by column, lme4's order) of the
#' covariance matrix in SD/correlation form: SDs on the diagonal, correlations
#' below it; named `.sig01`, `.sig02`, ... as lme4's `confint()`, then
#' `.sigma` and the fixed effects.
#' @noRd
lmm_boot_estimates <- function(fit) {
  sdcor <- unlist(lapply(fit$re$terms, function(term) {
    v <- tcrossprod(fit$sigma * relative_cov_factor(fit$theta, term))
    sd <- sqrt(diag(v))
    m <- v / tcrossprod(sd)
    diag(m) <- sd
    m[lower.tri(m, diag = TRUE)]
  }), use.names = FALSE)
  c(stats::setNames(c(sdcor, fit$sigma), variance_par_names(fit)), fit$beta)
}

#' lme4's names of the variance parameters in confint(): .sig01, ..., .sigma
#' @noRd
variance_par_names <- function(fit) {
  c(sprintf(".sig%02d", seq_along(fit$theta)), ".sigma")
}

#' Print a parametric bootstrap
#'
#' @param x An `"lmm_boot"` object from [bootstrap_lmm()].
#' @param digits Number of significant digits.
#' @param ... Ignored.
#' @return `x`, invisibly.
#' @export
print.lmm_boot <- function(x, digits = max(3L, getOption("digits") - 3L), ...) {
  cat(sprintf("Parametric bootstrap of an lmm fit: %d samples", x$nsim))
  if (!is.null(x$seed)) cat(sprintf(" (seed %s)", format(x$seed)))
  cat("\n")
  cat(sprintf("refits: %d failed, %d singular, %d with convergence problems\n\n",
              x$n_failed, x$n_singular, x$n_warned))
  tab <- cbind(original = x$t0, bias = colMeans(x$t, na.rm = TRUE) - x$t0,
               std.error = apply(x$t, 2L, stats::sd, na.rm = TRUE))
  print(tab, digits = digits)
  invisible(x)
}
