# Small helpers shared by several stages.

#' x, or y when x is NULL
#' @noRd
`%||%` <- function(x, y) if (is.null(x)) y else x
