# Generics for fitted models: nlme's re-exported, and lmmkit's own.

#' @importFrom nlme fixef
#' @export
nlme::fixef

#' @importFrom nlme ranef
#' @export
nlme::ranef

#' @importFrom nlme VarCorr
#' @export
nlme::VarCorr

#' Number of levels of each grouping factor
#'
#' `ngrps()` returns the number of levels of each distinct grouping factor of
#' a mixed model.
#'
#' lme4 has a function of the same name. This is lmmkit's own S3 generic: when
#' both packages are attached, the one attached last masks the other, and each
#' works on its own package's fits (call `lmmkit::ngrps()` to be explicit).
#'
#' @param object A fitted model, such as an [`lmm`][lmm] object.
#' @param ... Passed to methods.
#' @return A named integer vector, one element per grouping factor.
#' @seealso [ngrps.lmm()]
#' @examples
#' ngrps(lmm(time ~ feed + (1 | loft/bird), data = pigeons))
#' @export
#' @family random effects
ngrps <- function(object, ...) UseMethod("ngrps")

#' Is a mixed-model fit singular?
#'
#' `isSingular()` tells whether a fit lies on the boundary of the parameter
#' space, that is, whether some random-effect variance is (near) zero or some
#' correlation is (near) plus or minus one.
#'
#' lme4 has a function of the same name. This is lmmkit's own S3 generic: when
#' both packages are attached, the one attached last masks the other (call
#' `lmmkit::isSingular()` to be explicit).
#'
#' @param x A fitted model, such as an [`lmm`][lmm] object.
#' @param tol Tolerance: a diagonal element of a relative covariance factor
#'   below `tol` counts as zero.
#' @param ... Passed to methods.
#' @return `TRUE` or `FALSE`.
#' @seealso [isSingular.lmm()]
#' @examples
#' isSingular(lmm(time ~ feed + (1 | bird), data = pigeons))
#' @export
#' @family random effects
isSingular <- function(x, tol = 1e-4, ...) UseMethod("isSingular")

#' Intraclass correlation
#'
#' `icc()` computes intraclass correlations of a mixed model, one per grouping
#' factor. See [icc.lmm()] for the definitions used.
#'
#' lme4 has no `icc()`; the performance package has a function of the same
#' name, which returns the adjusted and conditional ICC of a whole model.
#'
#' @param x A fitted model, such as an [`lmm`][lmm] object.
#' @param ... Passed to methods.
#' @return See the methods.
#' @seealso [icc.lmm()]
#' @examples
#' fit <- lmm(time ~ feed + (1 | loft/bird), data = pigeons)
#' icc(fit)
#' @export
#' @family random effects
icc <- function(x, ...) UseMethod("icc")
