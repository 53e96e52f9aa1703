# Small-sample inference benchmark: lmmkit's Kenward-Roger and Satterthwaite on InstEval against pbkrtest and lmerTest.
# Run from the repository root after installing lmmkit:  Rscript bench/bench_inference.R [pbkrtest rows ...]

suppressPackageStartupMessages({
  library(lmmkit)
  library(lme4)
  library(lmerTest)
  library(pbkrtest)
})

args <- as.integer(commandArgs(trailingOnly = TRUE))
kr_rows <- if (length(args) > 0) args else c(1000L, 2000L)
formula <- y ~ service + lectage + (1 | s) + (1 | d)

peak_mb <- function() {
  line <- grep("^VmHWM", readLines("/proc/self/status"), value = TRUE)
  as.numeric(gsub("[^0-9]", "", line)) / 1024
}

timed <- function(expr) {
  start <- proc.time()[["elapsed"]]
  value <- force(expr)
  list(value = value, seconds = proc.time()[["elapsed"]] - start)
}

subsample <- function(n) {
  set.seed(20261124)
  droplevels(InstEval[sort(sample(nrow(InstEval), n)), ])
}

# lmmkit: fit plus Kenward-Roger (the derivatives are then cached, so Satterthwaite is timed on its own fit).
lmmkit_kr <- function(data) {
  timed(coef(summary(lmm(formula, data), ddf = "Kenward-Roger")))
}
lmmkit_sat <- function(data) timed(coef(summary(lmm(formula, data), ddf = "Satterthwaite")))
pbkrtest_kr <- function(data) {
  timed(coef(summary(lmerTest::lmer(formula, data), ddf = "Kenward-Roger")))
}
lmertest_sat <- function(data) timed(coef(summary(lmerTest::lmer(formula, data), ddf = "Satterthwaite")))

rows <- list()
for (n in kr_rows) {
  data <- subsample(n)
  ours <- lmmkit_kr(data)
  theirs <- pbkrtest_kr(data)
  rows[[length(rows) + 1]] <- data.frame(
    rows = n, method = "Kenward-Roger", lmmkit_s = round(ours$seconds, 2), reference = "pbkrtest",
    reference_s = round(theirs$seconds, 2),
    max_rel_df_diff = signif(max(abs(ours$value[, "df"] / theirs$value[, "df"] - 1)), 2),
    max_rel_se_diff = signif(max(abs(ours$value[, 2] / theirs$value[, 2] - 1)), 2))
}
ours <- lmmkit_sat(InstEval)
theirs <- lmertest_sat(InstEval)
rows[[length(rows) + 1]] <- data.frame(
  rows = nrow(InstEval), method = "Satterthwaite", lmmkit_s = round(ours$seconds, 2), reference = "lmerTest",
  reference_s = round(theirs$seconds, 2),
  max_rel_df_diff = signif(max(abs(ours$value[, "df"] / theirs$value[, "df"] - 1)), 2),
  max_rel_se_diff = signif(max(abs(ours$value[, 2] / theirs$value[, 2] - 1)), 2))
before_full <- peak_mb()
full <- lmmkit_kr(InstEval)
rows[[length(rows) + 1]] <- data.frame(
  rows = nrow(InstEval), method = "Kenward-Roger", lmmkit_s = round(full$seconds, 2), reference = "pbkrtest",
  reference_s = NA, max_rel_df_diff = NA, max_rel_se_diff = NA)

cat(sprintf("lmmkit %s, lmerTest %s, pbkrtest %s, R %s; model %s\n", packageVersion("lmmkit"),
            packageVersion("lmerTest"), packageVersion("pbkrtest"), getRversion(), deparse(formula)))
cat("Elapsed seconds for fit + summary(ddf = ...); pbkrtest forms n x n matrices, so it runs on subsamples only.\n")
print(do.call(rbind, rows), row.names = FALSE)
cat(sprintf("Peak resident memory of this R process: %.0f MB (before the full-data Kenward-Roger: %.0f MB)\n",
            peak_mb(), before_full))
