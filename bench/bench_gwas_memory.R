# Peak memory of gwas() on two simulated PLINK sets, the second with ten times as many SNPs: the genotypes are
# read in blocks, so the peak should barely grow. Each scan runs in its own R process; the peak resident set
# size is read from /proc (Linux).
# Usage: Rscript bench/bench_gwas_memory.R [n] [m]   (defaults 1000, 5000: sets of m and 10 m SNPs)

source(file.path("bench", "gwas_bench_common.R"))
n <- int_arg(1, 1000L)
m <- int_arg(2, 5000L)

scan_in_child <- function(prefix) {
  script <- tempfile(fileext = ".R")
  writeLines(c(
    "suppressPackageStartupMessages(library(lmmkit))",
    sprintf("pheno <- utils::read.csv('%s.csv')", prefix),
    "start <- proc.time()[['elapsed']]",
    sprintf("res <- gwas(y ~ 1, pheno, '%s')", prefix),
    "status <- readLines('/proc/self/status')",
    "peak <- as.numeric(gsub('[^0-9]', '', grep('^VmHWM', status, value = TRUE))) / 1024",
    "cat(sprintf('%d SNPs tested in %.1f s, peak resident memory %.0f MB\\n', nrow(res),",
    "            proc.time()[['elapsed']] - start, peak))"), script)
  system2(file.path(R.home("bin"), "Rscript"), script)
}

work <- tempfile("bench_memory")
dir.create(work)
cat(sprintf("n = %d; R's BLAS: %s\n", n, extSoftVersion()[["BLAS"]]))
for (snps in c(m, 10L * m)) {
  prefix <- file.path(work, sprintf("sim%d", snps))
  simulate_gwas_data(prefix, n, snps)
  cat(sprintf("%d SNPs in the set: ", snps))
  scan_in_child(prefix)
  unlink(paste0(prefix, c(".bed", ".bim", ".fam", ".csv")))
}
unlink(work, recursive = TRUE)
