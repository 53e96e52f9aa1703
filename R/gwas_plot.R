# Manhattan and QQ plots of a genome-wide scan, in base graphics.

#' Manhattan and QQ plots of a genome-wide scan
#'
#' `type = "manhattan"` plots -log10 p of every tested SNP against its
#' position, chromosomes side by side in alternating colours, with a dashed
#' line at genome-wide significance (`threshold`). `type = "qq"` plots the
#' observed against the expected -log10 p under the null, with the identity
#' line and the genomic-control inflation factor ([gc_lambda()]) in the
#' title. The -log10 p values come from the `log10p_*` columns, so p-values
#' below the double range are drawn where they belong.
#'
#' @param x A result of [gwas()].
#' @param type `"manhattan"` or `"qq"`.
#' @param test Which test's p-values: `"wald"`, `"lrt"` or `"score"`; by
#'   default the first in the result.
#' @param threshold Genome-wide significance level of the Manhattan plot's
#'   line.
#' @param ... Further graphical parameters passed to [graphics::plot()].
#' @return `x`, invisibly.
#' @examples
#' prefix <- file.path(system.file("extdata", package = "lmmkit"), "gwas_example")
#' pheno <- read.csv(paste0(prefix, ".csv"))
#' res <- gwas(y ~ age + sex, pheno, prefix)
#' plot(res)
#' plot(res, type = "qq")
#' @export
#' @family genetics
plot.lmm_gwas <- function(x, type = c("manhattan", "qq"), test = NULL, threshold = 5e-8, ...) {
  type <- match.arg(type)
  column <- gwas_plot_column(x, test)
  log10p <- x[[column]]
  label <- sub("log10p_", "", column)
  if (type == "qq") {
    expected <- -log10(stats::ppoints(length(log10p)))
    graphics::plot(expected, sort(log10p, decreasing = TRUE), pch = 20, cex = 0.6,
                   xlab = "Expected -log10(p)", ylab = sprintf("Observed -log10(p), %s test", label),
                   main = sprintf("QQ plot, genomic-control lambda = %.3f", gc_lambda(log10p = log10p)), ...)
    graphics::abline(0, 1, col = "grey40", lty = 2)
    return(invisible(x))
  }
  chromosomes <- unique(x$chr)
  index <- match(x$chr, chromosomes)
  span <- tapply(x$ps, index, function(p) max(p) - min(p) + 1)
  offset <- c(0, cumsum(as.numeric(span)))[seq_along(chromosomes)]
  start <- tapply(x$ps, index, min)
  position <- x$ps - start[index] + offset[index]
  graphics::plot(position, log10p, pch = 20, cex = 0.6, col = c("steelblue4", "darkorange3")[(index - 1L) %% 2L + 1L],
                 xaxt = "n", xlab = "Chromosome", ylab = sprintf("-log10(p), %s test", label),
                 main = sprintf("Manhattan plot, %d SNPs", nrow(x)), ...)
  graphics::axis(1, at = offset + span / 2, labels = chromosomes, tick = FALSE)
  graphics::abline(h = -log10(threshold), col = "firebrick", lty = 2)
  invisible(x)
}

#' The log10p column to plot
#' @noRd
gwas_plot_column <- function(x, test) {
  available <- grep("^log10p_", names(x), value = TRUE)
  if (is.null(test)) return(available[1L])
  column <- paste0("log10p_", test)
  if (length(test) != 1L || !column %in% available) {
    stop(sprintf("`test` must be one of the scan's tests: %s.", quoted_list(sub("log10p_", "", available))),
         call. = FALSE)
  }
  column
}
