# print() and summary() for lmm fits, in lme4's layout.

#' Summarize an lmm fit
#'
#' `summary()` collects the tables that `print()` shows in lme4's layout:
#' the fitting criterion, scaled residuals, random effects, fixed effects
#' with standard errors and t values, the correlation of the fixed effects,
#' the intraclass correlations and notes on singular fits and convergence.
#'
#' @param object An [`lmm`][lmm] object.
#' @param ddf Denominator degrees of freedom for the t tests of the fixed
#'   effects: `"Satterthwaite"` (default, as lmerTest), `"Kenward-Roger"` (as
#'   pbkrtest: the standard errors are the adjusted ones; an ML fit is refitted
#'   with REML, with a message) or `"none"` (t values only, as lme4).
#' @param ... Ignored.
#' @return An object of class `"summary.lmm"`, a list with (among others)
#'   `coefficients` (matrix with columns `Estimate`, `Std. Error`, `df`,
#'   `t value`, `Pr(>|t|)`; without `df` and `Pr(>|t|)` for `ddf = "none"`),
#'   `ddf`, `vcov`, `varcor` (see [VarCorr.lmm()]), `sigma`, `logLik`,
#'   `AICtab`, `ngrps`, `residuals` (scaled Pearson residuals), `icc` (see
#'   [icc.lmm()]), `singular` and `optinfo`.
#' @seealso [print.summary.lmm()]
#' @examples
#' fit <- lmm(time ~ feed + (1 | bird), data = pigeons)
#' summary(fit)
#' coef(summary(fit))
#' @export
#' @family inference
summary.lmm <- function(object, ddf = "Satterthwaite", ...) {
  ddf <- match_ddf(ddf)
  vc <- vcov.lmm(object)
  ll <- logLik.lmm(object)
  structure(list(
    methTitle = lmm_method_title(object), call = object$call, formula = object$formula,
    REML = object$REML, logLik = ll, AICtab = lmm_aic_table(object, ll),
    residuals = residuals.lmm(object, type = "pearson", scaled = TRUE),
    varcor = VarCorr.lmm(object), sigma = object$sigma, ngrps = ngrps.lmm(object),
    nobs = nobs.lmm(object), coefficients = coefficient_table(object, ddf), ddf = ddf, vcov = vc,
    icc = icc.lmm(object), singular = isSingular.lmm(object), optinfo = object$optinfo
  ), class = "summary.lmm")
}

#' Fixed-effect table: Estimate, Std. Error, t value
#'
#' Kept separate so that degrees of freedom and p values can be appended by
#' a later `ddf` option of summary().
#' @noRd
fixef_heading <- function(ddf) {
  switch(if (is.null(ddf)) "none" else ddf,
         Satterthwaite = "\nFixed effects (t tests with Satterthwaite's degrees of freedom):\n",
         `Kenward-Roger` = "\nFixed effects (Kenward-Roger adjusted SEs and degrees of freedom):\n",
         "\nFixed effects:\n")
}

# The fixed-effects table with df and p values by the chosen method.
coefficient_table <- function(object, ddf) {
  if (ddf == "none") return(fixef_table(object$beta, vcov.lmm(object)))
  fit <- if (ddf == "Kenward-Roger") as_reml_fit(object) else object
  d <- variance_derivatives(fit)
  adjusted <- if (ddf == "Kenward-Roger") kr_vcov(fit)
  rows <- lapply(seq_along(fit$beta), function(j) {
    l <- as.numeric(seq_along(fit$beta) == j)
    if (is.null(adjusted)) satterthwaite_1d(fit, d, l) else kr_1d(fit, d, adjusted, l)
  })
  est <- vapply(rows, `[[`, numeric(1), "estimate")
  se <- vapply(rows, `[[`, numeric(1), "se")
  df <- vapply(rows, `[[`, numeric(1), "df")
  t <- est / se
  out <- cbind(Estimate = est, `Std. Error` = se, df = df, `t value` = t,
               `Pr(>|t|)` = 2 * stats::pt(abs(t), df, lower.tail = FALSE))
  rownames(out) <- names(fit$beta)
  out
}

fixef_table <- function(beta, vc) {
  se <- sqrt(diag(vc))
  cbind(Estimate = beta, `Std. Error` = se, `t value` = beta / se)
}

#' "Linear mixed model fit by REML" or "... by maximum likelihood"
#' @noRd
lmm_method_title <- function(object) {
  paste("Linear mixed model fit by", if (object$REML) "REML" else "maximum likelihood")
}

#' lme4's AIC table: the REML criterion for REML fits, else AIC, BIC, logLik,
#' deviance and residual degrees of freedom
#' @noRd
lmm_aic_table <- function(object, ll) {
  if (object$REML) return(c(REML = object$objective))
  c(AIC = stats::AIC(ll), BIC = stats::BIC(ll), logLik = c(ll),
    deviance = object$objective, df.resid = df.residual.lmm(object))
}

#' Print an lmm fit
#'
#' A short display in lme4's layout: fitting criterion, random-effect
#' standard deviations, numbers of observations and groups, and fixed
#' effects.
#'
#' @param x An [`lmm`][lmm] object.
#' @param digits Number of significant digits.
#' @param ranef.comp Columns of the random-effects table: any of
#'   `"Variance"` and `"Std.Dev."`.
#' @param ... Ignored.
#' @return `x`, invisibly.
#' @export
print.lmm <- function(x, digits = max(3, getOption("digits") - 3),
                      ranef.comp = "Std.Dev.", ...) {
  cat(sprintf("%s ['lmm']\n", lmm_method_title(x)))
  print_lmm_call(x$call, x$formula)
  print_aic_table(lmm_aic_table(x, logLik.lmm(x)), 4)
  print_random_effects(VarCorr.lmm(x), digits, ranef.comp)
  print_groups(ngrps.lmm(x), nobs.lmm(x))
  if (length(x$beta)) {
    cat("Fixed Effects:\n")
    print.default(format(x$beta, digits = digits), print.gap = 2L, quote = FALSE)
  } else {
    cat("No fixed effect coefficients\n")
  }
  print_fit_notes(isSingular.lmm(x), x$optinfo, short = TRUE)
  invisible(x)
}

#' Print the summary of an lmm fit
#'
#' @param x A `"summary.lmm"` object.
#' @param digits Number of significant digits.
#' @param correlation Show the correlation of the fixed effects? By default
#'   when there are 2 to 12 fixed effects, as lme4.
#' @param signif.stars Passed to [stats::printCoefmat()].
#' @param ranef.comp Columns of the random-effects table.
#' @param show.resids Show the quantiles of the scaled residuals?
#' @param ... Ignored.
#' @return `x`, invisibly.
#' @export
print.summary.lmm <- function(x, digits = max(3, getOption("digits") - 3),
                              correlation = NULL,
                              signif.stars = getOption("show.signif.stars"),
                              ranef.comp = c("Variance", "Std.Dev."),
                              show.resids = TRUE, ...) {
  cat(sprintf("%s ['lmm']\n", x$methTitle))
  print_lmm_call(x$call, x$formula)
  cat("\n")
  print_aic_table(x$AICtab)
  cat("\n")
  if (show.resids) print_scaled_residuals(x$residuals, digits)
  print_random_effects(x$varcor, digits, ranef.comp)
  print_groups(x$ngrps, x$nobs)
  p <- nrow(x$coefficients)
  if (p > 0) {
    cat(fixef_heading(x$ddf))
    stats::printCoefmat(x$coefficients, digits = digits, signif.stars = signif.stars)
    if (is.null(correlation)) correlation <- p <= 12
    if (correlation) print_fixef_correlation(x$vcov)
  }
  if (!is.null(x$icc)) {
    cat("\nIntraclass correlation:\n")
    print(format_icc(x$icc, digits), row.names = FALSE)
    examples <- attr(x$icc, "slope_covariates")
    if (length(examples)) cat(icc_slope_note(examples), sep = "\n")
  }
  print_fit_notes(x$singular, x$optinfo, short = FALSE)
  invisible(x)
}

#' Formula, data and other arguments of the call, as lme4's .prt.call()
#'
#' The formula is taken from the call when written there, else (e.g. when
#' passed as a variable) from the fit, as lme4 stores it in its call.
#' @noRd
print_lmm_call <- function(call, formula) {
  fml <- call$formula
  if (!(is.call(fml) && identical(fml[[1L]], as.name("~")))) fml <- formula
  if (!is.null(fml)) cat("Formula:", deparse(fml), fill = TRUE)
  labels <- c(data = "   Data:", weights = "Weights:", offset = " Offset:",
              subset = " Subset:")
  for (arg in names(labels)) {
    if (!is.null(call[[arg]])) cat(labels[[arg]], deparse(call[[arg]]), fill = TRUE)
  }
}

#' Print the REML criterion, or the AIC table of an ML fit
#' @noRd
print_aic_table <- function(tab, digits = 1) {
  rounded <- round(tab, digits)
  if (length(tab) == 1L && names(tab) == "REML") {
    cat("REML criterion at convergence:", rounded, fill = TRUE)
  } else {
    out <- format(rounded)
    out["df.resid"] <- format(rounded["df.resid"])
    print(out, quote = FALSE)
  }
}

#' Print the quantiles of the scaled residuals
#' @noRd
print_scaled_residuals <- function(resids, digits) {
  cat("Scaled residuals:", "\n")
  q <- zapsmall(stats::quantile(resids, na.rm = TRUE), digits + 1L)
  print(stats::setNames(q, c("Min", "1Q", "Median", "3Q", "Max")), digits = digits)
  cat("\n")
}

#' Print the random-effects table
#' @noRd
print_random_effects <- function(varcor, digits, comp) {
  cat("Random effects:\n")
  print(format_varcorr(varcor, digits = digits, comp = comp), quote = FALSE, digits = digits)
}

#' "Number of obs: n, groups:  g, k" line
#' @noRd
print_groups <- function(ngrps, nobs) {
  cat(sprintf("Number of obs: %d, groups: ", nobs),
      paste(paste(names(ngrps), ngrps, sep = ", "), collapse = "; "), fill = TRUE)
}

#' Lower triangle of the correlation of the fixed effects, as lme4
#' @noRd
print_fixef_correlation <- function(vc) {
  p <- ncol(vc)
  if (p < 2) return(invisible())
  rn <- rownames(vc)
  corf <- matrix(format(round(stats::cov2cor(vc), 3), nsmall = 3), ncol = p,
                 dimnames = list(abbreviate(rn, minlength = 11), abbreviate(rn, minlength = 6)))
  corf[!lower.tri(corf)] <- ""
  cat("\nCorrelation of Fixed Effects:\n")
  print(corf[-1, -p, drop = FALSE], quote = FALSE)
}

#' Singular-fit note and optimizer messages
#' @noRd
print_fit_notes <- function(singular, optinfo, short) {
  if (isTRUE(singular)) cat("boundary (singular) fit: see help('isSingular')\n")
  if (is.null(optinfo)) return(invisible())
  warns <- unlist(optinfo$warnings)
  if (isTRUE(optinfo$converged) && length(warns) == 0L) return(invisible())
  msg <- if (length(optinfo$message) && nzchar(optinfo$message)) {
    sprintf(" (%s)", optinfo$message)
  } else ""
  conv <- sprintf("optimizer (%s) convergence code: %s%s", optinfo$optimizer,
                  format(optinfo$status), msg)
  if (short) {
    cat(conv, sprintf("; %d optimizer warnings", length(warns)), "\n", sep = "")
  } else {
    cat(conv, warns, sep = "\n")
    cat("\n")
  }
}
