# drop1() and extractAIC() for lmm fits: single-term deletions by likelihood ratio (as lme4) or F tests (as lmerTest).

#' Drop single fixed-effect terms
#'
#' For each fixed-effect term that can be dropped without breaking the
#' hierarchy of the model ([stats::drop.scope()]), `drop1()` compares the
#' model with and without it.
#'
#' * `test = "Chisq"` (and `"none"`) as lme4's `drop1()`: each reduced model
#'   is fitted by maximum likelihood (a REML fit is refitted by ML first),
#'   with its AIC and the likelihood-ratio statistic and chi-square p-value.
#'   The reduced models use exactly the rows of the full model.
#' * `test = "F"` as lmerTest's `drop1()`: an F test of each term's type III
#'   hypothesis (see [anova.lmm()]) with Satterthwaite or Kenward-Roger
#'   denominator degrees of freedom; no model is refitted.
#'
#' `stats::step()` does not work on `lmm` fits (it rewrites the fit's
#' formula as the fixed-effect terms); call `drop1()` in turn instead.
#'
#' @param object An [`lmm`][lmm] fit.
#' @param scope Terms to consider (a character vector or a formula); default
#'   all terms that can be dropped.
#' @param scale Ignored (as lme4).
#' @param test `"none"`, `"Chisq"` or `"F"`.
#' @param k Penalty per parameter in the AIC.
#' @param ddf For `test = "F"`: `"Satterthwaite"` or `"Kenward-Roger"`.
#' @param ... Ignored.
#' @return A data frame of class `"anova"`.
#' @examples
#' fit <- lmm(time ~ feed + (1 | bird), data = pigeons, REML = FALSE)
#' drop1(fit, test = "Chisq")
#' drop1(fit, test = "F")
#' @importFrom stats drop1
#' @export
#' @family inference
drop1.lmm <- function(object, scope, scale = 0, test = c("none", "Chisq", "F"), k = 2,
                      ddf = "Satterthwaite", ...) {
  test <- match.arg(test)
  labels <- attr(fixed_terms(object), "term.labels")
  scope <- drop1_scope(object, scope, labels)
  model <- paste(deparse(formula.lmm(object), width.cutoff = 500L), collapse = " ")
  if (test == "F") return(drop1_F(object, scope, ddf, model))
  full <- if (object$REML) refit_lmm(object, REML = FALSE) else object
  rows <- lapply(scope, function(term) extractAIC.lmm(fit_without_term(full, match(term, labels)), k = k))
  aic <- rbind(extractAIC.lmm(full, k = k), do.call(rbind, rows))
  table <- data.frame(npar = c(NA, aic[1L, 1L] - aic[-1L, 1L]), AIC = aic[, 2L],
                      row.names = c("<none>", scope))
  if (test == "Chisq") {
    lrt <- c(NA, (aic[-1L, 2L] - k * aic[-1L, 1L]) - (aic[1L, 2L] - k * aic[1L, 1L]))
    table$LRT <- lrt
    table[["Pr(Chi)"]] <- stats::pchisq(lrt, table$npar, lower.tail = FALSE)
  }
  structure(table, heading = c("Single term deletions", "\nModel:", model),
            class = c("anova", "data.frame"))
}

drop1_scope <- function(object, scope, labels) {
  if (missing(scope)) return(stats::drop.scope(fixed_terms(object)))
  if (inherits(scope, "formula")) scope <- attr(stats::terms(scope), "term.labels")
  if (!is.character(scope) || !all(scope %in% labels)) {
    stop("drop1(): `scope` must name fixed-effect terms of the model (",
         quoted_list(labels), ").", call. = FALSE)
  }
  scope
}

drop1_F <- function(object, scope, ddf, model) {
  ddf <- match_ddf(ddf)
  table <- anova.lmm(object, type = 3, ddf = ddf)[scope, , drop = FALSE]
  structure(table, heading = c(sprintf("Single term deletions using %s:", ddf_method_label(ddf)),
                               "\nModel:", model),
            class = c("anova", "data.frame"))
}

#' The ML fit of the model without fixed-effect term k, on the same rows
#' @noRd
fit_without_term <- function(fit, k) {
  mats <- lmm_mats_from_fit(fit)
  mats$X <- without_fixed_columns(fit$X, which(attr(fit$X, "assign") == k))
  control <- fit$control
  control$condvar <- FALSE
  engine <- fit_lmm_engine(mats, FALSE, control, unname(fit$theta))
  assemble_lmm(mats, engine, NULL, FALSE, control)
}

#' Equivalent degrees of freedom and AIC of an lmm fit
#'
#' As lme4's `extractAIC()`: the AIC of the maximum-likelihood fit (a REML
#' fit is refitted by ML), with the number of parameters as the equivalent
#' degrees of freedom. Used by [drop1.lmm()].
#'
#' @param fit An [`lmm`][lmm] fit.
#' @param scale Ignored.
#' @param k Penalty per parameter.
#' @param ... Ignored.
#' @return A numeric vector: the degrees of freedom and the AIC.
#' @examples
#' fit <- lmm(time ~ feed + (1 | bird), data = pigeons)
#' extractAIC(fit)
#' @importFrom stats extractAIC
#' @export
extractAIC.lmm <- function(fit, scale = 0, k = 2, ...) {
  if (!is.numeric(k) || length(k) != 1L || !is.finite(k) || k < 0) {
    stop("extractAIC(): `k` must be a single non-negative number, not ", describe_value(k), ".", call. = FALSE)
  }
  ml <- if (fit$REML) refit_lmm(fit, REML = FALSE) else fit
  ll <- logLik.lmm(ml)
  edf <- attr(ll, "df")
  c(edf, -2 * as.numeric(ll) + k * edf)
}
