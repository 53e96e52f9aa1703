# Regenerates tests/testthat/helper-inference-reference.R (lmerTest/pbkrtest reference values); run from the package root: Rscript data-raw/make_inference_reference.R

suppressPackageStartupMessages({
  library(lme4)
  library(lmerTest)
  library(pbkrtest)
  library(minqa)  # optimizer = "bobyqa"
  library(nlme)   # Orthodont, Machines
  library(mlmRev) # Hsb82
})
stopifnot(file.exists("DESCRIPTION"), file.exists("data-raw/make_inference_reference.R"))
expected_versions <- c(lmerTest = "3.1.3", pbkrtest = "0.5.2", lme4 = "1.1.31")
for (p in names(expected_versions)) if (packageVersion(p) != expected_versions[[p]]) {
  warning("reference values were first generated with ", p, " ", expected_versions[[p]],
          "; this is ", packageVersion(p))
}

# The block between the markers is copied verbatim into helper-inference-reference.R, so the tests
# load the data, build the contrasts and summarise a live lmerTest fit exactly as done here.
# BEGIN helper code
inference_reference_models <- list(
  sleepstudy = list(formula = "Reaction ~ Days + (Days | Subject)", package = "lme4", data = "sleepstudy"),
  orthodont_sex = list(formula = "distance ~ age + Sex + (age | Subject)", package = "nlme", data = "Orthodont"),
  orthodont = list(formula = "distance ~ age + (age | Subject)", package = "nlme", data = "Orthodont"),
  machines = list(formula = "score ~ Machine + (1 | Worker/Machine)", package = "nlme", data = "Machines"),
  penicillin = list(formula = "diameter ~ 1 + (1 | plate) + (1 | sample)", package = "lme4", data = "Penicillin"),
  hsb82 = list(formula = "mAch ~ meanses + cses + (cses | school)", package = "mlmRev", data = "Hsb82")
)

inference_reference_data <- function(key) {
  # The data set of inference reference model `key`, a plain data.frame (nlme's groupedData dropped);
  # a spec with `subsample = list(seed, n)` keeps n rows drawn deterministically (none does at present).
  spec <- inference_reference_models[[key]]
  if (is.null(spec)) stop("unknown inference reference model: ", key)
  env <- new.env()
  utils::data(list = spec$data, package = spec$package, envir = env)
  d <- as.data.frame(env[[spec$data]], stringsAsFactors = FALSE)
  if (is.null(spec$subsample)) return(d)
  keep <- sort(deterministic_rows(nrow(d), spec$subsample$n, spec$subsample$seed))
  d <- d[keep, , drop = FALSE]
  rownames(d) <- NULL
  droplevels(d)
}

deterministic_rows <- function(n, size, seed) {
  # sample.int(n, size) under a fixed seed and RNG kind, leaving the caller's RNG state alone.
  had_seed <- exists(".Random.seed", envir = globalenv(), inherits = FALSE)
  old_seed <- if (had_seed) get(".Random.seed", envir = globalenv())
  old_kind <- RNGkind()
  on.exit({
    RNGkind(old_kind[1], old_kind[2], old_kind[3])
    if (had_seed) assign(".Random.seed", old_seed, envir = globalenv())
    else rm(".Random.seed", envir = globalenv())
  })
  set.seed(seed, kind = "Mersenne-Twister", normal.kind = "Inversion", sample.kind = "Rejection")
  sample.int(n, size)
}

inference_contrasts <- function(coef_names) {
  # The contrasts tested per model: `joint` (all non-intercept coefficients, or every coefficient
  # when that leaves fewer than two rows) and `single` (one row: sum of the non-intercept coefficients).
  p <- length(coef_names)
  if (p < 2L) return(list())
  rows <- if (p >= 3L) seq_len(p)[-1L] else seq_len(p)
  joint <- diag(p)[rows, , drop = FALSE]
  single <- matrix(c(0, rep(1, p - 1L)), nrow = 1L)
  dimnames(joint) <- list(coef_names[rows], coef_names)
  dimnames(single) <- list("sum_non_intercept", coef_names)
  list(joint = joint, single = single)
}

plain_ftable <- function(x) {
  # An anova / contest table as a plain data.frame (lmerTest's classes and attributes dropped).
  out <- data.frame(x[, c("Sum Sq", "Mean Sq", "NumDF", "DenDF", "F value", "Pr(>F)"), drop = FALSE],
                    check.names = FALSE, stringsAsFactors = FALSE)
  out$NumDF <- as.numeric(out$NumDF)
  out
}

lmertest_inference_summary <- function(fit) {
  # Everything the agreement tests compare, from a REML lmerTest fit (class lmerModLmerTest).
  stopifnot(inherits(fit, "lmerModLmerTest"), lme4::isREML(fit))
  beta <- lme4::fixef(fit)
  Ls <- inference_contrasts(names(beta))
  vadj <- as.matrix(pbkrtest::vcovAdj(fit))
  dimnames(vadj) <- list(names(beta), names(beta))
  out <- list(coef_satterthwaite = summary(fit, ddf = "Satterthwaite")$coefficients,
              coef_kenward_roger = summary(fit, ddf = "Kenward-Roger")$coefficients,
              vcov_kenward_roger = vadj, contrasts = Ls)
  if (length(beta) < 2L) return(out)
  out$anova_type3_satterthwaite <- plain_ftable(stats::anova(fit, type = 3, ddf = "Satterthwaite"))
  out$anova_type3_kenward_roger <- plain_ftable(stats::anova(fit, type = 3, ddf = "Kenward-Roger"))
  out$anova_type1_satterthwaite <- plain_ftable(stats::anova(fit, type = 1, ddf = "Satterthwaite"))
  out$anova_type2_satterthwaite <- plain_ftable(stats::anova(fit, type = 2, ddf = "Satterthwaite"))
  for (nm in names(Ls)) for (ddf in c("Satterthwaite", "Kenward-Roger")) {
    slot <- paste0("contest_", nm, "_", if (ddf == "Satterthwaite") "satterthwaite" else "kenward_roger")
    ct <- plain_ftable(lmerTest::contest(fit, Ls[[nm]], joint = TRUE, ddf = ddf))
    rownames(ct) <- NULL
    out[[slot]] <- ct
  }
  out
}

fit_lmertest_tight <- function(formula, data, REML = TRUE) {
  # lmerTest::lmer with bobyqa at rhoend = 1e-10, so the reference sits at the REML optimum.
  ctl <- lme4::lmerControl(optimizer = "bobyqa", optCtrl = list(rhoend = 1e-10, maxfun = 1e5))
  suppressMessages(lmerTest::lmer(stats::as.formula(formula), data = data, REML = REML, control = ctl))
}
# END helper code

fit_with_warnings <- function(formula, data, control) {
  warns <- character(0)
  fit <- withCallingHandlers(
    suppressMessages(lmerTest::lmer(as.formula(formula), data = data, REML = TRUE, control = control)),
    warning = function(w) {
      warns <<- c(warns, conditionMessage(w))
      invokeRestart("muffleWarning")
    })
  list(fit = fit, warnings = warns)
}

timed <- function(expr) {
  t0 <- proc.time()[["elapsed"]]
  value <- force(expr)
  list(value = value, seconds = round(proc.time()[["elapsed"]] - t0, 2))
}

inference_reference <- function(key) {
  # Fit with lme4's defaults and tightly (bobyqa, rhoend 1e-10); keep the higher REML logLik,
  # which is the tight fit unless the default is better; summarise it and time pbkrtest.
  spec <- inference_reference_models[[key]]
  data <- inference_reference_data(key)
  fits <- list(default = fit_with_warnings(spec$formula, data, lmerControl()),
               bobyqa_tight = fit_with_warnings(spec$formula, data,
                 lmerControl(optimizer = "bobyqa", optCtrl = list(rhoend = 1e-10, maxfun = 1e5))))
  lls <- vapply(fits, function(f) as.numeric(logLik(f$fit)), numeric(1))
  best <- if (lls[["default"]] > lls[["bobyqa_tight"]]) "default" else "bobyqa_tight"
  fit <- fits[[best]]$fit
  t_vadj <- timed(pbkrtest::vcovAdj(fit))
  t_all <- timed(lmertest_inference_summary(fit))
  c(list(model = key, formula = spec$formula, nobs = nobs(fit), REML = TRUE,
         REMLcrit = REMLcrit(fit), theta = getME(fit, "theta"), sigma = sigma(fit),
         fixef = fixef(fit), fit_used = best, logLik_by_fit = lls,
         lme4_warnings = lapply(fits, `[[`, "warnings"),
         seconds_vcovAdj = t_vadj$seconds, seconds_all_inference = t_all$seconds),
    t_all$value)
}

deparse_full <- function(x) {
  paste(deparse(x, control = c("keepNA", "keepInteger", "niceNames", "showAttributes", "digits17")),
        collapse = "\n")
}

write_inference_reference <- function(refs, path) {
  src <- readLines("data-raw/make_inference_reference.R")
  block <- src[(grep("^# BEGIN helper code", src) + 1L):(grep("^# END helper code", src) - 1L)]
  meta <- list(lmerTest_version = as.character(packageVersion("lmerTest")),
               pbkrtest_version = as.character(packageVersion("pbkrtest")),
               lme4_version = as.character(packageVersion("lme4")),
               R_version = R.version.string, generated = format(Sys.Date()),
               control = "lmerControl(optimizer = \"bobyqa\", optCtrl = list(rhoend = 1e-10, maxfun = 1e5))")
  out <- c(paste("# Stored lmerTest (Satterthwaite) and pbkrtest (Kenward-Roger) reference values for the",
                 "inference agreement tests; generated by data-raw/make_inference_reference.R, do not edit by hand."),
           "", block, "",
           paste("inference_reference_meta <-", deparse_full(meta)), "",
           "inference_reference <- list()")
  for (key in names(refs)) {
    out <- c(out, "", sprintf("inference_reference[[\"%s\"]] <- %s", key, deparse_full(refs[[key]])))
  }
  writeLines(out, path)
}

refs <- list()
for (key in names(inference_reference_models)) {
  message("fitting ", key)
  refs[[key]] <- inference_reference(key)
  message(sprintf("  n = %d, fit used: %s, vcovAdj %.2f s, all inference %.2f s", refs[[key]]$nobs,
                  refs[[key]]$fit_used, refs[[key]]$seconds_vcovAdj, refs[[key]]$seconds_all_inference))
}
path <- "tests/testthat/helper-inference-reference.R"
write_inference_reference(refs, path)
message("wrote ", path, " (", file.size(path), " bytes)")
