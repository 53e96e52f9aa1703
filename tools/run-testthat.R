# Runs tests/testthat against the installed package and writes passed/failed/skipped
# counts of test_that() blocks to a file; used by tools/test.sh and tools/sanitize.sh.
# Usage: Rscript tools/run-testthat.R COUNTS_FILE PACKAGE TEST_DIR
args <- commandArgs(trailingOnly = TRUE)
counts_file <- args[1]; pkg <- args[2]; test_path <- args[3]
options(testthat.progress.max_fails = 1e6, warn = 1, width = 100)
suppressPackageStartupMessages(library(testthat))
res <- tryCatch(
  testthat::test_dir(test_path, package = pkg, load_package = "installed",
                     reporter = ProgressReporter$new(show_praise = FALSE,
                                                      update_interval = 1e9),
                     stop_on_failure = FALSE, stop_on_warning = FALSE),
  error = function(e) {
    cat("\ntestthat run aborted: ", conditionMessage(e), "\n", sep = "")
    NULL
  })
if (is.null(res)) quit(status = 1)
df <- as.data.frame(res)
failed <- (df$failed > 0) | df$error
skipped <- !failed & df$skipped
passed <- !failed & !skipped
label <- ifelse(is.na(df$test), "(code outside test_that())", df$test)
if (any(failed)) {
  cat("\nFailed test_that() blocks:\n")
  cat(sprintf("  %s: %s\n", df$file[failed], label[failed]), sep = "")
}
if (any(skipped)) {
  cat("\nSkipped test_that() blocks:\n")
  cat(sprintf("  %s: %s\n", df$file[skipped], label[skipped]), sep = "")
}
writeLines(c(sprintf("passed=%d", sum(passed)), sprintf("failed=%d", sum(failed)),
             sprintf("skipped=%d", sum(skipped))), counts_file)
