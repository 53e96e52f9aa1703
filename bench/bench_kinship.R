# Kinship benchmark: lmmkit's kinship() against GEMMA's -gk 1 / -gk 2 on the same PLINK set, interleaved.
# Usage: Rscript bench/bench_kinship.R [n] [m] [reps]   (defaults 2000, 20000, 3; GEMMA: apt-get install gemma)

source(file.path("bench", "gwas_bench_common.R"))
n <- int_arg(1, 2000L)
m <- int_arg(2, 20000L)
reps <- int_arg(3, 3L)

elapsed <- function(expr) {
  gc(FALSE)
  start <- proc.time()[["elapsed"]]
  force(expr)
  proc.time()[["elapsed"]] - start
}

sim <- simulated_set(n, m, "bench_kinship")
work <- sim$work
prefix <- sim$prefix
set <- read_plink(prefix)
analysed <- set$fam$iid[!is.na(set$fam$phenotype)]  # GEMMA filters SNPs on individuals with a phenotype

gemma_kinship <- function(gk) {
  status <- system2("gemma", c("-bfile", prefix, "-gk", gk, "-o", paste0("gk", gk), "-outdir", work),
                    stdout = FALSE, stderr = FALSE)
  if (status != 0) stop("GEMMA failed")
  file.path(work, sprintf("gk%d.%sXX.txt", gk, if (gk == 1) "c" else "s"))
}

ours_kinship <- function(gk) {
  kinship(set, type = c("centered", "standardized")[gk], filter_ids = analysed)
}

has_gemma <- nzchar(Sys.which("gemma"))
cat(sprintf("lmmkit %s, R %s, %d threads; n = %d, m = %d\n", utils::packageVersion("lmmkit"),
            getRversion(), lmmkit_threads(), n, m))
cat("BLAS (R's):", extSoftVersion()[["BLAS"]], "\n")
rows <- list()
for (gk in 1:2) {
  times <- matrix(NA_real_, reps, 2, dimnames = list(NULL, c("lmmkit", "gemma")))
  for (r in seq_len(reps)) {
    times[r, "lmmkit"] <- elapsed(K <- ours_kinship(gk))
    if (has_gemma) times[r, "gemma"] <- elapsed(file <- gemma_kinship(gk))
  }
  diff <- NA_real_
  if (has_gemma) {
    reference <- matrix(scan(file, quiet = TRUE), n, n, byrow = TRUE)
    diff <- max(abs(reference - K))
  }
  med <- apply(times, 2, stats::median)
  rows[[gk]] <- data.frame(type = c("-gk 1 centered", "-gk 2 standardized")[gk], reps = reps,
                           snps_used = attr(K, "snps")[["used"]], lmmkit_s = signif(med[["lmmkit"]], 3),
                           gemma_s = signif(med[["gemma"]], 3),
                           ratio = round(med[["lmmkit"]] / med[["gemma"]], 3),
                           max_abs_diff = signif(diff, 3))
}
cat("Median elapsed seconds; ratio = lmmkit / GEMMA; max_abs_diff = largest |K_lmmkit - K_GEMMA|\n")
cat("(GEMMA prints 10 significant digits)\n")
print(do.call(rbind, rows), row.names = FALSE)
unlink(work, recursive = TRUE)
