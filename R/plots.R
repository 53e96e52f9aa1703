# Diagnostic plots of an lmm fit in base graphics: residual, QQ and caterpillar plots.

#' Diagnostic plots of an lmm fit
#'
#' `plot()` draws, in the manner of [stats::plot.lm()], up to four kinds of
#' diagnostic panel, chosen by `which`:
#'
#' 1. residuals against fitted values, with a lowess smooth (red) and a
#'    dotted line at 0 (with prior weights w, the residuals are multiplied
#'    by sqrt(w), as in `plot.lm()`);
#' 2. scale-location: the square root of the absolute standardized residuals
#'    against fitted values, with a lowess smooth;
#' 3. a normal QQ plot of the standardized residuals, with a reference line
#'    through the quartiles (also `qqnorm(fit)`);
#' 4. a normal QQ plot of the conditional modes of the random effects, one
#'    panel per grouping factor and random-effect column (e.g. `Subject:
#'    (Intercept)` and `Subject: Days`), with reference lines.
#'
#' Residuals and fitted values are conditional on the random effects (see
#' [fitted.lmm()]); the standardized residuals are the scaled Pearson
#' residuals, `residuals(fit, type = "pearson", scaled = TRUE)`. The `id.n`
#' most extreme points of each panel are labelled: observations by the row
#' names of the data, random effects by their level.
#'
#' @param x An [`lmm`][lmm] object.
#' @param which Panels to draw: a subset of `1:4`.
#' @param ask Ask before each new page? By default, when the panels do not
#'   fit on one page of an interactive device (as `plot.lm()`).
#' @param id.n Number of extreme points labelled in each panel.
#' @param ... Further graphical parameters passed to [graphics::plot()].
#' @return `x`, invisibly.
#' @seealso [plot.ranef.lmm()] for caterpillar plots of the random effects.
#' @examples
#' fit <- lmm(time ~ feed + (1 | bird), data = pigeons)
#' oldpar <- par(mfrow = c(2, 2))
#' plot(fit)
#' par(oldpar)
#' plot(fit, which = 1)
#' @export
#' @family diagnostics
plot.lmm <- function(x, which = 1:4,
                     ask = prod(graphics::par("mfcol")) < diagnostic_panel_count(x, which) &&
                       grDevices::dev.interactive(),
                     id.n = 3, ...) {
  which <- check_plot_which(which)
  check_id_n(id.n, "plot")
  if (isTRUE(ask)) {
    old_ask <- grDevices::devAskNewPage(TRUE)
    on.exit(grDevices::devAskNewPage(old_ask))
  }
  fitted <- stats::setNames(x$fitted, observation_labels(x))
  standardized <- standardized_residuals(x)
  subtitle <- deparse1(formula.lmm(x))
  if (1L %in% which) {
    weighted <- stats::setNames(x$resid * sqrt(x$weights), names(fitted))
    plot_against_fitted(fitted, weighted, id.n,
                        main = "Residuals vs Fitted", ylab = "Residuals", reference = 0, ...)
    panel_subtitle(subtitle)
  }
  if (2L %in% which) {
    plot_against_fitted(fitted, sqrt(abs(standardized)), id.n, main = "Scale-Location",
                        ylab = expression(sqrt("|Standardized residuals|")), reference = NULL, ...)
    panel_subtitle(subtitle)
  }
  if (3L %in% which) {
    draw_normal_qq(standardized, id.n, main = "Normal Q-Q of residuals",
                   ylab = "Standardized residuals", ...)
    panel_subtitle(subtitle)
  }
  if (4L %in% which) {
    modes <- ranef_panels(ranef.lmm(x, condVar = FALSE))
    for (panel in modes) {
      titles <- paste0(c("Normal Q-Q of random effects: ", "Normal Q-Q: ", ""), panel$title)
      draw_normal_qq(stats::setNames(panel$condval, panel$level), id.n, main = titles,
                     ylab = "Conditional modes", ...)
      panel_subtitle(subtitle)
    }
  }
  invisible(x)
}

#' Normal QQ plot of the standardized residuals of an lmm fit
#'
#' `qqnorm()` of a fit plots the standardized (scaled Pearson) residuals
#' against normal quantiles, with a reference line through the quartiles and
#' the `id.n` most extreme observations labelled by row name: panel 3 of
#' [plot.lmm()].
#'
#' @param y An [`lmm`][lmm] object.
#' @param id.n Number of extreme points labelled.
#' @param ... Further graphical parameters passed to [graphics::plot()].
#' @return A list with components `x` (normal quantiles) and `y`
#'   (standardized residuals), invisibly, as [stats::qqnorm()].
#' @examples
#' fit <- lmm(time ~ feed + (1 | bird), data = pigeons)
#' qqnorm(fit)
#' @importFrom stats qqnorm
#' @export
#' @family diagnostics
qqnorm.lmm <- function(y, id.n = 3, ...) {
  check_id_n(id.n, "qqnorm")
  draw_normal_qq(standardized_residuals(y), id.n, main = "Normal Q-Q of residuals",
                 ylab = "Standardized residuals", ...)
}

#' Caterpillar plots of the conditional modes
#'
#' `plot()` of a [ranef()] result draws one panel per grouping factor and
#' random-effect column: the conditional modes, levels sorted by value from
#' bottom to top, with conditional intervals of +/- `qnorm((1 + level) / 2)`
#' (1.96 for 95%) conditional standard deviations taken from the `"postVar"`
#' attribute, and a dashed vertical line at 0. Levels are named on the axis;
#' when there are too many to read, only every k-th is named. Without
#' conditional variances (`ranef(fit, condVar = FALSE)`, or a fit made with
#' `lmm_control(condVar = FALSE)`) the modes are drawn without intervals and
#' the subtitle says so.
#'
#' The margins are set for the level names and restored on exit; several
#' panels on an interactive device ask before each new page.
#'
#' @param x A `"ranef.lmm"` object, from [ranef.lmm()].
#' @param level Coverage of the conditional intervals.
#' @param ask Ask before each new page? By default, when the panels do not
#'   fit on one page of an interactive device.
#' @param ... Further graphical parameters passed to [graphics::plot()].
#' @return `x`, invisibly.
#' @examples
#' fit <- lmm(time ~ feed + (1 | bird), data = pigeons)
#' plot(ranef(fit))
#' @export
#' @family diagnostics
plot.ranef.lmm <- function(x, level = 0.95,
                           ask = prod(graphics::par("mfcol")) < length(ranef_panels(x)) &&
                             grDevices::dev.interactive(),
                           ...) {
  if (!is.numeric(level) || length(level) != 1L || is.na(level) || level <= 0 || level >= 1) {
    stop("plot.ranef.lmm(): `level` must be a number between 0 and 1, not ",
         describe_value(level), ".", call. = FALSE)
  }
  panels <- ranef_panels(x)
  if (isTRUE(ask)) {
    old_ask <- grDevices::devAskNewPage(TRUE)
    on.exit(grDevices::devAskNewPage(old_ask), add = TRUE)
  }
  old_par <- graphics::par(c("mar", "las"))
  on.exit(graphics::par(old_par), add = TRUE)
  for (panel in panels) draw_caterpillar(panel, stats::qnorm((1 + level) / 2), level, ...)
  invisible(x)
}

#' One panel of plot.ranef.lmm(): modes, intervals and thinned level names
#' @noRd
draw_caterpillar <- function(panel, z, level, ...) {
  ordering <- order(panel$condval)
  modes <- panel$condval[ordering]
  levels <- panel$level[ordering]
  n <- length(modes)
  has_sd <- !is.null(panel$condsd)
  half_width <- if (has_sd) z * panel$condsd[ordering] else rep(0, n)
  graphics::par(mar = caterpillar_margins(levels), las = 1)
  graphics::plot(range(modes - half_width, modes + half_width, 0), c(0.5, n + 0.5),
                 type = "n", yaxt = "n", yaxs = "i", xlab = "Conditional mode", ylab = "",
                 main = panel$title, ...)
  graphics::abline(v = 0, col = "firebrick", lty = 2)
  if (has_sd) {
    graphics::segments(modes - half_width, seq_len(n), modes + half_width, seq_len(n),
                       col = "grey50", lwd = if (n > 100) 0.5 else 1)
  }
  graphics::points(modes, seq_len(n), pch = 16, cex = if (n > 100) 0.4 else 0.8,
                   col = "steelblue4")
  shown <- thinned_positions(n)
  graphics::axis(2, at = shown, labels = levels[shown], cex.axis = 0.8, tcl = -0.3)
  graphics::title(ylab = panel$group, line = graphics::par("mar")[2L] - 1.3)
  subtitles <- caterpillar_subtitles(has_sd, level, z, n, length(shown))
  graphics::title(sub = fitting_text(subtitles, 0.8, 3), cex.sub = 0.8, font.sub = 3)
}

#' Margins of a caterpillar panel: room on the left for the longest level name
#' @noRd
caterpillar_margins <- function(levels) {
  widest <- max(graphics::strwidth(levels, units = "inches", cex = 0.8))
  line_height <- graphics::par("csi")
  figure_width <- graphics::par("fin")[1L]
  left <- min(widest / line_height + 3, 0.45 * figure_width / line_height)
  c(5.1, max(left, 4.1), 4.1, 1.5)
}

#' Axis positions 1..n to name: all when they fit the plot's height, else every k-th
#' @noRd
thinned_positions <- function(n) {
  label_height <- graphics::par("csi") * 0.8 * 1.15
  fits <- max(1L, floor(graphics::par("pin")[2L] / label_height))
  step <- ceiling(n / fits)
  seq(1L, n, by = step)
}

#' Subtitles of a caterpillar panel, longest first: what the bars are, and
#' any thinning of the level names
#' @noRd
caterpillar_subtitles <- function(has_sd, level, z, n, n_shown) {
  what <- if (has_sd) {
    c(sprintf("Conditional modes with %g%% conditional intervals (+/- %.2f conditional SD)",
              100 * level, z),
      sprintf("Modes, %g%% conditional intervals", 100 * level),
      sprintf("%g%% intervals", 100 * level))
  } else {
    c("Conditional modes only: no conditional variances (condVar = FALSE), no intervals",
      "No conditional variances: no intervals", "No intervals")
  }
  if (n_shown < n) what <- paste0(what, sprintf("; %d of %d levels named", n_shown, n))
  what
}

#' The first of the candidate texts (longest first) that fits the figure's
#' width when centred over the plot region, as titles are
#' @noRd
fitting_text <- function(candidates, cex, font) {
  figure_width <- graphics::par("fin")[1L]
  centre <- mean(graphics::par("plt")[1:2]) * figure_width
  room <- 0.95 * 2 * min(centre, figure_width - centre)
  widths <- graphics::strwidth(candidates, units = "inches", cex = cex, font = font)
  fits <- which(widths <= room)
  candidates[if (length(fits)) fits[1L] else length(candidates)]
}

#' One entry per grouping factor and random-effect column of a ranef() result
#'
#' Each entry: `group`, `column`, `title` ("group: column"), `level`
#' (level names), `condval` and, with conditional variances, `condsd`.
#' @noRd
ranef_panels <- function(x) {
  if (!inherits(x, "ranef.lmm")) {
    stop("expected the result of ranef() on an lmm fit, not ", describe_type(x), ".",
         call. = FALSE)
  }
  panels <- list()
  for (group in names(x)) {
    rows <- ranef_group_rows(x, group)
    for (column in levels(rows$term)) {
      part <- rows[rows$term == column, , drop = FALSE]
      panels[[length(panels) + 1L]] <- list(
        group = group, column = column, title = paste0(group, ": ", column),
        level = as.character(part$grp), condval = part$condval, condsd = part$condsd)
    }
  }
  panels
}

#' Validated `which` of plot.lmm(): sorted unique integers in 1:4
#' @noRd
check_plot_which <- function(which) {
  ok <- is.numeric(which) && length(which) > 0L && !anyNA(which) &&
    all(which %in% 1:4)
  if (!ok) {
    shown <- if (is.numeric(which) && length(which) > 0L) {
      paste(format(which), collapse = ", ")
    } else {
      describe_type(which)
    }
    stop("plot.lmm(): `which` must pick panels from 1:4 (1 residuals vs fitted, ",
         "2 scale-location, 3 normal QQ of residuals, 4 normal QQ of random effects), not ",
         shown, ".", call. = FALSE)
  }
  sort(unique(as.integer(which)))
}

#' Number of pages plot.lmm() draws: one per panel, panel 4 one per random-effect column
#' @noRd
diagnostic_panel_count <- function(x, which) {
  which <- check_plot_which(which)
  n_columns <- sum(vapply(x$re$terms, `[[`, 1L, "ncol"))
  sum(which != 4L) + if (4L %in% which) n_columns else 0L
}

#' Row names of the observations used in the fit
#' @noRd
observation_labels <- function(x) {
  labels <- rownames(x$frame)
  if (is.null(labels)) as.character(seq_along(x$y)) else labels
}

#' Scaled Pearson residuals of the observations used, named by row
#' @noRd
standardized_residuals <- function(x) {
  stats::setNames(x$resid * sqrt(x$weights) / x$sigma, observation_labels(x))
}

#' A panel of values against fitted values with a lowess smooth
#' @noRd
plot_against_fitted <- function(fitted, values, id.n, main, ylab, reference, ...) {
  graphics::plot(fitted, values, xlab = "Fitted values", ylab = ylab, main = main, ...)
  if (!is.null(reference)) graphics::abline(h = reference, lty = 3, col = "grey40")
  if (length(unique(fitted)) > 1L) {
    graphics::lines(stats::lowess(fitted, values), col = "firebrick", lwd = 1.5)
  }
  distance <- if (is.null(reference)) abs(values) else abs(values - reference)
  label_extremes(fitted, values, names(values), distance, id.n)
}

#' Normal QQ plot of named values with a quartile reference line
#'
#' `main`: candidate titles, longest first; the first that fits is used.
#' @noRd
draw_normal_qq <- function(values, id.n, main, ylab, ...) {
  qq <- stats::qqnorm(values, main = "", ylab = ylab, xlab = "Theoretical quantiles", ...)
  graphics::title(main = fitting_text(main, graphics::par("cex.main"), graphics::par("font.main")))
  stats::qqline(values, col = "firebrick", lty = 2)
  label_extremes(qq$x, qq$y, names(values), abs(values), id.n)
  invisible(qq)
}

#' Label the `n` points with the largest `score`, towards the middle of the plot
#' @noRd
label_extremes <- function(x, y, labels, score, n) {
  n <- min(max(0L, as.integer(n)), length(score))
  if (n == 0L || is.null(labels)) return(invisible(NULL))
  picked <- order(score, decreasing = TRUE)[seq_len(n)]
  middle <- mean(graphics::par("usr")[1:2])
  side <- ifelse(x[picked] > middle, 2L, 4L)
  graphics::text(x[picked], y[picked], labels[picked], pos = side, offset = 0.3,
                 cex = 0.75, xpd = TRUE)
  invisible(picked)
}

#' The model formula in small type above a panel, shortened to the plot's width
#' @noRd
panel_subtitle <- function(text) {
  width <- diff(graphics::par("usr")[1:2])
  while (nchar(text) > 10L && graphics::strwidth(text, cex = 0.75) > width) {
    text <- paste0(substr(text, 1L, nchar(text) - 4L), "...")
  }
  graphics::mtext(text, side = 3, line = 0.3, cex = 0.75)
}

#' `id.n` must be one whole number of at least 0 (nlme's `qqnorm(fit, ~ ranef(.))` form is not supported)
#' @noRd
check_id_n <- function(id.n, caller) {
  if (!is.numeric(id.n) || length(id.n) != 1L || !is.finite(id.n) || id.n < 0 || id.n != round(id.n)) {
    stop(caller, "(): `id.n` must be a single whole number of at least 0, not ", describe_value(id.n),
         if (inherits(id.n, "formula")) "; for the random effects use plot(fit, which = 4)", ".", call. = FALSE)
  }
  invisible(id.n)
}
