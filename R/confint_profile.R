# Profile-likelihood confidence intervals for lmm fits, as lme4's confint(method = "profile").

#' Profile-likelihood intervals for the parameters of an lmm fit
#'
#' Follows lme4 (`profile.merMod()` with `devfun2()`, then `confint.thpr()`):
#'
#' * A REML fit is first refitted by maximum likelihood: the profiles are of the
#'   ML deviance, for REML and ML fits alike, so both give the same intervals.
#' * Variance parameters are profiled on the standard-deviation / correlation
#'   scale (`.sig01`, ... for each term's lower triangle, column by column,
#'   standard deviations on the diagonal and correlations off it, then
#'   `.sigma`), with sigma an explicit parameter: the deviance at
#'   (sds, cors, sigma) is `ldL2 + pwrss / sigma^2 + n log(2 pi sigma^2)`, the
#'   fixed effects being profiled out. For each parameter the others are
#'   minimised over (BOBYQA, standard deviations bounded at 0, correlations in
#'   \[-1, 1\]).
#' * A fixed effect beta_j is profiled by fitting the model without column j
#'   of X and with `X[, j] * beta_j` added to the offset, by ML.
#' * zeta(psi) = sign(psi - psi_hat) sqrt(dev(psi) - dev_min); the bounds are
#'   the roots of zeta(psi) = -+ qnorm((1 + level) / 2), found by
#'   [stats::uniroot()] on the exact profile (lme4 interpolates a spline
#'   through profile points; the two agree to about 1e-4 or better).
#' * Terms with more than 2 columns are refused (an error): box constraints on
#'   their correlations do not keep the correlation matrix valid, and the
#'   profile would not be reliable.
#' * When the profile does not reach the cut-off before the parameter's
#'   boundary, the boundary is returned: 0 for a standard deviation, -1 or 1
#'   for a correlation, `Inf` above a standard deviation, as lme4.
#'
#' @param object An `lmm` object.
#' @param level Confidence level (a single number in (0, 1)).
#' @param ... Ignored.
#' @return A matrix as `confint.lmm()`: variance parameters then fixed effects,
#'   columns `"2.5 %"`, `"97.5 %"` (for level 0.95).
#' @noRd
confint_profile <- function(object, level, ...) {
  a <- (1 - level) / 2
  a <- c(a, 1 - a)
  cut <- stats::qnorm(1 - a[1L])
  wide <- Filter(function(tm) tm$ncol > 2L, object$re$terms)
  if (length(wide)) {
    # With 3 or more columns the box (-1, 1) on the correlations is larger than the set of valid
    # correlation matrices, and the minimisation over the other parameters can stall on its edge:
    # the profile would come out too high and the intervals too narrow.
    stop(sprintf(paste("confint(method = \"profile\"): profile intervals are not available for",
                       "random-effect terms with more than 2 columns (%s); use method = \"boot\"."),
                 paste(vapply(wide, `[[`, character(1), "label"), collapse = ", ")), call. = FALSE)
  }
  ml <- profile_ml_fit(object)
  vp <- profile_variance_intervals(ml, cut)
  fe <- profile_fixed_intervals(ml, cut)
  ci <- rbind(vp, fe)
  dimnames(ci) <- list(c(variance_par_names(object), names(object$beta)), format_percent(a))
  ci
}

#' The ML fit that is profiled: the fit itself, or its ML refit when REML
#' @noRd
profile_ml_fit <- function(object) {
  control <- object$control
  control$check.singular <- "ignore"
  control$check.conv <- "ignore"
  control$condvar <- FALSE
  if (!isTRUE(object$REML)) return(object)
  ml <- tryCatch(suppressMessages(refit_lmm(object, REML = FALSE, control = control)),
                 error = function(e) {
                   stop(sprintf("confint(method = \"profile\"): the ML refit failed: %s",
                                conditionMessage(e)), call. = FALSE)
                 })
  ml
}

# ---- the sd/cor parametrisation --------------------------------------------------------------

#' theta and sigma -> lme4's sd/cor vector (per term lower triangle of the sd/cor matrix), sigma last
#' @noRd
profile_theta_to_sv <- function(theta, sigma, terms) {
  out <- numeric(0)
  for (tm in terms) {
    p <- tm$ncol
    idx <- tm$theta_start + seq_len(p * (p + 1L) / 2L)
    Tk <- matrix(0, p, p)
    Tk[lower.tri(Tk, diag = TRUE)] <- theta[idx]
    S <- sigma^2 * tcrossprod(Tk)
    sds <- sqrt(diag(S))
    M <- S / outer(sds, sds)
    M[!is.finite(M)] <- 0
    diag(M) <- sds
    out <- c(out, M[lower.tri(M, diag = TRUE)])
  }
  c(out, sigma)
}

#' sd/cor vector (sigma last) -> theta; NULL when a correlation matrix is not positive semi-definite
#' @noRd
profile_sv_to_theta <- function(sv, terms) {
  sigma <- sv[length(sv)]
  theta <- numeric(length(sv) - 1L)
  for (tm in terms) {
    p <- tm$ncol
    idx <- tm$theta_start + seq_len(p * (p + 1L) / 2L)
    M <- matrix(0, p, p)
    M[lower.tri(M, diag = TRUE)] <- sv[idx]
    sds <- diag(M)
    if (p == 1L) {
      theta[idx] <- sds / sigma
      next
    }
    R <- M
    diag(R) <- 1
    R[upper.tri(R)] <- t(R)[upper.tri(R)]
    L <- profile_semidef_chol(R)
    if (is.null(L)) return(NULL)
    Tk <- (sds * L) / sigma
    theta[idx] <- Tk[lower.tri(Tk, diag = TRUE)]
  }
  theta
}

#' Lower Cholesky factor of a positive semi-definite matrix (zero pivots allowed), NULL if indefinite
#' @noRd
profile_semidef_chol <- function(R, tol = 1e-12) {
  p <- nrow(R)
  L <- matrix(0, p, p)
  for (j in seq_len(p)) {
    k <- seq_len(j - 1L)
    d <- R[j, j] - sum(L[j, k]^2)
    if (d < -tol) return(NULL)
    L[j, j] <- sqrt(max(d, 0))
    if (j < p) {
      for (i in (j + 1L):p) {
        num <- R[i, j] - sum(L[i, k] * L[j, k])
        if (L[j, j] > 0) {
          L[i, j] <- num / L[j, j]
        } else if (abs(num) > 1e-8) {
          return(NULL)
        }
      }
    }
  }
  L
}

# ---- variance parameters ---------------------------------------------------------------------

#' Profile intervals of the variance parameters (sd/cor scale, then sigma)
#' @noRd
profile_variance_intervals <- function(ml, cut) {
  setup <- profile_variance_setup(ml)
  ci <- vapply(seq_along(setup$hat), function(w) {
    profile_bounds(variance_zeta(setup, w), setup$hat[w], cut, setup$lower[w], setup$upper[w],
                   variance_step(setup, w))
  }, numeric(2))
  t(ci)
}

#' What the profiles of the variance parameters share: the ML deviance at (sds, cors, sigma),
#' the estimates, the bounds and the scales of the sd/cor vector
#' @noRd
profile_variance_setup <- function(ml) {
  mats <- lmm_mats_from_fit(ml)
  terms <- ml$re$terms
  n <- nobs.lmm(ml)
  big <- 1e100
  dev <- function(sv) {
    sigma <- sv[length(sv)]
    if (!(sigma > 0) || anyNA(sv)) return(big)
    theta <- profile_sv_to_theta(sv, terms)
    if (is.null(theta)) return(big)
    o <- engine_objective(mats, FALSE, ml$control, theta)
    val <- o["ldL2", 1L] + o["pwrss", 1L] / sigma^2 + n * log(2 * pi * sigma^2)
    if (!is.finite(val)) big else val
  }
  hat <- profile_theta_to_sv(ml$theta, ml$sigma, terms)
  is_cor <- profile_is_cor(terms)
  list(dev = dev, hat = hat, is_cor = is_cor, sigma = ml$sigma, base = dev(hat),
       lower = ifelse(is_cor, -1, 0), upper = ifelse(is_cor, 1, Inf),
       scale = ifelse(is_cor, 1, ifelse(hat > 0, hat, 0.1 * ml$sigma)))
}

#' zeta of variance parameter w: the signed root of the deviance minimised over the others
#'
#' `record`, when given, is called with the profiled value, zeta and the whole
#' sd/cor vector at the conditional minimum.
#' @noRd
variance_zeta <- function(setup, w, record = NULL) {
  cache <- new.env(parent = emptyenv())
  cache$x <- setup$hat[w]
  cache$par <- list(setup$hat[-w])
  scale <- setup$scale
  function(x) {
    start <- cache$par[[which.min(abs(cache$x - x))]]
    res <- profile_minimise(function(u) setup$dev(profile_insert(u * scale[-w], w, x)),
                            start / scale[-w], setup$lower[-w] / scale[-w], setup$upper[-w] / scale[-w])
    cache$x <- c(cache$x, x)
    cache$par <- c(cache$par, list(res$par * scale[-w]))
    profile_check_base(res$value, setup$base)
    z <- sign(x - setup$hat[w]) * sqrt(max(0, res$value - setup$base))
    if (!is.null(record)) record(x, z, profile_insert(res$par * scale[-w], w, x))
    z
  }
}

variance_step <- function(setup, w) {
  if (setup$is_cor[w]) 0.01 else if (setup$hat[w] > 0) 0.01 * setup$hat[w] else 0.001 * setup$sigma
}

#' Which entries of the sd/cor vector (sigma last) are correlations
#' @noRd
profile_is_cor <- function(terms) {
  out <- logical(0)
  for (tm in terms) {
    p <- tm$ncol
    M <- matrix(TRUE, p, p)
    diag(M) <- FALSE
    out <- c(out, M[lower.tri(M, diag = TRUE)])
  }
  c(out, FALSE)
}

profile_insert <- function(others, w, x) {
  out <- numeric(length(others) + 1L)
  out[w] <- x
  out[-w] <- others
  out
}

#' Minimise f over a box by BOBYQA, tightly
#' @noRd
profile_minimise <- function(f, start, lower, upper) {
  start <- pmin(pmax(start, lower), upper)
  res <- nloptr::nloptr(x0 = start, eval_f = f, lb = lower, ub = upper,
                        opts = list(algorithm = "NLOPT_LN_BOBYQA", ftol_abs = 1e-12,
                                    ftol_rel = 1e-15, xtol_rel = 1e-10, maxeval = 10000L))
  # status -4 (roundoff limited) means the tolerance was tighter than the arithmetic allows:
  # the point reached is the minimum to working precision
  if (res$status < 0 && res$status != -4L) {
    stop(sprintf("confint(method = \"profile\"): the optimisation of the profile failed (%s).",
                 res$message), call. = FALSE)
  }
  list(par = res$solution, value = res$objective)
}

#' A profile point below the minimum means the fit was not at its optimum
#' @noRd
profile_check_base <- function(value, base) {
  if (value < base - 1e-4) {
    stop(sprintf(paste("confint(method = \"profile\"): profiling found a deviance %g below",
                       "the fit's; the ML fit has not converged, so the intervals would be wrong."),
                 base - value), call. = FALSE)
  }
  base
}

#' The two roots of zeta(x) = -cut and zeta(x) = cut around the estimate, or the boundaries
#' @noRd
profile_bounds <- function(zeta, hat, cut, lower, upper, step0) {
  c(profile_one_bound(zeta, hat, -cut, lower, step0, -1),
    profile_one_bound(zeta, hat, cut, upper, step0, 1))
}

#' One bound: walk from the estimate until zeta crosses target (secant steps), then uniroot
#' @noRd
profile_one_bound <- function(zeta, hat, target, limit, step0, dir) {
  x0 <- hat
  z0 <- 0
  if (hat == limit) return(limit)
  x1 <- hat + dir * step0
  if (dir * (x1 - limit) > 0) x1 <- limit
  z1 <- zeta(x1)
  for (it in seq_len(60L)) {
    if (dir * (z1 - target) >= 0) break
    if (x1 == limit) return(limit)
    slope <- (z1 - z0) / (x1 - x0)
    dist <- abs(x1 - x0)
    step <- if (is.finite(slope) && slope > 0) (target - z1) / slope * 1.1 else dir * dist
    step <- dir * min(max(abs(step), 0.5 * dist), 8 * dist)
    x0 <- x1
    z0 <- z1
    x1 <- x1 + step
    if (dir * (x1 - limit) > 0) x1 <- limit
    z1 <- zeta(x1)
  }
  if (dir * (z1 - target) < 0) {
    if (is.infinite(limit)) return(limit)
    stop("confint(method = \"profile\"): the profile did not reach the cut-off.", call. = FALSE)
  }
  if (z1 == target) return(x1)
  tol <- 1e-9 * max(1, abs(hat), abs(x1))
  stats::uniroot(function(x) zeta(x) - target, sort(c(x0, x1)),
                 f.lower = if (x0 < x1) z0 - target else z1 - target,
                 f.upper = if (x0 < x1) z1 - target else z0 - target,
                 tol = tol, maxiter = 200L)$root
}

# ---- fixed effects ---------------------------------------------------------------------------

#' Profile intervals of the fixed effects (ML, refitting without column j, X[, j] * b in the offset)
#' @noRd
profile_fixed_intervals <- function(ml, cut) {
  se <- sqrt(diag(vcov.lmm(ml)))
  ci <- vapply(seq_along(ml$beta), function(j) {
    profile_bounds(fixed_zeta(ml, j), unname(ml$beta[j]), cut, -Inf, Inf, 0.5 * cut * se[j])
  }, numeric(2))
  t(ci)
}

#' zeta of fixed effect j: the ML fit with beta_j held at b (X[, j] b in the offset)
#'
#' `record`, when given, is called with b, zeta, the sd/cor vector (sigma
#' last) and the fixed effects at the conditional optimum.
#' @noRd
fixed_zeta <- function(ml, j, record = NULL) {
  mats <- lmm_mats_from_fit(ml)
  control <- ml$control
  control$condvar <- FALSE
  mj <- mats
  mj$X <- without_fixed_columns(mats$X, j)
  xj <- mats$X[, j]
  cache <- new.env(parent = emptyenv())
  cache$x <- ml$beta[j]
  cache$theta <- list(ml$theta)
  bhat <- unname(ml$beta[j])
  function(b) {
    mj$offset <- mats$offset + xj * b
    start <- cache$theta[[which.min(abs(cache$x - b))]]
    eng <- fit_lmm_engine(mj, FALSE, control, start)
    cache$x <- c(cache$x, b)
    cache$theta <- c(cache$theta, list(eng$theta))
    profile_check_base(eng$objective, ml$objective)
    z <- sign(b - bhat) * sqrt(max(0, eng$objective - ml$objective))
    if (!is.null(record)) {
      record(b, z, profile_theta_to_sv(as.numeric(eng$theta), eng$sigma, ml$re$terms),
             profile_insert(as.numeric(eng$beta), j, b))
    }
    z
  }
}
