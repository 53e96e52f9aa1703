#' @keywords internal
"_PACKAGE"

## usethis namespace: start
#' @useDynLib lmmkit, .registration = TRUE
#' @importFrom Rcpp sourceCpp
#' @importFrom nloptr nloptr
#' @importClassesFrom Matrix dgCMatrix
## usethis namespace: end
NULL
