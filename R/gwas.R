# Genome-wide association scan with a kinship random effect: PLINK genotypes tested in chunks, as GEMMA -lmm.

#' Genome-wide association scan with a linear mixed model
#'
#' Tests every SNP of a PLINK set for association with a phenotype in the
#' model `y = W b + x beta + g + e`, where the covariates `W` come from
#' `formula`, `x` is the SNP's dosage (copies of the `.bim`'s first allele),
#' `g ~ N(0, sigma_g^2 K)` is the polygenic effect with kinship matrix `K`
#' and `e ~ N(0, sigma_e^2 I)`. The computations are GEMMA's `-lmm`
#' (Zhou and Stephens 2012), and give its numbers: `K` is restricted to the
#' analysed individuals and double-centred, decomposed once, and each SNP's
#' variance ratio `lambda = sigma_g^2 / sigma_e^2` is searched on
#' `[1e-5, 1e5]`.
#'
#' **Individuals.** Those of the `.fam` whose IID is in the `id` column of
#' `data` with the phenotype and every covariate present are analysed; the
#' others are dropped and counted (see the attribute `individuals`).
#'
#' **Tests.** `"wald"`: F test at the SNP's own REML lambda (GEMMA
#' `-lmm 1`); `"lrt"`: likelihood ratio of the SNP's and the null model's ML
#' fits (`-lmm 2`); `"score"`: score test at the null model's ML lambda
#' (`-lmm 3`). With `approximate = TRUE` the null model's lambdas are kept
#' for every SNP (EMMAX / P3D): much faster, and close when single SNPs
#' explain little of the variance.
#'
#' **SNP filters**, with GEMMA's defaults, in this order, on the analysed
#' individuals: share of missing genotypes above `miss`; frequency of
#' `allele1` below `maf` or above `1 - maf`; observed genotypes in one class;
#' uncentred R^2 of the mean-imputed SNP on the covariates above `r2`. The
#' number each removed is in the attribute `snps`. Missing genotypes of a
#' tested SNP are set to its mean (`n_miss` counts them).
#'
#' **Kinship.** By default [kinship()] of the same set (all SNPs,
#' `type = "centered"`, filtered on the analysed individuals, as GEMMA
#' `-gk 1`). With `loco = TRUE` the SNPs of each chromosome are tested with
#' a kinship matrix computed without that chromosome; `kinship` may then be
#' a list of matrices named by chromosome.
#'
#' **Parallel work.** SNPs are tested in chunks of `chunk_size` through
#' [future.apply::future_lapply()], so `future::plan(multisession)` or a
#' cluster backend (for example future.batchtools on SLURM) spreads them over
#' workers; the result is identical whatever the plan. Within a chunk the
#' engine uses `threads` threads (divided among the workers of the plan).
#' Progress is reported through progressr: wrap the call in
#' [progressr::with_progress()]. Genotypes are read in blocks of
#' `block_size` SNPs, so memory holds the n x n kinship and its
#' eigenvectors, not the genotypes.
#'
#' @section Running on a SLURM cluster:
#' With the future.batchtools package and a batchtools template for SLURM,
#' each chunk of SNPs becomes a job; the call itself does not change:
#' ```
#' library(future.batchtools)
#' plan(batchtools_slurm, template = "slurm.tmpl",
#'      resources = list(ncpus = 4, memory = "8GB", walltime = 3600))
#' options(lmmkit.threads = 4)   # threads per job
#' res <- gwas(height ~ age + sex, pheno, "/shared/study", chunk_size = 20000)
#' ```
#' The PLINK files must be on a file system the jobs can read. The kinship
#' matrix and its eigendecomposition are computed once, in the calling
#' session, and sent to the jobs with each chunk.
#'
#' @param formula Phenotype and covariates, `y ~ 1` or `y ~ age + sex`
#'   (factors allowed); no random-effect terms.
#' @param data Data frame with the phenotype, the covariates and the `id`
#'   column.
#' @param bed A `plink_set` from [read_plink()], or the prefix of its files.
#' @param id Name of the column of `data` holding the `.fam`'s IIDs.
#' @param kinship `NULL` (computed), a kinship matrix named by IID, or for
#'   LOCO a list of them named by chromosome.
#' @param test Any of `"wald"`, `"lrt"`, `"score"`, or `"all"`.
#' @param approximate Keep the null model's variance ratio for every SNP.
#' @param loco Leave the tested chromosome out of the kinship matrix.
#' @param maf,miss,r2 SNP filter thresholds (GEMMA's defaults).
#' @param chunk_size SNPs per parallel task.
#' @param threads Threads per chunk; see [lmmkit_threads()].
#' @param block_size SNPs read, rotated and tested at a time; by default as
#'   many as fill about 16 million numbers (4,096 for up to 3,900
#'   individuals, 1,600 for 10,000). Memory holds about three such blocks.
#' @return A data frame of class `lmm_gwas`, one row per tested SNP in the
#'   `.bim`'s order, with GEMMA's columns `chr`, `rs`, `ps`, `n_miss`,
#'   `allele1`, `allele0`, `af` (frequency of `allele1`), `beta`, `se`,
#'   `logl_H1` (the SNP model's log-likelihood: ML when the likelihood-ratio
#'   test is asked for, REML otherwise, as GEMMA), `l_remle`, and by test
#'   `p_wald`, `l_mle`, `p_lrt`, `p_score`, each p-value with a column
#'   `log10p_*` holding -log10(p), exact where p itself is below the double
#'   range. Attributes: `null` (the null model per kinship matrix: lambdas,
#'   log-likelihoods, `vg`, `ve`, `pve` and its standard error),
#'   `individuals` and `snps` (counts), `tests`.
#' @references Zhou X, Stephens M (2012). Genome-wide efficient mixed-model
#'   analysis for association studies. Nature Genetics 44, 821-824.
#' @seealso [plot.lmm_gwas()] for Manhattan and QQ plots; [kinship()],
#'   [read_plink()], [gc_lambda()], [rint()]
#' @examples
#' # the small PLINK set shipped with the package (see ?gwas_example)
#' prefix <- file.path(system.file("extdata", package = "lmmkit"), "gwas_example")
#' pheno <- read.csv(paste0(prefix, ".csv"))
#' res <- gwas(y ~ age + sex, pheno, prefix)
#' res
#' res[res$p_wald < 5e-8, c("chr", "rs", "beta", "se", "p_wald")]
#' res_loco <- gwas(y ~ age + sex, pheno, prefix, loco = TRUE)
#' \dontrun{
#' # the same scan spread over two local R sessions
#' future::plan(future::multisession, workers = 2)
#' res_loco <- gwas(y ~ age + sex, pheno, prefix, loco = TRUE)
#' }
#' @export
#' @family genetics
gwas <- function(formula, data, bed, id = "IID", kinship = NULL, test = "wald", approximate = FALSE,
                 loco = FALSE, maf = 0.01, miss = 0.05, r2 = 0.9999, chunk_size = 5000L,
                 threads = lmmkit_threads(), block_size = NULL) {
  set <- as_plink_set(bed)
  tests <- gwas_tests(test)
  check_fraction(maf, "maf", upper = 0.5)
  check_fraction(miss, "miss", upper = 1)
  check_fraction(r2, "r2", upper = 1)
  if (!isTRUE(approximate) && !isFALSE(approximate)) stop("`approximate` must be TRUE or FALSE.", call. = FALSE)
  if (!isTRUE(loco) && !isFALSE(loco)) stop("`loco` must be TRUE or FALSE.", call. = FALSE)
  settings <- list(maf = maf, miss = miss, r2 = r2, tests = tests, approximate = approximate,
                   block_size = check_count(block_size %||% default_block_size(nrow(set$fam)), "block_size"),
                   threads = check_count(threads, "threads"), use_blas = use_optimized_blas())
  chunk_size <- check_count(chunk_size, "chunk_size")
  who <- gwas_individuals(formula, data, set, id)
  chromosomes <- unique(set$bim$chr)
  kinships <- gwas_kinships(kinship, set, who$ids, chromosomes, loco, settings$threads)
  model <- centred_covariates(who$y, who$W)
  groups <- if (loco) split(seq_len(nrow(set$bim)), factor(set$bim$chr, levels = chromosomes)) else
    list(all = seq_len(nrow(set$bim)))
  progress <- progressr::progressor(steps = sum(vapply(groups, function(s) ceiling(length(s) / chunk_size), 1)))
  scans <- list()
  nulls <- list()
  for (key in names(groups)) {
    what <- if (loco) sprintf("kinship[[\"%s\"]]", key) else "kinship"
    rotation <- rotation_of(kinships[[key]], who$ids, what, settings$threads, settings$use_blas)
    nulls[[key]] <- null_model_summary(rotation, model)
    scans[[key]] <- scan_snps(groups[[key]], chunk_size, set, who$rows, rotation, model, settings, progress)
  }
  gwas_result(set, groups, scans, nulls, who, settings)
}

#' SNPs per block: about 16 million dosages, between 256 and 4096 SNPs
#' @noRd
default_block_size <- function(n) as.integer(max(256, min(4096, 16e6 %/% n)))

#' The requested tests as flags (Wald, LRT, score)
#' @noRd
gwas_tests <- function(test) {
  choices <- c("wald", "lrt", "score")
  if (!is.character(test) || length(test) == 0L || !all(test %in% c(choices, "all"))) {
    stop("`test` must be one or more of \"wald\", \"lrt\", \"score\", or \"all\".", call. = FALSE)
  }
  stats::setNames(choices %in% test | "all" %in% test, choices)
}

#' Phenotype and covariates centred when the covariates include an intercept (the tests do not change;
#' the cross products the engine forms keep their precision for data with large means)
#' @noRd
centred_covariates <- function(y, W) {
  ones <- colSums(W != 1) == 0
  if (any(ones)) {
    y <- y - mean(y)
    W[, !ones] <- sweep(W[, !ones, drop = FALSE], 2L, colMeans(W[, !ones, drop = FALSE]))
  }
  list(y = y, W = W)
}

#' The null model's variance ratios, components and proportion of variance explained, as GEMMA prints
#' @noRd
null_model_summary <- function(rotation, model) {
  res <- .lmmkit_association_null(rotation$d, crossprod(rotation$U, model$W),
                                  as.numeric(crossprod(rotation$U, model$y)))
  n <- length(model$y)
  ve <- res$yPy_remle / (n - ncol(model$W))
  trace <- mean(rotation$d)
  lambda <- res$l_remle
  pve_se <- if (res$reml_curvature < 0) trace / (trace * lambda + 1)^2 * sqrt(-1 / res$reml_curvature) else NA
  data.frame(l_remle = lambda, l_mle = res$l_mle, logl_remle = res$logl_remle, logl_mle = res$logl_mle,
             vg = lambda * ve, ve = ve, pve = trace * lambda / (trace * lambda + 1), pve_se = pve_se,
             at_boundary = res$remle_at_boundary)
}

#' Filters and tests of SNPs (1-based .bim rows) in chunks, through future
#' @noRd
scan_snps <- function(snps, chunk_size, set, rows, rotation, model, settings, progress) {
  chunks <- split(snps, ceiling(seq_along(snps) / chunk_size))
  allow_globals_of_size(as.numeric(utils::object.size(rotation)) + as.numeric(utils::object.size(model)))
  workers <- future::nbrOfWorkers()
  settings$threads <- max(1L, settings$threads %/% if (is.finite(workers)) workers else 1L)
  dims <- c(nrow(set$fam), nrow(set$bim))
  results <- future.apply::future_lapply(chunks, function(chunk) {
    res <- .lmmkit_gwas_scan(set$bed, dims[1L], dims[2L], rows - 1L, chunk - 1L, rotation$U, rotation$d,
                             model$W, model$y, settings$maf, settings$miss, settings$r2, settings$tests,
                             settings$approximate, settings$block_size, settings$threads, settings$use_blas)
    progress()
    res
  }, future.seed = NULL, future.packages = "lmmkit")
  list(status = unlist(lapply(results, `[[`, "status")), n_miss = unlist(lapply(results, `[[`, "n_miss")),
       af = unlist(lapply(results, `[[`, "af")), stats = do.call(rbind, lapply(results, `[[`, "stats")))
}

#' Raise future's limit on the size of what a task carries (500 MB by default) to what the scan's
#' eigenvectors need, for the rest of the calling function: a kinship of 8,000 or more individuals is
#' larger than the default
#' @noRd
allow_globals_of_size <- function(bytes, envir = parent.frame()) {
  limit <- getOption("future.globals.maxSize", 500 * 1024^2)
  needed <- bytes + 100 * 1024^2
  if (needed > limit) {
    old <- options(future.globals.maxSize = needed)
    do.call(on.exit, list(substitute(options(old), list(old = old)), add = TRUE), envir = envir)
  }
  invisible(needed)
}
