# Input checks for stage 2: each names the offending variable and says what is wrong.

#' "1 level" / "3 levels"
#' @noRd
n_of <- function(n, singular, plural = paste0(singular, "s")) {
  paste(n, if (n == 1) singular else plural)
}

#' "'a'", "'a' and 'b'", "'a', 'b' and 'c'"
#' @noRd
quoted_list <- function(x) and_list(paste0("'", x, "'"))

#' "a", "a and b", "a, b and c"
#' @noRd
and_list <- function(x) {
  if (length(x) <= 1L) return(x)
  paste(paste(x[-length(x)], collapse = ", "), "and", x[length(x)])
}

#' A short description of a bad argument value, for messages: "Inf", "NA",
#' "a character string", "a vector of length 3"
#' @noRd
describe_value <- function(x) {
  if (length(x) != 1L) return(paste("a vector of length", length(x)))
  if (is.numeric(x) || is.logical(x)) return(format(x))
  paste0("\"", format(x), "\" (", class(x)[1L], ")")
}

#' "a character vector", "a factor", "NULL", for messages
#' @noRd
describe_type <- function(x) {
  if (is.null(x)) return("NULL")
  cls <- class(x)[1L]
  if (is.atomic(x) && is.null(attr(x, "class"))) cls <- paste(typeof(x), "vector")
  paste(if (grepl("^[aeiou]", cls)) "an" else "a", cls)
}

#' Labels of the first few offending rows, for messages
#' @noRd
row_examples <- function(bad, labels) {
  rows <- labels[which(bad)]
  more <- if (length(rows) > 5L) ", ..." else ""
  paste0(if (length(rows) == 1L) "row " else "rows ",
         paste(rows[seq_len(min(5L, length(rows)))], collapse = ", "), more)
}

#' `data` must be a data frame with at least one row
#' @noRd
check_data_frame <- function(data) {
  if (is.list(data) && !is.data.frame(data)) {
    check_list_lengths(data)
    data <- as.data.frame(data, optional = TRUE)
  }
  if (!is.data.frame(data)) {
    stop("`data` must be a data frame, not ", class(data)[1L], ".",
         call. = FALSE)
  }
  if (nrow(data) == 0L) stop("`data` has 0 rows: there is nothing to fit.", call. = FALSE)
  data
}

#' A list given as `data` must have named columns of one length, as lm() requires
#' @noRd
check_list_lengths <- function(data) {
  if (length(data) > 0L && (is.null(names(data)) || any(names(data) == ""))) {
    stop("`data` is a list with unnamed elements: name every column.", call. = FALSE)
  }
  lens <- vapply(data, NROW, 0L)
  if (length(unique(lens)) > 1L) {
    stop("`data` is a list whose columns have different lengths (",
         paste0("'", names(lens), "' ", lens, collapse = ", "),
         "): variable lengths differ, as in lm().", call. = FALSE)
  }
  invisible(data)
}

#' Every variable of the formula must be in `data` (or, as in lm(), in the
#' formula's environment)
#' @noRd
check_variables_found <- function(vars, data, env) {
  found_in_env <- function(v) {
    exists(v, envir = env) && !is.function(get(v, envir = env))
  }
  missing <- vars[!(vars %in% names(data)) &
                    !vapply(vars, found_in_env, NA)]
  if (length(missing) > 0L) {
    stop(if (length(missing) == 1L) "Variable " else "Variables ",
         quoted_list(missing), if (length(missing) == 1L) " is" else " are",
         " not in `data`.", call. = FALSE)
  }
  invisible(vars)
}

#' An optional numeric vector argument must have one value per row of `data`
#' @noRd
check_numeric_arg <- function(x, arg, n) {
  if (!is.numeric(x) || !is.null(dim(x))) {
    stop("`", arg, "` must be a numeric vector, not ", class(x)[1L], ".",
         call. = FALSE)
  }
  if (length(x) != n) {
    stop("`", arg, "` must have one value per row of `data`: expected ",
         "length ", n, ", got length ", length(x), ".", call. = FALSE)
  }
  invisible(x)
}

#' Prior weights: numeric, one per row, finite and non-negative, not all zero
#'
#' A zero weight is allowed, as in lm() and lme4: the row then carries no
#' information (it is left out of the likelihood and of `nobs()`), but keeps
#' its fitted value and residual.
#' @noRd
check_weights <- function(weights, n) {
  if (is.null(weights)) return(invisible(NULL))
  check_numeric_arg(weights, "weights", n)
  if (anyNA(weights)) {
    stop("`weights` must not contain missing values: ",
         n_of(sum(is.na(weights)), "weight is", "weights are"), " NA.",
         call. = FALSE)
  }
  if (any(weights < 0 | is.infinite(weights))) {
    bad <- weights < 0 | is.infinite(weights)
    stop("`weights` must be finite and non-negative: ",
         n_of(sum(bad), "weight is", "weights are"), " negative or infinite (",
         row_examples(bad, seq_along(weights)), ").", call. = FALSE)
  }
  if (length(weights) > 0L && all(weights == 0)) {
    stop("`weights` are all zero: at least one row must carry information.", call. = FALSE)
  }
  invisible(weights)
}

#' Offset argument: numeric, one per row
#' @noRd
check_offset <- function(offset, n) {
  if (is.null(offset)) return(invisible(NULL))
  check_numeric_arg(offset, "offset", n)
}

#' Checks on the model frame before missing values are removed
#' @noRd
check_raw_frame <- function(raw) {
  if (nrow(raw) == 0L) stop("No rows are left after `subset`.", call. = FALSE)
  check_response(raw[[1L]], names(raw)[1L], row.names(raw))
  for (nm in names(raw)[-1L]) check_finite(raw[[nm]], nm, row.names(raw))
  invisible(raw)
}

#' The response is a numeric vector, not all NA, without Inf or NaN
#' @noRd
check_response <- function(y, name, rows) {
  if (!is.numeric(y) || !is.null(dim(y))) {
    what <- if (is.matrix(y)) "a matrix" else paste0("of class '", class(y)[1L], "'")
    stop("The response '", name, "' must be a numeric vector, but it is ",
         what, ".", call. = FALSE)
  }
  if (all(is.na(y) & !is.nan(y))) {
    stop("The response '", name, "' is missing (NA) in every row.", call. = FALSE)
  }
  bad <- is.nan(y) | is.infinite(y)
  if (any(bad)) {
    stop("The response '", name, "' must be finite, but has ",
         n_of(sum(bad), "infinite or NaN value"), " (", row_examples(bad, rows),
         ").", call. = FALSE)
  }
  invisible(y)
}

#' A numeric variable of the model must not hold Inf or NaN
#' @noRd
check_finite <- function(x, name, rows) {
  if (!is.numeric(x)) return(invisible(x))
  bad <- is.nan(x) | is.infinite(x)
  if (is.matrix(bad)) bad <- rowSums(bad) > 0
  if (any(bad)) {
    what <- switch(name, "(weights)" = "`weights`", "(offset)" = "`offset`",
                   paste0("The variable '", name, "'"))
    stop(what, " must be finite, but has ", n_of(sum(bad), "infinite or NaN value"),
         " (", row_examples(bad, rows), ").", call. = FALSE)
  }
  invisible(x)
}

#' Apply `na.action` to the raw frame; no missing value may remain after it
#'
#' An error from `na.action` (as from na.fail()) and missing values it keeps
#' (as na.pass() does) both get a message naming the variables with NAs.
#' @param group_vars Names of the grouping variables, for messages.
#' @noRd
apply_na_action <- function(raw, na.action, group_vars) {
  if (is_standard_na_action(na.action) && !anyNA(raw)) return(raw)
  frame <- tryCatch(match.fun(na.action)(raw), error = function(e) {
    if (!anyNA(raw)) stop(e)
    stop("Missing values (NA) in ", na_variables(raw, group_vars), " and `na.action` ",
         "refused them (", conditionMessage(e), "); use `na.action = na.omit` or ",
         "`na.action = na.exclude` to drop those rows.", call. = FALSE)
  })
  if (anyNA(frame)) {
    stop("Missing values (NA) remain after `na.action` in ", na_variables(frame, group_vars),
         ": lmmkit cannot fit rows with missing values; use `na.action = na.omit` ",
         "or `na.action = na.exclude` to drop those rows.", call. = FALSE)
  }
  frame
}

#' Whether `na.action` is one of stats' four, which leave a frame without
#' missing values as it is
#' @noRd
is_standard_na_action <- function(na.action) {
  if (is.character(na.action) && length(na.action) == 1L) {
    return(na.action %in% c("na.omit", "na.exclude", "na.fail", "na.pass"))
  }
  any(vapply(list(stats::na.omit, stats::na.exclude, stats::na.fail, stats::na.pass),
             identical, NA, na.action))
}

#' The variables of a frame holding NAs, by role, with their counts of rows
#' @noRd
na_variables <- function(frame, group_vars) {
  counts <- na_counts(frame)
  labels <- vapply(names(counts), function(nm) {
    if (identical(nm, names(frame)[1L])) return(paste0("the response '", nm, "'"))
    if (nm %in% group_vars) return(paste0("the grouping factor '", nm, "'"))
    switch(nm, "(weights)" = "`weights`", "(offset)" = "`offset`", paste0("'", nm, "'"))
  }, "")
  and_list(paste0(labels, " (", vapply(counts, n_of, "", "row"), ")"))
}

#' Number of rows with missing values of each column of a frame that has any
#' @noRd
na_counts <- function(frame) {
  counts <- vapply(frame, function(x) sum(!stats::complete.cases(x)), 0L)
  counts[counts > 0L]
}

#' Rows must remain after `subset` and `na.action`
#' @noRd
check_rows_left <- function(frame, raw) {
  if (nrow(frame) > 0L) return(invisible(frame))
  n_na <- na_counts(raw)
  stop("No rows are left after removing rows with missing values (NA ",
       "counts: ", paste0(names(n_na), " ", n_na, collapse = ", "), ").",
       call. = FALSE)
}

#' The response must vary
#'
#' Constant means every value is exactly equal: a response with a large mean
#' and a small spread (timestamps, coordinates) does vary.
#' @noRd
check_response_varies <- function(y, name, offset = 0) {
  if (length(y) == 1L) {
    stop("The response '", name, "' has only 1 value: there is no variation to model.",
         call. = FALSE)
  }
  if (all(y == y[1L])) {
    stop("The response '", name, "' is constant (every value is ",
         format(y[1L], digits = 15L), "): there is no variation to model.", call. = FALSE)
  }
  r <- y - offset
  if (all(r == r[1L])) {
    stop("The response '", name, "' minus the offset is constant (every difference is ",
         format(r[1L], digits = 15L), "): there is no variation left to model.", call. = FALSE)
  }
  invisible(y)
}

#' The response (less the offset) must vary within some level of every
#' grouping factor with a random intercept: otherwise the random intercepts fit
#' it exactly, the residual variance goes to zero and the likelihood has no
#' maximum
#' @noRd
check_response_varies_within <- function(y, terms, name) {
  for (term in terms) {
    if (!"(Intercept)" %in% term$cnms) next
    level <- as.integer(term$factor)
    first_of_level <- match(seq_len(nlevels(term$factor)), level)
    if (!any(y != y[first_of_level[level]], na.rm = TRUE)) {
      stop("The response '", name, "' is constant within every level of the grouping factor '",
           term$group, "': its random intercepts fit it exactly, so the residual variance is zero ",
           "and the model cannot be estimated.", call. = FALSE)
    }
  }
  invisible(y)
}

#' A grouping factor must have some non-missing values
#' @noRd
check_grouping_values <- function(f, name) {
  if (anyNA(levels(f))) {
    stop("The grouping factor '", name, "' has a missing value (NA) as a level ",
         "(as made by addNA()): give those rows a level of their own or drop them.",
         call. = FALSE)
  }
  if (all(is.na(f))) {
    stop("The grouping factor '", name, "' is missing (NA) in every row.",
         call. = FALSE)
  }
  if (anyNA(f)) {
    stop("The grouping factor '", name, "' has missing values (NA); use ",
         "`na.action = na.omit` to drop those rows.", call. = FALSE)
  }
  invisible(f)
}

#' A random-effect term must have at least one column
#' @noRd
check_term_columns <- function(mm, label) {
  if (ncol(mm) == 0L) {
    stop("The random-effects term (", label, ") has no columns: its left-hand ",
         "side must be `1` or contain a variable.", call. = FALSE)
  }
  invisible(mm)
}

#' Each grouping factor needs 2 to n - 1 levels (lme4's checkNlevels); one
#' with a relationship matrix (not `ordinary`) may have as many levels as
#' observations, as in an animal model with one record per individual
#' @noRd
check_grouping_factors <- function(blocks, n, ordinary = rep(TRUE, length(blocks))) {
  first <- !duplicated(vapply(blocks, `[[`, "", "group"))
  for (k in which(first)) {
    b <- blocks[[k]]
    if (b$nlevels < 2L) {
      stop("The grouping factor '", b$group, "' has only ",
           n_of(b$nlevels, "level"), " after removing missing values: ",
           "a random effect needs at least 2 levels.", call. = FALSE)
    }
    if (ordinary[k] && b$nlevels >= n) {
      stop("The grouping factor '", b$group, "' has ", n_of(b$nlevels, "level"),
           " for ", n_of(n, "observation"), ": the number of levels of each ",
           "grouping factor must be < the number of observations.", call. = FALSE)
    }
  }
  invisible(blocks)
}

#' Each term needs fewer random effects than observations (lme4's checkZdims)
#' @noRd
check_term_dims <- function(blocks, n) {
  for (b in blocks) {
    q_k <- b$ncol * b$nlevels
    if (q_k >= n) {
      stop("The random-effects term (", b$label, ") has ",
           n_of(q_k, "random effect"), " (", n_of(b$ncol, "column"), " x ",
           n_of(b$nlevels, "level"), ") for ", n_of(n, "observation"),
           ": the number of random effects must be < the number of ",
           "observations, or its variance parameters and the residual ",
           "variance cannot be identified.", call. = FALSE)
    }
  }
  invisible(blocks)
}
