# The scan's inputs: analysed individuals matched between data and .fam, covariates, and the rotated kinship.

#' Individuals, phenotype and covariates of a scan
#'
#' The analysed individuals are those of the `.fam` (in its order) whose
#' `id` is in `data` with the phenotype and every covariate present.
#' @return A list with `rows` (1-based .fam rows), `ids`, `y`, `W` and
#'   `counts` (rows of data, dropped for missing values, not in the .fam,
#'   analysed).
#' @noRd
gwas_individuals <- function(formula, data, set, id) {
  check_gwas_formula(formula)
  data <- check_data_frame(data)
  if (!is.character(id) || length(id) != 1L || !id %in% names(data)) {
    stop(sprintf("`id`: the data have no column '%s' to match the .fam's individual IDs (IID).",
                 paste(id, collapse = " ")), call. = FALSE)
  }
  ids <- as.character(data[[id]])
  repeated <- unique(ids[!is.na(ids) & duplicated(ids)])
  if (length(repeated) > 0L) {
    stop(sprintf("`data`: the id column '%s' has %d repeated value%s, such as '%s'; gwas() needs one row ",
                 id, length(repeated), if (length(repeated) > 1L) "s" else "", repeated[1L]),
         "per individual.", call. = FALSE)
  }
  frame <- stats::model.frame(formula, data, na.action = stats::na.pass, drop.unused.levels = TRUE)
  complete <- stats::complete.cases(frame) & !is.na(ids)
  in_fam <- ids %in% set$fam$iid
  rows <- individual_rows(set, NULL)[set$fam$iid %in% ids[complete & in_fam]]
  counts <- c(data = nrow(data), missing_values = sum(!complete), not_in_fam = sum(complete & !in_fam),
              analysed = length(rows))
  if (length(rows) == 0L) {
    stop(sprintf("gwas(): no individual is left to analyse: of %d rows of data, %d have a missing value ",
                 nrow(data), counts[["missing_values"]]),
         sprintf("and %d of the rest have an id not in the .fam of '%s'.", counts[["not_in_fam"]], set$bed),
         call. = FALSE)
  }
  frame <- stats::model.frame(formula, data[match(set$fam$iid[rows], ids), , drop = FALSE],
                              drop.unused.levels = TRUE)
  y <- stats::model.response(frame)
  response <- deparse(formula[[2L]])
  if (!is.numeric(y) || is.matrix(y)) stop(sprintf("the phenotype '%s' must be a numeric vector.", response), call. = FALSE)
  check_finite(y, response, set$fam$iid[rows])
  if (length(unique(y)) < 2L) {
    stop(sprintf("the phenotype '%s' is constant among the %d analysed individuals.", response, length(y)),
         call. = FALSE)
  }
  W <- independent_covariates(stats::model.matrix(formula, frame))
  if (length(y) - ncol(W) - 1L < 1L) {
    stop(sprintf("gwas(): %d analysed individuals are too few for %d covariate columns and a SNP.",
                 length(y), ncol(W)), call. = FALSE)
  }
  list(rows = rows, ids = set$fam$iid[rows], y = as.numeric(y), W = W, counts = counts)
}

#' Stop unless the formula is two-sided with fixed effects only
#' @noRd
check_gwas_formula <- function(formula) {
  if (!inherits(formula, "formula") || length(formula) != 3L) {
    stop("`formula` must be a two-sided formula such as `height ~ age + sex`.", call. = FALSE)
  }
  if (any(c("|", "||") %in% all.names(formula[[3L]]))) {
    stop("`formula`: gwas() takes covariates only; the kinship random effect is added by gwas() itself.",
         call. = FALSE)
  }
}

#' The covariate matrix without aliased columns (a message names those dropped)
#' @noRd
independent_covariates <- function(W) {
  if (!all(is.finite(W))) stop("the covariates have values that are not finite.", call. = FALSE)
  if (ncol(W) == 0L) return(W)
  qr_W <- qr(W)
  if (qr_W$rank < ncol(W)) {
    dropped <- colnames(W)[qr_W$pivot[-seq_len(qr_W$rank)]]
    message("gwas(): dropping covariate column", if (length(dropped) > 1L) "s", " ", quoted_list(dropped),
            ", a linear combination of the others.")
    W <- W[, sort(qr_W$pivot[seq_len(qr_W$rank)]), drop = FALSE]
  }
  W
}

#' The kinship matrix of the analysed individuals, double-centred as GEMMA, and its eigendecomposition
#'
#' Eigenvalues below 1e-10 are set to 0, as GEMMA does; a clearly negative
#' one is an error (K not positive semi-definite). With R's reference BLAS the
#' engine's decomposition (the same MRRR algorithm as eigen(), with threaded
#' Householder products) is several times faster than eigen().
#' @noRd
rotation_of <- function(K, ids, what, threads = 1L, use_blas = use_optimized_blas()) {
  K <- as.matrix(relmat_on_levels(K, ids, what, "the analysed individuals"))
  check_symmetric(K, what)
  row_means <- rowMeans(K)
  K <- K - row_means - rep(row_means, each = nrow(K)) + mean(row_means)
  e <- if (use_blas) eigen(K, symmetric = TRUE) else .lmmkit_symmetric_eigen(K, threads)
  check_psd_eigenvalues(e$values, what, "is constant: it carries no relatedness.")
  list(U = e$vectors, d = ifelse(e$values < 1e-10, 0, e$values))
}

#' Kinship matrices for the scan: one for all SNPs, or one per chromosome for LOCO
#' @return A named list of matrices; the names are chromosomes for LOCO, "all" otherwise.
#' @noRd
gwas_kinships <- function(kinship, set, ids, chromosomes, loco, threads) {
  if (is.null(kinship)) {
    if (!loco) return(list(all = kinship(set, ids = set$fam$iid, filter_ids = ids, threads = threads)))
    return(stats::setNames(lapply(chromosomes, function(chr) {
      kinship(set, ids = set$fam$iid, filter_ids = ids, exclude_chr = chr, threads = threads)
    }), chromosomes))
  }
  if (!loco) {
    if (is.list(kinship)) stop("`kinship` must be a matrix (a list of matrices is for `loco = TRUE`).", call. = FALSE)
    return(list(all = kinship))
  }
  if (!is.list(kinship) || is.null(names(kinship)) || !all(chromosomes %in% names(kinship))) {
    absent <- setdiff(chromosomes, names(kinship))
    stop("`kinship` with `loco = TRUE` must be a list of matrices named by chromosome; it lacks ",
         "chromosome '", absent[1L], "'.", call. = FALSE)
  }
  kinship[chromosomes]
}
