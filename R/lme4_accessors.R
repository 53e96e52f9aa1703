# lme4's accessors for lmm fits (getME, refit, terms, family) and the generics shared with lme4 made to work whichever package is loaded last.

#' Extract parts of a fit by name, as lme4's getME()
#'
#' `getME(fit, name)` returns the pieces lme4 users reach for, with lme4's
#' names and shapes, so that code written for `merMod` fits works on `lmm`
#' fits. lmmkit's generic and lme4's both dispatch to this method, whichever
#' package was attached last; on an lme4 fit, lmmkit's generic calls lme4's.
#'
#' Names: `"X"` (fixed-effect matrix), `"Z"`, `"Zt"` (random-effect design,
#' sparse), `"Lambda"`, `"Lambdat"` (relative covariance factor, sparse),
#' `"theta"` (named as lme4), `"beta"` (unnamed), `"fixef"` (named), `"u"`
#' (spherical random effects), `"b"` (random effects, Lambda u), `"flist"`,
#' `"cnms"`, `"lower"`, `"Gp"`, `"n"`, `"N"`, `"p"`, `"q"`, `"sigma"`,
#' `"y"`, `"mu"` (fitted values), `"offset"`, `"weights"`, `"REML"` (the
#' number of fixed effects for a REML fit, else 0, as lme4), `"is_REML"`,
#' `"devcomp"` (lme4's `cmp` and `dims`), `"RX"` (upper triangular, with
#' `vcov() = sigma^2 chol2inv(RX)`), `"L"` (the sparse Cholesky factor of
#' Lambda' Z' W Z Lambda + I as a `Matrix::CHMfactor`, computed on request)
#' and `"ALL"` (a list of all of them). Several names give a named list.
#'
#' With `lmm(relmat = )`, `"Z"`, `"Zt"`, `"Lambda"`, `"u"` and `"L"` are those
#' of the model the engine fits (design Z F for a relationship matrix K = F F').
#'
#' @param object A fitted model.
#' @param name One or more of the names above.
#' @param ... Ignored.
#' @return The piece asked for, or a named list of them.
#' @examples
#' fit <- lmm(time ~ feed + (1 | bird), data = pigeons)
#' getME(fit, "theta")
#' getME(fit, c("n", "p", "q"))
#' @export
#' @family interfaces to other packages
getME <- function(object, name, ...) UseMethod("getME")

getme_names <- c("X", "Z", "Zt", "Lambda", "Lambdat", "theta", "beta", "fixef", "u", "b",
                 "flist", "cnms", "lower", "Gp", "n", "N", "p", "q", "sigma", "y", "mu",
                 "offset", "weights", "REML", "is_REML", "devcomp", "RX", "L")

#' @rdname getME
#' @rawNamespace S3method(lme4::getME, lmm)
#' @rawNamespace S3method(lme4::refit, lmm)
#' @rawNamespace S3method(lme4::ngrps, lmm)
#' @export
getME.lmm <- function(object, name, ...) {
  if (missing(name) || !is.character(name) || length(name) == 0L || anyNA(name)) {
    stop("getME(): `name` must be one or more of ", quoted_list(c(getme_names, "ALL")), ".", call. = FALSE)
  }
  if (identical(name, "ALL")) name <- getme_names
  unknown <- setdiff(name, getme_names)
  if (length(unknown)) {
    stop("getME(): unknown name ", quoted_list(unknown), "; the names are ",
         quoted_list(c(getme_names, "ALL")), ".", call. = FALSE)
  }
  if (length(name) > 1L) return(stats::setNames(lapply(name, function(n) getME.lmm(object, n)), name))
  getme_piece(object, name)
}

getme_piece <- function(object, name) {
  re <- object$re
  switch(name,
    X = object$X, Z = Matrix::t(engine_Zt(re)), Zt = engine_Zt(re),
    Lambda = lambda_matrix(object$theta, re$terms), Lambdat = Matrix::t(lambda_matrix(object$theta, re$terms)),
    theta = object$theta, beta = unname(object$beta), fixef = object$beta, u = object$u,
    b = as.numeric(lambda_matrix(object$theta, re$terms) %*% object$u),
    flist = structure(re$flist, assign = match(vapply(re$terms, `[[`, "", "group"), names(re$flist))),
    cnms = stats::setNames(lapply(re$terms, `[[`, "cnms"), vapply(re$terms, `[[`, "", "group")),
    lower = stats::setNames(re$lower, names(object$theta)),
    Gp = as.integer(c(0, cumsum(vapply(re$terms, function(t) t$ncol * t$nlevels, 1)))),
    n = , N = length(object$y), p = length(object$beta), q = nrow(re$Zt), sigma = object$sigma,
    y = object$y, mu = unname(object$fitted), offset = object$offset, weights = object$weights,
    REML = if (object$REML) length(object$beta) else 0L, is_REML = object$REML,
    devcomp = getme_devcomp(object), RX = chol(solve(object$vcov_unscaled)),
    L = random_effect_factor(object)$L)
}

# lme4's devcomp: the pieces of the objective (cmp) and the dimensions (dims).
getme_devcomp <- function(object) {
  pc <- object$pieces
  n <- nobs.lmm(object)
  p <- length(object$beta)
  ussq <- sum(object$u^2)
  cmp <- c(ldL2 = pc$ldL2, ldRX2 = pc$ldRX2, wrss = pc$pwrss - ussq, ussq = ussq, pwrss = pc$pwrss,
           drsum = NA, REML = if (object$REML) object$objective else NA,
           dev = if (object$REML) NA else object$objective,
           sigmaML = sqrt(pc$pwrss / n), sigmaREML = sqrt(pc$pwrss / (n - p)))
  dims <- c(N = n, n = n, p = p, nmp = n - p, q = nrow(object$re$Zt), nth = length(object$theta),
            useSc = 1L, reTrms = length(object$re$terms), spFe = 0L,
            REML = if (object$REML) p else 0L, GLMM = 0L, NLMM = 0L)
  list(cmp = cmp, dims = dims)
}

#' @rdname getME
#' @export
getME.merMod <- function(object, name, ...) {
  lme4_method("getME")(object, name, ...)
}

#' Refit a model to a new response
#'
#' `refit(fit, newresp)` refits the model to a new response vector, keeping
#' the design, weights and control settings, and starting at the fit's
#' estimates, as lme4's `refit()`. `newresp` has one value per observation
#' used in the fit or, under `na.exclude`, one per row of `fitted()` (the
#' rows left out are then ignored).
#'
#' @param object A fitted model.
#' @param newresp The new response (default: the fit's own).
#' @param ... Ignored.
#' @return The refitted model.
#' @examples
#' fit <- lmm(time ~ feed + (1 | bird), data = pigeons)
#' y2 <- simulate(fit, seed = 1)[[1]]
#' fixef(refit(fit, y2))
#' @export
#' @family model fitting
refit <- function(object, newresp, ...) UseMethod("refit")

#' @rdname refit
#' @export
refit.lmm <- function(object, newresp = NULL, ...) {
  if (is.null(newresp)) return(refit_lmm(object))
  if (is.data.frame(newresp) && ncol(newresp) == 1L) newresp <- newresp[[1L]]
  na_act <- attr(object$frame, "na.action")
  if (!is.null(na_act) && length(newresp) == length(object$y) + length(na_act)) newresp <- newresp[-na_act]
  refit_lmm(object, y = newresp)
}

#' @rdname refit
#' @export
refit.merMod <- function(object, newresp = NULL, ...) {
  lme4_method("refit")(object, newresp, ...)
}

#' @rdname lmm-extractors
#' @export
ngrps.merMod <- function(object, ...) {
  lme4_method("ngrps")(object, ...)
}

#' @rdname lmm-extractors
#' @export
isSingular.merMod <- function(x, tol = 1e-4, ...) {
  need_lme4("isSingular")
  lme4::isSingular(x, tol = tol)
}

need_lme4 <- function(caller) {
  if (!requireNamespace("lme4", quietly = TRUE)) {
    stop(caller, "(): a merMod fit needs the lme4 package.", call. = FALSE)
  }
}

#' lme4's own method of a generic for merMod fits
#'
#' Called directly, not through a generic: calling lme4's generic from here
#' would dispatch back to lmmkit's merMod method, which is visible from
#' lmmkit's namespace.
#' @noRd
lme4_method <- function(generic) {
  need_lme4(generic)
  utils::getS3method(generic, "merMod", envir = asNamespace("lme4"))
}

#' Model terms and family of an lmm fit
#'
#' `terms()` gives the terms of the fixed-effect part, as lme4's
#' `terms(fit)`; `fixed.only = FALSE` gives the terms of the whole formula
#' with each `(x | g)` written as `x + g`, and `random.only = TRUE` those of
#' the random-effect terms alone, as lme4. `family()` is
#' [stats::gaussian()] with the identity link.
#'
#' @param x,object An [`lmm`][lmm] fit.
#' @param fixed.only Only the fixed-effect part?
#' @param random.only Only the random-effect terms?
#' @param ... Ignored.
#' @return A `terms` object, or a `family` object.
#' @examples
#' fit <- lmm(time ~ feed + (1 | bird), data = pigeons)
#' terms(fit)
#' family(fit)
#' @importFrom stats terms
#' @export
terms.lmm <- function(x, fixed.only = TRUE, random.only = FALSE, ...) {
  if (missing(fixed.only) && isTRUE(random.only)) fixed.only <- FALSE
  if (isTRUE(fixed.only) && isTRUE(random.only)) {
    stop("terms(): `fixed.only` and `random.only` cannot both be TRUE.", call. = FALSE)
  }
  if (fixed.only) return(fixed_terms(x))
  if (!random.only) return(stats::terms(bars_as_sums(x$formula)))
  bars <- lapply(formula_bars(x$formula[[3L]]), function(b) call("(", b))
  rhs <- Reduce(function(a, b) call("+", a, b), bars)
  stats::terms(bars_as_sums(stats::as.formula(call("~", x$formula[[2L]], rhs), env = environment(x$formula))))
}

# A formula with each random-effect term (a | g) replaced by (a + g), as lme4's subbars().
bars_as_sums <- function(formula) {
  swap <- function(e) {
    if (!is.call(e)) return(e)
    if (identical(e[[1L]], as.name("|")) || identical(e[[1L]], as.name("||"))) e[[1L]] <- as.name("+")
    as.call(lapply(as.list(e), swap))
  }
  f <- eval(swap(formula))
  environment(f) <- environment(formula)
  f
}

#' @rdname terms.lmm
#' @importFrom stats family
#' @export
family.lmm <- function(object, ...) stats::gaussian()
