# The scan's per-SNP kernel against GEMMA -lmm 4 on a subset of SNPs: agreement of every column, and stage times.
# Usage: Rscript bench/bench_association_gemma.R [n] [m] [every]   (defaults 2000, 20000, 100: every 100th SNP)
# Needs GEMMA (apt-get install gemma). Until gwas() exists this drives the internal association_tests().

suppressPackageStartupMessages(library(lmmkit))
source(file.path("bench", "simulate_gwas_data.R"))

args <- commandArgs(trailingOnly = TRUE)
num <- function(i, default) if (length(args) >= i) as.integer(args[[i]]) else default
n <- num(1, 2000L)
m <- num(2, 20000L)
every <- num(3, 100L)
if (!nzchar(Sys.which("gemma"))) stop("GEMMA is not installed (apt-get install gemma)")

stage <- function(label, expr) {
  start <- proc.time()[["elapsed"]]
  value <- force(expr)
  cat(sprintf("  %-40s %7.2f s\n", label, proc.time()[["elapsed"]] - start))
  value
}

work <- tempfile("bench_assoc")
dir.create(work)
prefix <- file.path(work, "sim")
simulate_gwas_data(prefix, n, m)
set <- read_plink(prefix)
chosen <- set$bim$rs[seq(1, m, by = every)]
writeLines(chosen, file.path(work, "snps.txt"))
cat(sprintf("n = %d, m = %d, %d SNPs tested; R's BLAS: %s\n", n, m, length(chosen), extSoftVersion()[["BLAS"]]))

cat("GEMMA 0.98.5 (-gk 1, then -lmm 4 on the chosen SNPs):\n")
gemma <- function(...) {
  if (system2("gemma", c(...), stdout = FALSE, stderr = FALSE) != 0) stop("GEMMA failed")
}
invisible(stage("kinship", gemma("-bfile", prefix, "-gk", "1", "-o", "k", "-outdir", work)))
invisible(stage("association", gemma("-bfile", prefix, "-k", file.path(work, "k.cXX.txt"), "-lmm", "4",
                           "-snps", file.path(work, "snps.txt"), "-o", "a", "-outdir", work)))
reference <- utils::read.table(file.path(work, "a.assoc.txt"), header = TRUE)

cat("lmmkit:\n")
analysed <- !is.na(set$fam$phenotype)
ids <- set$fam$iid[analysed]
K <- stage("kinship", kinship(set, filter_ids = ids)[ids, ids])
K <- stage("double centring", {
  centred <- K - rowMeans(K)
  centred - rep(colMeans(centred), each = nrow(centred))
})
G <- stage("genotypes", {
  G <- read_genotypes(set, snps = reference$rs, ids = ids)
  apply(G, 2, function(x) replace(x, is.na(x), mean(x, na.rm = TRUE)))
})
ours <- stage("eigendecomposition, rotation, tests",
              asNamespace("lmmkit")$association_tests(set$fam$phenotype[analysed], matrix(1, length(ids)), G, K))

log10p <- function(p) -log10(p)
agreement <- data.frame(
  column = c("p_wald", "p_lrt", "p_score", "beta", "se", "l_remle", "l_mle"),
  measure = c(rep("max |log10 p difference|", 3), "max |difference| / se", rep("max relative difference", 3)),
  value = signif(c(max(abs(log10p(reference$p_wald) - log10p(ours$p_wald))),
                   max(abs(log10p(reference$p_lrt) - log10p(ours$p_lrt))),
                   max(abs(log10p(reference$p_score) - log10p(ours$p_score))),
                   max(abs(reference$beta - ours$beta) / reference$se),
                   max(abs(reference$se - ours$se) / reference$se),
                   max(abs(reference$l_remle - ours$l_remle) / reference$l_remle),
                   max(abs(reference$l_mle - ours$l_mle) / reference$l_mle)), 3))
print(agreement, row.names = FALSE)
unlink(work, recursive = TRUE)
