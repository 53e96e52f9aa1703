# check_confounding(): Mundlak's within-between test that the random effects are uncorrelated with the covariates.

#' Are the random effects confounded with a covariate?
#'
#' A mixed model assumes that its random effects are uncorrelated with the
#' covariates (the "cardinal rule" of random-effects models). When a
#' covariate's cluster means are related to the cluster's random effect (say,
#' richer schools recruit abler pupils), the fixed-effect estimate is biased.
#' `check_confounding()` tests this for each grouping factor with Mundlak's
#' within-between decomposition, names the covariates it finds correlated and
#' says what that does to the estimate.
#'
#' For a grouping factor g, every covariate x that is tested gets its cluster
#' mean \eqn{\bar{x}_g} (the mean of x over the rows of each level of g used in the fit,
#' weighted by the prior weights) as an extra fixed effect, and the model is
#' refitted once with all these means (same random effects, same rows, same
#' REML or ML setting). In this augmented (Mundlak 1978) model
#'
#' * the coefficient of x is the *within*-g effect: the effect of x on y when x
#'   changes inside a level of g. It is not affected by any correlation between
#'   x and the random effects of g: in a random-intercept model with a balanced
#'   design it equals the fixed-effects ("within") estimate of
#'   `lm(y ~ x + factor(g))` exactly;
#' * the coefficient of x + the coefficient of \eqn{\bar{x}_g} is the *between*-g effect,
#'   the effect of a difference in the cluster means;
#' * the coefficient of \eqn{\bar{x}_g} (between minus within, the "contextual" effect) is
#'   zero when the random effect of g is uncorrelated with x. Its Wald test
#'   (normal reference) is the test of the assumption; with several covariates
#'   a joint Wald chi-square test (one degree of freedom per cluster mean) is
#'   given too.
#'
#' What confounding does to the estimate: the pooled estimate of the original
#' fit is a (matrix-)weighted average of the within and between effects, so
#' when they differ it carries an omitted-variable bias and answers neither
#' question. Report the within effect, or keep the cluster means in the model
#' (the "within-between" model Bell and Jones 2015 recommend over fixed-effects
#' models). The Hausman (1978) test compares the same within (fixed-effects)
#' and pooled (random-effects) estimates; in a balanced random-intercept model
#' it is equivalent to the Mundlak test, which cannot give a negative statistic.
#'
#' Tested are the fixed-effect columns of main effects: numeric covariates
#' (also transformed, `log(x)`, or matrix terms, `poly(x, 2)`) and factor
#' dummies (whose cluster means are the shares of the level); interactions are
#' not. A covariate is skipped for g, with a note, when it is constant within
#' every level of g (a cluster-level covariate), when its cluster means are all
#' equal (the estimate is then purely within) or when its cluster mean is
#' collinear with the other fixed effects.
#'
#' @param fit An [`lmm`][lmm] fit.
#' @param covariates Optional character vector of the covariates to test:
#'   term labels (`"x"`, `"log(x)"`, `"feed"`), fixed-effect column names
#'   (`"feedafter"`) or variable names (`"x"` for `log(x)`). Default: all main
#'   effects.
#' @param groups Optional names of grouping factors (as in `names(ngrps(fit))`).
#'   Default: all of them.
#' @param level Significance level of the verdicts.
#' @return An object of class `"lmm_confounding"`, a list with `table` (one row
#'   per grouping factor and covariate: `group`, `covariate`, `pooled`,
#'   `pooled_se` (from `fit`), `within`, `within_se`, `between`, `between_se`,
#'   `contextual`, `contextual_se`, `z`, `p_value`, `correlated`), `joint` (one
#'   row per grouping factor: `group`, `chisq`, `df`, `p_value`, `correlated`),
#'   `skipped` (`group`, `covariate`, `reason`), `level`, and `fits`, the
#'   augmented fits by grouping factor (for [fixef()], [vcov()] and
#'   [summary()]; their extra columns are named `mean(x | g)`).
#' @references Mundlak Y (1978). On the pooling of time series and cross
#'   section data. Econometrica 46(1), 69-85.
#'
#'   Bell A, Jones K (2015). Explaining fixed effects: random effects modeling
#'   of time-series cross-sectional and panel data. Political Science Research
#'   and Methods 3(1), 133-153.
#'
#'   Hausman JA (1978). Specification tests in econometrics. Econometrica
#'   46(6), 1251-1271.
#' @seealso [lmm()]
#' @examples
#' fit <- lmm(time ~ feed + (1 | bird), data = pigeons)
#' check_confounding(fit)
#'
#' # a covariate whose cluster means go with the cluster effect
#' set.seed(1)
#' g <- factor(rep(1:40, each = 8))
#' u <- rnorm(40)[g]
#' x <- u + rnorm(320)
#' y <- 1 + 0.5 * x + 2 * u + rnorm(320)
#' check_confounding(lmm(y ~ x + (1 | g), data = data.frame(y, x, g)))
#' @export
#' @family diagnostics
check_confounding <- function(fit, covariates = NULL, groups = NULL, level = 0.05) {
  if (!inherits(fit, "lmm")) stop("fit must be an lmm fit (from lmm()).", call. = FALSE)
  if (!is.numeric(level) || length(level) != 1L || !(level > 0 && level < 1)) {
    stop("level must be a single number between 0 and 1.", call. = FALSE)
  }
  groups <- confounding_groups(fit, groups)
  cols <- confounding_columns(fit, covariates)
  res <- lapply(groups, function(g) mundlak_group(fit, g, cols, level))
  table <- do.call(rbind, lapply(res, `[[`, "table"))
  skipped <- do.call(rbind, lapply(res, `[[`, "skipped"))
  if (is.null(table)) {
    stop(no_covariate_message(skipped, groups), call. = FALSE)
  }
  fits <- lapply(res, `[[`, "fit")
  names(fits) <- groups
  structure(list(table = table, joint = do.call(rbind, lapply(res, `[[`, "joint")),
                 skipped = skipped, level = level, fits = Filter(Negate(is.null), fits)),
            class = "lmm_confounding")
}

#' The grouping factors to test, checked against the fit's
#' @noRd
confounding_groups <- function(fit, groups) {
  all_groups <- names(fit$re$flist)
  if (is.null(groups)) return(all_groups)
  bad <- setdiff(groups, all_groups)
  if (length(bad) > 0L) {
    stop(sprintf("groups not among the model's grouping factors: %s (the model has %s).",
                 quote_names(bad), quote_names(all_groups)), call. = FALSE)
  }
  unique(groups)
}

#' Main-effect columns of X (numeric covariates, factor dummies), as a data
#' frame `column`, `term`; restricted to `covariates` when given
#' @noRd
confounding_columns <- function(fit, covariates) {
  tt <- attr(fit$frame, "terms")
  labels <- attr(tt, "term.labels")
  assign <- attr(fit$X, "assign")
  main <- assign > 0L & attr(tt, "order")[pmax(assign, 1L)] == 1L
  cols <- data.frame(column = colnames(fit$X)[main], term = labels[assign[main]],
                     stringsAsFactors = FALSE)
  if (is.null(covariates)) return(cols)
  if (!is.character(covariates)) stop("covariates must be a character vector of names.", call. = FALSE)
  vars <- lapply(cols$term, function(l) all.vars(str2lang(l)))
  hit <- function(name) cols$column == name | cols$term == name |
    vapply(vars, function(v) name %in% v, NA)
  found <- vapply(covariates, function(name) any(hit(name)), NA)
  if (!all(found)) {
    stop(sprintf(paste("covariates not found among the main effects of the model's fixed part:",
                       "%s (the model has %s)."), quote_names(covariates[!found]),
                 if (nrow(cols) > 0L) quote_names(unique(cols$term)) else "none"),
         call. = FALSE)
  }
  cols[Reduce(`|`, lapply(covariates, hit)), , drop = FALSE]
}

#' Mundlak refit for one grouping factor: cluster means of the testable
#' columns added jointly, within/between/contextual effects and the joint test
#' @noRd
mundlak_group <- function(fit, g, cols, level) {
  f <- fit$re$flist[[g]]
  w <- fit$weights
  means <- lapply(cols$column, function(col) cluster_mean(fit$X[, col], f, w))
  reason <- vapply(seq_along(means), function(j) {
    variation_problem(fit$X[, cols$column[j]], means[[j]], w)
  }, "")
  Xa <- fit$X
  mean_names <- sprintf("mean(%s | %s)", cols$column, g)
  for (j in which(reason == "")) {
    if (qr(cbind(Xa, means[[j]]), tol = 1e-7)$rank > ncol(Xa)) {
      Xa <- cbind(Xa, means[[j]])
      colnames(Xa)[ncol(Xa)] <- mean_names[j]
    } else {
      reason[j] <- "its cluster mean is collinear with the other fixed effects"
    }
  }
  skipped <- if (any(reason != "")) {
    data.frame(group = g, covariate = cols$column[reason != ""],
               reason = reason[reason != ""], stringsAsFactors = FALSE)
  }
  tested <- reason == ""
  if (!any(tested)) return(list(skipped = skipped))
  aug <- mundlak_refit(fit, Xa, fit$X, g)
  list(table = effects_table(fit, aug, g, cols$column[tested], mean_names[tested], level),
       joint = joint_row(aug, g, mean_names[tested], level), skipped = skipped, fit = aug)
}

#' Weighted mean of x over the rows of each level of f, one value per row
#' @noRd
cluster_mean <- function(x, f, w) {
  (tapply(w * x, f, sum) / tapply(w, f, sum))[as.integer(f)]
}

#' Why a column cannot be tested ("" when it can): no variation within or
#' between the levels
#' @noRd
variation_problem <- function(x, xbar, w) {
  total <- sum(w * (x - sum(w * x) / sum(w))^2)
  if (total <= 0 || sum(w * (x - xbar)^2) <= 1e-10 * total) {
    return("constant within every level")
  }
  if (sum(w * (xbar - sum(w * x) / sum(w))^2) <= 1e-10 * total) {
    return("same mean in every level (no between-level variation)")
  }
  ""
}

#' Refit with the augmented fixed-effect matrix: same rows, random effects,
#' weights, offset, REML setting and control, through the engine stages
#' @noRd
mundlak_refit <- function(fit, Xa, X, g) {
  new <- setdiff(colnames(Xa), colnames(X))
  attr(Xa, "assign") <- c(attr(X, "assign"), max(attr(X, "assign")) + seq_along(new))
  attr(Xa, "contrasts") <- attr(X, "contrasts")
  attr(Xa, "dropped") <- character(0)
  frame <- fit$frame
  for (nm in new) frame[[nm]] <- unname(Xa[, nm])
  formula <- fit$formula
  for (nm in new) formula[[3L]] <- call("+", formula[[3L]], as.name(nm))
  mats <- list(formula = formula, frame = frame, y = fit$y, X = Xa,
               weights = fit$weights, offset = fit$offset, re = fit$re)
  engine <- fit_lmm_engine(mats, fit$REML, fit$control)
  assemble_lmm(mats, engine, call("check_confounding", formula = formula), fit$REML, fit$control)
}

#' Wald test that the coefficients `est` (covariance `V`) are all zero:
#' chi-square, df and p value (normal reference: z^2 for one coefficient).
#' The one place to swap in a small-sample (Satterthwaite) reference later.
#' @noRd
contextual_test <- function(est, V) {
  V <- as.matrix(V)
  chisq <- as.numeric(crossprod(est, solve(V, est)))
  list(chisq = chisq, df = length(est),
       p_value = stats::pchisq(chisq, length(est), lower.tail = FALSE))
}

#' Per-covariate rows: pooled, within, between and contextual effects
#' @noRd
effects_table <- function(fit, aug, g, cols, mean_names, level) {
  b <- aug$beta
  V <- vcov.lmm(aug)
  V0 <- vcov.lmm(fit)
  rows <- lapply(seq_along(cols), function(j) {
    x <- cols[j]
    m <- mean_names[j]
    test <- contextual_test(b[[m]], V[m, m])
    data.frame(group = g, covariate = x, pooled = fit$beta[[x]], pooled_se = sqrt(V0[x, x]),
               within = b[[x]], within_se = sqrt(V[x, x]), between = b[[x]] + b[[m]],
               between_se = sqrt(V[x, x] + V[m, m] + 2 * V[x, m]),
               contextual = b[[m]], contextual_se = sqrt(V[m, m]),
               z = b[[m]] / sqrt(V[m, m]), p_value = test$p_value,
               correlated = test$p_value < level, stringsAsFactors = FALSE)
  })
  do.call(rbind, rows)
}

#' The joint Wald test of all cluster means of one grouping factor
#' @noRd
joint_row <- function(aug, g, mean_names, level) {
  test <- contextual_test(aug$beta[mean_names], vcov.lmm(aug)[mean_names, mean_names])
  data.frame(group = g, chisq = test$chisq, df = test$df, p_value = test$p_value,
             correlated = test$p_value < level, stringsAsFactors = FALSE)
}

#' Error message when nothing could be tested
#' @noRd
no_covariate_message <- function(skipped, groups) {
  what <- paste("check_confounding() found no covariate to test: it looks for fixed-effect",
                "main effects (numeric covariates or factor dummies) that vary both within",
                "and between the levels of a grouping factor")
  if (is.null(skipped)) {
    return(sprintf("%s (%s), and the fixed part has none.", what, quote_names(groups)))
  }
  why <- sprintf("%s for %s: %s", sQuote(skipped$covariate, FALSE),
                 sQuote(skipped$group, FALSE), skipped$reason)
  sprintf("%s. In this model: %s.", what, paste(why, collapse = "; "))
}

quote_names <- function(x) paste(sQuote(x, FALSE), collapse = ", ")

#' Print the result of check_confounding()
#'
#' One plain sentence per grouping factor and covariate, the joint test when
#' several covariates were tested for a grouping factor, the covariates that
#' could not be tested, and a table of the estimates.
#'
#' @param x The result of [check_confounding()].
#' @param digits Significant digits of the numbers.
#' @param ... Ignored.
#' @return `x`, invisibly.
#' @export
print.lmm_confounding <- function(x, digits = 3, ...) {
  cat_wrapped("Are the random effects correlated with the covariates? (Mundlak within-between test)")
  for (g in unique(c(x$table$group, x$skipped$group))) print_confounding_group(x, g, digits)
  tab <- x$table
  out <- data.frame(group = tab$group, covariate = tab$covariate,
                    pooled = signif(tab$pooled, digits), within = signif(tab$within, digits),
                    SE = signif(tab$within_se, digits), between = signif(tab$between, digits),
                    contextual = signif(tab$contextual, digits),
                    p = format.pval(tab$p_value, digits = 2, eps = 1e-4))
  cat("\n")
  print(out, row.names = FALSE)
  cat(strwrap(paste("(within = effect inside a level; between = effect of the level means;",
                    "contextual = between - within, tested against 0.)")), sep = "\n")
  invisible(x)
}

#' The sentences for one grouping factor
#' @noRd
print_confounding_group <- function(x, g, digits) {
  cat(sprintf("\nGrouping factor %s:\n", sQuote(g, FALSE)))
  rows <- x$table[x$table$group == g, , drop = FALSE]
  for (i in seq_len(nrow(rows))) cat_wrapped(confounding_sentence(rows[i, ], digits))
  jt <- x$joint[x$joint$group == g, , drop = FALSE]
  if (nrow(rows) > 1L) {
    cat_wrapped(sprintf("Jointly (%d cluster means): chi-square = %s on %d df, %s: %s.",
                        jt$df, fmt_num(jt$chisq, digits), jt$df, fmt_p(jt$p_value),
                        if (jt$correlated) "the random effect is correlated with the covariates"
                        else "no evidence of correlation"))
  }
  sk <- x$skipped
  for (i in which(!is.null(sk) & sk$group == g)) {
    cat(sprintf("Not tested: %s (%s of %s).\n", sk$covariate[i], sk$reason[i], sQuote(g, FALSE)))
  }
}

#' A sentence wrapped to the console's width, continuation lines indented
#' @noRd
cat_wrapped <- function(text) {
  cat(strwrap(text, width = getOption("width"), exdent = 2), sep = "\n")
}

#' The verdict on one covariate, in words
#' @noRd
confounding_sentence <- function(row, digits) {
  x <- row$covariate
  g <- sQuote(row$group, FALSE)
  if (row$correlated) {
    return(sprintf(paste("%s is correlated with the random effect of %s (%s): the pooled estimate",
                         "%s mixes a within-%s effect of %s and a between-%s effect of %s. Report",
                         "the within effect, or add the cluster mean of %s to the model (Mundlak 1978)."),
                   x, g, fmt_p(row$p_value), fmt_num(row$pooled, digits), row$group,
                   fmt_num(row$within, digits), row$group, fmt_num(row$between, digits), x))
  }
  sprintf(paste("no evidence that %s is correlated with the random effect of %s (%s): within-%s",
                "effect %s, between-%s effect %s, pooled estimate %s."),
          x, g, fmt_p(row$p_value), row$group, fmt_num(row$within, digits), row$group,
          fmt_num(row$between, digits), fmt_num(row$pooled, digits))
}

fmt_num <- function(x, digits) trimws(formatC(x, digits = digits, format = "fg"))

fmt_p <- function(p) if (p < 1e-4) "p < 0.0001" else sprintf("p = %s", formatC(p, digits = 2, format = "fg"))
