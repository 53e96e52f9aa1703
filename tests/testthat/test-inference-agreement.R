# Satterthwaite and Kenward-Roger inference of lmm() agrees with stored lmerTest 3.1-3 / pbkrtest 0.5.2 values (and live ones).

# Tolerances of the acceptance rule (issue 3): df within 1e-3 relative, SEs within 1e-4 relative.
inference_tol <- list(
  df_rel = 1e-3,    # t-test df (Satterthwaite, Kenward-Roger) and F-test DenDF, relative
  se_rel = 1e-4,    # Std. Error (adjusted for Kenward-Roger), relative
  est_se = 1e-4,    # |Estimate - reference| <= est_se * reference SE
  vcov_rel = 1e-4,  # Kenward-Roger vcov, elementwise, relative to the largest |element| of the reference
  f_rel = 1e-4,     # F value, Sum Sq, Mean Sq, relative
  p_rel = 1e-6,     # p values must follow from the table's own statistic and df, relative
  crit_rel = 1e-6   # REML criterion at the reference optimum, relative (locates failures in the fit itself)
)
coef_table_cols <- c("Estimate", "Std. Error", "df", "t value", "Pr(>|t|)")
ftable_cols <- c("Sum Sq", "Mean Sq", "NumDF", "DenDF", "F value", "Pr(>F)")
run_slow_tests <- function() identical(Sys.getenv("LMMKIT_SLOW_TESTS"), "true")

# ---- comparisons of plain objects (matrices / data frames), usable on any source ----

expect_close <- function(got, ref, tol, scale, what, label) {
  # One expectation: every |got - ref| / scale <= tol; the message names the first offender.
  got <- as.numeric(got)
  dev <- abs(got - as.numeric(ref)) / pmax(as.numeric(scale), 1e-300)
  bad <- !is.finite(dev) | dev > tol
  i <- which(bad)[1]
  nm <- if (is.null(names(ref))) as.character(i) else names(ref)[i]
  expect(length(got) == length(ref) && !any(bad),
         sprintf("%s: %s [%s] = %.10g vs reference %.10g (deviation %.3g > %g)",
                 label, what, nm, got[i], as.numeric(ref)[i], dev[i], tol))
}

expect_same_layout <- function(got, ref, cols, label, check_rownames = TRUE) {
  # Columns exactly `cols` in that order; row names as in the reference. Returns TRUE when usable.
  ok_cols <- identical(colnames(got), cols)
  expect(ok_cols, sprintf("%s: columns [%s], expected [%s]", label, toString(colnames(got)), toString(cols)))
  ok_rows <- !check_rownames || identical(rownames(got), rownames(ref))
  expect(ok_rows, sprintf("%s: rows [%s], reference [%s]", label, toString(rownames(got)), toString(rownames(ref))))
  ok_n <- NROW(got) == NROW(ref)
  expect(ok_n, sprintf("%s: %d rows, reference %d", label, NROW(got), NROW(ref)))
  ok_cols && ok_rows && ok_n
}

expect_coef_table_agrees <- function(got, ref, label, df_tol = inference_tol$df_rel,
                                     se_tol = inference_tol$se_rel) {
  # summary()$coefficients with ddf: Estimate, Std. Error, df, t value, Pr(>|t|) against lmerTest's table.
  expect(is.matrix(got) && is.numeric(got), sprintf("%s: coefficient table is not a numeric matrix", label))
  if (!is.matrix(got) || !expect_same_layout(got, ref, coef_table_cols, label)) return(invisible(FALSE))
  col <- function(m, j) stats::setNames(m[, j], rownames(m))
  se_ref <- col(ref, "Std. Error")
  expect_close(col(got, "Estimate"), col(ref, "Estimate"), inference_tol$est_se, se_ref, "Estimate (in SEs)", label)
  expect_close(col(got, "Std. Error"), se_ref, se_tol, se_ref, "Std. Error (relative)", label)
  expect_close(col(got, "df"), col(ref, "df"), df_tol, col(ref, "df"), "df (relative)", label)
  t_ref <- col(ref, "t value")  # |dt| <= est_se + se_tol * |t|
  expect_close(col(got, "t value"), t_ref, 1, inference_tol$est_se + se_tol * abs(t_ref), "t value", label)
  p_own <- 2 * stats::pt(-abs(got[, "t value"]), got[, "df"])
  expect_close(col(got, "Pr(>|t|)"), stats::setNames(p_own, rownames(got)), inference_tol$p_rel, p_own,
               "Pr(>|t|) vs 2 * pt(-|t value|, df) of the same table", label)
  invisible(TRUE)
}

expect_coef_table_none_agrees <- function(got, ref, label) {
  # summary(ddf = "none")$coefficients: Estimate, Std. Error, t value against the unadjusted lmerTest columns.
  expect(is.matrix(got) && is.numeric(got), sprintf("%s: coefficient table is not a numeric matrix", label))
  cols <- c("Estimate", "Std. Error", "t value")
  if (!is.matrix(got) || !expect_same_layout(got, ref, cols, label)) return(invisible(FALSE))
  se_ref <- stats::setNames(ref[, "Std. Error"], rownames(ref))
  expect_close(got[, "Estimate"], ref[, "Estimate"], inference_tol$est_se, se_ref, "Estimate (in SEs)", label)
  expect_close(got[, "Std. Error"], se_ref, inference_tol$se_rel, se_ref, "Std. Error (relative)", label)
  expect_close(got[, "t value"], ref[, "t value"], 1,
               inference_tol$est_se + inference_tol$se_rel * abs(ref[, "t value"]), "t value", label)
  invisible(TRUE)
}

expect_vcov_agrees <- function(got, ref, label, tol = inference_tol$vcov_rel) {
  # A covariance matrix with the reference's dimnames; elementwise within tol * max|ref|; symmetric.
  got_m <- tryCatch(as.matrix(got), error = function(e) NULL)
  ok <- is.numeric(got_m) && identical(dim(got_m), dim(ref)) && identical(dimnames(got_m), dimnames(ref))
  expect(ok, sprintf("%s: vcov with dim %s and names [%s], reference %s [%s]", label,
                     toString(dim(got_m)), toString(rownames(got_m)), toString(dim(ref)), toString(rownames(ref))))
  if (!ok) return(invisible(FALSE))
  keys <- outer(rownames(ref), colnames(ref), paste, sep = ", ")
  expect_close(stats::setNames(c(got_m), keys), stats::setNames(c(ref), keys), tol, max(abs(ref)),
               "vcov element (relative to max |element|)", label)
  expect_close(c(got_m), c(t(got_m)), 1e-8, max(abs(ref)), "asymmetry", label)
  invisible(TRUE)
}

expect_ftable_agrees <- function(got, ref, label, check_rownames = TRUE, ddf_tol = inference_tol$df_rel,
                                 f_tol = inference_tol$f_rel) {
  # An anova() / contrast_test() F table against lmerTest's: same columns, NumDF exact, DenDF and F close.
  expect(is.data.frame(got), sprintf("%s: F table is a %s, not a data frame", label, class(got)[1]))
  if (!is.data.frame(got) || !expect_same_layout(got, ref, ftable_cols, label, check_rownames)) {
    return(invisible(FALSE))
  }
  rn <- if (check_rownames) rownames(ref) else as.character(seq_len(nrow(ref)))
  col <- function(d, j) stats::setNames(as.numeric(d[[j]]), rn)
  expect(identical(col(got, "NumDF"), col(ref, "NumDF")), sprintf("%s: NumDF [%s], reference [%s]", label,
                                                                   toString(got$NumDF), toString(ref$NumDF)))
  expect_close(col(got, "DenDF"), col(ref, "DenDF"), ddf_tol, col(ref, "DenDF"), "DenDF (relative)", label)
  for (j in c("F value", "Mean Sq", "Sum Sq")) {
    expect_close(col(got, j), col(ref, j), f_tol, abs(col(ref, j)), paste(j, "(relative)"), label)
  }
  p_own <- stats::pf(col(got, "F value"), col(got, "NumDF"), col(got, "DenDF"), lower.tail = FALSE)
  expect_close(col(got, "Pr(>F)"), p_own, inference_tol$p_rel, p_own,
               "Pr(>F) vs pf(F value, NumDF, DenDF) of the same table", label)
  invisible(TRUE)
}

# ---- lmm() against a reference (stored or live) ----

fit_inference_model <- function(key, REML = TRUE) {
  spec <- inference_reference_models[[key]]
  lmm(stats::as.formula(spec$formula), data = inference_reference_data(key), REML = REML)
}

expect_at_reference_optimum <- function(fit, ref, label) {
  # Not inference, but tells a wrong optimum apart from wrong df when something below fails.
  rel <- abs(fit$objective - ref$REMLcrit) / abs(ref$REMLcrit)
  expect(isTRUE(fit$REML) && is.finite(rel) && rel <= inference_tol$crit_rel,
         sprintf("%s: REML criterion %.12g vs reference %.12g (relative %.3g); the fit itself differs",
                 label, fit$objective, ref$REMLcrit, rel))
}

check_satterthwaite <- function(fit, ref, label) {
  # summary(), anova() types 1-3, contrast_test() with Satterthwaite's df; summary(ddf = "none").
  lab <- paste(label, "Satterthwaite")
  expect_coef_table_agrees(summary(fit, ddf = "Satterthwaite")$coefficients, ref$coef_satterthwaite,
                           paste(lab, "summary"))
  expect_coef_table_none_agrees(summary(fit, ddf = "none")$coefficients, ref$coef_satterthwaite,
                                paste(label, "summary(ddf = \"none\")"))
  for (type in 1:3) {
    slot <- sprintf("anova_type%d_satterthwaite", type)
    if (is.null(ref[[slot]])) next
    expect_ftable_agrees(anova(fit, type = type, ddf = "Satterthwaite"), ref[[slot]],
                         sprintf("%s anova type %d", lab, type))
  }
  for (nm in names(ref$contrasts)) {
    expect_ftable_agrees(contrast_test(fit, ref$contrasts[[nm]], ddf = "Satterthwaite"),
                         ref[[paste0("contest_", nm, "_satterthwaite")]], paste(lab, nm, "contrast"),
                         check_rownames = FALSE)
  }
}

check_kenward_roger <- function(fit, ref, label) {
  # summary(), vcov(), type III anova() and contrast_test() with Kenward-Roger.
  lab <- paste(label, "Kenward-Roger")
  expect_coef_table_agrees(summary(fit, ddf = "Kenward-Roger")$coefficients, ref$coef_kenward_roger,
                           paste(lab, "summary"))
  expect_vcov_agrees(vcov(fit, method = "Kenward-Roger"), ref$vcov_kenward_roger, paste(lab, "vcov"))
  if (!is.null(ref$anova_type3_kenward_roger)) {
    expect_ftable_agrees(anova(fit, type = 3, ddf = "Kenward-Roger"), ref$anova_type3_kenward_roger,
                         paste(lab, "anova type 3"))
  }
  for (nm in names(ref$contrasts)) {
    expect_ftable_agrees(contrast_test(fit, ref$contrasts[[nm]], ddf = "Kenward-Roger"),
                         ref[[paste0("contest_", nm, "_kenward_roger")]], paste(lab, nm, "contrast"),
                         check_rownames = FALSE)
  }
}

check_inference_model <- function(key, ref = inference_reference[[key]], label = paste(key, "vs stored"),
                                  methods = c("Satterthwaite", "Kenward-Roger")) {
  fit <- fit_inference_model(key)
  expect_s3_class(fit, "lmm")
  expect_at_reference_optimum(fit, ref, label)
  if ("Satterthwaite" %in% methods) check_satterthwaite(fit, ref, label)
  if ("Kenward-Roger" %in% methods) check_kenward_roger(fit, ref, label)
  invisible(fit)
}

live_inference_reference <- function(key) {
  # lmerTest/pbkrtest now, on the same data and with the same tight control as the stored values.
  spec <- inference_reference_models[[key]]
  fit <- fit_lmertest_tight(spec$formula, inference_reference_data(key))
  c(list(REMLcrit = lme4::REMLcrit(fit)), lmertest_inference_summary(fit))
}

skip_without_live_tools <- function() {
  for (p in c("lme4", "lmerTest", "pbkrtest", "minqa")) skip_if_not_installed(p)
}

# ---- the stored references themselves ----

test_that("stored inference references are complete and self-consistent", {
  expect_setequal(names(inference_reference), names(inference_reference_models))
  for (key in names(inference_reference)) {
    ref <- inference_reference[[key]]
    expect_identical(ref$fit_used, "bobyqa_tight")
    expect_identical(names(ref$fixef), rownames(ref$coef_satterthwaite))
    expect_coef_table_agrees(ref$coef_satterthwaite, ref$coef_satterthwaite, paste(key, "Satterthwaite"))
    expect_coef_table_agrees(ref$coef_kenward_roger, ref$coef_kenward_roger, paste(key, "Kenward-Roger"))
    expect_equal(unname(sqrt(diag(ref$vcov_kenward_roger))), unname(ref$coef_kenward_roger[, "Std. Error"]),
                 tolerance = 1e-10)
    for (slot in grep("^(anova|contest)_", names(ref), value = TRUE)) {
      expect_ftable_agrees(ref[[slot]], ref[[slot]], paste(key, slot), check_rownames = grepl("^anova", slot))
    }
    expect_identical(length(ref$contrasts) == 0L, length(ref$fixef) < 2L)
  }
})

test_that("stored references reproduce with the installed lmerTest and pbkrtest (sleepstudy, Machines)", {
  skip_without_live_tools()
  skip_if_not_installed("nlme")
  for (key in c("sleepstudy", "machines")) {
    live <- live_inference_reference(key)
    ref <- inference_reference[[key]]
    expect_coef_table_agrees(live$coef_satterthwaite, ref$coef_satterthwaite, paste(key, "live vs stored S"))
    expect_coef_table_agrees(live$coef_kenward_roger, ref$coef_kenward_roger, paste(key, "live vs stored KR"))
    expect_vcov_agrees(live$vcov_kenward_roger, ref$vcov_kenward_roger, paste(key, "live vs stored KR vcov"))
    expect_identical(live$contrasts, ref$contrasts)
  }
})

# ---- lmm() against the stored references, one model per block ----

test_that("sleepstudy (Days | Subject): Satterthwaite and Kenward-Roger agree with lmerTest / pbkrtest", {
  skip_if_not_installed("lme4")
  fit <- check_inference_model("sleepstudy")
  ref <- inference_reference$sleepstudy
  # Satterthwaite is the default; vcov() without a method stays unadjusted; anova type aliases.
  expect_equal(summary(fit)$coefficients, summary(fit, ddf = "Satterthwaite")$coefficients)
  expect_equal(unname(sqrt(diag(as.matrix(vcov(fit))))), unname(ref$coef_satterthwaite[, "Std. Error"]),
               tolerance = inference_tol$se_rel)
  for (k in 1:3) {
    expect_equal(anova(fit, type = as.character(as.roman(k)), ddf = "Satterthwaite"),
                 anova(fit, type = k, ddf = "Satterthwaite"))
  }
})

test_that("Orthodont distance ~ age + Sex + (age | Subject) agrees with lmerTest / pbkrtest", {
  skip_if_not_installed("nlme")
  check_inference_model("orthodont_sex")
})

test_that("Orthodont distance ~ age + (age | Subject) agrees with lmerTest / pbkrtest", {
  skip_if_not_installed("nlme")
  check_inference_model("orthodont")
})

test_that("Machines (1 | Worker/Machine) agrees with lmerTest / pbkrtest", {
  skip_if_not_installed("nlme")
  check_inference_model("machines")
})

test_that("Penicillin, crossed (1 | plate) + (1 | sample), intercept only, agrees with lmerTest / pbkrtest", {
  skip_if_not_installed("lme4")
  check_inference_model("penicillin")
})

test_that("Hsb82 mAch ~ meanses + cses + (cses | school): Satterthwaite agrees with lmerTest", {
  skip_if_not_installed("mlmRev")
  check_inference_model("hsb82", methods = "Satterthwaite")
})

test_that("Hsb82 mAch ~ meanses + cses + (cses | school): Kenward-Roger agrees with pbkrtest", {
  # Stored values, so not slow (pbkrtest took ~9 s to make them); the live comparison below is gated.
  skip_if_not_installed("mlmRev")
  check_inference_model("hsb82", methods = "Kenward-Roger")
})

# ---- lmm() against live lmerTest / pbkrtest ----

test_that("sleepstudy agrees with live lmerTest / pbkrtest", {
  skip_without_live_tools()
  check_inference_model("sleepstudy", live_inference_reference("sleepstudy"), "sleepstudy vs live")
})

test_that("Machines agrees with live lmerTest / pbkrtest", {
  skip_without_live_tools()
  skip_if_not_installed("nlme")
  check_inference_model("machines", live_inference_reference("machines"), "machines vs live")
})

test_that("Hsb82 (7,185 rows) agrees with live lmerTest / pbkrtest (slow)", {
  skip_if_not(run_slow_tests(), "set LMMKIT_SLOW_TESTS=true")
  skip_without_live_tools()
  skip_if_not_installed("mlmRev")
  check_inference_model("hsb82", live_inference_reference("hsb82"), "hsb82 vs live")
})

# ---- Kenward-Roger on an ML fit, bad input ----

test_that("Kenward-Roger on an ML fit refits with REML, says so, and gives the REML fit's values", {
  skip_if_not_installed("lme4")
  ml_fit <- fit_inference_model("sleepstudy", REML = FALSE)
  reml_fit <- fit_inference_model("sleepstudy", REML = TRUE)
  ref <- inference_reference$sleepstudy
  expect_message(s <- summary(ml_fit, ddf = "Kenward-Roger"), "REML")
  expect_equal(s$coefficients, summary(reml_fit, ddf = "Kenward-Roger")$coefficients, tolerance = 1e-6)
  expect_coef_table_agrees(s$coefficients, ref$coef_kenward_roger, "sleepstudy ML fit, Kenward-Roger summary")
  expect_message(v <- vcov(ml_fit, method = "Kenward-Roger"), "REML")
  expect_vcov_agrees(v, ref$vcov_kenward_roger, "sleepstudy ML fit, Kenward-Roger vcov")
  expect_message(ct <- contrast_test(ml_fit, ref$contrasts$joint, ddf = "Kenward-Roger"), "REML")
  expect_ftable_agrees(ct, ref$contest_joint_kenward_roger, "sleepstudy ML fit, Kenward-Roger contrast",
                       check_rownames = FALSE)
})

test_that("bad input to the inference functions gives clear errors", {
  skip_if_not_installed("lme4")
  fit <- fit_inference_model("sleepstudy")  # 2 fixed effects
  expect_error(contrast_test(fit, c(1, 0, 0)), "column")
  expect_error(contrast_test(fit, matrix(1, nrow = 2, ncol = 3)), "column")
  expect_error(contrast_test(fit, "a"))
  expect_error(summary(fit, ddf = "Satterthwait"), "ddf")
  expect_error(summary(fit, ddf = "Satterthwiate"), "ddf")
  expect_error(contrast_test(fit, c(0, 1), ddf = "Kenward-Rogers"), "ddf")
  expect_error(anova(fit, ddf = "KR-method"), "ddf")
  expect_error(anova(fit, type = 4))
})
