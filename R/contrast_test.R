# Tests of linear contrasts L beta = 0 with Satterthwaite or Kenward-Roger denominator degrees of freedom.

#' Test linear contrasts of the fixed effects
#'
#' Tests L beta = 0 with an F statistic whose denominator degrees of freedom
#' come from Satterthwaite's approximation (as lmerTest) or from Kenward and
#' Roger's method (as pbkrtest), computed from exact derivatives of the
#' covariance of beta and of the deviance with respect to the variance
#' parameters, on the random-effect and fixed-effect blocks of the engine's
#' factor: no n x n matrix is formed.
#'
#' @param fit An [`lmm`][lmm] fit.
#' @param L A numeric vector (one contrast) or matrix with one column per
#'   fixed effect (see `names(fixef(fit))`). A named vector, or a matrix with
#'   column names, is matched to the coefficients by name: it may list them in
#'   any order and leave some out (they get 0); a name that is not a
#'   coefficient is an error.
#' @param ddf `"Satterthwaite"` (default), `"Kenward-Roger"` (needs a REML
#'   fit; an ML fit is refitted with REML, with a message) or `"none"`
#'   (denominator df infinite, i.e. a Wald chi-square test divided by its df).
#' @details For fits with prior weights, lmmkit's Kenward-Roger computation
#'   uses the weights in the covariance of the response; pbkrtest (0.5.2)
#'   builds that covariance without them, so its Kenward-Roger df for a
#'   weighted lme4 fit differ from lmmkit's (and can exceed the number of
#'   observations).
#' @return A one-row data frame with columns `Sum Sq`, `Mean Sq`, `NumDF`,
#'   `DenDF`, `F value` and `Pr(>F)`, as `lmerTest::contest()`.
#' @references Kuznetsova A, Brockhoff PB, Christensen RHB (2017). lmerTest
#'   Package: Tests in Linear Mixed Effects Models. Journal of Statistical
#'   Software 82(13). Kenward MG, Roger JH (1997). Small sample inference for
#'   fixed effects from restricted maximum likelihood. Biometrics 53, 983-997.
#' @examples
#' fit <- lmm(time ~ feed + (1 | bird), data = pigeons)
#' contrast_test(fit, c(0, 1))
#' @export
#' @family inference
contrast_test <- function(fit, L, ddf = "Satterthwaite") {
  check_lmm_fit(fit)
  ddf <- match_ddf(ddf)
  L <- check_contrast_matrix(L, fit$beta)
  if (ddf == "Kenward-Roger") {
    fit <- as_reml_fit(fit)
    return(kr_F(fit, variance_derivatives(fit), kr_vcov(fit), L))
  }
  if (ddf == "none") return(wald_F(fit, L))
  satterthwaite_F(fit, variance_derivatives(fit), L)
}

wald_F <- function(fit, L) {
  q <- qr(L)$rank
  Lb <- L %*% fit$beta
  F_value <- drop(t(Lb) %*% solve(L %*% vcov.lmm(fit) %*% t(L), Lb)) / q
  f_row(F_value, q, Inf, fit$sigma)
}

ddf_methods <- c("Satterthwaite", "Kenward-Roger", "none")

match_ddf <- function(ddf) {
  if (!is.character(ddf) || length(ddf) < 1L) {
    stop("`ddf` must be one of ", paste0('"', ddf_methods, '"', collapse = ", "), ".", call. = FALSE)
  }
  if (length(ddf) > 1L) ddf <- ddf[1L]
  if (!ddf %in% ddf_methods) {
    stop("`ddf` must be one of ", paste0('"', ddf_methods, '"', collapse = ", "),
         "; got \"", ddf, "\".", call. = FALSE)
  }
  ddf
}

check_lmm_fit <- function(fit) {
  if (!inherits(fit, "lmm")) stop("`fit` must be a model fitted by lmm().", call. = FALSE)
}

check_contrast_matrix <- function(L, beta) {
  p <- length(beta)
  if (!is.numeric(L)) stop("`L` must be a numeric vector or matrix.", call. = FALSE)
  if (!is.matrix(L)) L <- matrix(L, nrow = 1, dimnames = list(NULL, names(L)))
  if (!is.null(colnames(L))) L <- match_contrast_names(L, names(beta))
  if (ncol(L) != p) {
    stop(sprintf("`L` must have one column per fixed effect: expected %d column%s (%s), got %d.",
                 p, if (p == 1L) "" else "s", paste(names(beta), collapse = ", "), ncol(L)),
         call. = FALSE)
  }
  if (anyNA(L) || any(!is.finite(L))) stop("`L` must contain finite numbers only.", call. = FALSE)
  if (nrow(L) == 0L || all(L == 0)) stop("`L` has no non-zero contrast to test.", call. = FALSE)
  L
}

#' Columns of a named `L` put in the order of the coefficients; coefficients
#' it does not name get 0
#' @noRd
match_contrast_names <- function(L, coef_names) {
  nm <- colnames(L)
  if (any(is.na(nm) | nm == "") || anyDuplicated(nm)) {
    stop("`L` must name each coefficient once, or have no names.", call. = FALSE)
  }
  unknown <- setdiff(nm, coef_names)
  if (length(unknown) > 0L) {
    stop("`L` names ", if (length(unknown) == 1L) "a coefficient" else "coefficients",
         " not in the model: ", quoted_list(unknown), "; the fixed effects are ",
         quoted_list(coef_names), ".", call. = FALSE)
  }
  out <- matrix(0, nrow(L), length(coef_names), dimnames = list(rownames(L), coef_names))
  out[, nm] <- L
  out
}
