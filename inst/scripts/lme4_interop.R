# Loads lme4 and lmmkit in the order given on the command line and runs each package's shared generics on each package's fits.
# Usage: Rscript lme4_interop.R lme4-first|lmmkit-first ; prints one line per call and ends with "interop: N calls, M errors".

order <- commandArgs(trailingOnly = TRUE)[1]
if (!order %in% c("lme4-first", "lmmkit-first")) stop("the argument must be lme4-first or lmmkit-first")
packages <- if (order == "lme4-first") c("lme4", "lmmkit") else c("lmmkit", "lme4")
for (p in packages) suppressPackageStartupMessages(library(p, character.only = TRUE))

data("sleepstudy", package = "lme4")
fits <- list(lmm = lmmkit::lmm(Reaction ~ Days + (Days | Subject), sleepstudy),
             lmer = lme4::lmer(Reaction ~ Days + (Days | Subject), sleepstudy))
new_response <- sleepstudy$Reaction + 1

calls <- list(
  ngrps = function(f) ngrps(f), isSingular = function(f) isSingular(f),
  fixef = function(f) fixef(f), ranef = function(f) ranef(f), VarCorr = function(f) VarCorr(f),
  getME = function(f) getME(f, "theta"), refit = function(f) fixef(refit(f, new_response)),
  "lme4::ngrps" = function(f) lme4::ngrps(f), "lme4::isSingular" = function(f) lme4::isSingular(f),
  "lme4::getME" = function(f) lme4::getME(f, "theta"), "lme4::refit" = function(f) lme4::fixef(lme4::refit(f, new_response)),
  "lmmkit::ngrps" = function(f) lmmkit::ngrps(f), "lmmkit::isSingular" = function(f) lmmkit::isSingular(f),
  "lmmkit::getME" = function(f) lmmkit::getME(f, "theta"), "lmmkit::refit" = function(f) lmmkit::fixef(lmmkit::refit(f, new_response)),
  "lmmkit::fixef" = function(f) lmmkit::fixef(f), "lmmkit::ranef" = function(f) lmmkit::ranef(f),
  "lmmkit::VarCorr" = function(f) lmmkit::VarCorr(f))

errors <- 0L
results <- list()
for (fit_name in names(fits)) for (call_name in names(calls)) {
  value <- tryCatch(calls[[call_name]](fits[[fit_name]]), error = function(e) e)
  failed <- inherits(value, "error")
  errors <- errors + failed
  results[[paste(fit_name, call_name)]] <- value
  cat(sprintf("%-6s %-20s %s\n", fit_name, call_name, if (failed) paste("ERROR:", conditionMessage(value)) else "ok"))
}
# The same answer from either package's generic on the same fit.
for (fit_name in names(fits)) for (g in c("ngrps", "isSingular", "getME", "refit")) {
  a <- results[[paste(fit_name, paste0("lme4::", g))]]
  b <- results[[paste(fit_name, paste0("lmmkit::", g))]]
  if (!inherits(a, "error") && !inherits(b, "error") && !isTRUE(all.equal(unname(a), unname(b), tolerance = 1e-6))) {
    errors <- errors + 1L
    cat(sprintf("%-6s %-20s ERROR: lme4's and lmmkit's generics disagree\n", fit_name, g))
  }
}
cat(sprintf("interop: %d calls, %d errors\n", length(fits) * length(calls), errors))
quit(status = if (errors > 0L) 1L else 0L)
