# Likelihood-ratio tests between nested lmm fits (anova(fit1, fit2, ...)), as lme4's anova.merMod.

#' Likelihood-ratio tests between lmm fits
#'
#' Called by `anova.lmm()` when `...` holds further lmm fits. As lme4's
#' `anova.merMod()`: REML fits are refitted by ML (with a message) unless
#' `refit = FALSE`, the models are ordered by their number of parameters and
#' each is tested against the one before it.
#'
#' Errors when an element of `...` is not an lmm fit, when the models were not
#' fitted to the same data (number of observations, response values, prior
#' weights) and when two consecutive models are not nested: equal numbers of
#' parameters with different formulas and log-likelihoods, fixed-effect
#' columns of the smaller model outside the column space of the larger one's,
#' or random effects of the smaller model (grouping factors, or columns
#' within a grouping factor) that the larger one lacks.
#'
#' @param object,... lmm fits.
#' @param model_names Names of the models (one per fit, in the order given),
#'   normally from [anova_model_names()]; `NULL` gives `MODEL1`, `MODEL2`, ...
#' @param refit Refit REML fits by ML before comparing them?
#' @return A data frame of class `c("anova", "data.frame")` with columns
#'   npar, AIC, BIC, logLik, deviance, Chisq, Df and Pr(>Chisq), row names the
#'   model names and attribute `heading` ("Data: ...", "Models:", one line per
#'   model).
#' @noRd
anova_lmm_models <- function(object, ..., model_names = NULL, refit = TRUE) {
  mods <- c(list(object), list(...))
  model_names <- check_model_names(model_names, length(mods))
  not_lmm <- !vapply(mods, inherits, NA, "lmm")
  if (any(not_lmm)) {
    stop(sprintf("anova(): %s %s not an lmm fit (class %s); likelihood-ratio tests compare lmm fits only.",
                 paste(sQuote(model_names[not_lmm], FALSE), collapse = ", "),
                 if (sum(not_lmm) > 1L) "are" else "is",
                 paste(sQuote(vapply(mods[not_lmm], function(m) class(m)[1L], ""), FALSE),
                       collapse = ", ")), call. = FALSE)
  }
  names(mods) <- model_names
  check_same_data(mods)
  mods <- ml_refits(mods, refit)
  llks <- lapply(mods, logLik.lmm)
  npar <- vapply(llks, attr, numeric(1), "df")
  ii <- order(npar)
  mods <- mods[ii]
  llks <- llks[ii]
  npar <- npar[ii]
  check_nested(mods, npar, unlist(llks))
  lrt_table(mods, llks, npar)
}

#' Names of the models in a call of anova(): the deparsed arguments
#'
#' @param mcall `match.call(expand.dots = FALSE)` of `anova.lmm(object, ...)`.
#' @return One name per model (object, then the elements of `...`), as lme4:
#'   the deparsed expressions, or `MODEL1`, ... with a warning when these are
#'   duplicated or too long.
#' @noRd
anova_model_names <- function(mcall) {
  args <- c(list(mcall$object), as.list(mcall$...))
  check_model_names(vapply(args, function(a) paste(deparse(a, width.cutoff = 500L), collapse = " "), ""),
                    length(args))
}

#' Model names as lme4: generic MODEL1, ... (with a warning) when duplicated or too long
#' @noRd
check_model_names <- function(model_names, n) {
  if (is.null(model_names)) return(paste0("MODEL", seq_len(n)))
  if (length(model_names) != n) {
    stop(sprintf("anova(): model_names must have %d names, one per model, not %d.",
                 n, length(model_names)), call. = FALSE)
  }
  model_names <- as.character(model_names)
  if (anyDuplicated(model_names) || max(nchar(model_names)) > 200L) {
    warning("anova(): failed to find model names, assigning generic names", call. = FALSE)
    model_names <- paste0("MODEL", seq_len(n))
  }
  model_names
}

#' Stop unless all models were fitted to the same observations and response
#' @noRd
check_same_data <- function(mods) {
  ref <- mods[[1L]]
  first <- sQuote(names(mods)[1L], FALSE)
  for (k in seq_along(mods)[-1L]) {
    m <- mods[[k]]
    this <- sQuote(names(mods)[k], FALSE)
    why <- if (length(m$y) != length(ref$y)) {
      sprintf("%s has %d observations, %s has %d", this, length(m$y), first, length(ref$y))
    } else if (!isTRUE(all.equal(unname(m$y), unname(ref$y), tolerance = 1e-12))) {
      sprintf("the response values of %s differ from those of %s", this, first)
    } else if (!isTRUE(all.equal(unname(m$weights), unname(ref$weights), tolerance = 1e-12))) {
      sprintf("the prior weights of %s differ from those of %s", this, first)
    }
    if (!is.null(why)) {
      stop("anova(): models were not all fitted to the same data: ", why, ".", call. = FALSE)
    }
  }
  invisible(TRUE)
}

#' Refit the REML fits by ML (with lme4's message), or warn when criteria are mixed
#' @noRd
ml_refits <- function(mods, refit) {
  reml <- vapply(mods, `[[`, NA, "REML")
  if (isTRUE(refit)) {
    if (any(reml)) message("refitting model(s) with ML (instead of REML)")
    mods[reml] <- lapply(mods[reml], refit_lmm, REML = FALSE)
  } else if (any(reml) && any(!reml)) {
    warning("anova(): some models fit with REML = TRUE, some not", call. = FALSE)
  }
  mods
}

#' Stop when consecutive models (ordered by npar) are not nested
#' @noRd
check_nested <- function(mods, npar, llk) {
  nm <- sQuote(names(mods), FALSE)
  for (k in seq_along(mods)[-1L]) {
    small <- mods[[k - 1L]]
    large <- mods[[k]]
    same_formula <- identical(deparse(small$formula), deparse(large$formula))
    if (npar[k] == npar[k - 1L] && !same_formula &&
        abs(llk[k] - llk[k - 1L]) > 1e-8 * max(1, abs(llk[k]))) {
      stop(sprintf("anova(): models %s and %s are not nested: both have %d parameters but different formulas and log-likelihoods.",
                   nm[k - 1L], nm[k], as.integer(npar[k])), call. = FALSE)
    }
    why <- c(fixed_not_nested(small, large), random_not_nested(small, large))
    if (length(why)) {
      stop(sprintf("anova(): models %s and %s are not nested: %s.", nm[k - 1L], nm[k], why[1L]),
           call. = FALSE)
    }
  }
  invisible(TRUE)
}

#' Fixed-effect columns of `small` outside the column space of `large`'s X
#' @noRd
fixed_not_nested <- function(small, large) {
  outside <- columns_outside(small$X, large$X)
  if (!length(outside)) return(NULL)
  sprintf("the fixed-effect column(s) %s of the smaller model are not in the column space of the larger model's",
          paste(sQuote(outside, FALSE), collapse = ", "))
}

#' Random effects of `small` that `large` lacks: grouping factors, or columns within one
#' @noRd
random_not_nested <- function(small, large) {
  g_small <- vapply(small$re$terms, `[[`, "", "group")
  g_large <- vapply(large$re$terms, `[[`, "", "group")
  missing_groups <- setdiff(g_small, g_large)
  if (length(missing_groups)) {
    return(sprintf("the grouping factor(s) %s of the smaller model are not in the larger model",
                   paste(sQuote(missing_groups, FALSE), collapse = ", ")))
  }
  for (g in unique(g_small)) {
    outside <- columns_outside(raw_re_columns(small, g), raw_re_columns(large, g))
    if (length(outside)) {
      return(sprintf("the random effect(s) %s of %s in the smaller model are not in the larger model",
                     paste(sQuote(outside, FALSE), collapse = ", "), sQuote(g, FALSE)))
    }
  }
  NULL
}

#' Names of the columns of A not in the column space of B (relative qr residuals)
#' @noRd
columns_outside <- function(A, B, tol = 1e-7) {
  A <- as.matrix(A)
  if (ncol(A) == 0L) return(character(0))
  B <- as.matrix(B)
  res <- if (ncol(B) == 0L) A else qr.resid(qr(B), A)
  scale <- pmax(sqrt(colSums(A^2)), .Machine$double.eps)
  colnames(A)[sqrt(colSums(as.matrix(res)^2)) / scale > tol]
}

#' The n x p columns (before crossing with the levels) of all terms of grouping factor g
#'
#' From Zt: observation i's value in column j of term k sits in row
#' col_start + (level_i - 1) p_k + j.
#' @noRd
raw_re_columns <- function(fit, g) {
  cols <- lapply(Filter(function(t) t$group == g, fit$re$terms), function(term) {
    p <- term$ncol
    rows <- term$col_start + seq_len(p * term$nlevels)
    pick <- Matrix::kronecker(matrix(1, term$nlevels, 1L), diag(p))
    m <- as.matrix(Matrix::crossprod(fit$re$Zt[rows, , drop = FALSE], pick))
    colnames(m) <- term$cnms
    m
  })
  do.call(cbind, cols)
}

#' The table of likelihood-ratio tests, with lme4's heading
#' @noRd
lrt_table <- function(mods, llks, npar) {
  llk <- unlist(llks)
  chisq <- 2 * pmax(0, c(NA, diff(llk)))
  df <- c(NA, diff(npar))
  val <- data.frame(npar = npar, AIC = vapply(llks, stats::AIC, 0), BIC = vapply(llks, stats::BIC, 0),
                    logLik = llk, deviance = -2 * llk, Chisq = chisq, Df = df,
                    `Pr(>Chisq)` = ifelse(df == 0, NA, stats::pchisq(chisq, df, lower.tail = FALSE)),
                    row.names = names(mods), check.names = FALSE)
  class(val) <- c("anova", class(val))
  forms <- vapply(mods, function(m) paste(deparse(m$formula, width.cutoff = 500L), collapse = " "), "")
  structure(val, heading = c(lrt_data_heading(mods[[1L]]$call), "Models:",
                             paste(names(mods), forms, sep = ": ")))
}

#' "Data: ..." (and "Subset: ...") lines from a model's call
#' @noRd
lrt_data_heading <- function(call) {
  abbr <- function(x) {
    d <- deparse(x)
    if (length(d) > 1L) paste(d[1L], "...") else d
  }
  data <- if (is.null(call$data)) "<not given>" else abbr(call$data)
  c(paste("Data:", data), if (!is.null(call$subset)) paste("Subset:", abbr(call$subset)))
}
