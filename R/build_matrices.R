# Stage 2: model frame, response, fixed-effect matrix X and sparse random-effect design Zt.

#' Build the matrices of a linear mixed model
#'
#' Builds the model frame over every variable of the model (fixed part,
#' random-effect terms, grouping factors, weights and offset), drops rows with
#' missing values through `na.action`, and returns the `mats` list described
#' in DEVELOPING.md. All input checks with user-facing messages run here (see
#' R/validate.R).
#'
#' `weights`, `offset` and `subset` are values, not expressions: vectors with
#' one entry per row of `data` (`subset` may also be row indices). To let users
#' name columns of `data`, as in `lm()`, evaluate the arguments with
#' [eval_lmm_arg()] first.
#'
#' @param parsed The output of [parse_lmm_formula()].
#' @param data A data frame holding the variables of the model.
#' @param weights Optional prior weights, non-negative, one per row of `data`.
#' @param offset Optional offset, one per row of `data`, added to any
#'   `offset()` terms of the formula.
#' @param subset Optional logical or index vector selecting rows of `data`.
#' @param na.action Function (or its name) applied to the model frame to handle missing
#'   values (default [stats::na.omit()]: drop rows with an NA in any variable).
#' @param contrasts Optional list of contrasts for factors of the fixed part,
#'   as in [stats::model.matrix()].
#' @return The `mats` list: `formula`, `fixed_formula`, `frame`, `y`, `X`,
#'   `weights`, `offset`, `re`.
#' @noRd
build_lmm_matrices <- function(parsed, data, weights = NULL, offset = NULL,
                               subset = NULL, na.action = stats::na.omit,
                               contrasts = NULL, relmat = NULL) {
  data <- check_data_frame(data)
  parsed <- expand_dot(parsed, data)
  frame_formula <- lmm_frame_formula(parsed)
  check_variables_found(all.vars(frame_formula), data,
                        environment(parsed$formula))
  check_weights(weights, nrow(data))
  check_offset(offset, nrow(data))
  raw <- lmm_raw_frame(frame_formula, data, weights, offset, subset)
  check_raw_frame(raw)
  frame <- drop_unused_levels(apply_na_action(raw, na.action, grouping_variables(parsed)))
  attr(frame, "terms") <- attr(raw, "terms")
  check_rows_left(frame, raw)
  y <- as.numeric(frame[[1L]])
  offset <- frame_offset(frame)
  check_response_varies(y, names(frame)[1L], offset)
  known <- check_relmat_list(relmat, vapply(parsed$re_terms, `[[`, "", "group_name"))
  re <- apply_relmat(build_re(parsed$re_terms, frame, known), relmat)
  ordinary <- !vapply(re$terms, function(term) term$group %in% known, logical(1))
  check_response_varies_within(y - offset, re$terms[ordinary], names(frame)[1L])
  fixed_terms <- fixed_terms_with_predvars(parsed$fixed, raw)
  attr(frame, "terms") <- fixed_terms
  n <- nrow(frame)
  list(formula = parsed$formula, fixed_formula = parsed$fixed, frame = frame,
       y = y, X = fixed_model_matrix(fixed_terms, frame, contrasts),
       weights = frame_column_or(frame, "(weights)", rep(1, n)),
       offset = offset, re = re)
}

#' Evaluate a `weights`, `offset` or `subset` argument like lm() does
#'
#' Evaluates an unevaluated argument in `data`, then in `env`, so that a bare
#' column name works. `lmm()` calls it as
#' `eval_lmm_arg(substitute(weights), data, parent.frame(), "weights")`.
#' @param expr The argument as a language object (`NULL` when not given).
#' @param data The data frame.
#' @param env Environment in which to look up names not in `data`.
#' @param arg The argument's name, for messages.
#' @return The value, or `NULL`.
#' @noRd
eval_lmm_arg <- function(expr, data, env, arg) {
  if (is.null(expr)) return(NULL)
  tryCatch(eval(expr, as.data.frame(data), env), error = function(e) {
    stop("Cannot evaluate `", arg, " = ", deparse1(expr), "`: ",
         conditionMessage(e), call. = FALSE)
  })
}

#' Expand `.` in the fixed part to the columns of `data`
#'
#' As in lm(), `.` stands for every column of `data` not on the left-hand
#' side, except that the grouping variables of the random-effect terms are left
#' out: a factor cannot usefully be both a fixed effect and the grouping of a
#' random effect. (lme4 1.1-31 leaves them in.) Variables of the left-hand
#' sides of random-effect terms stay, so `y ~ . + (x | g)` has a fixed slope
#' for `x`.
#' @return `parsed` with `fixed` spelled out.
#' @noRd
expand_dot <- function(parsed, data) {
  if (!("." %in% all.vars(parsed$fixed))) return(parsed)
  keep <- setdiff(names(data), grouping_variables(parsed))
  fixed <- stats::formula(stats::terms(parsed$fixed, data = data[keep]))
  environment(fixed) <- environment(parsed$formula)
  parsed$fixed <- fixed
  parsed
}

#' Names of the variables of the grouping factors of the random-effect terms
#' @noRd
grouping_variables <- function(parsed) {
  unique(unlist(lapply(parsed$re_terms, function(term) all.vars(term$group))))
}

#' Formula over every variable of the model, used to build the model frame
#'
#' The response comes first, then the variables of the fixed part in the
#' order of its terms (so the fixed part's predvars are the first entries of
#' the frame's), then those of the random-effect terms and grouping factors.
#' @noRd
lmm_frame_formula <- function(parsed) {
  env <- environment(parsed$formula)
  vars <- formula_variables(parsed$fixed)
  for (term in parsed$re_terms) {
    vars <- c(vars, formula_variables(term$lhs),
              formula_variables(call("~", term$group)))
  }
  labels <- vapply(vars, deparse1, "")
  vars <- vars[!duplicated(labels)]
  rhs <- if (length(vars) > 1L) Reduce(function(a, b) call("+", a, b), vars[-1L]) else 1
  stats::as.formula(call("~", vars[[1L]], rhs), env = env)
}

#' Variables (as language objects) of a formula, response first
#' @noRd
formula_variables <- function(formula) {
  as.list(attr(stats::terms(stats::as.formula(formula)), "variables"))[-1L]
}

#' Model frame of all variables, subset applied, missing values kept
#' @noRd
lmm_raw_frame <- function(frame_formula, data, weights, offset, subset) {
  args <- list(formula = frame_formula, data = quote(data),
               weights = weights, offset = offset, subset = subset,
               na.action = stats::na.pass, drop.unused.levels = FALSE)
  do.call(stats::model.frame, args[!vapply(args, is.null, NA)])
}

#' Drop unused levels of the factors of a frame, as model.frame() does
#'
#' A contrasts attribute cannot survive the change of levels: model.frame()
#' warns and drops it, and so does this.
#' @noRd
drop_unused_levels <- function(frame) {
  for (nm in names(frame)) {
    x <- .subset2(frame, nm)
    if (is.factor(x) && any(tabulate(x, nlevels(x)) == 0L)) {
      if (!is.null(attr(x, "contrasts"))) {
        warning("contrasts dropped from factor '", nm, "' (unused levels ",
                "removed)", call. = FALSE)
      }
      frame[[nm]] <- droplevels(x)
    }
  }
  frame
}

#' Terms of the fixed part, carrying the predvars of the full frame
#'
#' Makes `poly()`, `ns()` and the like reproducible in prediction.
#' @noRd
fixed_terms_with_predvars <- function(fixed, raw) {
  tt <- stats::terms(fixed)
  nvar <- length(attr(tt, "variables")) - 1L
  keep <- seq_len(nvar + 1L)
  attr(tt, "predvars") <- attr(attr(raw, "terms"), "predvars")[keep]
  attr(tt, "dataClasses") <- attr(attr(raw, "terms"), "dataClasses")[keep[-1L] - 1L]
  tt
}

#' Fixed-effect model matrix with aliased columns dropped
#'
#' The engine decides which columns to keep as R's LINPACK QR (tolerance 1e-7)
#' does for lme4's default `check.rankX = "message+drop.cols"`: in order, a
#' column is dropped when less than 1e-7 of its length is left once the kept
#' columns are projected out. Columns are centred and scaled to unit length
#' first, so that shifting or rescaling a covariate never makes it look aliased.
#' @return Matrix with attributes `assign`, `contrasts` and `dropped`.
#' @noRd
fixed_model_matrix <- function(fixed_terms, frame, contrasts) {
  X <- if (length(attr(fixed_terms, "term.labels")) == 0L && attr(fixed_terms, "intercept") == 1L) {
    structure(matrix(1, nrow(frame), 1L, dimnames = list(row.names(frame), "(Intercept)")), assign = 0L)
  } else {
    stats::model.matrix(fixed_terms, frame, contrasts.arg = contrasts)
  }
  check_finite_columns(X)
  dropped <- character(0)
  keep <- if (ncol(X) > 0L) .lmmkit_independent_columns(X, 1e-7) else integer(0)
  if (length(keep) < ncol(X)) {
    dropped <- colnames(X)[-keep]
    message(sprintf(ngettext(length(dropped),
      "fixed-effect model matrix is rank deficient so dropping %d column / coefficient (%s)",
      "fixed-effect model matrix is rank deficient so dropping %d columns / coefficients (%s)"),
      length(dropped), paste(dropped, collapse = ", ")))
    assign <- attr(X, "assign")
    ctr <- attr(X, "contrasts")
    X <- X[, keep, drop = FALSE]
    attr(X, "assign") <- assign[keep]
    attr(X, "contrasts") <- ctr
  }
  attr(X, "dropped") <- dropped
  X
}

#' Stop when a column of the fixed-effect model matrix is not finite
#'
#' The frame's variables are finite by then; a product or transformation of
#' them can still overflow. Cheap when all is well: only columns whose sum is
#' not finite are looked at entry by entry.
#' @noRd
check_finite_columns <- function(X) {
  suspect <- which(!is.finite(colSums(X)))  # a sum of huge finite values can overflow too
  bad <- suspect[colSums(!is.finite(X[, suspect, drop = FALSE])) > 0]
  if (length(bad) == 0L) return(invisible())
  stop("The fixed-effect model matrix has values that are not finite in column ",
       paste0("'", colnames(X)[bad], "'", collapse = ", "),
       " (a product or transformation of the variables overflowed).", call. = FALSE)
}

#' A column of the frame, or a default when absent
#' @noRd
frame_column_or <- function(frame, name, default) {
  x <- frame[[name]]
  if (is.null(x)) default else as.numeric(x)
}

#' Total offset: the `offset` argument plus the formula's `offset()` terms
#' @noRd
frame_offset <- function(frame) {
  off <- stats::model.offset(frame)
  if (is.null(off)) rep(0, nrow(frame)) else as.numeric(off)
}

#' The random-effect structure `re` of the `mats` list
#'
#' Besides the fields of DEVELOPING.md, each `re$terms[[k]]` carries `lhs`
#' (one-sided formula of the term's columns, for prediction) and `label`
#' (e.g. `"Days | Subject"`, for messages).
#'
#' Terms are put in decreasing order of their number of levels, exactly as
#' lme4's mkReTrms: when the order must change, it is `rev(order(nlevels))`,
#' so terms with equal numbers of levels then appear in reverse formula order.
#' @noRd
build_re <- function(re_terms, frame, known = character(0)) {
  n <- nrow(frame)
  blocks <- lapply(re_terms, re_block, frame = frame)
  nl <- vapply(blocks, `[[`, 0L, "nlevels")
  if (any(diff(nl) > 0L)) blocks <- blocks[rev(order(nl))]
  ordinary <- !vapply(blocks, function(b) b$group %in% known, logical(1))
  check_grouping_factors(blocks, n, ordinary)
  check_term_dims(blocks[ordinary], n)
  nl <- vapply(blocks, `[[`, 0L, "nlevels")
  ncols <- vapply(blocks, `[[`, 0L, "ncol")
  col_start <- cumsum(c(0L, ncols * nl))
  nth <- (ncols * (ncols + 1L)) %/% 2L
  th_start <- cumsum(c(0L, nth))
  terms <- lapply(seq_along(blocks), function(k) {
    b <- blocks[[k]]
    list(group = b$group, cnms = b$cnms, ncol = b$ncol, nlevels = b$nlevels,
         levels = levels(b$factor), factor = b$factor,
         col_start = col_start[k], theta_start = th_start[k],
         lhs = b$lhs, label = b$label)
  })
  lower <- unlist(lapply(ncols, theta_lower))
  c(list(Zt = stacked_design(blocks, col_start, n), terms = terms),
    re_flist(blocks),
    list(theta_start = as.numeric(is.finite(lower)), lower = lower))
}

#' Lower bounds of one term's theta: 0 on the diagonal of T_k, -Inf below
#' @noRd
theta_lower <- function(p) {
  lt <- lower.tri(diag(p), diag = TRUE)
  ifelse(row(lt)[lt] == col(lt)[lt], 0, -Inf)
}

#' `flist` (distinct grouping factors, with lme4's `assign`) and named `cnms`
#' @noRd
re_flist <- function(blocks) {
  groups <- vapply(blocks, `[[`, "", "group")
  first <- !duplicated(groups)
  flist <- stats::setNames(lapply(blocks[first], `[[`, "factor"), groups[first])
  attr(flist, "assign") <- match(groups, groups[first])
  list(flist = flist,
       cnms = stats::setNames(lapply(blocks, `[[`, "cnms"), groups))
}

#' One random-effect term: grouping factor, term model matrix and the entries
#' of its block of Zt
#'
#' Rows of the block are level-major: the p columns of level 1, then level 2.
#' `rows` (1-based within the block) and `values` are p x n: column i holds
#' the entries of observation i.
#' @noRd
re_block <- function(term, frame) {
  f <- grouping_factor(term$group, frame, term$group_name)
  mm <- lhs_model_matrix(term$lhs, frame)
  check_term_columns(mm, term$label)
  p <- ncol(mm)
  rows <- matrix(rep((as.integer(f) - 1L) * p, each = p) + seq_len(p), nrow = p)
  list(group = term$group_name, label = term$label, lhs = term$lhs, factor = f,
       nlevels = nlevels(f), ncol = p, cnms = colnames(mm), rows = rows, values = t(mm),
       obs_names = rownames(mm))
}

#' The model matrix of a term's left-hand side; `(1 | g)`, the commonest,
#' without model.matrix()'s model frame
#' @noRd
lhs_model_matrix <- function(lhs, frame) {
  if (identical(lhs[[length(lhs)]], 1) || identical(lhs[[length(lhs)]], 1L)) {
    return(matrix(1, nrow(frame), 1L, dimnames = list(row.names(frame), "(Intercept)")))
  }
  stats::model.matrix(lhs, frame)
}

#' Zt of all terms at once: each observation's entries of every block, the
#' blocks' rows offset by `col_start`, put in one compressed-column matrix
#' @noRd
stacked_design <- function(blocks, col_start, n) {
  rows <- do.call(rbind, lapply(seq_along(blocks), function(k) blocks[[k]]$rows + col_start[[k]]))
  values <- do.call(rbind, lapply(blocks, `[[`, "values"))
  level_names <- unlist(lapply(blocks, function(b) rep(levels(b$factor), each = b$ncol)),
                        use.names = FALSE)
  compressed_columns(as.vector(rows), rep(seq_len(n), each = nrow(rows)), as.vector(values),
                     c(col_start[[length(col_start)]], n), list(level_names, blocks[[1L]]$obs_names))
}

#' A dgCMatrix from entries listed column by column (1-based rows increasing
#' within each column), zeros dropped, built slot by slot: the same matrix as
#' `drop0(sparseMatrix(...))` without its conversions and validity checks,
#' which took most of the time of a small fit
#' @noRd
compressed_columns <- function(rows, cols, x, dims, dimnames) {
  keep <- is.na(x) | x != 0
  out <- session_cache$empty_dgC %||% (session_cache$empty_dgC <- methods::new("dgCMatrix"))
  out@Dim <- as.integer(dims)
  out@Dimnames <- dimnames
  out@i <- as.integer(rows[keep] - 1L)
  out@p <- c(0L, cumsum(tabulate(cols[keep], dims[[2L]])))
  out@x <- as.numeric(x[keep])
  out
}

#' Evaluate a grouping expression (a variable or an interaction `a:b`)
#'
#' Variables are converted to factors; the levels of `a:b` are ordered by the
#' levels of `a`, then `b`, and unused levels are dropped, as in lme4.
#' @noRd
grouping_factor <- function(group, frame, group_name) {
  f <- grouping_values(group, frame)
  check_grouping_values(f, group_name)
  if (is.factor(f) && setequal(names(attributes(f)), c("levels", "class")) &&
      all(tabulate(f, nlevels(f)) > 0L)) {
    return(f)
  }
  factor(f, exclude = NA)
}

#' Recursive part of grouping_factor()
#' @noRd
grouping_values <- function(group, frame) {
  if (is_call_to(group, "(")) return(grouping_values(group[[2L]], frame))
  if (is_call_to(group, ":")) {
    return(interact_factors(grouping_values(group[[2L]], frame),
                            grouping_values(group[[3L]], frame)))
  }
  x <- frame[[deparse1(group)]]
  if (is.factor(x)) x else factor(x)
}

#' Interaction of two factors, levels ordered by `f1` then `f2`, unused dropped
#' @noRd
interact_factors <- function(f1, f2) {
  both <- paste(f1, f2, sep = ":")
  both[is.na(f1) | is.na(f2)] <- NA
  first <- which(!duplicated(both) & !is.na(both))
  levs <- both[first][order(as.integer(f1[first]), as.integer(f2[first]))]
  factor(both, levels = levs)
}
