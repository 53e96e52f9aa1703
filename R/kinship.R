# Genetic relationship (kinship) matrices from a PLINK set, with GEMMA's SNP filters and leave-one-chromosome-out.

#' Genetic relationship matrix from a PLINK set
#'
#' The kinship matrix K = W W' / m of the m SNPs that pass the filters, where
#' W holds each SNP's dosages centred at their mean (`type = "centered"`, as
#' GEMMA's `-gk 1`) or also divided by their standard deviation
#' (`"standardized"`, as `-gk 2`). A missing genotype is set to the SNP's
#' mean, so it contributes 0 once centred; the mean and the standard
#' deviation (divisor n, over the mean-filled dosages) are taken over the
#' individuals of the matrix, as GEMMA does.
#'
#' SNPs are filtered as GEMMA filters them, in this order, with statistics
#' computed on the individuals `filter_ids`: a share of missing genotypes
#' above `miss`; a frequency of `allele1` below `maf` or above `1 - maf`
#' (a SNP exactly at the threshold is kept); and observed genotypes that all
#' fall in one class. The number each filter removed is in the attribute
#' `snps` of the result. The file is read in blocks of `block_size` SNPs, so
#' memory holds the n x n matrix and one block, and the sum is shared among
#' `threads` threads (the result does not depend on their number).
#'
#' @param set A `plink_set` from [read_plink()], or the prefix of its files.
#' @param type `"centered"` or `"standardized"`.
#' @param ids IIDs of the individuals of the matrix, in the order wanted;
#'   `NULL` for all individuals of the `.fam`.
#' @param exclude_chr Chromosomes whose SNPs are left out, for a
#'   leave-one-chromosome-out (LOCO) analysis: the matrix for testing SNPs on
#'   chromosome c is `kinship(set, exclude_chr = c)`.
#' @param snps SNPs considered (names, positions or a logical vector as in
#'   [read_genotypes()]); `NULL` for all. The filters still apply to them.
#' @param maf,miss Minor allele frequency and missingness thresholds
#'   (GEMMA's defaults).
#' @param filter_ids IIDs on which the filter statistics are computed; by
#'   default the individuals of the matrix. GEMMA computes them on the
#'   individuals with a phenotype.
#' @param threads Number of threads; see [lmmkit_threads()]. When R uses an
#'   optimized BLAS (see [use_optimized_blas()]) the sum is handed to it and
#'   the BLAS's own threads are used instead.
#' @param block_size SNPs read at a time.
#' @return A symmetric matrix named by IID, with attributes `type` and
#'   `snps`, a named integer vector: `used`, `excluded` (by `snps` or
#'   `exclude_chr`), `missingness`, `allele_frequency`, `one_class`.
#' @references Zhou X, Stephens M (2012). Genome-wide efficient mixed-model
#'   analysis for association studies. Nature Genetics 44, 821-824.
#' @seealso [read_plink()]
#' @examples
#' prefix <- file.path(system.file("extdata", package = "lmmkit"), "gwas_example")
#' K <- kinship(prefix)
#' attr(K, "snps")
#' K[1:3, 1:3]
#' K_loco <- kinship(prefix, exclude_chr = "1")
#' @export
#' @family genetics
kinship <- function(set, type = c("centered", "standardized"), ids = NULL, exclude_chr = NULL,
                    snps = NULL, maf = 0.01, miss = 0.05, filter_ids = ids,
                    threads = lmmkit_threads(), block_size = 2048L) {
  set <- as_plink_set(set)
  type <- match.arg(type)
  check_fraction(maf, "maf", upper = 0.5)
  check_fraction(miss, "miss", upper = 1)
  rows <- individual_rows(set, ids)
  filter_rows <- individual_rows(set, filter_ids, "filter_ids")
  candidate <- candidate_snps(set, snps, exclude_chr)
  res <- .lmmkit_kinship(set$bed, nrow(set$fam), nrow(set$bim), rows - 1L, filter_rows - 1L,
                         candidate, maf, miss, type == "standardized",
                         check_count(block_size, "block_size"), check_count(threads, "threads"),
                         use_optimized_blas())
  counts <- tabulate(res$status + 1L, nbins = 5L)
  names(counts) <- c("used", "excluded", "missingness", "allele_frequency", "one_class")
  if (res$n_used == 0L) {
    stop("kinship(): no SNP is left to compute the matrix from (", snp_filter_summary(counts), ").",
         call. = FALSE)
  }
  K <- res$K
  dimnames(K) <- list(set$fam$iid[rows], set$fam$iid[rows])
  structure(K, type = type, snps = counts)
}

#' Per-SNP flag: considered (in `snps`, not on an excluded chromosome)
#' @noRd
candidate_snps <- function(set, snps, exclude_chr) {
  candidate <- rep(is.null(snps), nrow(set$bim))
  if (!is.null(snps)) candidate[snp_index(set, snps)] <- TRUE
  if (!is.null(exclude_chr)) {
    exclude_chr <- as.character(exclude_chr)
    absent <- setdiff(exclude_chr, set$bim$chr)
    if (length(absent) > 0L) {
      stop("`exclude_chr`: chromosome '", absent[1L], "' is not in the .bim file.", call. = FALSE)
    }
    candidate[set$bim$chr %in% exclude_chr] <- FALSE
  }
  candidate
}

#' "n used, n removed for missingness, ..." from the filter counts
#' @noRd
snp_filter_summary <- function(counts) {
  shown <- counts[counts > 0L | names(counts) == "used"]
  paste(shown, gsub("_", " ", names(shown)), collapse = ", ")
}

#' Stop unless x is a single number in [0, upper]
#' @noRd
check_fraction <- function(x, arg, upper) {
  if (!is.numeric(x) || length(x) != 1L || is.na(x) || x < 0 || x > upper) {
    stop(sprintf("`%s` must be a single number between 0 and %g.", arg, upper), call. = FALSE)
  }
}

#' A single positive whole number as integer, or an error naming the argument
#' @noRd
check_count <- function(x, arg) {
  if (!is.numeric(x) || length(x) != 1L || is.na(x) || x < 1 || x != round(x) || x > .Machine$integer.max) {
    stop(sprintf("`%s` must be a single whole number of at least 1.", arg), call. = FALSE)
  }
  as.integer(x)
}

#' Number of threads lmmkit's compute kernels use
#'
#' The option `lmmkit.threads`, else the environment variable
#' `LMMKIT_THREADS`, else the number of cores ([parallel::detectCores()]),
#' at most 2 under `R CMD check` (when `_R_CHECK_LIMIT_CORES_` is set);
#' a value that is not a whole number of at least 1 is an error.
#' Results do not depend on the number of threads.
#' @return A whole number of at least 1.
#' @examples
#' lmmkit_threads()
#' old <- options(lmmkit.threads = 1)
#' lmmkit_threads()
#' options(old)
#' @export
#' @family threads and BLAS
lmmkit_threads <- function() {
  n <- getOption("lmmkit.threads", Sys.getenv("LMMKIT_THREADS", ""))
  n <- if (identical(n, "")) detected_cores() else suppressWarnings(as.numeric(n))
  if (length(n) != 1L || is.na(n) || n < 1 || n != round(n)) {
    stop("the option `lmmkit.threads` or the environment variable LMMKIT_THREADS must be a whole ",
         "number of at least 1.", call. = FALSE)
  }
  if (nzchar(Sys.getenv("_R_CHECK_LIMIT_CORES_"))) n <- min(n, 2L)
  as.integer(n)
}

#' Whether lmmkit hands large dense products to R's BLAS
#'
#' The kinship sum and the rotation of SNPs in [gwas()] are large dense
#' matrix products, and the kinship's eigendecomposition needs more. lmmkit
#' computes them with its own threaded kernels (register-tiled AVX2/FMA
#' kernels on x86-64 processors that have them, Eigen's otherwise) unless R
#' is linked to an optimized BLAS (OpenBLAS, MKL, BLIS, ATLAS, Accelerate,
#' FlexiBLAS), which is faster for them. The option
#' `lmmkit.blas` (`TRUE` or `FALSE`) overrides the choice. Results agree to
#' rounding either way.
#' @return `TRUE` or `FALSE`.
#' @examples
#' use_optimized_blas()
#' extSoftVersion()[["BLAS"]]
#' @export
#' @family threads and BLAS
use_optimized_blas <- function() {
  choice <- getOption("lmmkit.blas")
  if (!is.null(choice)) {
    if (!isTRUE(choice) && !isFALSE(choice)) stop("the option `lmmkit.blas` must be TRUE or FALSE.", call. = FALSE)
    return(choice)
  }
  if (is.null(session_cache$optimized_blas)) {
    session_cache$optimized_blas <- grepl("openblas|mkl|blis|atlas|accelerate|vecLib|flexiblas",
                                          extSoftVersion()[["BLAS"]], ignore.case = TRUE)
  }
  session_cache$optimized_blas
}

#' The number of cores, found once per session: parallel::detectCores() runs a shell
#' command on Linux, too slow for every fit
#' @noRd
detected_cores <- function() {
  if (is.null(session_cache$cores)) session_cache$cores <- parallel::detectCores()
  session_cache$cores
}
