# gwas() against GEMMA 0.98.5 on one simulated PLINK set: agreement of every column, times and their ratio,
# and the same scan on two future workers checked identical to the serial one.
# Usage: Rscript bench/bench_gwas.R [n] [m] [lmm4]   (defaults 2000, 20000, 1: also GEMMA -lmm 4, all tests)
# Needs GEMMA (apt-get install gemma) for the comparison; without it only lmmkit's times are printed.

source(file.path("bench", "gwas_bench_common.R"))
n <- int_arg(1, 2000L)
m <- int_arg(2, 20000L)
with_lmm4 <- int_arg(3, 1L) == 1L
have_gemma <- nzchar(Sys.which("gemma"))

timed <- function(expr) {
  start <- proc.time()[["elapsed"]]
  value <- force(expr)
  list(value = value, seconds = proc.time()[["elapsed"]] - start)
}
gemma <- function(...) {
  timed(if (system2("gemma", c(...), stdout = FALSE, stderr = FALSE) != 0) stop("GEMMA failed"))$seconds
}

sim <- simulated_set(n, m, "bench_gwas")
work <- sim$work
prefix <- sim$prefix
pheno <- utils::read.csv(paste0(prefix, ".csv"))
cat(sprintf(paste("n = %d, m = %d; R's BLAS: %s; LAPACK: %s; lmmkit hands products to R's BLAS: %s",
                  "(otherwise its own %s kernels); threads: %d\n"),
            n, m, extSoftVersion()[["BLAS"]], La_library(), use_optimized_blas(), lmmkit:::.lmmkit_engine_kernels(),
            lmmkit_threads()))

times <- data.frame(step = character(), lmmkit = numeric(), gemma = numeric())
ours_wald <- timed(gwas(y ~ 1, pheno, prefix, test = "wald"))
times[1, ] <- list("kinship + Wald scan (-gk 1, -lmm 1)", ours_wald$seconds, NA)
if (with_lmm4) {
  ours_all <- timed(gwas(y ~ 1, pheno, prefix, test = "all"))
  times[2, ] <- list("kinship + all tests (-gk 1, -lmm 4)", ours_all$seconds, NA)
}

if (have_gemma) {
  gk <- gemma("-bfile", prefix, "-gk", "1", "-o", "k", "-outdir", work)
  k_file <- file.path(work, "k.cXX.txt")
  times$gemma[1] <- gk + gemma("-bfile", prefix, "-k", k_file, "-lmm", "1", "-o", "a1", "-outdir", work)
  if (with_lmm4) times$gemma[2] <- gk + gemma("-bfile", prefix, "-k", k_file, "-lmm", "4", "-o", "a4", "-outdir", work)
}
times$ratio <- times$lmmkit / times$gemma
cat("\nTimes (seconds, one run each, same machine, same run):\n")
print(times, digits = 3, row.names = FALSE)

if (have_gemma) {
  set <- read_plink(prefix)
  analysed <- set$fam$iid[set$fam$iid %in% pheno$IID[!is.na(pheno$y)]]
  K <- kinship(set, filter_ids = analysed)
  K_gemma <- as.matrix(utils::read.table(k_file))
  cat(sprintf("\nkinship: max |lmmkit - GEMMA| = %.2g (GEMMA writes 10 significant digits)\n",
              max(abs(K - K_gemma))))
  agree <- function(ours, file, tests) {
    ref <- utils::read.table(file.path(work, file), header = TRUE)
    cat(sprintf("%s: same SNPs tested: %s (%d)\n", file, identical(ref$rs, ours$rs), nrow(ref)))
    ours <- ours[match(ref$rs, ours$rs), ]
    out <- sapply(tests, function(t) max(abs(log10(ref[[t]]) - log10(ours[[t]]))))
    print(signif(c(out, beta_over_se = max(abs(ref$beta - ours$beta) / ref$se)), 3))
  }
  cat("max |log10 p difference| and max |beta difference| / se:\n")
  agree(ours_wald$value, "a1.assoc.txt", "p_wald")
  if (with_lmm4) agree(ours_all$value, "a4.assoc.txt", c("p_wald", "p_lrt", "p_score"))
}

future::plan(future::multisession, workers = 2)
parallel <- timed(gwas(y ~ 1, pheno, prefix, test = "wald"))
future::plan(future::sequential)
cat(sprintf("\nplan(multisession, workers = 2): %.1f s; identical to the serial scan: %s\n", parallel$seconds,
            identical(as.data.frame(parallel$value), as.data.frame(ours_wald$value))))
print(ours_wald$value, n = 5)
unlink(work, recursive = TRUE)
