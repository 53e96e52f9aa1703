# Type I error of fixed-effect tests with few clusters: Satterthwaite, Kenward-Roger and the naive large-df test.
# Run from the repository root after installing lmmkit:  Rscript bench/bench_type1_error.R [nsim] [csv]
# With a csv path the rates are also written there (inst/extdata/type1_error.csv feeds the small-samples vignette).

suppressPackageStartupMessages(library(lmmkit))
args <- commandArgs(trailingOnly = TRUE)
nsim <- if (length(args) > 0) as.integer(args[[1]]) else 2000L
csv <- if (length(args) > 1) args[[2]] else NULL

designs <- expand.grid(clusters = c(6L, 8L, 10L), per_cluster = c(4L, 10L))
rates <- t(mapply(function(clusters, per_cluster) {
  lmmkit:::type1_error_simulation(nsim, clusters = clusters, per_cluster = per_cluster, seed = 20261124)
}, designs$clusters, designs$per_cluster))
results <- cbind(designs, round(rates, 3))
cat(sprintf("Rejection rate of a true null cluster-level effect at alpha = 0.05, %d simulations per design\n", nsim))
cat(sprintf("(Monte Carlo standard error about %.3f at 5%%)\n", sqrt(0.05 * 0.95 / nsim)))
cat(sprintf("R's BLAS: %s (rates, not times: the BLAS changes only the run time)\n", extSoftVersion()[["BLAS"]]))
print(results, row.names = FALSE)
if (!is.null(csv)) {
  utils::write.csv(cbind(results, nsim = nsim, seed = 20261124L), csv, row.names = FALSE)
  cat("written to", csv, "\n")
}
