# simulate() for lmm fits: parametric simulation of new responses from the fitted model, as lme4's simulate.merMod.

#' Simulate responses from a fitted lmm model
#'
#' Draws new responses from the fitted model, following lme4's
#' `simulate.merMod()`. By default (`re.form = NA`, lme4's `use.u = FALSE`)
#' the simulation is unconditional: new spherical random effects
#' u ~ N(0, I) give b = sigma Lambda u, and
#' y* = X beta + Z b + offset + sigma e / sqrt(weights), e ~ N(0, I).
#' With `re.form = NULL` the simulation is conditional on the estimated random
#' effects: y* = fitted values + sigma e / sqrt(weights). A formula naming some
#' random-effect terms, such as `~ (1 | Subject)`, conditions on those terms
#' and draws the others afresh.
#'
#' The random numbers are drawn in lme4's order (first all the u, then all the
#' e), so for a model without weights the same seed gives the same responses
#' as lme4. (lme4 1.1-31 ignores prior weights here; lmmkit scales the noise
#' of observation i by 1 / sqrt(weights\[i\]), as the model says; a row of
#' weight zero has no finite variance and is simulated as `NA`.)
#'
#' @param object An [`lmm`][lmm] object.
#' @param nsim Number of simulated responses: a single positive whole number.
#' @param seed `NULL` or an integer passed to [set.seed()]; as in
#'   [stats::simulate()], the random-number state is restored afterwards.
#' @param use.u As lme4: `TRUE` conditions on all the estimated random
#'   effects (the same as `re.form = NULL`); give `use.u` or `re.form`, not both.
#' @param re.form Which random effects to condition on: `NA` or `~0` (none,
#'   the default), `NULL` (all) or a formula of random-effect terms.
#' @param ... Ignored.
#' @return A data frame with columns `sim_1`, ..., `sim_<nsim>`, one row per
#'   observation used in the fit (under `na.action = na.exclude`, one row per
#'   row of `fitted()`, NA for the rows left out), with attribute `"seed"` as
#'   [stats::simulate()] (the seed, or the random-number state before the
#'   simulation).
#' @examples
#' fit <- lmm(time ~ feed + (1 | bird), data = pigeons)
#' sims <- simulate(fit, nsim = 3, seed = 1)
#' head(sims)
#' @importFrom stats simulate
#' @export
#' @family model fitting
simulate.lmm <- function(object, nsim = 1, seed = NULL, use.u = FALSE, re.form = NA, ...) {
  nsim <- check_nsim(nsim)
  re.form <- simulate_re_form(use.u, re.form, missing(re.form))
  cond <- simulate_conditioned_terms(object, re.form)
  rng <- use_seed(seed)
  on.exit(rng$restore())
  eta <- as.numeric(object$X %*% object$beta) + object$offset
  if (any(cond)) eta <- eta + conditional_part(object, cond)
  n <- length(eta)
  val <- matrix(eta, n, nsim)
  if (!all(cond)) {
    ZL <- Matrix::crossprod(engine_Zt(object$re), lambda_matrix(object$theta, object$re$terms, !cond))
    u <- stats::rnorm(ncol(ZL) * nsim)
    val <- val + object$sigma * as.matrix(ZL %*% matrix(u, ncol = nsim))
  }
  val <- val + (object$sigma / sqrt(object$weights)) * matrix(stats::rnorm(n * nsim), n, nsim)
  val[object$weights == 0, ] <- NA
  simulated_frame(object, val, rng$state)
}

#' The simulated responses as a data frame, one row per observation of
#' `fitted()`: under `na.exclude` the rows left out of the fit are NA, as in
#' lme4's simulate.merMod()
#' @noRd
simulated_frame <- function(object, val, seed) {
  cols <- lapply(seq_len(ncol(val)), function(j) per_observation(object, val[, j]))
  val <- as.data.frame(stats::setNames(cols, paste("sim", seq_len(ncol(val)), sep = "_")))
  rownames(val) <- names(cols[[1L]])
  attr(val, "seed") <- seed
  val
}

#' Sparse block-diagonal relative covariance factor Lambda
#'
#' For term k, T_k holds its theta (lower triangle, column by column) and
#' its block is kronecker(I_nlevels, T_k), matching Zt's level-major rows.
#' @param keep Optional logical, one per term: only the columns of these
#'   terms are returned (all rows).
#' @return A q x q (or q x q_kept) sparse matrix.
#' @noRd
lambda_matrix <- function(theta, terms, keep = rep(TRUE, length(terms))) {
  blocks <- lapply(terms, function(term) {
    Matrix::kronecker(Matrix::Diagonal(term$nlevels),
                      Matrix::Matrix(relative_cov_factor(theta, term), sparse = TRUE))
  })
  L <- Matrix::bdiag(blocks)
  if (all(keep)) return(L)
  cols <- unlist(lapply(which(keep), function(k) {
    terms[[k]]$col_start + seq_len(terms[[k]]$ncol * terms[[k]]$nlevels)
  }))
  L[, cols, drop = FALSE]
}

#' `re.form` from lme4's two ways of saying it: `use.u = TRUE` is `re.form = NULL`
#' @noRd
simulate_re_form <- function(use.u, re.form, re.form_missing) {
  if (!is.logical(use.u) || length(use.u) != 1L || is.na(use.u)) {
    stop("simulate(): `use.u` must be TRUE or FALSE, not ", describe_value(use.u), ".", call. = FALSE)
  }
  if (use.u && !re.form_missing) {
    stop("simulate(): give only one of `use.u` and `re.form`.", call. = FALSE)
  }
  if (use.u) NULL else re.form
}

#' Which random-effect terms re.form conditions on (one logical per term)
#' @noRd
simulate_conditioned_terms <- function(object, re.form) {
  masks <- predict_column_masks(object, re.form)
  partial <- vapply(masks, function(m) any(m) && !all(m), NA)
  if (any(partial)) {
    labels <- vapply(object$re$terms[partial], `[[`, "", "label")
    stop(sprintf("simulate(): re.form must name whole random-effect terms; it names only some columns of %s.",
                 paste(sQuote(labels, FALSE), collapse = ", ")), call. = FALSE)
  }
  vapply(masks, all, NA)
}

#' Z b restricted to the terms conditioned on (n x 1)
#' @noRd
conditional_part <- function(object, cond) {
  keep <- unlist(lapply(seq_along(cond), function(k) {
    rep.int(cond[[k]], object$re$terms[[k]]$ncol * object$re$terms[[k]]$nlevels)
  }))
  as.numeric(Matrix::crossprod(object$re$Zt, object$b * keep))
}

#' `nsim` must be one finite positive whole number
#' @noRd
check_nsim <- function(nsim) {
  ok <- is.numeric(nsim) && length(nsim) == 1L && is.finite(nsim) && nsim >= 1 &&
    nsim == round(nsim) && nsim <= .Machine$integer.max
  if (!ok) {
    stop("simulate(): `nsim` must be a single positive whole number, not ",
         describe_value(nsim), ".", call. = FALSE)
  }
  as.integer(nsim)
}

#' Set the seed as stats::simulate() does
#'
#' @return A list: `state` (the value of the "seed" attribute: the seed with
#'   attribute `kind`, or the random-number state in use) and `restore` (a
#'   function that puts back the caller's random-number state when a seed was
#'   given).
#' @noRd
use_seed <- function(seed) {
  if (!exists(".Random.seed", envir = globalenv(), inherits = FALSE)) stats::runif(1)
  if (is.null(seed)) {
    return(list(state = get(".Random.seed", envir = globalenv()), restore = function() NULL))
  }
  old <- get(".Random.seed", envir = globalenv())
  set.seed(seed)
  list(state = structure(seed, kind = as.list(RNGkind())),
       restore = function() assign(".Random.seed", old, envir = globalenv()))
}
