# Variance decomposition for the insight and performance packages: icc() and r2() of lmm fits.

#' performance's icc() and r2() for lmm fits
#'
#' Methods for insight's `get_variance()` and `is_mixed_model()` and for
#' performance's `r2()`, so that `performance::icc(fit)` and
#' `performance::r2(fit)` work on [`lmm`][lmm] fits as on lme4 fits. They are
#' registered when insight or performance is loaded.
#'
#' `get_variance()` returns the variance components of Nakagawa, Johnson and
#' Schielzeth (2017) as insight computes them for a linear mixed model:
#'
#' * `var.fixed`: the variance (denominator n - 1) of the fixed-effect
#'   predictions X beta;
#' * `var.random`: the random-effect variance averaged over the observed
#'   design, the sum over terms of `mean_i(z_i' Sigma_k z_i)` (the variance of
#'   the random intercepts for intercept-only terms; see [icc.lmm()]);
#' * `var.residual` and `var.distribution`: sigma^2; `var.dispersion`: 0;
#' * `var.intercept` (per term with an intercept, named by its grouping
#'   factor) and `var.slope` (per other column, named `"group.column"`).
#'
#' Hence `performance::icc(fit)$ICC_adjusted` is the sum of the `adjusted`
#' (or, without random slopes, `icc`) column of [icc.lmm()], and
#' `performance::r2(fit)` gives Nakagawa's marginal and conditional R^2
#' (`performance::r2_nakagawa()`). Prior weights are ignored.
#'
#' @param x,model An [`lmm`][lmm] fit.
#' @param component `"all"` or one component: `"fixed"`, `"random"`,
#'   `"residual"`, `"distribution"`, `"dispersion"`, `"intercept"`, `"slope"`.
#' @param verbose Ignored.
#' @param ... Passed on to `performance::r2_nakagawa()` by `r2()`; ignored
#'   otherwise.
#' @return `get_variance()`: a named list (or one element of it).
#'   `is_mixed_model()`: `TRUE`. `r2()`: as `performance::r2_nakagawa()`.
#' @references Nakagawa, S., Johnson, P. C. D. and Schielzeth, H. (2017).
#'   The coefficient of determination R^2 and intra-class correlation
#'   coefficient from generalized linear mixed-effects models revisited and
#'   expanded. *Journal of the Royal Society Interface*, 14, 20170213.
#'   \doi{10.1098/rsif.2017.0213}
#' @examples
#' if (requireNamespace("performance", quietly = TRUE)) {
#'   fit <- lmm(time ~ feed + (1 | bird), data = pigeons)
#'   performance::icc(fit)
#'   performance::r2(fit)
#' }
#' @name lmm-performance
#' @family interfaces to other packages
NULL

#' @rdname lmm-performance
#' @exportS3Method insight::get_variance
get_variance.lmm <- function(x, component = c("all", "fixed", "random", "residual",
                                               "distribution", "dispersion", "intercept",
                                               "slope"),
                             verbose = TRUE, ...) {
  component <- match.arg(component)
  terms <- x$re$terms
  covs <- lapply(terms, term_covariance, object = x)
  design_var <- vapply(seq_along(terms), function(k) design_variance(x, terms[[k]], covs[[k]]), 0)
  components <- list(var.fixed = stats::var(as.vector(x$X %*% x$beta)[x$weights > 0]),
                     var.random = sum(design_var),
                     var.residual = x$sigma^2, var.distribution = x$sigma^2, var.dispersion = 0,
                     var.intercept = term_variances(terms, covs, intercept = TRUE),
                     var.slope = term_variances(terms, covs, intercept = FALSE))
  components <- components[lengths(components) > 0L]
  if (component == "all") return(components)
  components[[paste0("var.", component)]]
}

# Intercept variances (named by grouping factor) or slope variances ("group.column").
term_variances <- function(terms, covs, intercept) {
  values <- Map(function(term, S) {
    v <- diag(S)
    is_intercept <- names(v) == "(Intercept)"
    keep <- if (intercept) is_intercept else !is_intercept
    if (!any(keep)) return(NULL)
    stats::setNames(v[keep], if (intercept) term$group else paste(term$group, names(v)[keep], sep = "."))
  }, terms, covs)
  unlist(unname(values))
}

#' @rdname lmm-performance
#' @exportS3Method insight::is_mixed_model
is_mixed_model.lmm <- function(x) TRUE

#' @rdname lmm-performance
#' @exportS3Method performance::r2
r2.lmm <- function(model, ...) performance::r2_nakagawa(model, ...)
