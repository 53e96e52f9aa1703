# Conditional modes of the random effects of an lmm fit: ranef() and coef().

#' Conditional modes of one term as a levels x columns matrix
#'
#' The term's columns of b are level-major (level 1's p_k values, then level
#' 2's), so they fill a matrix by row.
#' @noRd
term_ranef_matrix <- function(object, term) {
  idx <- term$col_start + seq_len(term$nlevels * term$ncol)
  matrix(object$b[idx], ncol = term$ncol, byrow = TRUE,
         dimnames = list(term$levels, term$cnms))
}

#' Indices of the random-effect terms of each distinct grouping factor
#' @return A list named by `names(re$flist)`, of integer vectors into `re$terms`.
#' @noRd
terms_by_group <- function(re) {
  groups <- vapply(re$terms, `[[`, "", "group")
  lapply(stats::setNames(nm = names(re$flist)), function(g) which(groups == g))
}

#' Conditional variances of a grouping factor, in lme4's "postVar" layout
#'
#' One term: its p x p x nlevels array. Several terms sharing the factor (as
#' from `||`): a list of their arrays, named as lme4 names them.
#' @noRd
group_postvar <- function(object, idx) {
  arrays <- lapply(fit_condvar(object)[idx], function(a) {
    dimnames(a) <- NULL
    a
  })
  if (length(idx) == 1L) return(arrays[[1L]])
  names(arrays) <- as.character(lapply(object$re$terms[idx], `[[`, "cnms"))
  arrays
}

#' Conditional modes of the random effects
#'
#' `ranef()` extracts the conditional modes (BLUPs) of the random effects,
#' one data frame per grouping factor, as lme4's `ranef.merMod()`.
#'
#' Terms that share a grouping factor, as those produced by
#' `(Days || Subject)`, are combined into one data frame with all their
#' columns.
#'
#' @param object An [`lmm`][lmm] object.
#' @param condVar If `TRUE`, attach the conditional variances as attribute
#'   `"postVar"` of each data frame (lme4's name): a p x p x (number of levels)
#'   array, or, when several terms share the grouping factor, a list of such
#'   arrays, one per term (as lme4 does). A fit made with
#'   `lmm_control(condVar = FALSE)` has none: by default its conditional modes
#'   come without them, and asking for them with `condVar = TRUE` is an error.
#' @param ... Ignored.
#' @return An object of class `"ranef.lmm"`: a named list of data frames, one
#'   per grouping factor, with one row per level and one column per
#'   random-effect column.
#' @seealso [as.data.frame.ranef.lmm()], [coef.lmm()]
#' @examples
#' fit <- lmm(time ~ feed + (1 | bird), data = pigeons)
#' head(ranef(fit)$bird)
#' head(as.data.frame(ranef(fit)))
#' @method ranef lmm
#' @export
#' @family random effects
ranef.lmm <- function(object, condVar = TRUE, ...) {
  condVar <- ranef_condvar_wanted(object, condVar, missing(condVar))
  groups <- terms_by_group(object$re)
  ans <- lapply(groups, function(idx) {
    mats <- lapply(object$re$terms[idx], term_ranef_matrix, object = object)
    df <- data.frame(do.call(cbind, mats), check.names = FALSE)
    if (condVar) attr(df, "postVar") <- group_postvar(object, idx)
    df
  })
  structure(ans, class = "ranef.lmm")
}

#' Whether ranef() attaches conditional variances: as asked, when the fit has them
#' @noRd
ranef_condvar_wanted <- function(object, condVar, by_default) {
  if (!is.logical(condVar) || length(condVar) != 1L || is.na(condVar)) {
    stop("ranef(): `condVar` must be TRUE or FALSE, not ", describe_value(condVar), ".",
         call. = FALSE)
  }
  if (!condVar || isTRUE(object$control$condvar)) return(condVar)
  if (by_default) return(FALSE)
  stop("ranef(): the conditional variances were not computed for this fit, made with ",
       "`lmm_control(condVar = FALSE)`; refit with `condVar = TRUE` to get them, or ",
       "call ranef() with `condVar = FALSE`.", call. = FALSE)
}

#' Print conditional modes
#' @param x A `"ranef.lmm"` object.
#' @param ... Passed to [print()].
#' @return `x`, invisibly.
#' @export
print.ranef.lmm <- function(x, ...) {
  print(lapply(unclass(x), function(df) {
    attr(df, "postVar") <- NULL
    df
  }), ...)
  has_pv <- vapply(x, function(el) !is.null(attr(el, "postVar")), NA)
  if (any(has_pv)) {
    cat("with conditional variances for",
        paste(dQuote(names(x)[has_pv]), collapse = ", "), "\n")
  }
  invisible(x)
}

#' Conditional modes as a data frame
#'
#' One row per grouping factor, term and level, in lme4's order (grouping
#' factors, then columns, then levels).
#'
#' @param x A `"ranef.lmm"` object.
#' @param ... Ignored.
#' @return A data frame with columns `grpvar` (grouping factor), `term`
#'   (factor: random-effect column), `grp` (factor: level, with levels ordered
#'   by the conditional mode of the first column, as lme4), `condval`
#'   (conditional mode) and, when `x` has conditional variances, `condsd`
#'   (conditional standard deviation).
#' @examples
#' fit <- lmm(time ~ feed + (1 | bird), data = pigeons)
#' head(as.data.frame(ranef(fit)))
#' @export
as.data.frame.ranef.lmm <- function(x, ...) {
  out <- do.call(rbind, lapply(names(x), ranef_group_rows, x = x))
  rownames(out) <- NULL
  out
}

#' Rows of as.data.frame.ranef.lmm() for one grouping factor
#' @noRd
ranef_group_rows <- function(x, name) {
  df <- x[[name]]
  lev <- rownames(df)
  grp <- stats::reorder(factor(lev), df[[1L]], FUN = mean)
  out <- data.frame(grpvar = name,
                    term = factor(rep(colnames(df), each = nrow(df)), levels = colnames(df)),
                    grp = rep.int(grp, ncol(df)),
                    condval = unlist(df, use.names = FALSE))
  attr(out$grp, "scores") <- NULL
  pv <- attr(df, "postVar")
  if (!is.null(pv)) {
    if (!is.list(pv)) pv <- list(pv)
    out$condsd <- unlist(lapply(pv, function(a) {
      sqrt(unlist(lapply(seq_len(dim(a)[1L]), function(i) a[i, i, ])))
    }))
  }
  out
}

#' Per-level coefficients
#'
#' `coef()` returns, for each grouping factor, the coefficients of each level:
#' the fixed effects plus that level's conditional modes, as lme4's
#' `coef.merMod()`.
#'
#' @param object An [`lmm`][lmm] object.
#' @param ... Ignored.
#' @return An object of class `"coef.lmm"`: a named list of data frames, one
#'   per grouping factor, with one row per level and all fixed-effect columns
#'   (random-effect columns without a fixed counterpart come first).
#' @examples
#' fit <- lmm(time ~ feed + (feed | bird), data = pigeons)
#' head(coef(fit)$bird)
#' @export
#' @family random effects
coef.lmm <- function(object, ...) {
  fef <- data.frame(rbind(object$beta), check.names = FALSE)
  ref <- ranef.lmm(object, condVar = FALSE)
  missing_cols <- setdiff(unlist(lapply(ref, colnames)), names(fef))
  if (length(missing_cols)) {
    fill <- stats::setNames(data.frame(rbind(rep(0, length(missing_cols)))), missing_cols)
    fef <- cbind(fill, fef)
  }
  val <- lapply(ref, function(r) {
    out <- fef[rep.int(1L, nrow(r)), , drop = FALSE]
    row.names(out) <- row.names(r)
    for (nm in colnames(r)) out[[nm]] <- out[[nm]] + r[[nm]]
    out
  })
  structure(val, class = "coef.lmm")
}

#' Print per-level coefficients
#' @param x A `"coef.lmm"` object.
#' @param ... Passed to [print()].
#' @return `x`, invisibly.
#' @export
print.coef.lmm <- function(x, ...) {
  print(unclass(x), ...)
  invisible(x)
}
