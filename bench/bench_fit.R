# Fit-time benchmark: lmmkit against lme4 in one R process, interleaved, printing medians, ratios and logLik differences.
# Run from the repository root after installing lmmkit:
#   Rscript bench/bench_fit.R [reps_small] [reps_large] [large_crossed_minutes_for_lme4]
# The last argument (default 10) bounds lme4's fit of the MovieLens-shaped simulation; 0 skips lme4 there.

suppressPackageStartupMessages({
  library(lmmkit)
  library(lme4)
})
source("bench/simulate_fit_data.R")

args <- commandArgs(trailingOnly = TRUE)
reps_small <- if (length(args) >= 1) as.integer(args[[1]]) else 25L
reps_large <- if (length(args) >= 2) as.integer(args[[2]]) else 5L
lme4_minutes <- if (length(args) >= 3) as.numeric(args[[3]]) else 10

elapsed <- function(expr) {
  gc(FALSE)
  start <- proc.time()[["elapsed"]]
  force(expr)
  proc.time()[["elapsed"]] - start
}

quietly <- function(expr) suppressMessages(suppressWarnings(expr))

# Alternates the two fits so that load on the machine hits both alike.
race <- function(label, formula, data, REML, reps) {
  times <- matrix(NA_real_, reps, 2, dimnames = list(NULL, c("lmmkit", "lme4")))
  for (r in seq_len(reps)) {
    times[r, "lmmkit"] <- elapsed(quietly(lmm(formula, data, REML = REML)))
    times[r, "lme4"] <- elapsed(quietly(lmer(formula, data, REML = REML)))
  }
  ours <- quietly(lmm(formula, data, REML = REML))
  theirs <- quietly(lmer(formula, data, REML = REML))
  med <- apply(times, 2, stats::median)
  data.frame(model = label, n = nobs(ours), reps = reps, lmmkit_s = signif(med[["lmmkit"]], 3),
             lme4_s = signif(med[["lme4"]], 3), ratio = round(med[["lmmkit"]] / med[["lme4"]], 3),
             method = ours$optinfo$method, feval = ours$optinfo$feval,
             geval = ours$optinfo$geval,
             logLik_diff = signif(as.numeric(logLik(ours)) - as.numeric(logLik(theirs)), 3))
}

# lme4's tightest optimum: BOBYQA (minqa) with a small final trust region, many evaluations, from lme4's own optimum.
tightest_lme4 <- function(formula, data, REML) {
  ctrl <- lmerControl(optimizer = "bobyqa", optCtrl = list(rhoend = 1e-12, maxfun = 1e6),
                      check.conv.singular = "ignore", calc.derivs = FALSE)
  first <- quietly(lmer(formula, data, REML = REML))
  quietly(update(first, start = getME(first, "theta"), control = ctrl))
}

# Peak resident memory of the process, in MB (Linux), reset first so that it measures what follows.
reset_peak_memory <- function() {
  if (file.exists("/proc/self/clear_refs")) try(writeLines("5", "/proc/self/clear_refs"), silent = TRUE)
}
peak_memory_mb <- function() {
  status <- if (file.exists("/proc/self/status")) readLines("/proc/self/status") else character(0)
  line <- grep("^VmHWM:", status, value = TRUE)
  if (length(line) == 0L) return(NA_real_)
  as.numeric(gsub("[^0-9]", "", line)) / 1024
}

# lme4 in a forked child, given `minutes`: its time, or NA when it did not finish.
lme4_within <- function(formula, data, REML, minutes) {
  if (minutes <= 0 || .Platform$OS.type != "unix") return(list(time = NA_real_, status = "not run"))
  job <- parallel::mcparallel({
    t <- elapsed(fit <- quietly(lmer(formula, data, REML = REML)))
    list(time = t, logLik = as.numeric(logLik(fit)))
  })
  out <- parallel::mccollect(job, wait = FALSE, timeout = minutes * 60)
  if (is.null(out)) {
    tools::pskill(job$pid)
    parallel::mccollect(job, wait = TRUE)
    return(list(time = NA_real_, status = sprintf("did not finish in %g minutes", minutes)))
  }
  res <- out[[1]]
  if (inherits(res, "try-error")) return(list(time = NA_real_, status = "failed"))
  list(time = res$time, logLik = res$logLik, status = "finished")
}

cat(sprintf("lmmkit %s, lme4 %s, R %s, %d cores, lmmkit threads %d\n", packageVersion("lmmkit"),
            packageVersion("lme4"), getRversion(), parallel::detectCores(), lmmkit_threads()))
cat(sprintf("BLAS: %s\nLAPACK: %s\nlmmkit hands dense Cholesky factors to LAPACK: %s\n",
            extSoftVersion()[["BLAS"]], La_library(), use_optimized_blas()))

maximal <- simulate_maximal_design(subjects = 40, items = 24, seed = 1)
maximal_formula <- rt ~ a * b + (1 + a * b | subject) + (1 + a * b | item)
results <- rbind(
  race("sleepstudy REML Reaction ~ Days + (Days | Subject)",
       Reaction ~ Days + (Days | Subject), sleepstudy, TRUE, reps_small),
  race("Penicillin REML diameter ~ 1 + (1 | plate) + (1 | sample)",
       diameter ~ 1 + (1 | plate) + (1 | sample), Penicillin, TRUE, reps_small),
  race("InstEval ML y ~ 1 + service * dept + (1 | s) + (1 | d)",
       y ~ 1 + service * dept + (1 | s) + (1 | d), InstEval, FALSE, reps_large),
  race("maximal REML rt ~ a * b + (1 + a * b | subject) + (1 + a * b | item)",
       maximal_formula, maximal, TRUE, reps_large)
)
cat("\nMedian elapsed seconds; ratio = lmmkit / lme4 (below 1: lmmkit faster); method = lmmkit's optimizer;",
    "feval = its objective evaluations, geval = how many of them also took the exact gradient;",
    "logLik_diff = lmmkit - lme4 (default settings)\n")
print(results, row.names = FALSE)

ours <- quietly(lmm(maximal_formula, maximal))
tight <- tightest_lme4(maximal_formula, maximal, TRUE)
cat(sprintf("\nMaximal model (two 4 x 4 covariances, 20 parameters), %d rows: logLik lmmkit %.10f, lme4's tightest %.10f, difference %.2g\n",
            nrow(maximal), as.numeric(logLik(ours)), as.numeric(logLik(tight)),
            as.numeric(logLik(ours)) - as.numeric(logLik(tight))))
by_bobyqa_time <- elapsed(by_bobyqa <- quietly(lmm(maximal_formula, maximal,
                                                   control = lmm_control(optimizer = "bobyqa"))))
cat(sprintf("The same with lmm_control(optimizer = \"bobyqa\"): %.2f s, %d evaluations, logLik %.10f\n",
            by_bobyqa_time, by_bobyqa$optinfo$feval, as.numeric(logLik(by_bobyqa))))

threads_equal <- function(formula, data, REML) {
  one <- quietly(lmm(formula, data, REML = REML, control = lmm_control(threads = 1)))
  two <- quietly(lmm(formula, data, REML = REML, control = lmm_control(threads = 2)))
  abs(as.numeric(logLik(one)) - as.numeric(logLik(two))) / abs(as.numeric(logLik(one)))
}
cat(sprintf("InstEval: relative logLik difference between 1 and 2 threads: %.2g\n",
            threads_equal(y ~ 1 + service * dept + (1 | s) + (1 | d), InstEval, FALSE)))

ratings <- simulate_ratings(seed = 2)
ratings_formula <- rating ~ 1 + age + year + weekend + (1 | user) + (1 | item)
cat(sprintf("\nMovieLens-1M-shaped simulation: %d rows, %d users, %d items; user counts %d to %d (median %d)\n",
            nrow(ratings), nlevels(ratings$user), nlevels(ratings$item), min(table(ratings$user)),
            max(table(ratings$user)), as.integer(stats::median(table(ratings$user)))))
invisible(gc(FALSE))
before_mb <- peak_memory_mb()
reset_peak_memory()
large_time <- elapsed(large <- quietly(lmm(ratings_formula, ratings, REML = FALSE)))
cat(sprintf("lmmkit: %.1f s, %d evaluations, peak memory %.0f MB (process, %.0f MB before the fit)\n",
            large_time, large$optinfo$feval, peak_memory_mb(), before_mb))
rm(large)
theirs <- lme4_within(ratings_formula, ratings, FALSE, lme4_minutes)
if (identical(theirs$status, "finished")) {
  cat(sprintf("lme4: %.1f s; logLik lmmkit - lme4 = %.3g\n", theirs$time,
              as.numeric(logLik(quietly(lmm(ratings_formula, ratings, REML = FALSE)))) - theirs$logLik))
} else {
  cat("lme4:", theirs$status, "\n")
}
cat(sprintf("\nLargest logLik difference lmmkit - lme4 over the models above: %.3g (negative: lmmkit's optimum is worse)\n",
            min(results$logLik_diff)))
