# confint() for lmm fits: profile, Wald and parametric-bootstrap intervals, in lme4's layout.

#' Confidence intervals for the parameters of an lmm fit
#'
#' Intervals in the layout of lme4's `confint.merMod()`: one row per
#' variance parameter (`.sig01`, `.sig02`, ...: the standard deviations and
#' correlations of each random-effect term, its lower triangle column by
#' column, then `.sigma`, the residual standard deviation), then one row per
#' fixed effect.
#'
#' * `"Wald"`: estimate +- normal quantile x standard error, for the fixed
#'   effects; the rows of the variance parameters are `NA`, as in lme4.
#' * `"boot"`: percentile intervals from a parametric bootstrap
#'   ([bootstrap_lmm()], `nsim` samples), which can run in parallel through
#'   [future::plan()] and shows progress through progressr. The percentiles
#'   are [stats::quantile()] of type 6 (order statistic (nsim + 1) p); lme4,
#'   through the boot package, interpolates them on the normal scale, so the
#'   two differ slightly for the same samples.
#' * `"profile"` (default): profile-likelihood intervals (R/confint_profile.R):
#'   where the signed square root of the change in deviance reaches the normal
#'   quantile; at a boundary the bound is the boundary (0 for a standard
#'   deviation, +-1 for a correlation), as in lme4.
#'
#' @param object An [`lmm`][lmm] object.
#' @param parm Parameters to return: names or indices of rows, or `"theta_"`
#'   (all variance parameters) or `"beta_"` (all fixed effects), as lme4.
#'   Default: all.
#' @param level Confidence level.
#' @param method `"profile"` (the default, as in lme4: profile-likelihood
#'   intervals of the ML deviance for the standard deviations, correlations,
#'   sigma and fixed effects; REML fits are profiled on the ML deviance, as
#'   lme4 does; not available for terms with three or more columns),
#'   `"Wald"` (fixed effects only; NA for the variance parameters) or
#'   `"boot"` (parametric bootstrap percentiles, see [bootstrap_lmm()]).
#' @param nsim Number of bootstrap samples (`method = "boot"`).
#' @param seed `NULL` or an integer seed for the bootstrap.
#' @param ... For `method = "boot"`: `FUN`, passed to [bootstrap_lmm()].
#' @return A matrix with columns named by the percentages of the lower and
#'   upper limits (`"2.5 %"`, `"97.5 %"`).
#' @examples
#' fit <- lmm(time ~ feed + (1 | bird), data = pigeons)
#' confint(fit)
#' confint(fit, method = "Wald")
#' confint(fit, method = "boot", nsim = 50, seed = 1)
#' @importFrom stats confint
#' @export
#' @family inference
confint.lmm <- function(object, parm, level = 0.95, method = c("profile", "Wald", "boot"),
                        nsim = 500, seed = NULL, ...) {
  method <- match.arg(method)
  if (!is.numeric(level) || length(level) != 1L || !(level > 0 && level < 1)) {
    stop("confint(): level must be a single number between 0 and 1.", call. = FALSE)
  }
  ci <- switch(method,
               profile = confint_profile(object, level, ...),
               Wald = confint_wald(object, level),
               boot = confint_boot(object, level, nsim, seed, ...))
  if (missing(parm)) return(ci)
  ci[select_parm(parm, rownames(ci), length(variance_par_names(object))), , drop = FALSE]
}

#' Wald intervals: fixed effects from vcov and normal quantiles, NA for variance parameters
#' @noRd
confint_wald <- function(object, level) {
  a <- (1 - level) / 2
  a <- c(a, 1 - a)
  se <- sqrt(diag(vcov.lmm(object)))
  fixed <- object$beta + se %o% stats::qnorm(a)
  vn <- variance_par_names(object)
  ci <- rbind(matrix(NA_real_, length(vn), 2L), unname(fixed))
  dimnames(ci) <- list(c(vn, names(object$beta)), format_percent(a))
  ci
}

#' Percentile intervals from bootstrap_lmm()
#' @noRd
confint_boot <- function(object, level, nsim, seed, ...) {
  boot <- bootstrap_lmm(object, nsim = nsim, seed = seed, ...)
  boot_percentile_ci(boot, level)
}

#' Percentile intervals of each column of a bootstrap's replicates
#' @noRd
boot_percentile_ci <- function(boot, level) {
  a <- (1 - level) / 2
  a <- c(a, 1 - a)
  ci <- t(apply(boot$t, 2L, function(x) {
    x <- x[is.finite(x)]
    if (length(x) == 0L) return(c(NA_real_, NA_real_))
    stats::quantile(x, a, type = 6, names = FALSE)
  }))
  dimnames(ci) <- list(colnames(boot$t), format_percent(a))
  ci
}

#' Column names of lme4's intervals: "2.5 %", "97.5 %"
#' @noRd
format_percent <- function(probs) {
  paste(format(100 * probs, trim = TRUE, scientific = FALSE, digits = 3), "%")
}

#' Rows selected by parm: names, indices, "theta_" (variance parameters), "beta_" (fixed effects)
#' @noRd
select_parm <- function(parm, rows, n_var) {
  if (is.numeric(parm)) {
    bad <- parm[is.na(parm) | parm < 1 | parm > length(rows)]
    if (length(bad)) {
      stop(sprintf("confint(): parm index %s out of range (there are %d parameters).",
                   paste(bad, collapse = ", "), length(rows)), call. = FALSE)
    }
    return(parm)
  }
  if (!is.character(parm)) stop("confint(): parm must be parameter names or indices.", call. = FALSE)
  idx <- integer(0)
  if ("theta_" %in% parm) idx <- c(idx, seq_len(n_var))
  if ("beta_" %in% parm && length(rows) > n_var) idx <- c(idx, seq(n_var + 1L, length(rows)))
  named <- setdiff(parm, c("theta_", "beta_"))
  unknown <- setdiff(named, rows)
  if (length(unknown)) {
    stop(sprintf("confint(): no parameter named %s; the parameters are %s.",
                 paste(sQuote(unknown, FALSE), collapse = ", "),
                 paste(sQuote(rows, FALSE), collapse = ", ")), call. = FALSE)
  }
  sort(unique(c(idx, match(named, rows))))
}
