# What the genetic benchmarks share: lmmkit and the simulator loaded, integer arguments, a simulated set.

suppressPackageStartupMessages(library(lmmkit))
source(file.path("bench", "simulate_gwas_data.R"))

# The i-th command-line argument as an integer, or `default`.
int_arg <- function(i, default) {
  args <- commandArgs(trailingOnly = TRUE)
  if (length(args) >= i) as.integer(args[[i]]) else default
}

# A fresh directory with a simulated PLINK set `sim` (and sim.csv) of n individuals and m SNPs.
simulated_set <- function(n, m, tag) {
  work <- tempfile(tag)
  dir.create(work)
  prefix <- file.path(work, "sim")
  simulate_gwas_data(prefix, n, m)
  list(work = work, prefix = prefix)
}
