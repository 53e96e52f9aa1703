# predict() for lmm fits: conditional or population-level predictions, on the fit's data or new data.

#' Predictions from an lmm fit
#'
#' `predict()` returns conditional predictions X beta + Z b + offset by
#' default, or population-level (marginal) predictions X beta + offset with
#' `re.form = NA`, following lme4's `predict.merMod()`.
#'
#' With `newdata`, the fixed-effect matrix is rebuilt from the fit's
#' fixed-effect terms, contrasts and factor levels, and each random-effect
#' term's columns from its own model formula and grouping factor. Offsets
#' given as `offset()` terms in the formula are evaluated in `newdata`; as in
#' lme4, an `offset` argument of the original call is not (its values belong
#' to the fitting data).
#'
#' Levels of a grouping factor not seen in fitting are an error unless
#' `allow.new.levels = TRUE`; then their random effects are 0, so those rows
#' get the population-level prediction for that term (as do rows whose
#' grouping factor is `NA`). A factor level of a fixed-effect variable not
#' seen in fitting is always an error.
#'
#' @param object An [`lmm`][lmm] object.
#' @param newdata A data frame in which to predict; `NULL` uses the fitting
#'   data.
#' @param re.form Which random effects to include: `NULL` (all), `NA` or
#'   `~0` (none), or a formula of random-effect terms such as
#'   `~ (1 | Subject)`: the columns of the named terms are included, matched by
#'   grouping factor and column name.
#' @param allow.new.levels Allow levels of grouping factors not present in
#'   the fit?
#' @param se.fit Return standard errors of the predictions?
#' @param interval `"none"`, `"confidence"` or `"prediction"`; see
#'   [prediction_intervals] for what the intervals cover.
#' @param level Confidence level of the intervals.
#' @param ... Ignored.
#' @return Without `se.fit` or `interval`, a numeric vector of predictions
#'   named by the row names of `newdata` (or of the model frame). With
#'   `interval`, a matrix with columns `fit`, `lwr`, `upr`; with `se.fit`, a
#'   list with `fit` (the vector or matrix) and `se.fit`, as [stats::predict.lm()].
#' @examples
#' fit <- lmm(time ~ feed + (1 | bird), data = pigeons)
#' head(predict(fit))
#' head(predict(fit, re.form = NA))
#' nd <- data.frame(feed = c("before", "after"), bird = "new bird")
#' predict(fit, newdata = nd, allow.new.levels = TRUE)
#' @importFrom stats predict
#' @export
#' @family inference
predict.lmm <- function(object, newdata = NULL, re.form = NULL,
                        allow.new.levels = FALSE, se.fit = FALSE,
                        interval = c("none", "confidence", "prediction"), level = 0.95, ...) {
  interval <- match.arg(interval)
  masks <- predict_column_masks(object, re.form)
  if (isTRUE(se.fit) || interval != "none") {
    fit <- predict.lmm(object, newdata, re.form, allow.new.levels)
    return(predict_with_uncertainty(object, fit, newdata, masks, allow.new.levels, se.fit,
                                    interval, level))
  }
  if (is.null(newdata)) {
    eta <- drop(object$X %*% object$beta) + object$offset
    b <- object$b * unlist(lapply(seq_along(masks), function(k) {
      rep.int(masks[[k]], object$re$terms[[k]]$nlevels)
    }))
    eta <- eta + as.vector(Matrix::crossprod(object$re$Zt, b))
    return(per_observation(object, eta))
  }
  newdata <- check_newdata(newdata)
  eta <- predict_fixed(object, newdata)
  for (k in which(vapply(masks, any, NA))) {
    eta <- eta + predict_term(object, object$re$terms[[k]], newdata, masks[[k]],
                              allow.new.levels)
  }
  stats::setNames(eta, rownames(newdata))
}

#' Columns of each random-effect term that re.form includes
#'
#' `NULL`: all; `NA` or a formula without bar terms (`~0`): none; a formula
#' of bar terms: for each bar, the terms of its grouping factor(s) (`a/b`
#' expanded as when fitting), restricted to the columns of the bar's
#' left-hand side.
#' @return A list, one logical vector per term, over the term's columns.
#' @noRd
predict_column_masks <- function(object, re.form) {
  terms <- object$re$terms
  if (is.null(re.form)) return(lapply(terms, function(t) rep(TRUE, t$ncol)))
  masks <- lapply(terms, function(t) rep(FALSE, t$ncol))
  if (!inherits(re.form, "formula")) {
    if (length(re.form) == 1L && is.na(re.form)) return(masks)
    stop("re.form must be NULL, NA or a formula such as ~ (1 | group)", call. = FALSE)
  }
  groups <- vapply(terms, `[[`, "", "group")
  for (bar in formula_bars(re.form[[length(re.form)]])) {
    cols <- colnames(stats::model.matrix(stats::as.formula(call("~", bar[[2L]])), object$frame))
    for (g in bar_group_names(bar[[3L]])) {
      if (!g %in% groups) {
        stop(sprintf("re.form names grouping factor '%s', which is not in the model", g),
             call. = FALSE)
      }
      for (k in which(groups == g)) masks[[k]] <- masks[[k]] | terms[[k]]$cnms %in% cols
    }
  }
  masks
}

#' Bar terms `lhs | g` (or `lhs || g`) of a right-hand side, as a list
#' @noRd
formula_bars <- function(expr) {
  if (!is.call(expr)) return(list())
  op <- as.character(expr[[1L]])
  if (op %in% c("|", "||")) return(list(expr))
  if (op %in% c("+", "(")) return(unlist(lapply(as.list(expr)[-1L], formula_bars), recursive = FALSE))
  list()
}

#' Grouping-factor names of a bar's right-hand side: `a/b` gives "b:a", "a"
#' @noRd
bar_group_names <- function(expr) {
  if (is.call(expr) && identical(expr[[1L]], as.name("/"))) {
    outer <- bar_group_names(expr[[2L]])
    return(c(paste(deparse1(expr[[3L]]), outer[1L], sep = ":"), outer))
  }
  deparse1(expr)
}

#' Fixed part X beta + offset for new data
#' @noRd
predict_fixed <- function(object, newdata) {
  design <- newdata_fixed_design(object, newdata)
  eta <- drop(design$X %*% object$beta)
  if (is.null(design$offset)) eta else eta + design$offset
}

#' Fixed-effect matrix (columns of the fit's X) and formula offset for new data
#' @noRd
newdata_fixed_design <- function(object, newdata) {
  tt <- stats::delete.response(attr(object$frame, "terms"))
  check_newdata_vars(all.vars(tt), newdata, "fixed effects")
  xlev <- stats::.getXlevels(tt, object$frame)
  check_new_factor_levels(xlev, newdata, environment(tt))
  mf <- stats::model.frame(tt, newdata, na.action = stats::na.pass, xlev = xlev)
  check_newdata_numeric(attr(tt, "dataClasses"), mf)
  X <- stats::model.matrix(tt, mf, contrasts.arg = attr(object$X, "contrasts"))
  list(X = X[, colnames(object$X), drop = FALSE], offset = stats::model.offset(mf))
}

#' Error naming a variable that was numeric in the fit but is not in newdata
#' @noRd
check_newdata_numeric <- function(classes, mf) {
  for (nm in intersect(names(classes)[classes == "numeric"], names(mf))) {
    if (!is.numeric(mf[[nm]])) {
      stop(sprintf("newdata has variable '%s' of class '%s'; it was numeric in the fit",
                   nm, class(mf[[nm]])[1L]), call. = FALSE)
    }
  }
}

#' newdata must be a data frame, a list of columns or a matrix with column names
#' @noRd
check_newdata <- function(newdata) {
  if (!(is.list(newdata) || (is.matrix(newdata) && !is.null(colnames(newdata))))) {
    stop(sprintf("newdata must be a data frame, not %s", describe_value(newdata)),
         call. = FALSE)
  }
  as.data.frame(newdata)
}

#' Error naming variables missing from newdata
#' @noRd
check_newdata_vars <- function(vars, newdata, what) {
  miss <- setdiff(vars, names(newdata))
  if (length(miss)) {
    stop(sprintf("newdata lacks variable%s needed for the %s: %s",
                 if (length(miss) > 1L) "s" else "", what,
                 paste0("'", miss, "'", collapse = ", ")), call. = FALSE)
  }
}

#' Error naming a fixed-effect factor and its levels unseen in fitting
#' @noRd
check_new_factor_levels <- function(xlev, newdata, env) {
  for (var in names(xlev)) {
    vals <- eval(str2lang(var), newdata, env)
    new <- setdiff(unique(as.character(vals[!is.na(vals)])), xlev[[var]])
    if (length(new)) {
      stop(sprintf("newdata has level%s of '%s' not present in the fit: %s",
                   if (length(new) > 1L) "s" else "", var,
                   paste0("'", new, "'", collapse = ", ")), call. = FALSE)
    }
  }
}

#' Contribution Z_k b_k of one random-effect term for new data
#'
#' `mask` selects the term's columns to include (from re.form).
#' @noRd
predict_term <- function(object, term, newdata, mask, allow.new.levels) {
  g <- newdata_group_values(term$group, newdata, environment(object$formula))
  idx <- match(g, term$levels)
  check_new_levels(term, g, idx, allow.new.levels)
  M <- term_model_matrix(object, term, newdata)[, mask, drop = FALSE]
  B <- term_ranef_matrix(object, term)[idx, mask, drop = FALSE]
  B[is.na(idx), ] <- 0
  rowSums(M * B)
}

#' Error naming new (or NA) levels of a grouping factor, unless they are allowed
#' @noRd
check_new_levels <- function(term, g, idx, allow.new.levels) {
  if (allow.new.levels) return(invisible(NULL))
  new <- unique(g[is.na(idx) & !is.na(g)])
  if (length(new)) {
    shown <- paste0("'", utils::head(new, 10L), "'", collapse = ", ")
    stop(sprintf(paste0("newdata has %d new level%s of grouping factor '%s': %s%s; ",
                        "use allow.new.levels = TRUE to predict them at the population level"),
                 length(new), if (length(new) > 1L) "s" else "", term$group, shown,
                 if (length(new) > 10L) ", ..." else ""), call. = FALSE)
  }
  if (anyNA(g)) {
    stop(sprintf("grouping factor '%s' is NA in newdata; use allow.new.levels = TRUE",
                 term$group), call. = FALSE)
  }
}

#' Values (as character) of a grouping factor such as "Subject" or
#' "cask:batch" in new data; the variables are made factors first, so that
#' `:` forms the interaction as when fitting
#' @noRd
newdata_group_values <- function(group, newdata, env) {
  expr <- str2lang(group)
  vars <- all.vars(expr)
  check_newdata_vars(vars, newdata, sprintf("grouping factor '%s'", group))
  data <- lapply(newdata[vars], as.factor)
  as.character(eval(expr, data, env))
}

#' The term's model-matrix columns (n_new x p_k) for new data
#'
#' Built from `term$lhs`, the one-sided formula of the term's left-hand
#' side (e.g. `~ Days`, `~ 0 + Days`), with factor levels from the model
#' frame. Without it, the formula is rebuilt from the column names, which
#' works when they are "(Intercept)" and variable names or expressions.
#' @noRd
term_model_matrix <- function(object, term, newdata) {
  tt <- stats::terms(term_lhs_formula(term, names(object$frame)))
  # Data-dependent transformations (scale(x), poly(x, 2)) keep their fitted coefficients.
  attr(tt, "predvars") <- attr(attr(stats::model.frame(tt, object$frame, na.action = stats::na.pass),
                                    "terms"), "predvars")
  check_newdata_vars(all.vars(tt), newdata, sprintf("random effects of '%s'", term$group))
  xlev <- stats::.getXlevels(tt, object$frame)
  mf <- stats::model.frame(tt, newdata, na.action = stats::na.pass, xlev = xlev)
  mm <- stats::model.matrix(tt, mf)
  miss <- setdiff(term$cnms, colnames(mm))
  if (length(miss)) {
    stop(sprintf("cannot rebuild random-effect column%s %s of '%s' for newdata",
                 if (length(miss) > 1L) "s" else "",
                 paste0("'", miss, "'", collapse = ", "), term$group), call. = FALSE)
  }
  mm[, term$cnms, drop = FALSE]
}

#' One-sided formula of a term's left-hand side
#' @noRd
term_lhs_formula <- function(term, frame_vars) {
  lhs <- term$lhs
  if (inherits(lhs, "formula")) return(lhs)
  if (!is.null(lhs)) return(stats::as.formula(call("~", lhs)))
  labels <- setdiff(term$cnms, "(Intercept)")
  if (!length(labels)) return(~1)
  f <- stats::reformulate(labels, intercept = "(Intercept)" %in% term$cnms)
  if (!all(all.vars(f) %in% frame_vars)) {
    stop(sprintf("cannot rebuild the random-effect columns of '%s' for newdata: %s",
                 term$group, "the fit does not store the term's formula"), call. = FALSE)
  }
  f
}
