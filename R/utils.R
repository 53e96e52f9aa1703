# Small helpers shared by several stages.

#' x, or y when x is NULL
#' @noRd
`%||%` <- function(x, y) if (is.null(x)) y else x

#' 1-based rows of a random-effect term in Zt (and entries of b): its levels' columns, level-major
#' @noRd
term_columns <- function(term) term$col_start + seq_len(term$nlevels * term$ncol)

#' Values computed once per R session (the number of cores, an empty dgCMatrix to fill)
#' @noRd
session_cache <- new.env(parent = emptyenv())
