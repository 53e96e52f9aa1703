# The scan's result: GEMMA's columns with p-values on both scales, filter counts, the null model, printing.

#' Assemble the lmm_gwas data frame from the scans of each kinship matrix
#' @noRd
gwas_result <- function(set, groups, scans, nulls, who, settings) {
  snps <- unlist(groups, use.names = FALSE)
  key <- rep(names(groups), lengths(groups))
  pick <- function(field) unlist(lapply(scans, `[[`, field), use.names = FALSE)
  status <- pick("status")
  stats <- do.call(rbind, lapply(scans, `[[`, "stats"))
  counts <- stats::setNames(tabulate(status + 1L, nbins = 6L),
                            c("tested", "excluded", "missingness", "allele_frequency", "one_class", "collinear"))
  counts <- counts[names(counts) != "excluded"]
  if (counts[["tested"]] == 0L) {
    stop("gwas(): every SNP was filtered out (", snp_filter_summary(counts), ").", call. = FALSE)
  }
  keep <- status == 0L
  order_kept <- order(snps[keep])
  rows <- which(keep)[order_kept]
  df <- length(who$y) - ncol(who$W) - 1L
  null <- do.call(rbind, nulls)
  out <- set$bim[snps[rows], c("chr", "rs", "ps"), drop = FALSE]
  out$n_miss <- pick("n_miss")[rows]
  out <- cbind(out, set$bim[snps[rows], c("allele1", "allele0"), drop = FALSE])
  out$af <- pick("af")[rows]
  s <- stats[rows, , drop = FALSE]
  out$beta <- s[, 1L]
  out$se <- s[, 2L]
  out$logl_H1 <- if (settings$tests[["lrt"]]) s[, 7L] else s[, 5L]
  out$l_remle <- s[, 4L]
  if (settings$tests[["lrt"]]) out$l_mle <- s[, 6L]
  if (settings$tests[["wald"]]) out <- add_p_values(out, "wald", f_test_log10p(s[, 3L], df))
  if (settings$tests[["lrt"]]) {
    lr <- pmax(2 * (s[, 7L] - null[key[rows], "logl_mle"]), 0)
    out <- add_p_values(out, "lrt", -stats::pchisq(lr, 1, lower.tail = FALSE, log.p = TRUE) / log(10))
  }
  if (settings$tests[["score"]]) out <- add_p_values(out, "score", f_test_log10p(s[, 8L], df))
  rownames(out) <- NULL
  structure(out, class = c("lmm_gwas", "data.frame"), null = null, snps = counts,
            individuals = who$counts, tests = names(settings$tests)[settings$tests],
            approximate = settings$approximate)
}

#' -log10 p of F(1, df) statistics, exact far below the double range
#' @noRd
f_test_log10p <- function(F, df) -stats::pf(F, 1, df, lower.tail = FALSE, log.p = TRUE) / log(10)

#' Columns p_<test> and log10p_<test> (the latter -log10 p)
#' @noRd
add_p_values <- function(out, test, log10p) {
  out[[paste0("p_", test)]] <- 10^(-log10p)
  out[[paste0("log10p_", test)]] <- log10p
  out
}

#' @export
print.lmm_gwas <- function(x, n = 10L, ...) {
  main <- grep("^log10p_", names(x), value = TRUE)[1L]
  test <- sub("log10p_", "", main)
  tested <- attr(x, "snps")[["tested"]]
  shown <- min(n, nrow(x))
  if (is.na(main)) {
    cat(sprintf("%d rows of a gwas() scan of %d SNPs; the first %d:\n", nrow(x), tested, shown))
  } else if (nrow(x) != tested) {
    cat(sprintf("%d rows of a gwas() scan of %d SNPs; the %d with the smallest p (%s):\n", nrow(x), tested, shown, test))
  } else {
    print_gwas_header(x)
    cat(sprintf("Genomic-control lambda (%s): %.3f\nTop %d of %d SNPs:\n", test, gc_lambda(log10p = x[[main]]), shown,
                nrow(x)))
  }
  rows <- if (is.na(main)) x else x[order(-x[[main]]), , drop = FALSE]
  print(utils::head(as.data.frame(rows), n), digits = 4, row.names = FALSE)
  invisible(x)
}

#' The scan's description: individuals, SNP filters, tests and the null model
#' @noRd
print_gwas_header <- function(x) {
  individuals <- attr(x, "individuals")
  null <- attr(x, "null")
  cat(sprintf("Genome-wide association scan: %d individuals analysed", individuals[["analysed"]]))
  dropped <- individuals[c("missing_values", "not_in_fam")]
  if (any(dropped > 0L)) {
    cat(sprintf(" (of %d rows of data: %d with a missing value, %d not in the .fam)", individuals[["data"]],
                dropped[[1L]], dropped[[2L]]))
  }
  cat(sprintf("\nSNPs: %s\n", snp_filter_summary(attr(x, "snps"))))
  cat(sprintf("Tests: %s%s\n", paste(attr(x, "tests"), collapse = ", "),
              if (isTRUE(attr(x, "approximate"))) " (null variance ratio kept for every SNP)" else ""))
  cat("Null model", if (nrow(null) > 1L) " (per left-out chromosome)", ":\n", sep = "")
  print(format(null[, c("l_remle", "vg", "ve", "pve", "pve_se")], digits = 4), quote = FALSE)
}

#' Rows or columns of a scan's result keep its description, so that a subset
#' (a chromosome, the top hits) still prints and plots as a scan.
#' @export
#' @noRd
`[.lmm_gwas` <- function(x, ...) {
  out <- NextMethod()
  if (!is.data.frame(out)) return(out)
  description <- attributes(x)[setdiff(names(attributes(x)), c("names", "row.names", "class"))]
  attributes(out)[names(description)] <- description
  out
}
