# Acceptance rule for agreement with lme4: summarise a fit, compare it with a (stored or live) lme4 reference.

# Tolerances of the acceptance rule (see expect_agrees_with_reference()).
agreement_tol <- list(
  loglik_rel = 1e-6,       # logLik may fall short of the reference by at most this, relative
  loglik_above_rel = 1e-4, # sanity: a logLik this far ABOVE a tight lme4 optimum signals a wrong likelihood
  fixef_se = 1e-4,         # |beta - beta_ref| <= fixef_se * se_ref
  vc_rel = 1e-3,           # variance components (and SEs, condsd, sigma^2), relative
  zero_sd = 1e-4,          # a component with sd_ref <= zero_sd * sigma_ref counts as ~0 (singular)
  condval_sd = 1e-3        # |condval - ref| <= condval_sd * condsd_ref
)

fit_accessors <- function(fit) {
  # lme4 fits use lme4's own methods; anything else (an "lmm") uses the generics visible here.
  if (inherits(fit, "merMod")) {
    return(list(fixef = lme4::fixef, ranef = lme4::ranef, VarCorr = lme4::VarCorr,
                isSingular = lme4::isSingular, theta = function(x) lme4::getME(x, "theta")))
  }
  list(fixef = function(x) fixef(x), ranef = function(x, ...) ranef(x, ...),
       VarCorr = function(x) VarCorr(x), isSingular = function(x) NA,
       theta = function(x) if (is.list(x)) x$theta else NULL)
}

summarise_fit <- function(fit) {
  # The quantities stored in lmmkit_reference, computed from a fitted model (all ranef rows kept).
  acc <- fit_accessors(fit)
  ll <- stats::logLik(fit)
  vc <- as.data.frame(acc$VarCorr(fit))
  re <- as.data.frame(acc$ranef(fit, condVar = TRUE))
  re <- data.frame(grpvar = as.character(re$grpvar), term = as.character(re$term),
                   grp = as.character(re$grp), condval = re$condval, condsd = re$condsd,
                   stringsAsFactors = FALSE)
  beta <- acc$fixef(fit)
  list(logLik = as.numeric(ll), df = as.integer(attr(ll, "df")), nobs = stats::nobs(fit),
       fixef = beta, fixef_se = stats::setNames(sqrt(diag(as.matrix(stats::vcov(fit)))), names(beta)),
       varcorr = data.frame(grp = as.character(vc$grp), var1 = as.character(vc$var1),
                            var2 = as.character(vc$var2), vcov = vc$vcov, sdcor = vc$sdcor,
                            stringsAsFactors = FALSE),
       sigma = stats::sigma(fit), theta = acc$theta(fit), singular = acc$isSingular(fit),
       ranef_n = nrow(re), ranef_truncated = FALSE, ranef = re,
       ranef_summary = summarise_ranef(re))
}

summarise_ranef <- function(re) {
  # Per (grpvar, term): counts and moments of the conditional modes (checks for truncated storage).
  key <- paste(re$grpvar, re$term, sep = "\r")
  out <- lapply(split(re, factor(key, levels = unique(key))), function(d) data.frame(
    grpvar = d$grpvar[1], term = d$term[1], n = nrow(d), mean_condval = mean(d$condval),
    rms_condval = sqrt(mean(d$condval^2)), max_abs_condval = max(abs(d$condval)),
    mean_condsd = mean(d$condsd), stringsAsFactors = FALSE))
  out <- do.call(rbind, out)
  rownames(out) <- NULL
  out
}

lme4_live_reference <- function(formula, data, REML, ...) {
  # Fit lme4 now (defaults, then a tight refit) and summarise the better fit like lmmkit_reference.
  # `...` (e.g. weights = data$w, offset = data$off) must be evaluated vectors, passed on to lmer().
  args <- c(list(formula = stats::as.formula(formula), data = data, REML = REML), list(...))
  tight <- if (requireNamespace("minqa", quietly = TRUE)) {
    lme4::lmerControl(optimizer = "bobyqa", optCtrl = list(rhoend = 1e-10, maxfun = 1e5))
  } else {
    lme4::lmerControl(optimizer = "nloptwrap", optCtrl = list(xtol_abs = 1e-10, ftol_abs = 1e-12, maxeval = 1e5))
  }
  fit_with <- function(control) {
    suppressMessages(suppressWarnings(do.call(lme4::lmer, c(args, list(control = control)))))
  }
  fits <- list(default = fit_with(lme4::lmerControl()), tight = fit_with(tight))
  lls <- vapply(fits, function(f) as.numeric(stats::logLik(f)), numeric(1))
  best <- names(which.max(lls))
  c(list(REML = REML, formula = paste(deparse(stats::as.formula(formula)), collapse = " ")),
    summarise_fit(fits[[best]]), list(fit_used = best, logLik_by_fit = lls))
}

expect_agrees_with_reference <- function(fit, ref, label = "fit", extra = TRUE) {
  # Acceptance rule: logLik, fixed effects, variance components and conditional modes agree with ref.
  # extra = TRUE also checks df/nobs, fixed-effect SEs, sigma and condsd (1e-3 relative).
  got <- summarise_fit(fit)
  sigma_ref <- ref$sigma
  compare_loglik(got, ref, label, extra)
  compare_fixef(got, ref, label, extra)
  compare_varcorr(got$varcorr, ref$varcorr, sigma_ref, label)
  if (extra) {
    expect(abs(got$sigma^2 - sigma_ref^2) <= agreement_tol$vc_rel * sigma_ref^2,
           sprintf("%s: sigma %.10g differs from reference %.10g", label, got$sigma, sigma_ref))
  }
  compare_ranef(got, ref, sigma_ref, label, extra)
  invisible(got)
}

compare_loglik <- function(got, ref, label, extra) {
  rel <- (ref$logLik - got$logLik) / abs(ref$logLik)
  expect(is.finite(got$logLik) && rel <= agreement_tol$loglik_rel,
         sprintf("%s: logLik %.12g is below the reference %.12g (relative shortfall %.3g > %g)",
                 label, got$logLik, ref$logLik, rel, agreement_tol$loglik_rel))
  expect(is.finite(got$logLik) && -rel <= agreement_tol$loglik_above_rel,
         sprintf("%s: logLik %.12g is implausibly far above the reference %.12g (relative %.3g); wrong likelihood?",
                 label, got$logLik, ref$logLik, -rel))
  if (extra) {
    expect(identical(as.integer(got$df), as.integer(ref$df)) && identical(as.integer(got$nobs), as.integer(ref$nobs)),
           sprintf("%s: logLik df/nobs %s/%s, reference %s/%s", label, got$df, got$nobs, ref$df, ref$nobs))
  }
}

compare_fixef <- function(got, ref, label, extra) {
  same_names <- identical(names(got$fixef), names(ref$fixef))
  expect(same_names, sprintf("%s: fixef names [%s], reference [%s]", label,
                             toString(names(got$fixef)), toString(names(ref$fixef))))
  if (!same_names) return(invisible())
  dev <- abs(got$fixef - ref$fixef) / ref$fixef_se
  i <- which.max(dev)
  expect(all(is.finite(dev)) && all(dev <= agreement_tol$fixef_se),
         sprintf("%s: fixef %s = %.12g vs reference %.12g: off by %.3g SE (> %g)", label,
                 names(dev)[i], got$fixef[i], ref$fixef[i], dev[i], agreement_tol$fixef_se))
  if (extra) {
    rel <- abs(got$fixef_se - ref$fixef_se) / ref$fixef_se
    j <- which.max(rel)
    expect(all(is.finite(rel)) && all(rel <= agreement_tol$vc_rel),
           sprintf("%s: SE of %s = %.10g vs reference %.10g (relative %.3g)", label,
                   names(rel)[j], got$fixef_se[j], ref$fixef_se[j], rel[j]))
  }
}

varcorr_key <- function(vc) paste(vc$grp, vc$var1, ifelse(is.na(vc$var2), "", vc$var2), sep = "|")

varcorr_tolerance <- function(ref, sigma_ref) {
  # Per row of as.data.frame(VarCorr) (reference values): c(scale = "vcov"/"sd", tol = absolute tol).
  is_var <- is.na(ref$var2)
  near_zero <- is_var & ref$grp != "Residual" & ref$sdcor <= agreement_tol$zero_sd * sigma_ref
  sd_of <- function(g, v) ref$sdcor[is_var & ref$grp == g & ref$var1 == v][1]
  tol <- agreement_tol$vc_rel * pmax(abs(ref$vcov), 1e-8)
  scale <- ifelse(near_zero, "sd", "vcov")
  tol[near_zero] <- agreement_tol$vc_rel * sigma_ref
  for (i in which(!is_var)) { # covariance involving a ~0 variance: correlation undefined, sd scale
    sds <- c(sd_of(ref$grp[i], ref$var1[i]), sd_of(ref$grp[i], ref$var2[i]))
    if (any(sds <= agreement_tol$zero_sd * sigma_ref)) tol[i] <- agreement_tol$vc_rel * sigma_ref * max(sds)
  }
  list(scale = scale, tol = tol)
}

compare_varcorr <- function(got, ref, sigma_ref, label) {
  kg <- varcorr_key(got)
  kr <- varcorr_key(ref)
  same_rows <- setequal(kg, kr) && !anyDuplicated(kg)
  expect(same_rows, sprintf("%s: VarCorr rows [%s], reference [%s]", label, toString(kg), toString(kr)))
  if (!same_rows) return(invisible())
  g <- got[match(kr, kg), ]
  tl <- varcorr_tolerance(ref, sigma_ref)
  dev <- ifelse(tl$scale == "sd", abs(g$sdcor - ref$sdcor), abs(g$vcov - ref$vcov))
  bad <- !is.finite(dev) | dev > tl$tol
  i <- which(bad)[1]
  expect(!any(bad), sprintf("%s: VarCorr %s (%s scale) = %.10g vs reference %.10g (tolerance %.3g)",
                            label, kr[i], tl$scale[i], if (isTRUE(tl$scale[i] == "sd")) g$sdcor[i] else g$vcov[i],
                            if (isTRUE(tl$scale[i] == "sd")) ref$sdcor[i] else ref$vcov[i], tl$tol[i]))
}

compare_ranef <- function(got, ref, sigma_ref, label, extra) {
  key <- function(d) paste(d$grpvar, d$term, d$grp, sep = "|")
  kg <- key(got$ranef)
  kr <- key(ref$ranef)
  expect(identical(got$ranef_n, ref$ranef_n) && all(kr %in% kg) && !anyDuplicated(kg),
         sprintf("%s: %d conditional modes, reference %d; missing e.g. [%s]", label, got$ranef_n,
                 ref$ranef_n, toString(utils::head(setdiff(kr, kg), 3))))
  g <- got$ranef[match(kr, kg), ]
  scale <- pmax(ref$ranef$condsd, 1e-3 * sigma_ref) # floor for degenerate (singular) terms
  dev <- abs(g$condval - ref$ranef$condval) / scale
  bad <- !is.finite(dev) | dev > agreement_tol$condval_sd
  i <- which(bad)[1]
  expect(!any(bad), sprintf("%s: %d conditional modes off; first %s = %.10g vs reference %.10g (%.3g condsd)",
                            label, sum(bad), kr[i], g$condval[i], ref$ranef$condval[i], dev[i]))
  if (extra) {
    sd_bad <- !is.finite(g$condsd) | abs(g$condsd - ref$ranef$condsd) > agreement_tol$vc_rel * scale
    expect(!any(sd_bad), sprintf("%s: %d condsd off; first %s = %.10g vs reference %.10g", label,
                                 sum(sd_bad), kr[which(sd_bad)[1]], g$condsd[which(sd_bad)[1]],
                                 ref$ranef$condsd[which(sd_bad)[1]]))
  }
  compare_ranef_summary(got$ranef_summary, ref$ranef_summary, sigma_ref, label)
}

compare_ranef_summary <- function(got, ref, sigma_ref, label) {
  # Moments over all conditional modes per (grpvar, term): what remains checkable when storage is truncated.
  kg <- paste(got$grpvar, got$term)
  kr <- paste(ref$grpvar, ref$term)
  ok_rows <- setequal(kg, kr)
  expect(ok_rows, sprintf("%s: ranef terms [%s], reference [%s]", label, toString(kg), toString(kr)))
  if (!ok_rows) return(invisible())
  g <- got[match(kr, kg), ]
  scale <- pmax(ref$mean_condsd, 1e-3 * sigma_ref)
  ok <- g$n == ref$n &
    abs(g$mean_condval - ref$mean_condval) <= agreement_tol$condval_sd * scale &
    abs(g$rms_condval - ref$rms_condval) <= agreement_tol$condval_sd * scale &
    abs(g$mean_condsd - ref$mean_condsd) <= agreement_tol$vc_rel * scale
  expect(all(ok %in% TRUE), sprintf("%s: conditional-mode summary of %s differs from reference", label,
                                    toString(kr[!(ok %in% TRUE)])))
}
