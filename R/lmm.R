# lmm(): the user's entry point, which reads as the four stages parse, build, fit and assemble.

#' Fit a linear mixed model
#'
#' Fits a linear mixed-effects model by REML or maximum likelihood. The model
#' is written in lme4's formula language: fixed effects as in [stats::lm()],
#' random effects as `(terms | group)` (correlated), `(terms || group)`
#' (uncorrelated), `(1 | a/b)` (nested), `(1 | a) + (1 | b)` (crossed) or
#' `(1 | a:b)`. The estimates come from penalized least squares (Bates et al.
#' 2015) in lmmkit's C++ engine.
#'
#' Rows with a missing value in any variable the model uses are dropped one by
#' one (never whole clusters), which keeps ML and REML valid when data are
#' missing at random. Aliased fixed-effect columns are dropped with a message.
#'
#' @param formula A two-sided formula with at least one random-effect term.
#'   `.` in the fixed part stands for every column of `data` except the
#'   response and the grouping variables of the random-effect terms.
#' @param data A data frame containing the variables of the formula, or a
#'   list of named columns of equal length.
#' @param REML Estimate by REML (default) or by maximum likelihood.
#' @param weights Optional positive prior weights: the residual variance of
#'   observation i is sigma^2 / weights\[i\]. A column of `data` may be named.
#' @param offset Optional known term added to the linear predictor; adds to
#'   any `offset()` in the formula. A column of `data` may be named.
#' @param subset Optional expression or index selecting the rows of `data`.
#' @param na.action How to handle missing values (default [stats::na.omit()];
#'   [stats::na.exclude()] pads `fitted()`, `residuals()`, `predict()` and
#'   `simulate()` with NA for the rows left out). No missing value may remain
#'   after it, so [stats::na.pass()] works only on complete data.
#' @param contrasts Optional list of contrasts for factors of the fixed part.
#' @param control Settings from [lmm_control()].
#' @param start Optional starting values of theta (lme4's parametrisation of
#'   the relative covariance factors), or a list with element `theta`.
#' @param relmat Known relationship matrices: a list naming grouping factors
#'   of the formula, such as `list(id = K)`, that gives the random effects of
#'   `id` the covariance `sigma_id^2 K` (for a term with several columns, such
#'   as `(x | id)`, `K` kronecker the term's covariance matrix). `K` is a base
#'   matrix or a `Matrix` (a sparse pedigree relationship matrix stays
#'   sparse), symmetric and positive semi-definite, with row and column names
#'   that include every level of the factor in the data (rows for other levels
#'   are dropped). A factor with a relationship matrix may have as many levels
#'   as observations (one record per individual). See [kinship()].
#' @return An object of class `"lmm"`; see [summary.lmm()], [fixef()],
#'   [ranef()], [VarCorr()], [icc()] and [predict.lmm()].
#' @references Bates D, Maechler M, Bolker B, Walker S (2015). Fitting Linear
#'   Mixed-Effects Models Using lme4. Journal of Statistical Software 67(1).
#' @examples
#' fit <- lmm(time ~ feed + (1 | bird), data = pigeons)
#' summary(fit)
#' icc(fit)
#' @export
#' @family model fitting
lmm <- function(formula, data, REML = TRUE, weights = NULL, offset = NULL, subset = NULL,
                na.action = stats::na.omit, contrasts = NULL, control = lmm_control(),
                start = NULL, relmat = NULL) {
  call <- match.call()
  check_lmm_args(REML, control)
  env <- parent.frame()
  parsed <- parse_lmm_formula(formula)
  mats <- build_lmm_matrices(
    parsed, data,
    weights = eval_lmm_arg(substitute(weights), data, env, "weights"),
    offset = eval_lmm_arg(substitute(offset), data, env, "offset"),
    subset = eval_lmm_arg(substitute(subset), data, env, "subset"),
    na.action = na.action, contrasts = contrasts, relmat = relmat)
  engine <- fit_lmm_engine(mats, REML, control, start)
  assemble_lmm(mats, engine, call, REML, control)
}

check_lmm_args <- function(REML, control) {
  if (!is.logical(REML) || length(REML) != 1L || is.na(REML)) {
    stop("REML must be TRUE or FALSE.", call. = FALSE)
  }
  if (!inherits(control, "lmm_control")) {
    stop("control must come from lmm_control().", call. = FALSE)
  }
}
