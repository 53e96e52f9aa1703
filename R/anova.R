# anova() for lmm fits: F tests per fixed-effect term (types I-III), or likelihood-ratio tests between fits.

#' Analysis of variance for linear mixed models
#'
#' With one fit, an F test for each fixed-effect term, with Satterthwaite or
#' Kenward-Roger denominator degrees of freedom (see [contrast_test()]), as
#' `anova()` for lmerTest fits:
#'
#' * Type III (the default) tests each term's hypothesis as SAS and lmerTest
#'   define it: built from the cell means under treatment coding and made
#'   orthogonal to the terms that contain the term, then carried to the fit's
#'   coefficients. The tests are the same whatever the contrasts of the factors
#'   (treatment, sum, polynomial); with empty cells they depend on which cells
#'   are empty, and a message says so.
#' * Type II tests a term that no other term contains on its own coefficients,
#'   and any other term adjusted for every term that does not contain it
#'   (containment as in SAS: a term contains another when it has all its
#'   variables and more, and the same numeric covariates).
#' * Type I tests terms sequentially (lmerTest's Doolittle contrasts).
#'
#' With more than one contrast per term, Satterthwaite's denominator df combine
#' the df of the eigen-directions of the term's covariance as lmerTest does;
#' where that covariance has tied eigenvalues the combination depends on the
#' choice of eigenvectors, so the DenDF under two codings can differ in the
#' fourth digit (the F value does not). The same holds when the design is
#' rank deficient, where the basis of a term's hypothesis is a choice.
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
#' @family inference
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
  structure(table, heading = sprintf("Type %s Analysis of Variance Table with %s",
                                     as.character(utils::as.roman(type)), ddf_method_label(ddf)),
            class = c("anova", "data.frame"))
}

ddf_method_label <- function(ddf) {
  switch(ddf, Satterthwaite = "Satterthwaite's method", `Kenward-Roger` = "Kenward-Roger's method",
         none = "no df correction (Wald)")
}

match_anova_type <- function(type) {
  value <- match(as.character(type), c("1", "2", "3", "I", "II", "III"))
  if (length(type) != 1L || is.na(value)) {
    stop("`type` must be 1, 2 or 3 (or \"I\", \"II\", \"III\").", call. = FALSE)
  }
  (value - 1L) %% 3L + 1L
}
