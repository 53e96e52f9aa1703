# Type I error of fixed-effect tests with few clusters: Satterthwaite, Kenward-Roger and the naive large-df test.
# Run from the repository root after installing lmmkit:  Rscript bench/bench_type1_error.R [nsim]

suppressPackageStartupMessages(library(lmmkit))
args <- as.integer(commandArgs(trailingOnly = TRUE))
nsim <- if (length(args) > 0) args[[1]] else 2000L

designs <- expand.grid(clusters = c(6L, 8L, 10L), per_cluster = c(4L, 10L))
rates <- t(mapply(function(clusters, per_cluster) {
  lmmkit:::type1_error_simulation(nsim, clusters = clusters, per_cluster = per_cluster, seed = 20261124)
}, designs$clusters, designs$per_cluster))
results <- cbind(designs, round(rates, 3))
cat(sprintf("Rejection rate of a true null cluster-level effect at alpha = 0.05, %d simulations per design\n", nsim))
cat(sprintf("(Monte Carlo standard error about %.3f at 5%%)\n", sqrt(0.05 * 0.95 / nsim)))
print(results, row.names = FALSE)
