# anova() for lmm fits: F tests per fixed-effect term (types I-III), or likelihood-ratio tests between fits.

#' Analysis of variance for linear mixed models
#'
#' With one fit, an F test for each fixed-effect term, with Satterthwaite or
#' Kenward-Roger denominator degrees of freedom (see [contrast_test()]). Type
#' III (the default) tests each term's coefficients being zero given all other
#' terms: with treatment contrasts and interactions that hypothesis depends on
#' the coding, so use sum-to-zero contrasts (`contr.sum`) for the classical
#' type III tests. Type I tests terms sequentially (lmerTest's Doolittle
#' contrasts); type II tests each term adjusted for all terms that do not
#' contain it.
#'
#' With several fits, likelihood-ratio tests between nested models, as
#' `anova()` for lme4 fits: REML fits are refitted with ML.
#'
#' @param object An [`lmm`][lmm] fit.
#' @param ... Further `lmm` fits, for likelihood-ratio tests.
#' @param type 1, 2 or 3 (or "I", "II", "III").
#' @param ddf `"Satterthwaite"`, `"Kenward-Roger"` or `"none"`.
#' @param refit For likelihood-ratio tests: refit REML fits with ML.
#' @return A data frame of class `"anova"`.
#' @examples
#' fit <- lmm(time ~ feed + (1 | bird), data = pigeons)
#' anova(fit)
#' @export
anova.lmm <- function(object, ..., type = 3, ddf = "Satterthwaite", refit = TRUE) {
  others <- list(...)
  if (length(others) > 0L) {
    names_in_call <- vapply(as.list(substitute(list(object, ...)))[-1L],
                            function(x) paste(deparse(x), collapse = " "), character(1))
    return(anova_lmm_models(object, ..., model_names = names_in_call, refit = refit))
  }
  ddf <- match_ddf(ddf)
  type <- match_anova_type(type)
  fit <- if (ddf == "Kenward-Roger") as_reml_fit(object) else object
  contrasts <- term_contrasts(fit, type)
  rows <- lapply(contrasts, function(L) contrast_test(fit, L, ddf = ddf))
  table <- if (length(rows) > 0L) do.call(rbind, rows) else f_row(numeric(0), integer(0), numeric(0), 1)
  rownames(table) <- names(contrasts)
  method <- switch(ddf, Satterthwaite = "Satterthwaite's method",
                   `Kenward-Roger` = "Kenward-Roger's method", none = "no df correction (Wald)")
  structure(table, heading = sprintf("Type %s Analysis of Variance Table with %s",
                                     as.character(utils::as.roman(type)), method),
            class = c("anova", "data.frame"))
}

match_anova_type <- function(type) {
  value <- match(as.character(type), c("1", "2", "3", "I", "II", "III"))
  if (length(type) != 1L || is.na(value)) {
    stop("`type` must be 1, 2 or 3 (or \"I\", \"II\", \"III\").", call. = FALSE)
  }
  (value - 1L) %% 3L + 1L
}

# One contrast matrix per fixed-effect term (intercept excluded).
term_contrasts <- function(fit, type) {
  X <- fit$X
  assign <- attr(X, "assign")
  labels <- attr(attr(fit$frame, "terms"), "term.labels")
  present <- sort(unique(assign[assign > 0L]))
  contrasts <- lapply(present, function(k) {
    switch(type, type1_contrast(X, assign == k), type2_contrast(fit, X, assign, k),
           diag(ncol(X))[assign == k, , drop = FALSE])
  })
  stats::setNames(contrasts, labels[present])
}

# Rows of the normalised Doolittle factor of X'X (lmerTest's type I contrasts).
type1_contrast <- function(X, cols) {
  R <- chol(crossprod(X))
  (R / diag(R))[cols, , drop = FALSE]
}

# Term k adjusted for every term that does not contain it: X_k' (I - H_1) X.
type2_contrast <- function(fit, X, assign, k) {
  factors <- attr(attr(fit$frame, "terms"), "factors")
  contains_k <- vapply(seq_len(ncol(factors)), function(j) {
    all(factors[factors[, k] > 0, j] > 0)
  }, logical(1))
  other <- !(assign %in% which(contains_k)) | assign == 0L
  XtX <- crossprod(X)
  own <- assign == k
  L <- XtX[own, , drop = FALSE]
  if (any(other)) {
    L <- L - XtX[own, other, drop = FALSE] %*%
      solve(XtX[other, other, drop = FALSE], XtX[other, , drop = FALSE])
  }
  L
}
