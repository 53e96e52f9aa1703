# Known relationship matrices (relmat): checks, matching to a factor's levels, and the factor F with F F' = K.

#' Give the terms of the grouping factors named in `relmat` their relationship matrices
#'
#' A term of grouping factor g with matrix K has random effects b with
#' covariance K (x) Sigma (level-major). Writing K = F F', b = (F (x) I) v
#' with v independent across levels, so the engine fits the ordinary model
#' with design Z (F (x) I), kept as `re$Zt_engine`; `re$Zt` stays the
#' design in the levels' own terms. Each such term gets `relfactor`, the
#' matrix F (x) I.
#' @noRd
apply_relmat <- function(re, relmat) {
  if (is.null(relmat)) return(re)
  factors <- lapply(stats::setNames(nm = names(relmat)), function(g) {
    relatedness_factor(relmat[[g]], levels(re$flist[[g]]), g)
  })
  blocks <- vector("list", length(re$terms))
  for (k in seq_along(re$terms)) {
    term <- re$terms[[k]]
    rows <- term_columns(term)
    blocks[[k]] <- re$Zt[rows, , drop = FALSE]
    F <- factors[[term$group]]
    if (is.null(F)) next
    if (term$ncol > 1L) F <- kronecker(F, Matrix::Diagonal(term$ncol))
    re$terms[[k]]$relfactor <- F
    blocks[[k]] <- Matrix::crossprod(F, blocks[[k]])
  }
  re$Zt_engine <- Matrix::drop0(methods::as(do.call(rbind, blocks), "CsparseMatrix"))
  re$relmat <- names(relmat)
  re
}

#' Stop unless relmat is NULL or a list of matrices named by distinct grouping factors of the model
#' @return The names of relmat (character(0) for NULL).
#' @noRd
check_relmat_list <- function(relmat, groups) {
  if (is.null(relmat)) return(character(0))
  groups <- unique(groups)
  if (!is.list(relmat) || length(relmat) == 0L || is.null(names(relmat)) ||
      any(!nzchar(names(relmat))) || anyDuplicated(names(relmat))) {
    stop("`relmat` must be a list of matrices named by grouping factors, such as list(id = K).",
         call. = FALSE)
  }
  unknown <- setdiff(names(relmat), groups)
  if (length(unknown) > 0L) {
    stop(sprintf("`relmat`: '%s' is not a grouping factor of the model (its grouping factors: %s).",
                 unknown[1L], paste(groups, collapse = ", ")), call. = FALSE)
  }
  names(relmat)
}

#' F with F F' = K[levels, levels], after checking K
#'
#' Cholesky factor when K is positive definite (sparse K stays sparse);
#' otherwise V D^(1/2) from the eigendecomposition, for a positive
#' semi-definite K.
#' @noRd
relatedness_factor <- function(K, levels, group) {
  what <- sprintf("relmat$%s", group)
  K <- relmat_on_levels(K, levels, what, group)
  check_symmetric(K, what)
  F <- tryCatch(t(chol(K)), error = function(e) NULL)
  if (!is.null(F)) return(methods::as(F, if (methods::is(K, "sparseMatrix")) "CsparseMatrix" else "Matrix"))
  e <- eigen(as.matrix(K), symmetric = TRUE)
  check_psd_eigenvalues(e$values, what, "is zero.")
  Matrix::Matrix(e$vectors %*% diag(sqrt(pmax(e$values, 0)), length(e$values)))
}

#' K as a numeric Matrix with rows and columns in the order of the factor's levels
#' @noRd
relmat_on_levels <- function(K, levels, what, group) {
  if (!(is.matrix(K) || methods::is(K, "Matrix")) || nrow(K) != ncol(K) || !is.numeric(K[1L, 1L])) {
    stop(what, " must be a square numeric matrix (base or Matrix).", call. = FALSE)
  }
  names <- rownames(K) %||% colnames(K)
  if (is.null(names) || (!is.null(colnames(K)) && !identical(rownames(K) %||% colnames(K), colnames(K)))) {
    stop(what, " must have row and column names, the same, naming the levels of ", group, ".",
         call. = FALSE)
  }
  absent <- setdiff(levels, names)
  if (length(absent) > 0L) {
    stop(sprintf("%s lacks %d level%s of %s in the data, such as '%s'.", what, length(absent),
                 if (length(absent) > 1L) "s" else "", group, absent[1L]), call. = FALSE)
  }
  index <- match(levels, names)
  K <- K[index, index, drop = FALSE]
  if (!all(is.finite(if (methods::is(K, "sparseMatrix")) K@x else as.vector(as.matrix(K))))) {
    stop(what, " has values that are missing or not finite.", call. = FALSE)
  }
  dimnames(K) <- list(levels, levels)
  if (methods::is(K, "sparseMatrix")) methods::as(K, "CsparseMatrix") else K
}

#' Stop unless the eigenvalues are those of a nonzero positive semi-definite matrix (none below -1e-8 times
#' the largest); `if_zero` completes the message for a zero matrix
#' @noRd
check_psd_eigenvalues <- function(values, what, if_zero) {
  largest <- max(abs(values))
  if (!(largest > 0)) stop(what, " ", if_zero, call. = FALSE)
  if (min(values) < -1e-8 * largest) {
    stop(sprintf("%s is not positive semi-definite: its smallest eigenvalue is %s (largest %s).", what,
                 format(min(values), digits = 3), format(largest, digits = 3)), call. = FALSE)
  }
}

#' Stop unless K is symmetric to within 1e-8 of its largest entry
#' @noRd
check_symmetric <- function(K, what) {
  gap <- max(abs(K - if (is.matrix(K)) t(K) else Matrix::t(K)))
  if (gap > 1e-8 * max(abs(K))) {
    stop(sprintf("%s is not symmetric: the largest |K[i, j] - K[j, i]| is %s.", what,
                 format(gap, digits = 3)), call. = FALSE)
  }
}

#' The random effects in the levels' own terms: b = F v for the terms with a relationship matrix
#' @noRd
relmat_random_effects <- function(re, v) {
  for (term in re$terms) {
    if (is.null(term$relfactor)) next
    rows <- term_columns(term)
    v[rows] <- as.numeric(term$relfactor %*% v[rows])
  }
  v
}

#' Zt of new rows (levels' own terms) in the engine's terms: F' Zt for the terms with a relationship matrix
#' @noRd
relmat_engine_Zt <- function(re, Zt) {
  if (is.null(re$relmat)) return(Zt)
  for (term in re$terms) {
    if (is.null(term$relfactor)) next
    rows <- term_columns(term)
    Zt[rows, ] <- Matrix::crossprod(term$relfactor, Zt[rows, , drop = FALSE])
  }
  Matrix::drop0(methods::as(Zt, "CsparseMatrix"))
}

#' Conditional variances of the random effects of terms with a relationship matrix
#'
#' The engine's per-level blocks are those of v; for b = F v they are the
#' diagonal blocks of F C F', with C = sigma^2 Lambda (Lambda' Z' W Z Lambda +
#' I)^-1 Lambda' over all random effects in the engine's terms (as lme4's
#' condVar, given the fixed effects). Dense in the number of random effects.
#' @noRd
relmat_condvar <- function(condvar, mats, engine) {
  if (is.null(condvar) || is.null(mats$re$relmat)) return(condvar)
  terms <- mats$re$terms
  Lambda <- lambda_matrix(as.numeric(engine$theta), terms)
  ZL <- Matrix::crossprod(engine_Zt(mats$re), Lambda) * sqrt(mats$weights)
  precision <- as.matrix(Matrix::crossprod(ZL)) + diag(ncol(ZL))
  C <- engine$sigma^2 * as.matrix(Lambda %*% solve(precision, as.matrix(Matrix::t(Lambda))))
  for (k in seq_along(terms)) {
    F <- terms[[k]]$relfactor
    if (is.null(F)) next
    rows <- term_columns(terms[[k]])
    Ck <- as.matrix(F %*% C[rows, rows] %*% Matrix::t(F))
    p <- terms[[k]]$ncol
    for (l in seq_len(terms[[k]]$nlevels)) {
      cols <- (l - 1L) * p + seq_len(p)
      condvar[[k]][, , l] <- Ck[cols, cols]
    }
  }
  condvar
}
