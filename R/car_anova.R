# car::Anova() and car::linearHypothesis() methods for lmm fits, registered when car loads.

#' car's Anova() and linearHypothesis() for lmm fits
#'
#' Methods for the car package's `Anova()` and `linearHypothesis()` that give
#' on [`lmm`][lmm] fits the tables car gives on lme4's `lmerMod` fits. They
#' are registered when car is loaded; lmmkit does not need car otherwise.
#'
#' The hypotheses are car's. Type II tests each term after the terms that do
#' not contain it: the hypothesis on the coefficients of the term and of the
#' terms containing it that is orthogonal, in the metric of the coefficients'
#' covariance, to the coefficients of the containing terms. Type III tests
#' that all coefficients of a term (the intercept included) are zero, which
#' depends on the contrasts used for factors (use `contr.sum` for the
#' classical type III tests). These differ from the type II and III contrasts
#' of [anova.lmm()] (lmerTest's).
#'
#' * `test.statistic = "Chisq"` (the default): Wald chi-square tests with the
#'   covariance `vcov.` (by default `vcov(mod)`).
#' * `test.statistic = "F"`: F tests with Kenward and Roger's adjusted
#'   covariance, scaled statistic and denominator df (what car obtains from
#'   pbkrtest, here from lmmkit's own computation, see [contrast_test()]); the
#'   type II hypotheses are then built with the adjusted covariance, as car
#'   does. Needs a REML fit, as in car.
#'
#' @param mod,model An [`lmm`][lmm] fit.
#' @param type `"II"`, `"III"`, 2 or 3.
#' @param test.statistic,test `"Chisq"` or `"F"`.
#' @param vcov. For Wald chi-square tests: a covariance matrix of the fixed
#'   effects, or a function of the fit returning one.
#' @param singular.ok Accepted for compatibility with car: [lmm()] drops
#'   aliased columns, so a fit never has aliased coefficients.
#' @param hypothesis.matrix A matrix (or vector) with one column per fixed
#'   effect, or a character vector of hypotheses in car's notation
#'   (e.g. `"Days = 10"`).
#' @param rhs Right-hand side of the hypotheses (default 0). Ignored, with a
#'   warning, by the F test, as in car.
#' @param verbose Print the hypothesis matrix and the estimated linear function?
#' @param ... Ignored.
#' @return A data frame of class `"anova"`, laid out as car's.
#' @examples
#' if (requireNamespace("car", quietly = TRUE)) {
#'   fit <- lmm(time ~ feed + (1 | bird), data = pigeons)
#'   car::Anova(fit)
#'   car::Anova(fit, type = 3, test.statistic = "F")
#'   car::linearHypothesis(fit, "feedafter = 0")
#' }
#' @name lmm-car
#' @family interfaces to other packages
NULL

#' @rdname lmm-car
#' @exportS3Method car::Anova
Anova.lmm <- function(mod, type = c("II", "III", 2, 3), test.statistic = c("Chisq", "F"),
                      vcov. = NULL, singular.ok, ...) {
  type <- match.arg(as.character(type), c("II", "III", "2", "3"))
  type <- if (type %in% c("II", "2")) "II" else "III"
  test.statistic <- match.arg(test.statistic)
  if (test.statistic == "F") {
    if (!is.null(vcov.)) warning("test.statistic=\"F\"; vcov. argument ignored", call. = FALSE)
    require_reml_for_F(mod)
    V <- kr_vcov(mod)
  } else {
    V <- car_vcov(mod, vcov.)
  }
  hypotheses <- car_term_hypotheses(mod, type, V)
  rows <- lapply(hypotheses, car_test, fit = mod, test = test.statistic, V = V)
  car_anova_table(mod, rows, type, test.statistic)
}

#' @rdname lmm-car
#' @exportS3Method car::linearHypothesis
linearHypothesis.lmm <- function(model, hypothesis.matrix, rhs = NULL, test = c("Chisq", "F"),
                                 vcov. = NULL, singular.ok = FALSE, verbose = FALSE, ...) {
  test <- match.arg(test)
  b <- model$beta
  if (is.character(hypothesis.matrix)) {
    H <- car::makeHypothesis(names(b), hypothesis.matrix, rhs)
    if (is.null(dim(H))) H <- t(H)
    rhs <- H[, ncol(H)]
    L <- H[, -ncol(H), drop = FALSE]
    rownames(L) <- hypothesis.matrix
  } else {
    L <- if (is.null(dim(hypothesis.matrix))) t(hypothesis.matrix) else hypothesis.matrix
    if (is.null(rhs)) rhs <- rep(0, nrow(L))
  }
  if (ncol(L) != length(b)) {
    stop(sprintf("the hypothesis matrix must have one column per fixed effect (%d), not %d.",
                 length(b), ncol(L)), call. = FALSE)
  }
  if (verbose) print_hypothesis_details(L, rhs, b)
  if (test == "F") {
    require_reml_for_F(model)
    if (!all(rhs == 0)) warning("rhs of hypothesis ignored, set to 0", call. = FALSE)
    row <- car_test(L, model, "F", kr_vcov(model))
  } else {
    row <- car_test(L, model, "Chisq", car_vcov(model, vcov.), rhs)
  }
  linear_hypothesis_table(model, L, rhs, row, test, supplied_vcov = !is.null(vcov.))
}

car_vcov <- function(mod, vcov.) {
  if (is.null(vcov.)) return(vcov.lmm(mod))
  if (is.function(vcov.)) vcov. <- vcov.(mod)
  V <- as.matrix(vcov.)
  p <- length(mod$beta)
  if (!is.numeric(V) || !identical(dim(V), c(p, p))) {
    stop(sprintf("`vcov.` must be a %d x %d covariance matrix of the fixed effects, or a ", p, p),
         "function of the fit returning one.", call. = FALSE)
  }
  V
}

require_reml_for_F <- function(fit) {
  if (!isTRUE(fit$REML)) {
    stop("the F test (Kenward-Roger) is available only for a model fitted by REML: ",
         "refit with lmm(..., REML = TRUE), or use test.statistic = \"Chisq\".", call. = FALSE)
  }
}

# One hypothesis matrix per term, named as car names the rows of its tables.
car_term_hypotheses <- function(fit, type, V) {
  assign <- attr(fit$X, "assign")
  p <- length(fit$beta)
  labels <- attr(fixed_terms(fit), "term.labels")
  term_rows <- function(k) diag(p)[assign %in% k, , drop = FALSE]
  if (type == "III") {
    with_intercept <- "(Intercept)" %in% names(fit$beta)
    terms <- if (with_intercept) c(0L, seq_along(labels)) else seq_along(labels)
    names(terms) <- if (with_intercept) c("(Intercept)", labels) else labels
    return(lapply(terms, term_rows))
  }
  factors <- attr(fixed_terms(fit), "factors")
  hypotheses <- lapply(seq_along(labels), function(k) {
    containing <- setdiff(which(vapply(seq_along(labels), function(j) {
      all(factors[factors[, k] > 0, j] > 0)
    }, logical(1))), k)
    adjusted_for_containing(term_rows(containing), term_rows(c(k, containing)), V)
  })
  stats::setNames(hypotheses, labels)
}

# The combinations of the rows of L_all that are orthogonal, in the metric V, to every
# row of L_containing: N' L_all, where N spans the left null space of L_all V L_containing'.
adjusted_for_containing <- function(L_containing, L_all, V) {
  if (nrow(L_containing) == 0L) return(L_all)
  cross_qr <- qr(L_all %*% V %*% t(L_containing))
  if (cross_qr$rank == 0L) return(L_all)
  null_basis <- qr.Q(cross_qr, complete = TRUE)[, -seq_len(cross_qr$rank), drop = FALSE]
  L <- crossprod(null_basis, L_all)
  L[rowSums(L != 0) > 0L, , drop = FALSE]
}

# The statistic, its df and (F) the denominator df of one hypothesis; NA for an empty one.
car_test <- function(L, fit, test, V, rhs = rep(0, nrow(L))) {
  if (nrow(L) == 0L) return(c(statistic = NA_real_, df = 0, res.df = NA_real_))
  if (test == "F") {
    row <- kr_F(fit, variance_derivatives(fit), V, L)
    return(c(statistic = row$`F value`, df = nrow(L), res.df = row$DenDF))
  }
  estimate <- L %*% fit$beta - rhs
  chisq <- drop(t(estimate) %*% solve(L %*% V %*% t(L), estimate))
  c(statistic = chisq, df = nrow(L), res.df = Inf)
}

car_anova_table <- function(fit, rows, type, test) {
  stat <- vapply(rows, `[[`, 0, "statistic")
  df <- vapply(rows, `[[`, 0, "df")
  if (test == "Chisq") {
    table <- data.frame(stat, df, stats::pchisq(stat, df, lower.tail = FALSE))
    names(table) <- c("Chisq", "Df", "Pr(>Chisq)")
    what <- "Wald chisquare tests"
  } else {
    res_df <- vapply(rows, `[[`, 0, "res.df")
    table <- data.frame(stat, df, res_df, stats::pf(stat, df, res_df, lower.tail = FALSE))
    names(table) <- c("F", "Df", "Df.res", "Pr(>F)")
    what <- "Wald F tests with Kenward-Roger df"
  }
  row.names(table) <- names(rows)
  structure(table, heading = c(sprintf("Analysis of Deviance Table (Type %s %s)\n", type, what),
                               paste("Response:", response_name(fit))),
            class = c("anova", "data.frame"))
}

response_name <- function(fit) {
  paste(deparse(attr(fixed_terms(fit), "variables")[[2L]]), collapse = " ")
}

print_hypothesis_details <- function(L, rhs, b) {
  cat("\nHypothesis matrix:\n")
  print(L)
  cat("\nRight-hand-side vector:\n")
  print(rhs)
  cat("\nEstimated linear function (hypothesis.matrix %*% coef - rhs)\n")
  print(drop(L %*% b - rhs))
  cat("\n")
}

# car's two-row layout: the restricted model, then the model with the test.
linear_hypothesis_table <- function(fit, L, rhs, row, test, supplied_vcov) {
  q <- nrow(L)
  if (test == "Chisq") {
    table <- data.frame(Df = c(NA, q), Chisq = c(NA, row[["statistic"]]),
                        p = c(NA, stats::pchisq(row[["statistic"]], q, lower.tail = FALSE)))
    names(table)[3] <- "Pr(>Chisq)"
  } else {
    ddf <- row[["res.df"]]
    table <- data.frame(Res.Df = c(ddf + q, ddf), Df = c(NA, q), F = c(NA, row[["statistic"]]),
                        p = c(NA, stats::pf(row[["statistic"]], q, ddf, lower.tail = FALSE)))
    names(table)[4] <- "Pr(>F)"
  }
  row.names(table) <- c("1", "2")
  topnote <- paste0("Model 1: restricted model\nModel 2: ",
                    paste(deparse(formula.lmm(fit)), collapse = "\n"))
  note <- if (supplied_vcov) "\nNote: Coefficient covariance matrix supplied.\n" else ""
  structure(table, heading = c("Linear hypothesis test\n\nHypothesis:",
                               car::printHypothesis(L, rhs, names(fit$beta)), "", topnote, note),
            class = c("anova", "data.frame"))
}
