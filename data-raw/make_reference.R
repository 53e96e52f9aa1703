# Regenerates tests/testthat/helper-reference.R (stored lme4 reference fits); run from the package root: Rscript data-raw/make_reference.R

suppressPackageStartupMessages({
  library(lme4)
  library(nlme)   # Orthodont, Machines
  library(mlmRev) # Exam
})
stopifnot(file.exists("DESCRIPTION"), file.exists("data-raw/make_reference.R"))
if (packageVersion("lme4") != "1.1.31") {
  warning("reference values were first generated with lme4 1.1-31; this is ", packageVersion("lme4"))
}

# The block between the markers is copied verbatim into helper-reference.R, so tests can
# regenerate the simulated data and load every reference data set the same way.
# BEGIN helper code
make_sim_unbalanced <- function(seed = 20240611L) {
  # Deterministic unbalanced data: 40 groups of 2-30 rows, continuous x, 3-level factor f,
  # random intercept and slope in x, ~5% NA responses, prior weights w in [0.5, 2], offset off.
  had_seed <- exists(".Random.seed", envir = globalenv(), inherits = FALSE)
  old_seed <- if (had_seed) get(".Random.seed", envir = globalenv())
  old_kind <- RNGkind()
  on.exit({
    RNGkind(old_kind[1], old_kind[2], old_kind[3])
    if (had_seed) assign(".Random.seed", old_seed, envir = globalenv())
    else rm(".Random.seed", envir = globalenv())
  })
  set.seed(seed, kind = "Mersenne-Twister", normal.kind = "Inversion", sample.kind = "Rejection")
  n_g <- 40L
  sizes <- c(2L, 30L, sample(2:30, n_g - 2L, replace = TRUE))
  g <- factor(rep(sprintf("g%02d", seq_len(n_g)), sizes))
  n <- length(g)
  x <- rnorm(n, mean = 1, sd = 1.5)
  f <- factor(sample(c("a", "b", "c"), n, replace = TRUE))
  z1 <- rnorm(n_g)
  z2 <- rnorm(n_g)
  b0 <- 2 * z1                               # sd 2
  b1 <- 0.8 * (0.4 * z1 + sqrt(1 - 0.16) * z2) # sd 0.8, correlation 0.4
  w <- runif(n, 0.5, 2)
  off <- round(runif(n, -1, 1), 2)
  eta <- 5 + 1.5 * x + c(a = 0, b = 1, c = -0.7)[as.character(f)] + b0[g] + b1[g] * x + off
  y <- eta + rnorm(n, sd = 1.2) / sqrt(w)
  y[sample.int(n, round(0.05 * n))] <- NA
  data.frame(y = y, x = x, f = f, g = g, w = w, off = off)
}

reference_models <- list(
  sleepstudy_corr = list(formula = "Reaction ~ Days + (Days | Subject)", package = "lme4", data = "sleepstudy"),
  sleepstudy_uncorr = list(formula = "Reaction ~ Days + (Days || Subject)", package = "lme4", data = "sleepstudy"),
  dyestuff = list(formula = "Yield ~ 1 + (1 | Batch)", package = "lme4", data = "Dyestuff"),
  dyestuff2 = list(formula = "Yield ~ 1 + (1 | Batch)", package = "lme4", data = "Dyestuff2"),
  penicillin = list(formula = "diameter ~ 1 + (1 | plate) + (1 | sample)", package = "lme4", data = "Penicillin"),
  pastes = list(formula = "strength ~ 1 + (1 | batch/cask)", package = "lme4", data = "Pastes"),
  orthodont = list(formula = "distance ~ age + (age | Subject)", package = "nlme", data = "Orthodont"),
  machines_nested = list(formula = "score ~ Machine + (1 | Worker/Machine)", package = "nlme", data = "Machines"),
  machines_vector = list(formula = "score ~ Machine + (0 + Machine | Worker)", package = "nlme", data = "Machines"),
  insteval = list(formula = "y ~ service + (1 | s) + (1 | d)", package = "lme4", data = "InstEval"),
  exam = list(formula = "normexam ~ standLRT + (standLRT | school)", package = "mlmRev", data = "Exam"),
  sim_unbalanced = list(formula = "y ~ x + f + (x | g)", package = NA_character_, data = "make_sim_unbalanced",
                        weights = "w", offset = "off")
)

reference_data <- function(key) {
  # The data set of reference model `key`, as a plain data.frame (nlme's groupedData dropped).
  spec <- reference_models[[key]]
  if (is.null(spec)) stop("unknown reference model: ", key)
  if (is.na(spec$package)) return(make_sim_unbalanced())
  env <- new.env()
  utils::data(list = spec$data, package = spec$package, envir = env)
  as.data.frame(env[[spec$data]], stringsAsFactors = FALSE)
}
# END helper code

n_ranef_keep <- 50L   # conditional-mode rows stored when a model has more than max_ranef_full rows
max_ranef_full <- 500L

ctrl_tight_nlopt <- lmerControl(optimizer = "nloptwrap",
                                optCtrl = list(xtol_abs = 1e-10, ftol_abs = 1e-12, maxeval = 1e5))
ctrl_tight_bobyqa <- lmerControl(optimizer = "bobyqa", optCtrl = list(rhoend = 1e-10, maxfun = 1e5))

fit_lme4 <- function(spec, data, REML, control) {
  args <- list(formula = as.formula(spec$formula), data = data, REML = REML, control = control)
  if (!is.null(spec$weights)) args$weights <- data[[spec$weights]]
  if (!is.null(spec$offset)) args$offset <- data[[spec$offset]]
  warns <- character(0)
  fit <- withCallingHandlers(do.call(lmer, args), warning = function(w) {
    warns <<- c(warns, conditionMessage(w))
    invokeRestart("muffleWarning")
  })
  list(fit = fit, warnings = warns)
}

ranef_summary <- function(re) {
  # Per (grpvar, term): counts and moments of the conditional modes, for truncated storage.
  key <- paste(re$grpvar, re$term, sep = "\r")
  out <- lapply(split(re, factor(key, levels = unique(key))), function(d) data.frame(
    grpvar = d$grpvar[1], term = d$term[1], n = nrow(d), mean_condval = mean(d$condval),
    rms_condval = sqrt(mean(d$condval^2)), max_abs_condval = max(abs(d$condval)),
    mean_condsd = mean(d$condsd), stringsAsFactors = FALSE))
  out <- do.call(rbind, out)
  rownames(out) <- NULL
  out
}

summarise_lme4 <- function(fit) {
  ll <- logLik(fit)
  REML <- isREML(fit)
  vc <- as.data.frame(VarCorr(fit))
  re <- as.data.frame(ranef(fit, condVar = TRUE))
  re <- data.frame(grpvar = as.character(re$grpvar), term = as.character(re$term),
                   grp = as.character(re$grp), condval = re$condval, condsd = re$condsd,
                   stringsAsFactors = FALSE)
  list(REML = REML, logLik = as.numeric(ll), df = as.integer(attr(ll, "df")), nobs = nobs(fit),
       objective = if (REML) REMLcrit(fit) else deviance(fit, REML = FALSE),
       fixef = fixef(fit), fixef_se = setNames(sqrt(diag(as.matrix(vcov(fit)))), names(fixef(fit))),
       varcorr = data.frame(grp = vc$grp, var1 = vc$var1, var2 = vc$var2, vcov = vc$vcov,
                            sdcor = vc$sdcor, stringsAsFactors = FALSE),
       sigma = sigma(fit), theta = getME(fit, "theta"), singular = isSingular(fit),
       ranef_n = nrow(re), ranef_truncated = nrow(re) > max_ranef_full,
       ranef = if (nrow(re) > max_ranef_full) re[seq_len(n_ranef_keep), ] else re,
       ranef_summary = ranef_summary(re))
}

best_reference <- function(key, REML) {
  # Fit with lme4's defaults and two tight refits; keep the one with the highest logLik.
  spec <- reference_models[[key]]
  data <- reference_data(key)
  fits <- list(default = fit_lme4(spec, data, REML, lmerControl()),
               nloptwrap_tight = fit_lme4(spec, data, REML, ctrl_tight_nlopt),
               bobyqa_tight = fit_lme4(spec, data, REML, ctrl_tight_bobyqa))
  lls <- vapply(fits, function(f) as.numeric(logLik(f$fit)), numeric(1))
  best <- names(which.max(lls))
  ref <- summarise_lme4(fits[[best]]$fit)
  c(list(model = key, formula = spec$formula),
    ref,
    list(fit_used = best, logLik_by_fit = lls,
         improvement_over_default = unname(lls[best] - lls["default"]),
         lme4_warnings = lapply(fits, `[[`, "warnings")))
}

sim_checksum <- function(d) {
  c(nrow = nrow(d), n_na = sum(is.na(d$y)), sum_y = sum(d$y, na.rm = TRUE),
    sum_x = sum(d$x), sum_w = sum(d$w), sum_off = sum(d$off))
}

deparse_full <- function(x) paste(deparse(x, control = c("keepNA", "keepInteger", "niceNames", "showAttributes", "digits17")), collapse = "\n")

write_reference <- function(refs, path) {
  src <- readLines("data-raw/make_reference.R")
  block <- src[(grep("^# BEGIN helper code", src) + 1L):(grep("^# END helper code", src) - 1L)]
  meta <- list(lme4_version = as.character(packageVersion("lme4")),
               R_version = R.version.string, generated = format(Sys.Date()),
               sim_checksum = sim_checksum(make_sim_unbalanced()))
  out <- c("# Stored lme4 reference fits for the agreement tests; generated by data-raw/make_reference.R, do not edit by hand.",
           "", block, "",
           paste("lmmkit_reference_meta <-", deparse_full(meta)), "",
           "lmmkit_reference <- list()")
  for (key in names(refs)) for (est in names(refs[[key]])) {
    out <- c(out, "", sprintf("lmmkit_reference[[\"%s\"]][[\"%s\"]] <- %s", key, est,
                              deparse_full(refs[[key]][[est]])))
  }
  writeLines(out, path)
}

refs <- list()
for (key in names(reference_models)) {
  message("fitting ", key)
  refs[[key]] <- list(REML = best_reference(key, TRUE), ML = best_reference(key, FALSE))
}
write_reference(refs, "tests/testthat/helper-reference.R")
message("wrote tests/testthat/helper-reference.R (", file.size("tests/testthat/helper-reference.R"), " bytes)")
