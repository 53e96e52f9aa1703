# emmeans support for lmm fits: recover_data() and emm_basis() methods, registered when emmeans loads.

#' Estimated marginal means of lmm fits with emmeans
#'
#' lmmkit provides the two methods through which the emmeans package supports
#' a model class, `recover_data()` and `emm_basis()`, so that
#' `emmeans::emmeans()`, `emmeans::ref_grid()`, `pairs()`, `contrast()`,
#' `joint_tests()` and the rest of emmeans work on [`lmm`][lmm] fits as on
#' lme4's `lmerMod` fits. The methods are registered when emmeans is loaded;
#' lmmkit does not need emmeans otherwise.
#'
#' The degrees of freedom are chosen as emmeans chooses them for lme4 fits:
#' the argument `lmer.df` of `emmeans()` / `ref_grid()`, or by default
#' `emmeans::emm_options(lmer.df = )`, whose default is `"kenward-roger"`.
#'
#' * `"kenward-roger"`: the covariance of the fixed effects is Kenward and
#'   Roger's adjusted one (as `vcov(fit, method = "Kenward-Roger")`, which is
#'   what emmeans takes from `pbkrtest::vcovAdj()` for lme4 fits) and the df
#'   of each estimate or joint test are Kenward-Roger's, from the same
#'   quantities as `pbkrtest::Lb_ddf()`. An ML fit keeps its estimates; the
#'   adjusted covariance comes from the model refitted by REML (with a
#'   message), as pbkrtest does. With a user-supplied `vcov.`, emmeans falls
#'   back to Satterthwaite, and so does lmmkit.
#' * `"satterthwaite"`: the model's covariance and Satterthwaite's df, as
#'   `lmerTest::calcSatterth()` (see [contrast_test()]).
#' * `"asymptotic"`: the model's covariance and infinite df (z tests).
#'
#' As for lme4 fits, giving `options = list(df = )` turns Satterthwaite into
#' `"asymptotic"`. Unlike emmeans with lme4 fits, no limit on the number of
#' observations turns the small-sample df off (emmeans' `pbkrtest.limit` and
#' `lmerTest.limit` guard against pbkrtest's and lmerTest's n x n matrices;
#' lmmkit works on the random-effect and fixed-effect blocks instead).
#'
#' A rank-deficient fixed-effect matrix (columns dropped by [lmm()]) is handled
#' as emmeans handles lme4 fits: non-estimable means are reported as `NA`.
#'
#' @param object An [`lmm`][lmm] fit.
#' @param trms,xlev,grid Supplied by emmeans: the fixed-effect terms without
#'   response, the factor levels and the reference grid.
#' @param mode,lmer.df The df method: `"kenward-roger"`, `"satterthwaite"`
#'   or `"asymptotic"` (case is ignored, partial names allowed). `lmer.df`,
#'   when given, takes precedence over `mode`.
#' @param options Supplied by emmeans (its `options` argument).
#' @param ... Passed on by emmeans; a `vcov.` matrix or function replaces the
#'   model's covariance.
#' @return `recover_data()`: the data emmeans needs to build the reference
#'   grid. `emm_basis()`: the list described in emmeans' "xtending" vignette.
#' @references Kenward MG, Roger JH (1997). Small sample inference for fixed
#'   effects from restricted maximum likelihood. Biometrics 53, 983-997.
#' @examples
#' if (requireNamespace("emmeans", quietly = TRUE)) {
#'   fit <- lmm(time ~ feed + (1 | bird), data = pigeons)
#'   emmeans::emmeans(fit, ~ feed)
#'   emmeans::emmeans(fit, ~ feed, lmer.df = "satterthwaite")
#'   pairs(emmeans::emmeans(fit, ~ feed, lmer.df = "asymptotic"))
#' }
#' @name lmm-emmeans
#' @family interfaces to other packages
NULL

#' @rdname lmm-emmeans
#' @exportS3Method emmeans::recover_data
recover_data.lmm <- function(object, ...) {
  emmeans::recover_data(object$call, stats::delete.response(fixed_terms(object)), attr(object$frame, "na.action"),
                        frame = object$frame, ...)
}

#' @rdname lmm-emmeans
#' @exportS3Method emmeans::emm_basis
emm_basis.lmm <- function(object, trms, xlev, grid, mode = emmeans::get_emm_option("lmer.df"),
                          lmer.df, options, ...) {
  if (!missing(lmer.df)) mode <- lmer.df
  mode <- match_lmer_df(mode)
  if (!missing(options) && !is.null(options$df) && mode != "kenward-roger") mode <- "asymptotic"
  if (mode == "kenward-roger" && !is.null(list(...)$vcov.)) {
    message("Kenward-Roger method can't be used with user-supplied covariances")
    mode <- "satterthwaite"
  }
  inference <- emm_inference(object, mode, emmeans::.my.vcov(object, ...))
  contrasts <- attr(object$X, "contrasts")
  grid_frame <- stats::model.frame(trms, grid, na.action = stats::na.pass, xlev = xlev)
  X <- stats::model.matrix(trms, grid_frame, contrasts.arg = contrasts)
  coefficients <- emm_coefficients(object, trms, colnames(X), contrasts)
  list(X = X, bhat = coefficients$bhat, nbasis = coefficients$nbasis, V = inference$V,
       dffun = inference$dffun, dfargs = inference$dfargs, misc = list(),
       model.matrix = emmeans::.cmpMM(object$X, object$weights, attr(object$X, "assign")))
}

lmer_df_methods <- c("satterthwaite", "kenward-roger", "asymptotic")

# emmeans' lmer.df, matched as emmeans matches it (case ignored, partial names).
match_lmer_df <- function(mode) {
  choices <- paste0('"', lmer_df_methods, '"', collapse = ", ")
  if (!is.character(mode) || length(mode) != 1L || is.na(mode)) {
    stop("`lmer.df` must be one of ", choices, ".", call. = FALSE)
  }
  hit <- pmatch(tolower(mode), lmer_df_methods)
  if (is.na(hit)) stop("`lmer.df` must be one of ", choices, "; got \"", mode, "\".", call. = FALSE)
  lmer_df_methods[hit]
}

# Covariance of beta and the df function of one method. emmeans runs dffun in the base
# environment, so dffun only calls the df function of this package that dfargs carries.
emm_inference <- function(object, mode, V) {
  if (mode == "kenward-roger") {
    reml <- as_reml_fit(object)
    adjusted <- kr_vcov(reml)
    dfargs <- list(df_of = emm_kenward_roger_df, derivatives = variance_derivatives(reml),
                   unadjusted = V, adjusted = adjusted)
    V <- matrix(adjusted, nrow(adjusted), dimnames = dimnames(adjusted))
  } else if (mode == "satterthwaite") {
    dfargs <- list(df_of = emm_satterthwaite_df, fit = object,
                   derivatives = variance_derivatives(object))
  } else {
    dfargs <- list(df_of = emm_asymptotic_df)
  }
  dffun <- function(k, dfargs) dfargs$df_of(k, dfargs)
  attr(dffun, "mesg") <- mode
  list(V = V, dffun = dffun, dfargs = dfargs)
}

# Kenward-Roger df of the rows of k, as pbkrtest::Lb_ddf(k, unadjusted, adjusted).
emm_kenward_roger_df <- function(k, dfargs) {
  L <- if (is.matrix(k)) k else matrix(k, nrow = 1L)
  d <- dfargs$derivatives
  d$C <- dfargs$unadjusted
  kr_moments(d, dfargs$adjusted, L, nrow(L))$ddf
}

# Satterthwaite df of the rows of k (one contrast, or the F test of several), as lmerTest.
emm_satterthwaite_df <- function(k, dfargs) {
  L <- if (is.matrix(k)) k else matrix(k, nrow = 1L)
  satterthwaite_F(dfargs$fit, dfargs$derivatives, L)$DenDF
}

emm_asymptotic_df <- function(k, dfargs) Inf

# Coefficients on the columns of the full model matrix: NA for columns lmm() dropped as
# aliased, with the basis of non-estimable functions (estimability), as emmeans for lme4.
emm_coefficients <- function(object, trms, column_names, contrasts) {
  if (length(attr(object$X, "dropped")) == 0L) {
    return(list(bhat = object$beta, nbasis = estimability::all.estble))
  }
  bhat <- stats::setNames(rep(NA_real_, length(column_names)), column_names)
  bhat[names(object$beta)] <- object$beta
  full_X <- stats::model.matrix(trms, object$frame, contrasts.arg = contrasts)
  list(bhat = bhat, nbasis = estimability::nonest.basis(full_X))
}
