# Genomic-control inflation factor lambda of a scan's p-values.

#' Genomic-control inflation factor
#'
#' `gc_lambda()` returns the genomic-control inflation factor lambda of a set
#' of association p-values (Devlin and Roeder 1999): how much the typical
#' test statistic exceeds its value under the null hypothesis.
#'
#' Each p-value is turned into the chi-square statistic with `df` degrees of
#' freedom that gives it, `qchisq(p, df, lower.tail = FALSE)`, and lambda is
#' the median of these statistics divided by the median of the chi-square
#' distribution with `df` degrees of freedom:
#'
#' `median(qchisq(p, df, lower.tail = FALSE)) / qchisq(0.5, df)`.
#'
#' The median is used because it is hardly moved by the few variants truly
#' associated with the trait. Under the null hypothesis lambda is close to 1;
#' values well above 1 (say 1.1 and more) mean that the statistics are
#' inflated throughout the genome, which suggests population structure,
#' cryptic relatedness or another confounder that the model does not
#' account for. Values well below 1 suggest over-correction or conservative
#' tests.
#'
#' p-values too small to be stored as doubles (below about 1e-308) become 0,
#' whose statistic is `Inf`. A few of them do not change the median, but when
#' at least half of the p-values are 0 lambda is `Inf`: it is returned with a
#' warning. Give `log10p = -log10(p)` instead (as scans often report it),
#' which can hold such values: the statistic is then computed on the log
#' scale, `qchisq(-log10p * log(10), df, lower.tail = FALSE, log.p = TRUE)`.
#'
#' Missing values (`NA` and `NaN`) in `p` or `log10p` are dropped.
#'
#' @param p A numeric vector of p-values, in \[0, 1\].
#' @param df The degrees of freedom of the tests, a single positive number:
#'   1 for the usual one-parameter (additive) test of a variant.
#' @param log10p Instead of `p`: a numeric vector of -log10(p), each 0 or
#'   more (`Inf` for p = 0). Give exactly one of `p` and `log10p`.
#' @return A single number, lambda.
#' @references Devlin, B. and Roeder, K. (1999). Genomic control for
#'   association studies. *Biometrics*, 55, 997--1004.
#'   \doi{10.1111/j.0006-341X.1999.00997.x}
#' @examples
#' # p-values of null tests: lambda is 1
#' p <- ppoints(10000)
#' gc_lambda(p)
#'
#' # Statistics inflated by 10%
#' p_inflated <- pchisq(1.1 * qchisq(p, 1, lower.tail = FALSE), 1,
#'                      lower.tail = FALSE)
#' gc_lambda(p_inflated)
#' gc_lambda(log10p = -log10(p_inflated))
#' @export
#' @family genetics
gc_lambda <- function(p = NULL, df = 1, log10p = NULL) {
  check_gc_df(df)
  use_p <- check_gc_one_of(p, log10p)
  arg <- if (use_p) "p" else "log10p"
  values <- if (use_p) p else log10p
  values <- check_gc_values(values, arg)
  chisq <- if (use_p) {
    stats::qchisq(values, df, lower.tail = FALSE)
  } else {
    stats::qchisq(-values * log(10), df, lower.tail = FALSE, log.p = TRUE)
  }
  lambda <- stats::median(chisq) / stats::qchisq(0.5, df)
  if (is.infinite(lambda)) warn_gc_infinite(values, use_p)
  lambda
}

#' Exactly one of `p` and `log10p` must be given; TRUE when it is `p`
#' @noRd
check_gc_one_of <- function(p, log10p) {
  if (is.null(p) && is.null(log10p)) {
    stop("gc_lambda(): give the p-values as `p` or as `log10p` (-log10(p)).",
         call. = FALSE)
  }
  if (!is.null(p) && !is.null(log10p)) {
    stop("gc_lambda(): give either `p` or `log10p`, not both.", call. = FALSE)
  }
  !is.null(p)
}

#' `df` must be a single positive finite number
#' @noRd
check_gc_df <- function(df) {
  ok <- is.numeric(df) && length(df) == 1L && is.finite(df) && df > 0
  if (!ok) {
    what <- if (!is.numeric(df)) describe_type(df)
            else if (length(df) != 1L) paste("of length", length(df))
            else format(df)
    stop("gc_lambda(): `df` must be a single positive number, not ", what, ".",
         call. = FALSE)
  }
  invisible(df)
}

#' The non-missing values of `p` (in [0, 1]) or `log10p` (0 or more)
#' @noRd
check_gc_values <- function(values, arg) {
  if (!is.numeric(values)) {
    stop("gc_lambda(): `", arg, "` must be numeric, not ", describe_type(values),
         ".", call. = FALSE)
  }
  values <- as.vector(values[!is.na(values)])
  if (length(values) == 0L) {
    stop("gc_lambda(): `", arg, "` has no non-missing values.", call. = FALSE)
  }
  bad <- if (arg == "p") values < 0 | values > 1 else values < 0
  if (any(bad)) {
    range <- if (arg == "p") "between 0 and 1" else "0 or more (-log10 of a p-value)"
    stop(sprintf("gc_lambda(): `%s` must be %s; %d value%s %s not (the first is %s).",
                 arg, range, sum(bad), if (sum(bad) == 1L) "" else "s",
                 if (sum(bad) == 1L) "is" else "are", format(values[bad][1L])),
         call. = FALSE)
  }
  values
}

#' Warn that lambda is Inf because at least half of the p-values are 0
#' @noRd
warn_gc_infinite <- function(values, use_p) {
  n <- length(values)
  if (use_p) {
    warning(sprintf(paste("gc_lambda(): %d of %d p-values are 0 (they underflowed",
                          "the double range), so lambda is Inf; give -log10(p) as",
                          "`log10p` instead to compute it."),
                    sum(values == 0), n), call. = FALSE)
  } else {
    warning(sprintf("gc_lambda(): %d of %d values of `log10p` are Inf, so lambda is Inf.",
                    sum(is.infinite(values)), n), call. = FALSE)
  }
}
