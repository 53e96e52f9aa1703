# tidy(), glance() and augment() for lmm fits, in broom.mixed's layout for lme4/lmerTest fits.

#' @importFrom generics tidy
#' @export
generics::tidy

#' @importFrom generics glance
#' @export
generics::glance

#' @importFrom generics augment
#' @export
generics::augment

tidy_effects <- c("fixed", "ran_pars", "ran_vals", "ran_coefs")
tidy_columns <- c("effect", "group", "level", "term", "estimate", "std.error", "statistic",
                  "df", "p.value", "conf.low", "conf.high")

#' Tidy the estimates of an lmm fit
#'
#' One row per estimate, in the layout `broom.mixed::tidy()` gives for a
#' model fitted with `lmerTest::lmer()` (or, with `ddf.method = "none"`, with
#' `lme4::lmer()`): columns `effect`, `group`, `level`, `term`, `estimate`,
#' `std.error`, `statistic`, `df`, `p.value`, `conf.low`, `conf.high`, of
#' which only those that the chosen effects fill are returned, in that order.
#' Rows come in the order fixed effects, variance parameters, conditional
#' modes, per-level coefficients, whatever the order of `effects`.
#'
#' * `"fixed"`: the fixed effects, as [summary.lmm()]: estimate, standard
#'   error, t statistic and, unless `ddf.method = "none"`, the denominator
#'   degrees of freedom and p value (`"Kenward-Roger"`: the adjusted standard
#'   errors of pbkrtest; an ML fit is refitted with REML, with a message).
#' * `"ran_pars"`: standard deviations and correlations of each random-effect
#'   term (terms `sd__(Intercept)`, `cor__(Intercept).Days`), group as in
#'   [VarCorr.lmm()], then the residual standard deviation (group
#'   `"Residual"`, term `sd__Observation`); with `scales = "vcov"`,
#'   variances and covariances (`var__`, `cov__`).
#' * `"ran_vals"`: conditional modes (`estimate`) and conditional standard
#'   deviations (`std.error`) of the random effects, with `level`.
#' * `"ran_coefs"`: per-level coefficients as [coef.lmm()].
#'
#' Confidence intervals (`conf.int = TRUE`):
#' * fixed effects, `conf.method = "Wald"`: estimate +- quantile x standard
#'   error, the quantile of the t distribution with the `ddf.method` degrees
#'   of freedom (as broom.mixed does for lmerTest fits), or of the normal
#'   distribution with `ddf.method = "none"` (as for lme4 fits);
#' * variance parameters, `conf.method = "Wald"`: `NA`, as broom.mixed and
#'   lme4 give them (lme4 has no Wald intervals for variance parameters);
#' * `conf.method = "profile"` or `"boot"`: the intervals of [confint.lmm()]
#'   for both fixed effects and variance parameters (on the standard
#'   deviation and correlation scale; with `scales = "vcov"` the limits of a
#'   standard deviation are squared for its variance and covariances get
#'   `NA`). broom.mixed would still give t-based intervals for the fixed
#'   effects of an lmerTest fit here;
#' * conditional modes: Wald intervals with normal quantiles (other methods
#'   are an error); per-level coefficients: `NA`, with a warning.
#'
#' @param x An [`lmm`][lmm] object.
#' @param effects Any of `"fixed"`, `"ran_pars"`, `"ran_vals"`,
#'   `"ran_coefs"`.
#' @param scales `NULL`, or one value per element of `effects`: for
#'   `"ran_pars"`, `"sdcor"` (default) or `"vcov"`; `NA` for the others.
#' @param conf.int Add columns `conf.low` and `conf.high`?
#' @param conf.level Confidence level.
#' @param conf.method `"Wald"`, `"profile"` or `"boot"`; see Details.
#' @param ddf.method Degrees of freedom of the fixed effects:
#'   `"Satterthwaite"`, `"Kenward-Roger"` or `"none"` (also `"lme4"`: no df
#'   and p values, as lme4).
#' @param ... Passed to [confint.lmm()] (e.g. `nsim` for `"boot"`).
#' @return A tibble when the tibble package is installed, else a data frame.
#' @seealso [glance.lmm()], [augment.lmm()], [summary.lmm()], [confint.lmm()]
#' @examples
#' fit <- lmm(time ~ feed + (1 | bird), data = pigeons)
#' tidy(fit)
#' tidy(fit, effects = "fixed", conf.int = TRUE, ddf.method = "Kenward-Roger")
#' tidy(fit, effects = c("ran_pars", "fixed"), scales = c("vcov", NA))
#' head(tidy(fit, effects = "ran_vals", conf.int = TRUE))
#' @export
#' @family interfaces to other packages
tidy.lmm <- function(x, effects = c("ran_pars", "fixed"), scales = NULL, conf.int = FALSE,
                     conf.level = 0.95, conf.method = "Wald", ddf.method = "Satterthwaite", ...) {
  effects <- check_tidy_effects(effects)
  scale <- ran_pars_scale(effects, scales)
  check_tidy_interval(conf.int, conf.level, conf.method)
  ddf <- tidy_ddf(ddf.method)
  if (conf.int && conf.method != "Wald" && "ran_vals" %in% effects) {
    stop("tidy(): only Wald intervals are available for the conditional modes (\"ran_vals\").",
         call. = FALSE)
  }
  intervals <- if (conf.int && conf.method != "Wald" && any(c("fixed", "ran_pars") %in% effects)) {
    confint.lmm(x, level = conf.level, method = conf.method, ...)
  }
  parts <- list(
    fixed = if ("fixed" %in% effects) tidy_fixed(x, ddf, conf.int, conf.level, intervals),
    ran_pars = if ("ran_pars" %in% effects) tidy_ran_pars(x, scale, conf.int, intervals),
    ran_vals = if ("ran_vals" %in% effects) tidy_ran_vals(x, conf.int, conf.level),
    ran_coefs = if ("ran_coefs" %in% effects) tidy_ran_coefs(x, conf.int)
  )
  as_tidy_frame(bind_tidy_rows(parts))
}

check_tidy_effects <- function(effects) {
  if (!is.character(effects) || length(effects) == 0L || anyNA(effects)) {
    stop("tidy(): `effects` must name one or more of ", quoted_list(tidy_effects), ".",
         call. = FALSE)
  }
  unknown <- setdiff(effects, tidy_effects)
  if (length(unknown)) {
    stop("tidy(): unknown `effects` value", if (length(unknown) > 1L) "s", " ",
         quoted_list(unknown), "; choose from ", quoted_list(tidy_effects), ".", call. = FALSE)
  }
  effects
}

#' The scale of the variance parameters: "sdcor" unless `scales` says "vcov"
#' @noRd
ran_pars_scale <- function(effects, scales) {
  if (is.null(scales)) return("sdcor")
  if (length(scales) != length(effects)) {
    stop("tidy(): `scales` must have one value per element of `effects` (", length(effects),
         "), NA for effects other than \"ran_pars\".", call. = FALSE)
  }
  if (!"ran_pars" %in% effects) return("sdcor")
  scale <- scales[effects == "ran_pars"][1L]
  if (is.na(scale) || !scale %in% c("sdcor", "vcov")) {
    stop("tidy(): the scale of \"ran_pars\" must be \"sdcor\" or \"vcov\", not ",
         describe_value(scale), ".", call. = FALSE)
  }
  scale
}

check_tidy_interval <- function(conf.int, conf.level, conf.method) {
  if (!is.logical(conf.int) || length(conf.int) != 1L || is.na(conf.int)) {
    stop("tidy(): `conf.int` must be TRUE or FALSE.", call. = FALSE)
  }
  if (!is.numeric(conf.level) || length(conf.level) != 1L || !(conf.level > 0 && conf.level < 1)) {
    stop("tidy(): `conf.level` must be a single number between 0 and 1.", call. = FALSE)
  }
  methods <- c("Wald", "profile", "boot")
  if (!is.character(conf.method) || length(conf.method) != 1L || !conf.method %in% methods) {
    stop("tidy(): `conf.method` must be one of ", quoted_list(methods), ".", call. = FALSE)
  }
}

#' ddf.method as summary.lmm() names it; "lme4" and NULL mean "none"
#' @noRd
tidy_ddf <- function(ddf.method) {
  if (is.null(ddf.method) || identical(ddf.method, "lme4")) return("none")
  if (!is.character(ddf.method) || length(ddf.method) != 1L || !ddf.method %in% ddf_methods) {
    stop("tidy(): `ddf.method` must be one of ", quoted_list(c(ddf_methods, "lme4")), ".",
         call. = FALSE)
  }
  ddf.method
}

#' Fixed-effect rows: summary.lmm()'s table, with Wald or confint.lmm() limits
#' @noRd
tidy_fixed <- function(x, ddf, conf.int, conf.level, intervals) {
  tab <- coefficient_table(x, ddf)
  out <- data.frame(term = rownames(tab), estimate = tab[, "Estimate"],
                    std.error = tab[, "Std. Error"], statistic = tab[, "t value"],
                    stringsAsFactors = FALSE)
  if (ddf != "none") {
    out$df <- tab[, "df"]
    out$p.value <- tab[, "Pr(>|t|)"]
  }
  if (conf.int) {
    limits <- if (is.null(intervals)) {
      mult <- if (ddf == "none") stats::qnorm((1 + conf.level) / 2) else stats::qt((1 + conf.level) / 2, out$df)
      cbind(out$estimate - mult * out$std.error, out$estimate + mult * out$std.error)
    } else {
      intervals[out$term, , drop = FALSE]
    }
    out$conf.low <- unname(limits[, 1L])
    out$conf.high <- unname(limits[, 2L])
  }
  rownames(out) <- NULL
  out
}

#' Variance-parameter rows: VarCorr in lme4's lower-triangle order, then the residual
#' @noRd
tidy_ran_pars <- function(x, scale, conf.int, intervals) {
  vc <- as.data.frame.VarCorr.lmm(VarCorr.lmm(x), order = "lower.tri")
  is_pair <- !is.na(vc$var2)
  prefix <- if (scale == "vcov") c("var", "cov") else c("sd", "cor")
  names <- ifelse(is.na(vc$var1), "Observation",
                  ifelse(is_pair, paste(vc$var1, vc$var2, sep = "."), vc$var1))
  out <- data.frame(group = vc$grp, term = paste(prefix[1L + is_pair], names, sep = "__"),
                    estimate = vc[[scale]], stringsAsFactors = FALSE)
  if (conf.int) {
    limits <- matrix(NA_real_, nrow(out), 2L)
    if (!is.null(intervals)) limits <- unname(intervals[seq_len(nrow(out)), , drop = FALSE])
    if (scale == "vcov") {
      limits[!is_pair, ] <- limits[!is_pair, ]^2
      limits[is_pair, ] <- NA_real_
    }
    out$conf.low <- limits[, 1L]
    out$conf.high <- limits[, 2L]
  }
  out
}

#' Conditional-mode rows: as.data.frame(ranef()) renamed as broom.mixed does
#' @noRd
tidy_ran_vals <- function(x, conf.int, conf.level) {
  re <- as.data.frame.ranef.lmm(ranef.lmm(x))
  out <- data.frame(group = as.character(re$grpvar), level = as.character(re$grp),
                    term = as.character(re$term), estimate = re$condval,
                    std.error = re$condsd %||% rep(NA_real_, nrow(re)), stringsAsFactors = FALSE)
  if (conf.int) {
    mult <- stats::qnorm((1 + conf.level) / 2)
    out$conf.low <- out$estimate - mult * out$std.error
    out$conf.high <- out$estimate + mult * out$std.error
  }
  out
}

#' Per-level coefficient rows: coef(), grouping factor by grouping factor, column by column
#' @noRd
tidy_ran_coefs <- function(x, conf.int) {
  cf <- coef.lmm(x)
  out <- do.call(rbind, lapply(names(cf), function(g) {
    d <- cf[[g]]
    data.frame(group = g, level = rep(rownames(d), ncol(d)),
               term = rep(colnames(d), each = nrow(d)),
               estimate = unlist(d, use.names = FALSE), stringsAsFactors = FALSE)
  }))
  if (conf.int) {
    warning("tidy(): confidence intervals are not available for the per-level coefficients ",
            "(\"ran_coefs\"); their conf.low and conf.high are NA.", call. = FALSE)
    out$conf.low <- NA_real_
    out$conf.high <- NA_real_
  }
  out
}

#' Stack the rows of each effect, add `effect`, fill absent columns with NA, order the columns
#' @noRd
bind_tidy_rows <- function(parts) {
  parts <- parts[!vapply(parts, is.null, NA)]
  present <- intersect(tidy_columns, c("effect", unlist(lapply(parts, names))))
  filled <- lapply(names(parts), function(effect) {
    part <- parts[[effect]]
    part$effect <- rep(effect, nrow(part))
    for (col in setdiff(present, names(part))) {
      part[[col]] <- if (col %in% c("group", "level", "term")) NA_character_ else NA_real_
    }
    part[present]
  })
  out <- do.call(rbind, filled)
  rownames(out) <- NULL
  out
}

#' A tibble, as broom returns, when the tibble package is there; else the data frame
#' @noRd
as_tidy_frame <- function(df) {
  if (requireNamespace("tibble", quietly = TRUE)) tibble::as_tibble(df) else df
}

#' One-row summary of an lmm fit
#'
#' The columns `broom.mixed::glance()` gives for an lme4 fit: `nobs`,
#' `sigma`, `logLik` (the REML log-likelihood of a REML fit), `AIC`, `BIC`,
#' then `REMLcrit` (the REML criterion) for a REML fit or `deviance` (the ML
#' deviance) for an ML fit, and `df.residual` (see [df.residual.lmm()]).
#'
#' @param x An [`lmm`][lmm] object.
#' @param ... Ignored.
#' @return A one-row tibble (a data frame without the tibble package).
#' @examples
#' fit <- lmm(time ~ feed + (1 | bird), data = pigeons)
#' glance(fit)
#' glance(update(fit, REML = FALSE))
#' @method glance lmm
#' @export
#' @family interfaces to other packages
glance.lmm <- function(x, ...) {
  ll <- logLik.lmm(x)
  criterion <- stats::setNames(list(x$objective), if (x$REML) "REMLcrit" else "deviance")
  as_tidy_frame(data.frame(nobs = nobs.lmm(x), sigma = x$sigma, logLik = as.numeric(ll),
                           AIC = stats::AIC(ll), BIC = stats::BIC(ll), criterion,
                           df.residual = df.residual.lmm(x)))
}

#' Add fitted values, residuals and influence measures to the data of an lmm fit
#'
#' The columns `broom.mixed::augment()` adds for an lme4 fit, bound to
#' `data`: `.fitted` (conditional fitted values, as [fitted.lmm()]),
#' `.resid` (response residuals), `.hat` ([hatvalues.lmm()]), `.cooksd`
#' ([cooks.distance.lmm()]), `.fixed` (population-level predictions
#' X beta + offset), `.mu` (the conditional mean, equal to `.fitted` for a
#' linear mixed model), `.offset`, `.sqrtXwt` and `.sqrtrwt` (both the square
#' roots of the prior weights, as lme4 stores them for a linear mixed model),
#' `.weights` (prior weights) and `.wtres` (weighted residuals
#' sqrt(w) (y - fitted)). As broom does, a column `.rownames` comes first
#' when `data` has row names other than 1, 2, ..., n.
#'
#' `data` defaults to the model frame (the observations used in the fit). A
#' fit made with `na.action = na.exclude` also accepts the original data,
#' with the rows left out of the fit: they get `NA` in every added column.
#' With `newdata`, the result is `newdata` with `.fitted` (from
#' [predict.lmm()], which gets `...`, e.g. `allow.new.levels = TRUE`) and
#' `.fixed` (the population-level prediction; broom.mixed leaves it out).
#'
#' @param x An [`lmm`][lmm] object.
#' @param data The data the model was fitted to.
#' @param newdata Optional data frame to predict for instead.
#' @param ... Passed to [predict.lmm()] with `newdata`.
#' @return A tibble (a data frame without the tibble package).
#' @examples
#' fit <- lmm(time ~ feed + (1 | bird), data = pigeons)
#' head(augment(fit))
#' augment(fit, newdata = pigeons[1:3, ])
#' @method augment lmm
#' @export
#' @family interfaces to other packages
augment.lmm <- function(x, data = stats::model.frame(x), newdata = NULL, ...) {
  if (!is.null(newdata)) {
    newdata <- as.data.frame(newdata)
    added <- data.frame(.fitted = unname(predict.lmm(x, newdata = newdata, ...)),
                        .fixed = unname(predict.lmm(x, newdata = newdata, re.form = NA)))
    return(as_tidy_frame(cbind(data_with_rownames(newdata), added)))
  }
  data <- as.data.frame(data)
  added <- match_data_rows(x, augment_columns_lmm(x), nrow(data))
  as_tidy_frame(cbind(data_with_rownames(data), added))
}

#' The columns augment() adds, one row per observation used in the fit
#' @noRd
augment_columns_lmm <- function(x) {
  w <- x$weights
  data.frame(.fitted = unname(x$fitted), .resid = unname(x$resid), .hat = leverages(x),
             .cooksd = cook_distances(x),
             .fixed = as.numeric(x$X %*% x$beta) + x$offset, .mu = unname(x$fitted),
             .offset = x$offset, .sqrtXwt = sqrt(w), .sqrtrwt = sqrt(w), .weights = w,
             .wtres = sqrt(w) * unname(x$resid))
}

#' The added columns for the rows of `data`: as they are, or padded with NA
#' for the rows na.exclude left out
#' @noRd
match_data_rows <- function(x, added, n_data) {
  if (n_data == nrow(added)) return(added)
  na_act <- attr(x$frame, "na.action")
  if (inherits(na_act, "exclude") && n_data == nrow(added) + length(na_act)) {
    padded <- lapply(added, function(column) stats::naresid(na_act, column))
    return(as.data.frame(padded))
  }
  stop(sprintf(paste("augment(): `data` has %d rows, but the model was fitted to %d",
                     "observations%s; pass the data the model was fitted to, or use `newdata`."),
               n_data, nrow(added),
               if (inherits(na_act, "exclude")) sprintf(" (%d with the rows na.exclude left out)",
                                                         nrow(added) + length(na_act)) else ""),
       call. = FALSE)
}

#' `data` with a first column `.rownames` when its row names are not 1..n, as broom
#' @noRd
data_with_rownames <- function(data) {
  if (!identical(rownames(data), as.character(seq_len(nrow(data))))) {
    data <- cbind(data.frame(.rownames = rownames(data), stringsAsFactors = FALSE), data)
  }
  rownames(data) <- NULL
  data
}
