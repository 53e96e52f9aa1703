# Intraclass correlations of an lmm fit, per grouping factor.

#' Intraclass correlations of an lmm fit
#'
#' `icc()` returns, for each distinct grouping factor, the share of the total
#' variance due to that factor.
#'
#' Let sigma^2 be the residual variance and, for each random-effect term k
#' with covariance matrix Sigma_k, let tau_k^2 be its intercept variance
#' (0 when the term has no intercept column).
#'
#' * `icc`: for grouping factor g,
#'   `sum(tau_k^2 for the terms k of g) / (sum(tau_k^2 over all terms) + sigma^2)`.
#'   For a model with random intercepts only this is the usual ICC: the
#'   correlation of two observations sharing level of g (and no other
#'   level). It is `NA` for a factor with no random intercept.
#' * `adjusted` (only when some term has a column other than the intercept,
#'   e.g. a random slope): the random-effect variance averaged over the
#'   observed design, as the adjusted ICC of Nakagawa, Johnson and Schielzeth
#'   (2017). For term k let `v_k = mean_i(z_ik' Sigma_k z_ik)`, the mean over
#'   observations of the diagonal of Z_k Sigma_k Z_k' (z_ik holds the
#'   term's model-matrix row of observation i, e.g. (1, Days_i)). Then for
#'   grouping factor g,
#'   `adjusted = sum(v_k for the terms k of g) / (sum(v_k over all terms) + sigma^2)`.
#'   The values over all grouping factors add up to Nakagawa et al.'s adjusted
#'   ICC of the whole model; for intercept-only terms `v_k = tau_k^2`.
#'
#' With random slopes the between-group share of variance is not one
#' number: at covariate values x, a term with model-matrix row z(x) (e.g.
#' (1, x) for `(x | g)`) has variance `z(x)' Sigma_k z(x)`, so `icc` (which
#' counts the intercepts only, the value where the slope columns are 0) and
#' `adjusted` (an average over the observed design) summarise a curve.
#' Printing says so and names the covariates. `at` gives the curve itself:
#'
#' * `icc` at x, for grouping factor g:
#'   `sum(z_k(x)' Sigma_k z_k(x) for the terms k of g) /
#'   (sum(z_k(x)' Sigma_k z_k(x) over all terms) + sigma^2)`,
#'   the correlation of two observations at x sharing the level of g (and
#'   no other level). At x = 0 for `(x | g)` it is the `icc` column without
#'   `at`.
#'
#' `at` must give a value for every covariate that the random-effect terms
#' use, and only numeric covariates: the ICC at a level of a factor in a
#' random-effect term is not computed.
#'
#' Prior weights are ignored: sigma^2 is used as the residual variance.
#'
#' lme4 has no ICC function; the definitions above agree with
#' `performance::icc()` for the whole-model adjusted ICC.
#'
#' @param x An [`lmm`][lmm] object.
#' @param at Covariate values at which to compute the ICC of a model with
#'   random slopes: a named list of numeric vectors, one per covariate of the
#'   random-effect terms (all combinations are used, as [expand.grid()]), or
#'   a data frame (its rows are used). `NULL` (the default) gives the
#'   summary columns described above.
#' @param ... Ignored.
#' @return A data frame of class `"lmm_icc"`. Without `at`: one row per
#'   grouping factor and columns `group`, `icc` and, for models with random
#'   slopes, `adjusted`. With `at`: one row per grouping factor and
#'   combination of covariate values (grouping factor varying slowest), with
#'   columns `group`, one per covariate, and `icc`.
#' @references Nakagawa, S., Johnson, P. C. D. and Schielzeth, H. (2017).
#'   The coefficient of determination R^2 and intra-class correlation
#'   coefficient from generalized linear mixed-effects models revisited and
#'   expanded. *Journal of the Royal Society Interface*, 14, 20170213.
#'   \doi{10.1098/rsif.2017.0213}
#' @examples
#' fit <- lmm(time ~ feed + (1 | bird), data = pigeons)
#' icc(fit)
#'
#' # A random slope in flight: the ICC depends on flight
#' slope_fit <- lmm(time ~ feed + (flight | bird), data = pigeons)
#' icc(slope_fit)
#' icc(slope_fit, at = list(flight = c(1, 3, 6)))
#' @export
icc.lmm <- function(x, at = NULL, ...) {
  if (!is.null(at)) return(icc_at(x, at))
  terms <- x$re$terms
  covs <- lapply(terms, term_covariance, object = x)
  tau2 <- vapply(covs, function(S) {
    if ("(Intercept)" %in% rownames(S)) S["(Intercept)", "(Intercept)"] else 0
  }, 0)
  groups <- terms_by_group(x$re)
  has_int <- vapply(groups, function(idx) any(vapply(terms[idx], function(t) {
    "(Intercept)" %in% t$cnms
  }, NA)), NA)
  out <- data.frame(group = names(groups),
                    icc = vapply(groups, function(idx) sum(tau2[idx]), 0) /
                      (sum(tau2) + x$sigma^2))
  out$icc[!has_int] <- NA_real_
  if (any(vapply(terms, function(t) any(t$cnms != "(Intercept)"), NA))) {
    v <- vapply(seq_along(terms), function(k) design_variance(x, terms[[k]], covs[[k]]), 0)
    out$adjusted <- vapply(groups, function(idx) sum(v[idx]), 0) / (sum(v) + x$sigma^2)
  }
  rownames(out) <- NULL
  structure(out, class = c("lmm_icc", "data.frame"),
            slope_covariates = slope_covariate_examples(x))
}

#' ICC of each grouping factor at chosen covariate values (icc(at = ))
#' @noRd
icc_at <- function(x, at) {
  grid <- check_icc_at(x, at)
  terms <- x$re$terms
  term_variance <- vapply(terms, function(term) {
    Z <- term_model_matrix(x, term, grid)
    rowSums((Z %*% term_covariance(x, term)) * Z)
  }, numeric(nrow(grid)))
  term_variance <- matrix(term_variance, nrow = nrow(grid))
  total <- rowSums(term_variance) + x$sigma^2
  groups <- terms_by_group(x$re)
  rows <- lapply(names(groups), function(g) {
    share <- rowSums(term_variance[, groups[[g]], drop = FALSE]) / total
    data.frame(group = g, grid, icc = share, check.names = FALSE)
  })
  out <- do.call(rbind, rows)
  rownames(out) <- NULL
  structure(out, class = c("lmm_icc", "data.frame"), at = names(grid))
}

#' Validate icc()'s `at` and return the data frame of covariate values
#' @noRd
check_icc_at <- function(x, at) {
  covariates <- slope_covariates(x)
  if (!length(covariates)) {
    stop("icc(): `at` is for models with random slopes; the random effects of this model ",
         "do not depend on any covariate.", call. = FALSE)
  }
  if (!is.list(at) || is.null(names(at)) || any(names(at) == "") || anyDuplicated(names(at))) {
    stop("icc(): `at` must be a named list of covariate values, such as `at = list(",
         covariates[1L], " = c(0, 1))`, not ",
         if (is.list(at)) "a list without a name for each element" else describe_type(at), ".",
         call. = FALSE)
  }
  unknown <- setdiff(names(at), covariates)
  if (length(unknown)) {
    stop("icc(): `at` names ", quoted_list(unknown), ", not a covariate of the random-effect ",
         "terms; they use ", quoted_list(covariates), ".", call. = FALSE)
  }
  for (name in names(at)) check_icc_at_values(at[[name]], name)
  factors <- covariates[vapply(covariates, function(v) {
    value <- x$frame[[v]]
    !is.null(value) && !is.numeric(value)
  }, NA)]
  if (length(factors)) {
    stop("icc(): the random-effect terms use the non-numeric covariate ", quoted_list(factors),
         "; `at` takes numeric covariates only (the ICC at a factor level is not computed).",
         call. = FALSE)
  }
  missing_names <- setdiff(covariates, names(at))
  if (length(missing_names)) {
    stop("icc(): `at` must give values for every covariate of the random-effect terms; ",
         "missing ", quoted_list(missing_names), ".", call. = FALSE)
  }
  at <- at[covariates]
  if (is.data.frame(at)) return(at)
  expand.grid(at, KEEP.OUT.ATTRS = FALSE, stringsAsFactors = FALSE)
}

#' One covariate's values in icc(at = ): a non-empty numeric vector of finite values
#' @noRd
check_icc_at_values <- function(values, name) {
  if (is.factor(values) || !is.numeric(values) || !length(values) || !all(is.finite(values))) {
    found <- if (!is.numeric(values) || is.factor(values)) {
      describe_type(values)
    } else if (!length(values)) {
      "an empty vector"
    } else {
      "one with NA or infinite values"
    }
    stop(sprintf("icc(): `at$%s` must be a non-empty numeric vector of finite values, not %s.",
                 name, found), call. = FALSE)
  }
}

#' Variables used by the random-effect terms' columns (the slope covariates)
#' @noRd
slope_covariates <- function(x) {
  vars <- lapply(x$re$terms, function(term) {
    all.vars(term_lhs_formula(term, names(x$frame)))
  })
  unique(unlist(vars))
}

#' Slope covariates with example values for print's note: a named list of
#' (min, median, max) for numeric ones, NULL for others; NULL without slopes
#' @noRd
slope_covariate_examples <- function(x) {
  covariates <- slope_covariates(x)
  if (!length(covariates)) return(NULL)
  lapply(stats::setNames(nm = covariates), function(v) {
    value <- x$frame[[v]]
    if (!is.numeric(value)) return(NULL)
    unique(signif(stats::quantile(value, c(0, 0.5, 1), names = FALSE, na.rm = TRUE), 3))
  })
}

#' Mean over observations of z_i' Sigma_k z_i for one term
#'
#' Column j of the term's model matrix is recovered from Zt by summing the
#' rows of that column over all levels (each observation has one level).
#' @noRd
design_variance <- function(object, term, Sigma) {
  p <- term$ncol
  rows <- term$col_start + seq_len(term$nlevels * p)
  Zk <- object$re$Zt[rows, , drop = FALSE]
  M <- vapply(seq_len(p), function(j) {
    as.vector(Matrix::colSums(Zk[seq(j, by = p, length.out = term$nlevels), , drop = FALSE]))
  }, numeric(ncol(Zk)))
  M <- matrix(M, ncol = p)
  mean(rowSums((M %*% Sigma) * M)[object$weights > 0])
}

#' Format an ICC table for printing
#' @noRd
format_icc <- function(x, digits) {
  out <- as.data.frame(unclass(x), stringsAsFactors = FALSE)
  shares <- intersect(c("icc", "adjusted"), names(out))
  out[shares] <- lapply(out[shares], function(v) format(round(v, digits), nsmall = 1L))
  out
}

#' Print intraclass correlations
#'
#' @param x An `"lmm_icc"` object from [icc.lmm()].
#' @param digits Number of decimal places.
#' @param ... Ignored.
#' @return `x`, invisibly.
#' @export
print.lmm_icc <- function(x, digits = 3, ...) {
  at <- attr(x, "at")
  cat("Intraclass correlation by grouping factor",
      if (!is.null(at)) paste(" at the given values of", and_list(at)), "\n", sep = "")
  print(format_icc(x, digits), row.names = FALSE)
  if ("adjusted" %in% names(x)) {
    cat("(adjusted: random-effect variance averaged over the observed design)\n")
  }
  examples <- attr(x, "slope_covariates")
  if (is.null(at) && length(examples)) cat(icc_slope_note(examples), sep = "\n")
  invisible(x)
}

#' The note printed for models whose random effects depend on covariates
#' @noRd
icc_slope_note <- function(examples) {
  covariates <- names(examples)
  numeric_ones <- examples[!vapply(examples, is.null, NA)]
  note <- strwrap(paste0(
    "Note: with random slopes the ICC depends on ", and_list(covariates),
    ". `icc` counts the random intercepts only (the value where the slope columns are 0) ",
    "and `adjusted` averages over the observed design."), width = 80)
  if (length(numeric_ones) == length(examples)) {
    values <- vapply(names(numeric_ones), function(v) {
      sprintf("%s = c(%s)", v, paste(format(numeric_ones[[v]]), collapse = ", "))
    }, "")
    return(c(note, "For the ICC at chosen values, use for example:",
             sprintf("  icc(fit, at = list(%s))", paste(values, collapse = ", "))))
  }
  c(note, strwrap(paste0("`icc(fit, at = )` takes numeric covariates only; the random effects ",
                         "here depend on a factor."), width = 80))
}
