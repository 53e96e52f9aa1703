# The hypothesis of each fixed-effect term for anova() types I-III, built so that the tests do not depend on the contrast coding.

#' One contrast matrix per fixed-effect term (the intercept excluded)
#'
#' Type I: sequential, the rows of the normalised Cholesky factor of X'X
#' (lmerTest's Doolittle contrasts). Type II: a term not contained in any other
#' is tested on its own coefficients; any other term is tested adjusted for the
#' terms that do not contain it, ignoring those that do (SAS's and lmerTest's
#' type II). Type III: SAS's and lmerTest's construction from the cell means
#' under treatment coding, orthogonalised against the terms that contain each
#' term, then mapped to the fit's own coding, so that treatment and sum
#' contrasts give the same tests.
#' @param fit An `lmm` fit.
#' @param type 1, 2 or 3.
#' @return A named list of matrices with one column per fixed effect.
#' @noRd
term_contrasts <- function(fit, type) {
  X <- informative_X(fit)
  assign <- attr(X, "assign")
  labels <- attr(fixed_terms(fit), "term.labels")
  present <- sort(unique(assign[assign > 0L]))
  if (length(present) == 0L) return(list())
  contrasts <- switch(type,
    type1_contrasts(X, present),
    type2_contrasts(fit, X, present),
    type3_contrasts(fit, X)[labels[present]])
  stats::setNames(contrasts, labels[present])
}

fixed_terms <- function(fit) attr(fit$frame, "terms")

# The fixed-effect matrix and model frame without the rows of weight zero (they carry no information).
informative_X <- function(fit) {
  rows <- informative_rows(fit$weights)
  if (is.null(rows)) return(fit$X)
  X <- fit$X[rows, , drop = FALSE]
  attr(X, "assign") <- attr(fit$X, "assign")
  attr(X, "contrasts") <- attr(fit$X, "contrasts")
  X
}

informative_frame <- function(fit) {
  rows <- informative_rows(fit$weights)
  if (is.null(rows)) fit$frame else fit$frame[rows, , drop = FALSE]
}

type1_contrasts <- function(X, present) {
  rows <- doolittle_rows(X)
  lapply(present, function(k) rows[attr(X, "assign") == k, , drop = FALSE])
}

# The normalised Cholesky factor of X'X: row j is the type I hypothesis of column j.
doolittle_rows <- function(X) {
  R <- chol(crossprod(X))
  zap_contrast(R / diag(R))
}

#' For each term, the names of the terms that contain it (SAS's rule)
#'
#' F2 contains F1 when F2 has every variable of F1 and at least one more, and
#' both involve the same numeric covariates. The intercept is not a term.
#' @noRd
term_containment <- function(terms) {
  labels <- attr(terms, "term.labels")
  factors <- attr(terms, "factors")
  classes <- attr(terms, "dataClasses")
  vars <- lapply(stats::setNames(labels, labels), function(l) rownames(factors)[factors[, l] > 0])
  covariates <- lapply(vars, function(v) v[!classes[v] %in% c("factor", "ordered", "character", "logical")])
  lapply(vars, function(v1) {
    c1 <- intersect(v1, unlist(covariates))
    labels[vapply(labels, function(l2) {
      all(v1 %in% vars[[l2]]) && length(setdiff(vars[[l2]], v1)) > 0L &&
        setequal(c1, covariates[[l2]])
    }, logical(1))]
  })
}

# Type II: identity rows for terms no other term contains; Type I rows after reordering otherwise.
type2_contrasts <- function(fit, X, present) {
  assign <- attr(X, "assign")
  labels <- attr(fixed_terms(fit), "term.labels")
  contained_in <- term_containment(fixed_terms(fit))
  lapply(present, function(k) {
    own <- assign == k
    if (length(contained_in[[labels[k]]]) == 0L) return(diag(ncol(X))[own, , drop = FALSE])
    containing <- assign %in% match(contained_in[[labels[k]]], labels)
    order <- c(which(!own & !containing), which(own), which(containing))
    L <- matrix(0, sum(own), ncol(X), dimnames = list(colnames(X)[own], colnames(X)))
    L[, order] <- doolittle_rows(X[, order, drop = FALSE])[own[order], , drop = FALSE]
    L
  })
}

#' Type III contrasts, as SAS and lmerTest define them
#'
#' Under treatment coding (X_t, full rank), each cell-means column of the
#' complete design (one block per term, `~ 0 + term`) is expressed in the
#' coefficients of X_t by least squares. Going from the highest-order terms
#' down, each term's columns of that matrix are replaced by their residuals on
#' the columns of the terms that contain it. Term T's hypothesis is then the
#' transpose of its columns, restricted to the rows that name coefficients of
#' X_t, and is carried to the fit's own coefficients by the map
#' beta_t = X_t^+ X beta.
#' @noRd
type3_contrasts <- function(fit, X) {
  terms <- fixed_terms(fit)
  labels <- attr(terms, "term.labels")
  X_t <- treatment_model_matrix(fit)
  cells <- cell_columns(terms, informative_frame(fit))
  empty <- colnames(cells)[colSums(abs(cells)) == 0]
  if (length(empty)) {
    message("anova(): no observations in the cells ", paste(empty, collapse = ", "),
            "; the type III hypotheses then depend on which cells are empty: interpret them with care.")
  }
  X_t_qr <- qr(X_t)
  L <- t(qr.coef(X_t_qr, cells))
  dimnames(L) <- list(colnames(cells), colnames(X_t))
  cols_of <- split(seq_len(ncol(X_t)), factor(attr(X_t, "assign"), levels = seq_along(labels)))
  names(cols_of) <- labels
  contained_in <- term_containment(terms)
  for (term in labels[order(attr(terms, "order"), decreasing = TRUE)]) {
    outer <- unlist(cols_of[contained_in[[term]]])
    if (length(outer) == 0L || length(cols_of[[term]]) == 0L) next
    L[, cols_of[[term]]] <- zapsmall(qr.resid(qr(L[, outer, drop = FALSE]),
                                              L[, cols_of[[term]], drop = FALSE]))
  }
  L <- L[colnames(X_t), , drop = FALSE]
  to_fit <- zapsmall(qr.coef(X_t_qr, X))
  lapply(cols_of, function(cols) {
    Lt <- t(L[, cols, drop = FALSE])
    Lt <- Lt[rowSums(abs(Lt)) > 1e-8, , drop = FALSE]
    zap_contrast(Lt %*% to_fit)
  })
}

# The fixed-effect matrix remade with treatment contrasts, aliased columns dropped (QR pivots).
treatment_model_matrix <- function(fit) {
  terms <- fixed_terms(fit)
  frame <- informative_frame(fit)
  factors <- names(attr(fit$X, "contrasts"))
  treatment <- stats::setNames(rep(list("contr.treatment"), length(factors)), factors)
  X <- stats::model.matrix(terms, frame, contrasts.arg = if (length(factors)) treatment)
  decomposition <- qr(X, tol = 1e-7, LAPACK = FALSE)
  keep <- sort(decomposition$pivot[seq_len(decomposition$rank)])
  structure(X[, keep, drop = FALSE], assign = attr(X, "assign")[keep])
}

# The complete (rank-deficient) design: an intercept and `~ 0 + term` for each term.
cell_columns <- function(terms, frame) {
  labels <- attr(terms, "term.labels")
  blocks <- lapply(labels, function(l) {
    stats::model.matrix(stats::as.formula(paste("~ 0 +", l), env = environment(terms)), frame)
  })
  if (attr(terms, "intercept") > 0L) blocks <- c(list(cbind(`(Intercept)` = rep(1, nrow(frame)))), blocks)
  do.call(cbind, blocks)
}

# Entries below 1e-10 of the largest entry of a contrast set to zero (rounding noise).
zap_contrast <- function(L) {
  L[abs(L) < 1e-10 * max(abs(L), 1)] <- 0
  L
}
