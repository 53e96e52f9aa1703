#' Flight times of homing pigeons before and after a change of feed
#'
#' Simulated training-flight times of 30 homing pigeons kept in 6 lofts.
#' Each bird was timed on 4 to 8 flights over the same course (unbalanced):
#' its first 2 to 4 flights on the old feed, the rest after a switch to a new
#' feed. Flights of the same bird are correlated (the intraclass correlation
#' is about 0.5) and the new feed shortens the flight time by about 4 to 5
#' minutes, so the data suit a random-intercept model such as
#' `lmm(time ~ feed + (1 | bird), data = pigeons)`; `loft` allows the nested
#' model `(1 | loft/bird)` and `weight` a bird-level covariate.
#'
#' @format A data frame with 181 rows and 6 columns:
#' \describe{
#'   \item{`bird`}{Factor with 30 levels `"B01"` to `"B30"`: the pigeon.}
#'   \item{`loft`}{Factor with 6 levels `"L1"` to `"L6"`: the loft the bird
#'     lives in (5 birds per loft; birds are nested in lofts).}
#'   \item{`flight`}{Integer: the number of the flight within the bird,
#'     `1, 2, ...` in time order.}
#'   \item{`feed`}{Factor with levels `"before"` (the old feed, the reference
#'     level) and `"after"` (the new feed).}
#'   \item{`time`}{Numeric: the flight time in minutes.}
#'   \item{`weight`}{Numeric: the bird's body weight in grams, measured once
#'     (constant within a bird).}
#' }
#' @source Simulated, not real measurements: generated with a fixed seed by
#'   `data-raw/pigeons.R` in the package sources (loft SD 3, bird SD 4,
#'   residual SD 5 minutes; feed effect -4 minutes; 0.02 minutes per gram).
#' @examples
#' str(pigeons)
#' with(pigeons, tapply(time, feed, mean))
"pigeons"
