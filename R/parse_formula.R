# Stage 1: split an lme4-style formula into its fixed part and random-effect terms.

#' Parse a mixed-model formula
#'
#' Splits a formula written in the formula language of lme4 into the
#' fixed-effect formula and a list of random-effect terms. Bar terms may appear
#' anywhere among the `+`-joined terms of the right-hand side. Double bars
#' `(x || g)` are expanded into uncorrelated terms `(1 | g) + (0 + x | g)`, one
#' per term label of the left-hand side (a factor keeps all its columns in one
#' term), and nested groupings `(1 | a/b)` into `(1 | b:a) + (1 | a)`, as
#' lme4 1.1-31 does.
#'
#' @param formula A two-sided formula (or a string that converts to one) with
#'   at least one random-effect term `(lhs | group)`.
#' @return A list with
#'   * `formula`: the formula as given;
#'   * `fixed`: the fixed-effect formula (bar terms removed, response and
#'     `offset()` terms kept; `y ~ 1` when only bar terms were given);
#'   * `re_terms`: a list with one entry per (expanded) random-effect term, in
#'     formula order, each a list with `lhs` (a one-sided formula whose model
#'     matrix gives the term's columns), `group` (the grouping expression, a
#'     symbol or a call to `:`), `group_name` (the grouping factor's name as
#'     lme4 writes it, e.g. `"cask:batch"`) and `label` (e.g. `"Days | Subject"`).
#' @noRd
parse_lmm_formula <- function(formula) {
  formula <- stats::as.formula(formula)
  env <- environment(formula)
  if (length(formula) != 3L) {
    stop("The formula has no response: write it as `response ~ terms`, ",
         "e.g. `y ~ x + (1 | g)`.", call. = FALSE)
  }
  split <- split_bars(formula[[3L]])
  if (length(split$bars) == 0L) {
    stop("No random-effects terms in the formula: use lm() for a model ",
         "without random effects, or add a term such as `(1 | group)`.",
         call. = FALSE)
  }
  lapply(split$bars, check_bar_sides)
  bars <- unlist(lapply(split$bars, expand_double_bar), recursive = FALSE)
  bars <- unlist(lapply(bars, expand_nesting), recursive = FALSE)
  fixed_rhs <- if (is.null(split$fixed)) 1 else split$fixed
  fixed <- stats::as.formula(call("~", formula[[2L]], fixed_rhs), env = env)
  list(formula = formula, fixed = fixed,
       re_terms = lapply(bars, make_re_term, env = env))
}

#' Is `x` a call to the function named `name`?
#' @noRd
is_call_to <- function(x, name) {
  is.call(x) && identical(x[[1L]], as.name(name))
}

#' Is `x` a bar term, `lhs | group` or `lhs || group`?
#' @noRd
is_bar <- function(x) is_call_to(x, "|") || is_call_to(x, "||")

#' Split a right-hand side into the fixed part and the list of bar terms
#'
#' Walks the `+`/`-` tree; a bar term may be parenthesised. A bar buried in
#' any other call (e.g. `x * (1 | g)`) is an error.
#' @return list(fixed = expression or NULL when nothing is left, bars = list).
#' @noRd
split_bars <- function(expr) {
  if (is_bar(expr)) return(list(fixed = NULL, bars = list(expr)))
  if (is_call_to(expr, "(") && is_bar(expr[[2L]])) {
    return(list(fixed = NULL, bars = list(expr[[2L]])))
  }
  if (!("|" %in% all.names(expr) || "||" %in% all.names(expr))) {
    return(list(fixed = expr, bars = list()))
  }
  if ((is_call_to(expr, "+") || is_call_to(expr, "-")) && length(expr) == 3L) {
    left <- split_bars(expr[[2L]])
    right <- split_bars(expr[[3L]])
    return(list(fixed = join_terms(expr[[1L]], left$fixed, right$fixed),
                bars = c(left$bars, right$bars)))
  }
  if (is_call_to(expr, "(")) return(split_bars(expr[[2L]]))
  stop("Random-effects terms must be added to the formula with `+`; cannot ",
       "use the term `", deparse1(expr), "`.", call. = FALSE)
}

#' Rejoin the fixed parts left of and right of a `+` or `-`
#' @noRd
join_terms <- function(op, left, right) {
  if (is.null(right)) return(left)
  if (is.null(left)) {
    return(if (identical(op, as.name("-"))) call("-", right) else right)
  }
  call(as.character(op), left, right)
}

#' Expand `(lhs || g)` into uncorrelated terms, as lme4's expandDoubleVerts
#'
#' One term `(0 + label | g)` per term label of `lhs`, preceded by `(1 | g)`
#' when `lhs` has an intercept. A factor is one label, so its columns stay
#' together in one term.
#' @return A list of `|` calls.
#' @noRd
expand_double_bar <- function(bar) {
  if (!is_call_to(bar, "||")) return(list(bar))
  group <- bar[[3L]]
  tt <- stats::terms(stats::as.formula(call("~", bar[[2L]])))
  lhs <- lapply(attr(tt, "term.labels"),
                function(label) call("+", 0, str2lang(label)))
  if (attr(tt, "intercept") != 0L) lhs <- c(list(1), lhs)
  lapply(lhs, function(l) call("|", l, group))
}

#' Expand a nested grouping `(lhs | a/b)` into `(lhs | b:a)` and `(lhs | a)`
#' @noRd
expand_nesting <- function(bar) {
  lapply(nested_groups(bar[[3L]]), function(g) call("|", bar[[2L]], g))
}

#' Groupings implied by `a/b/c`: `c:(b:a)`, `b:a`, `a` (lme4's order and names)
#' @noRd
nested_groups <- function(group) {
  if (!("/" %in% all.names(group))) return(list(group))
  if (!is_call_to(group, "/") || "/" %in% all.names(group[[3L]])) {
    stop("Cannot parse the grouping `", deparse1(group), "`: write nested ",
         "groupings as `a/b` or `a/b/c`.", call. = FALSE)
  }
  outer <- nested_groups(group[[2L]])
  c(list(call(":", group[[3L]], outer[[1L]])), outer)
}

#' Check that a bar term has a left-hand side and a grouping factor
#' @noRd
check_bar_sides <- function(bar) {
  if (length(bar) != 3L || is_empty_side(bar, 2L)) {
    stop("The random-effects term `", deparse1(bar), "` has no left-hand ",
         "side: write it as `(1 | group)` or `(x | group)`.", call. = FALSE)
  }
  if (is_empty_side(bar, 3L) || is.numeric(bar[[3L]])) {
    stop("The random-effects term `", deparse1(bar), "` has an empty ",
         "grouping: write a grouping factor after the bar, as in `(1 | group)`.",
         call. = FALSE)
  }
  invisible(bar)
}

#' Is side `i` of a bar call empty (the missing argument, NULL or a string)?
#'
#' The missing argument must not be assigned to a variable, so it is tested
#' in place.
#' @noRd
is_empty_side <- function(bar, i) {
  identical(bar[[i]], quote(expr = )) || is.null(bar[[i]]) ||
    !(is.symbol(bar[[i]]) || is.call(bar[[i]]) || is.numeric(bar[[i]]))
}

#' One parsed random-effect term
#' @noRd
make_re_term <- function(bar, env) {
  list(lhs = stats::as.formula(call("~", bar[[2L]]), env = env),
       group = bar[[3L]],
       group_name = deparse1(bar[[3L]]),
       label = deparse1(bar))
}
