# Fit-time benchmark: lmmkit against lme4 in one R process, interleaved, printing medians and ratios.
# Run from the repository root after installing lmmkit:  Rscript bench/bench_fit.R [reps_small] [reps_large]

suppressPackageStartupMessages({
  library(lmmkit)
  library(lme4)
})

args <- commandArgs(trailingOnly = TRUE)
reps_small <- if (length(args) >= 1) as.integer(args[[1]]) else 25L
reps_large <- if (length(args) >= 2) as.integer(args[[2]]) else 5L

elapsed <- function(expr) {
  gc(FALSE)
  start <- proc.time()[["elapsed"]]
  force(expr)
  proc.time()[["elapsed"]] - start
}

# Alternates the two fits so that load on the machine hits both alike.
race <- function(label, formula, data, REML, reps) {
  times <- matrix(NA_real_, reps, 2, dimnames = list(NULL, c("lmmkit", "lme4")))
  for (r in seq_len(reps)) {
    times[r, "lmmkit"] <- elapsed(lmm(formula, data, REML = REML))
    times[r, "lme4"] <- elapsed(lmer(formula, data, REML = REML))
  }
  ours <- lmm(formula, data, REML = REML)
  theirs <- lmer(formula, data, REML = REML)
  med <- apply(times, 2, stats::median)
  data.frame(model = label, reps = reps, lmmkit_s = signif(med[["lmmkit"]], 3),
             lme4_s = signif(med[["lme4"]], 3), ratio = round(med[["lmmkit"]] / med[["lme4"]], 3),
             logLik_diff = signif(as.numeric(logLik(ours)) - as.numeric(logLik(theirs)), 3))
}

results <- rbind(
  race("sleepstudy REML Reaction ~ Days + (Days | Subject)",
       Reaction ~ Days + (Days | Subject), sleepstudy, TRUE, reps_small),
  race("InstEval ML y ~ 1 + service * dept + (1 | s) + (1 | d)",
       y ~ 1 + service * dept + (1 | s) + (1 | d), InstEval, FALSE, reps_large)
)
cat(sprintf("lmmkit %s, lme4 %s, R %s, %d cores\n", packageVersion("lmmkit"), packageVersion("lme4"),
            getRversion(), parallel::detectCores()))
cat(sprintf("BLAS: %s\nLAPACK: %s\n", extSoftVersion()[["BLAS"]], La_library()))
cat("Median elapsed seconds; ratio = lmmkit / lme4 (below 1: lmmkit faster);",
    "logLik_diff = lmmkit - lme4\n")
print(results, row.names = FALSE)
