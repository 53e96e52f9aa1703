# profile() for lmm fits in lme4's layout, with confint() and a base-graphics plot of the profile zeta.

#' Profile the likelihood of an lmm fit
#'
#' Profiles the ML deviance over each parameter as lme4's `profile()` does
#' for `merMod` fits (a REML fit is refitted by ML first): for parameter psi,
#' zeta(psi) = sign(psi - psi_hat) sqrt(dev(psi) - dev_min), the deviance
#' minimised over all other parameters. Variance parameters are on the
#' standard-deviation / correlation scale (`.sig01`, ... in lme4's order, then
#' `.sigma`), then the fixed effects. Each profile runs from where |zeta|
#' first exceeds `qnorm(1 - alphamax / 2)` on one side to the same on the
#' other (or to a parameter's boundary), at about `npoints` points.
#'
#' The result is a data frame of class `"lmm_profile"` in lme4's `"thpr"`
#' layout: `.zeta`, one column per parameter (the values at the conditional
#' optimum) and `.par`, the parameter profiled. On the rows of a variance
#' parameter the fixed-effect columns are `NA` (lme4 fills them in).
#' `confint()` on it interpolates the profile (a monotone spline of the
#' parameter in zeta), and `plot()` draws zeta against each parameter with
#' the 50, 80, 90, 95 and 99% cut-offs, as lme4's `xyplot()` of a profile.
#' For intervals alone, `confint(fit, method = "profile")` is faster and
#' finds the roots exactly.
#'
#' @param fitted An [`lmm`][lmm] fit.
#' @param which Parameters to profile: indices or names (`.sig01`, ...,
#'   `.sigma`, fixed-effect names); default all.
#' @param alphamax The profile reaches |zeta| = `qnorm(1 - alphamax / 2)`.
#' @param npoints About how many points per profile.
#' @param signames Name the variance parameters `.sig01`, ... (`TRUE`, as
#'   lme4) or `sd_(Intercept)|Subject`, ... (`FALSE`).
#' @param ... Ignored.
#' @return A data frame of class `c("lmm_profile", "data.frame")`.
#' @seealso [confint.lmm()]
#' @examples
#' fit <- lmm(time ~ feed + (1 | bird), data = pigeons)
#' pr <- profile(fit, which = ".sig01")
#' confint(pr)
#' plot(pr)
#' @importFrom stats profile
#' @export
#' @family inference
profile.lmm <- function(fitted, which = NULL, alphamax = 0.01, npoints = 20, signames = TRUE, ...) {
  check_lmm_fit(fitted)
  if (!is.numeric(alphamax) || length(alphamax) != 1L || !(alphamax > 0 && alphamax < 1)) {
    stop("profile(): `alphamax` must be a single number between 0 and 1.", call. = FALSE)
  }
  wide <- Filter(function(tm) tm$ncol > 2L, fitted$re$terms)
  if (length(wide)) {
    stop("profile(): profiles are not available for random-effect terms with more than 2 columns (",
         paste(vapply(wide, `[[`, "", "label"), collapse = ", "), ").", call. = FALSE)
  }
  if (!is.numeric(npoints) || length(npoints) != 1L || !is.finite(npoints) || npoints < 6) {
    stop("profile(): `npoints` must be a single number of at least 6.", call. = FALSE)
  }
  par_names <- c(variance_par_names(fitted), names(fitted$beta))
  which <- profile_which(which, par_names)
  ml <- profile_ml_fit(fitted)
  cut <- stats::qnorm(1 - alphamax / 2)
  setup <- profile_variance_setup(ml)
  n_var <- length(setup$hat)
  rows <- lapply(which, function(k) {
    profile_one_parameter(ml, setup, k, n_var, cut, as.integer(npoints))
  })
  table <- as.data.frame(do.call(rbind, rows))
  shown <- if (signames) par_names else c(descriptive_variance_names(fitted), names(fitted$beta))
  names(table) <- c(".zeta", shown)
  table$.par <- factor(rep(shown[which], vapply(rows, nrow, 1L)), levels = shown[which])
  structure(table, class = c("lmm_profile", "data.frame"),
            lower = stats::setNames(c(setup$lower, rep(-Inf, length(ml$beta))), shown),
            upper = stats::setNames(c(setup$upper, rep(Inf, length(ml$beta))), shown))
}

profile_which <- function(which, par_names) {
  if (is.null(which)) return(seq_along(par_names))
  k <- if (is.character(which)) match(which, par_names) else which
  if (anyNA(k) || !is.numeric(k) || any(k < 1 | k > length(par_names) | k != round(k))) {
    stop("profile(): `which` must name or number parameters among ", quoted_list(par_names), ".",
         call. = FALSE)
  }
  as.integer(k)
}

#' The profile of parameter k: the bounds at |zeta| = cut, then a grid between them
#' @noRd
profile_one_parameter <- function(ml, setup, k, n_var, cut, npoints) {
  points <- list()
  record <- function(x, z, sv, beta = rep(NA_real_, length(ml$beta))) {
    points[[length(points) + 1L]] <<- c(z, sv, beta)
  }
  if (k <= n_var) {
    zeta <- variance_zeta(setup, k, record)
    hat <- setup$hat[k]
    bounds <- profile_bounds(zeta, hat, cut, setup$lower[k], setup$upper[k], variance_step(setup, k))
  } else {
    j <- k - n_var
    zeta <- fixed_zeta(ml, j, record)
    hat <- unname(ml$beta[j])
    bounds <- profile_bounds(zeta, hat, cut, -Inf, Inf, 0.5 * cut * sqrt(vcov.lmm(ml)[j, j]))
  }
  record(hat, 0, setup$hat, if (k <= n_var) rep(NA_real_, length(ml$beta)) else unname(ml$beta))
  for (side in 1:2) {
    end <- bounds[side]
    if (!is.finite(end)) end <- hat + 3 * (max(abs(bounds[is.finite(bounds)] - hat), abs(hat) * 0.1, 1e-3)) * (2 * side - 3)
    grid <- hat + (end - hat) * seq_len(npoints %/% 2) / (npoints %/% 2)
    for (x in grid[-length(grid)]) zeta(x)
  }
  out <- do.call(rbind, points)
  out <- out[order(out[, 1L + k]), , drop = FALSE]
  out[!duplicated(out[, 1L + k]), , drop = FALSE]
}

#' lme4's descriptive names of the variance parameters: sd_(Intercept)|Subject, cor_Days.(Intercept)|Subject, sigma
#' @noRd
descriptive_variance_names <- function(fit) {
  per_term <- lapply(fit$re$terms, function(term) {
    p <- term$ncol
    idx <- which(lower.tri(diag(p), diag = TRUE), arr.ind = TRUE)
    idx <- idx[order(idx[, "col"], idx[, "row"]), , drop = FALSE]
    ifelse(idx[, "row"] == idx[, "col"],
           sprintf("sd_%s|%s", term$cnms[idx[, "row"]], term$group),
           sprintf("cor_%s.%s|%s", term$cnms[idx[, "row"]], term$cnms[idx[, "col"]], term$group))
  })
  c(unlist(per_term, use.names = FALSE), "sigma")
}

#' Confidence intervals from a likelihood profile
#'
#' Interpolates each parameter's profile at zeta = -+ `qnorm((1 + level) / 2)`
#' with a monotone spline, as lme4's `confint()` of a profile; a bound beyond
#' the profiled range is the parameter's boundary (0 or -1/1 for variance
#' parameters) when the profile reached it, else `NA`.
#'
#' @param object An `"lmm_profile"` from [profile.lmm()].
#' @param parm Parameters (names or indices among those profiled); default all.
#' @param level Confidence level.
#' @param ... Ignored.
#' @return A matrix with one row per parameter and two columns.
#' @examples
#' prof <- profile(lmm(time ~ feed + (1 | bird), data = pigeons))
#' confint(prof)
#' @export
confint.lmm_profile <- function(object, parm, level = 0.95, ...) {
  pars <- levels(object$.par)
  if (!missing(parm)) pars <- pars[if (is.character(parm)) match(parm, pars) else parm]
  if (anyNA(pars)) stop("confint(): `parm` must name profiled parameters.", call. = FALSE)
  cut <- stats::qnorm((1 + level) / 2)
  ci <- t(vapply(pars, function(p) {
    profile_interpolate(object[object$.par == p, , drop = FALSE], p, cut,
                        attr(object, "lower")[[p]], attr(object, "upper")[[p]])
  }, numeric(2)))
  a <- (1 - level) / 2
  dimnames(ci) <- list(pars, format_percent(c(a, 1 - a)))
  ci
}

# A bound the profile did not reach is the parameter's boundary when the profile got there, else NA.
profile_interpolate <- function(rows, par, cut, lower, upper) {
  z <- rows$.zeta
  x <- rows[[par]]
  keep <- !duplicated(z)
  inverse <- stats::splinefun(z[keep], x[keep], method = "monoH.FC")
  c(if (min(z) <= -cut) inverse(-cut) else if (min(x) <= lower) lower else NA_real_,
    if (max(z) >= cut) inverse(cut) else if (max(x) >= upper) upper else NA_real_)
}

#' Plot a likelihood profile
#'
#' One panel per parameter: zeta against the parameter, with dotted lines at
#' the cut-offs of 50, 80, 90, 95 and 99% intervals (lme4's `xyplot()` of a
#' profile, in base graphics); `absVal = TRUE` plots |zeta|.
#'
#' @param x An `"lmm_profile"` from [profile.lmm()].
#' @param absVal Plot the absolute value of zeta?
#' @param levels Confidence levels of the reference lines.
#' @param ... Passed to [graphics::plot()].
#' @return `x`, invisibly.
#' @examples
#' prof <- profile(lmm(time ~ feed + (1 | bird), data = pigeons))
#' plot(prof)
#' @export
plot.lmm_profile <- function(x, absVal = FALSE, levels = c(0.5, 0.8, 0.9, 0.95, 0.99), ...) {
  pars <- levels(x$.par)
  old <- graphics::par(mfrow = grDevices::n2mfrow(length(pars)), mar = c(3, 4, 2, 0.5))
  on.exit(graphics::par(old))
  cuts <- stats::qnorm((1 + levels) / 2)
  for (p in pars) {
    rows <- x[x$.par == p, , drop = FALSE]
    z <- if (absVal) abs(rows$.zeta) else rows$.zeta
    graphics::plot(rows[[p]], z, type = "l", xlab = "", ylab = if (absVal) "|zeta|" else "zeta",
                   main = p, ...)
    graphics::abline(h = if (absVal) cuts else c(-cuts, cuts), lty = 3, col = "grey50")
    graphics::abline(h = 0, col = "grey70")
  }
  invisible(x)
}
