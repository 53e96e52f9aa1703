# Extractor methods for lmm fits: coefficients, likelihood, residuals, data, update.

#' Extract parts of an lmm fit
#'
#' Standard extractors for [`lmm`][lmm] objects, following lme4's
#' conventions for `merMod` objects.
#'
#' * `fixef()`: the fixed-effect estimates, a named vector.
#' * `sigma()`: the residual standard deviation.
#' * `vcov()`: the covariance matrix of the fixed effects, a base matrix.
#' * `nobs()`: the number of observations used: as for `lm()` and `glm()`,
#'   rows with a prior weight of zero are not counted (lme4 counts them).
#' * `ngrps()`: the number of levels of each distinct grouping factor.
#' * `df.residual()`: as lme4, the number of observations minus the number of
#'   parameters (fixed effects, variance-component parameters and sigma).
#' * `weights()`: the prior weights (all 1 when none were given).
#' * `fitted()`: the conditional fitted values, X beta + Z b + offset.
#' * `residuals()`: response residuals y - fitted; `type = "pearson"` gives,
#'   as lme4, the weighted residuals sqrt(w) (y - fitted), divided by sigma
#'   when `scaled = TRUE`.
#' * `model.frame()`, `model.matrix()`, `formula()`: the model frame, the
#'   fixed-effect matrix X (or, with `type = "random"`, the random-effect
#'   design Z) and the model formula.
#' * `isSingular()`: `TRUE` when some diagonal element of a relative
#'   covariance factor (a diagonal element of theta, whose lower bound is 0) is
#'   below `tol`, lme4's rule, applied to the factor in lmmkit's internal
#'   parametrisation (random-effect columns centred and scaled), so that the
#'   answer does not change when a covariate is shifted or rescaled.
#'
#' @param object,x,formula An [`lmm`][lmm] object.
#' @param type For `residuals()`: `"response"` or `"pearson"`. For
#'   `model.matrix()`: `"fixed"` or `"random"`.
#' @param scaled For `residuals()`: divide by sigma?
#' @param method For `vcov()`: `"default"` (sigma^2 (X'V^-1 X)^-1) or
#'   `"Kenward-Roger"` (the adjusted covariance of Kenward and Roger 1997, as
#'   `pbkrtest::vcovAdj()`; an ML fit is refitted with REML).
#' @param tol For `isSingular()`: tolerance on the diagonal of theta.
#' @param ... Ignored.
#' @return See Details.
#' @seealso [logLik.lmm()], [ranef.lmm()], [VarCorr.lmm()], [predict.lmm()]
#' @examples
#' fit <- lmm(time ~ feed + (1 | bird), data = pigeons)
#' fixef(fit)
#' sigma(fit)
#' vcov(fit)
#' ngrps(fit)
#' head(residuals(fit, type = "pearson", scaled = TRUE))
#' @name lmm-extractors
#' @family interfaces to other packages
NULL

#' @rdname lmm-extractors
#' @method fixef lmm
#' @export
fixef.lmm <- function(object, ...) object$beta

#' @rdname lmm-extractors
#' @importFrom stats sigma
#' @export
sigma.lmm <- function(object, ...) object$sigma

#' @rdname lmm-extractors
#' @importFrom stats vcov
#' @export
vcov.lmm <- function(object, method = c("default", "Kenward-Roger"), ...) {
  method <- match.arg(method)
  if (method == "Kenward-Roger") {
    v <- kr_vcov(as_reml_fit(object))
    attr(v, "W") <- NULL
    return(v)
  }
  v <- object$sigma^2 * unname(as.matrix(object$vcov_unscaled))
  dimnames(v) <- list(names(object$beta), names(object$beta))
  v
}

#' @rdname lmm-extractors
#' @importFrom stats nobs
#' @export
nobs.lmm <- function(object, ...) sum(object$weights > 0)

#' @rdname lmm-extractors
#' @export
ngrps.lmm <- function(object, ...) vapply(object$re$flist, nlevels, 1L)

#' @rdname lmm-extractors
#' @importFrom stats df.residual
#' @export
df.residual.lmm <- function(object, ...) nobs.lmm(object) - npar_lmm(object)

#' @rdname lmm-extractors
#' @importFrom stats weights
#' @export
weights.lmm <- function(object, ...) object$weights

#' @rdname lmm-extractors
#' @importFrom stats fitted
#' @export
fitted.lmm <- function(object, ...) per_observation(object, object$fitted)

#' @rdname lmm-extractors
#' @importFrom stats residuals
#' @export
residuals.lmm <- function(object, type = c("response", "pearson"), scaled = FALSE, ...) {
  type <- match.arg(type)
  r <- object$resid
  if (type == "pearson") r <- r * sqrt(object$weights)
  if (scaled) r <- r / object$sigma
  per_observation(object, r)
}

#' @rdname lmm-extractors
#' @importFrom stats model.frame
#' @export
model.frame.lmm <- function(formula, ...) formula$frame

#' @rdname lmm-extractors
#' @importFrom stats model.matrix
#' @export
model.matrix.lmm <- function(object, type = c("fixed", "random"), ...) {
  switch(match.arg(type), fixed = object$X, random = Matrix::t(object$re$Zt))
}

#' @rdname lmm-extractors
#' @importFrom stats formula
#' @export
formula.lmm <- function(x, ...) x$formula

#' @rdname lmm-extractors
#' @export
isSingular.lmm <- function(x, tol = 1e-4, ...) {
  theta <- x$optinfo$theta_internal
  if (is.null(theta)) theta <- x$theta
  any(theta[x$re$lower == 0] < tol)
}

#' Number of estimated parameters: fixed effects, theta and sigma
#' @noRd
npar_lmm <- function(object) length(object$beta) + length(object$theta) + 1L

#' Name a per-observation vector by the frame's row names and pad it for
#' observations removed by na.action (napredict/naresid), as lme4
#' @noRd
per_observation <- function(object, x) {
  x <- as.vector(x)
  nm <- rownames(object$frame)
  names(x) <- if (is.null(nm)) seq_along(x) else nm
  na_act <- attr(object$frame, "na.action")
  if (is.null(na_act)) x else stats::naresid(na_act, x)
}

#' Log-likelihood, deviance, AIC and BIC of an lmm fit
#'
#' `logLik()` returns the log-likelihood of an ML fit or the restricted
#' (REML) log-likelihood of a REML fit, that is minus half the objective at
#' the optimum; `AIC()` and `BIC()` work through it. `deviance()` follows lme4
#' 1.1-31 exactly: for a REML fit with `REML = NULL`, the REML criterion with
#' a warning; otherwise the ML deviance (-2 times the log-likelihood), which
#' for a REML fit is evaluated at the REML estimates. As in lme4, any
#' non-`NULL` `REML` gives the ML deviance; for the REML criterion of any fit
#' use `-2 * logLik(fit, REML = TRUE)`. `logLik()`'s `REML` argument chooses
#' the criterion: `REML = FALSE` on a REML fit gives the log-likelihood at the
#' REML estimates, `REML = TRUE` on an ML fit the restricted log-likelihood at
#' the ML estimates.
#'
#' @param object An [`lmm`][lmm] object.
#' @param REML `NULL` (the fit's own criterion), `TRUE` or `FALSE`.
#' @param ... Ignored.
#' @return `logLik()`: an object of class `"logLik"` with attributes `df`
#'   (number of fixed effects + length of theta + 1), `nobs` and `nall` (the
#'   number of observations). `deviance()`: a number.
#' @examples
#' fit <- lmm(time ~ feed + (1 | bird), data = pigeons, REML = FALSE)
#' logLik(fit)
#' AIC(fit)
#' BIC(fit)
#' deviance(fit)
#' @importFrom stats logLik
#' @export
logLik.lmm <- function(object, REML = NULL, ...) {
  if (is.null(REML) || is.na(REML[1L])) REML <- object$REML
  n <- nobs.lmm(object)
  structure(-lmm_criterion(object, REML) / 2, nobs = n, nall = n,
            df = npar_lmm(object), class = "logLik")
}

#' @rdname logLik.lmm
#' @importFrom stats deviance
#' @export
deviance.lmm <- function(object, REML = NULL, ...) {
  if (object$REML && is.null(REML)) {
    warning("deviance() is deprecated for REML fits; use REMLcrit for the REML ",
            "criterion or deviance(.,REML=FALSE) for deviance calculated at the REML fit",
            call. = FALSE)
    return(lmm_criterion(object, TRUE))
  }
  lmm_criterion(object, FALSE)
}

#' REML criterion or ML deviance at the fit's estimates
#'
#' The fit's own criterion is `objective`; the other one is recomputed from
#' the pieces as lme4's devCrit(): ldL2 - ldW + m (1 + log(2 pi pwrss / m)),
#' plus ldRX2 and m = n - p for REML, m = n for ML, ldW = sum(log(weights)).
#' @noRd
lmm_criterion <- function(object, REML) {
  if (identical(REML, object$REML)) return(object$objective)
  pc <- object$pieces
  n <- nobs.lmm(object)
  m <- if (REML) n - length(object$beta) else n
  crit <- pc$ldL2 - sum(log(object$weights[object$weights > 0])) + m * (1 + log(2 * pi * pc$pwrss / m))
  if (REML) crit + pc$ldRX2 else crit
}

#' Update and refit an lmm model
#'
#' Re-evaluates the stored call with changed arguments, as
#' [stats::update()]: `update(fit, REML = FALSE)` refits by maximum
#' likelihood, `update(fit, . ~ . - Days)` drops a term.
#'
#' @param object An [`lmm`][lmm] object.
#' @param formula. Changes to the formula, see [stats::update.formula()].
#' @param ... Arguments of [lmm()] to add or replace (`name = NULL` removes).
#' @param evaluate If `FALSE`, return the updated call unevaluated.
#' @return The refitted model, or the call when `evaluate = FALSE`.
#' @examples
#' fit <- lmm(time ~ feed + (1 | bird), data = pigeons)
#' fit_ml <- update(fit, REML = FALSE)
#' fit_weight <- update(fit, . ~ . + weight)
#' fixef(fit_weight)
#' @importFrom stats update
#' @export
#' @family model fitting
update.lmm <- function(object, formula., ..., evaluate = TRUE) {
  call <- object$call
  if (is.null(call)) stop("the fit has no stored call to update", call. = FALSE)
  extras <- match.call(expand.dots = FALSE)$...
  if (!missing(formula.)) {
    call$formula <- stats::update.formula(formula.lmm(object), formula.)
  }
  for (nm in names(extras)) call[[nm]] <- extras[[nm]]
  if (evaluate) eval(call, parent.frame()) else call
}
