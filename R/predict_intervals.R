# Standard errors and confidence or prediction intervals for predict() on lmm fits.

#' Uncertainty of predictions from an lmm fit
#'
#' `predict(fit, se.fit = TRUE, interval = ...)` measures the uncertainty of
#' X beta_hat + Z b_hat as an estimate of X beta + Z b, with b the random
#' effects of the terms and columns that `re.form` includes:
#'
#' * the standard error comes from the joint conditional covariance of
#'   (beta_hat, b_hat - b), sigma^2 times the inverse of the penalized
#'   least-squares system (Henderson's mixed-model equations), taken from the
#'   engine's factor, so it includes the uncertainty of beta and of the
#'   conditional modes and their covariance. For a level not seen in fitting
#'   (`allow.new.levels = TRUE`) the term's random effect is a fresh draw, so
#'   its variance z' Sigma z is added. The variance parameters are treated as
#'   known.
#' * `interval = "confidence"` covers X beta + Z b (for `re.form = NA`, the
#'   population mean X beta).
#' * `interval = "prediction"` covers a new observation: the confidence
#'   variance plus sigma^2 / weight (weight 1 for new data) plus z' Sigma z for
#'   the random-effect columns that `re.form` leaves out (for `re.form = NA`, a
#'   new observation in a new, unknown cluster).
#'
#' Intervals use normal quantiles.
#' @examples
#' fit <- lmm(time ~ feed + (1 | bird), data = pigeons)
#' new <- data.frame(feed = factor("after", levels = c("before", "after")), bird = "B01")
#' predict(fit, newdata = new, interval = "prediction")
#' predict(fit, newdata = new, re.form = NA, interval = "confidence")
#' @name prediction_intervals
#' @seealso [predict.lmm()]
#' @family inference
NULL

predict_with_uncertainty <- function(object, fit, newdata, masks, allow.new.levels, se.fit,
                                     interval, level) {
  if (!is.numeric(level) || length(level) != 1L || !(level > 0 && level < 1)) {
    stop("predict(): level must be a single number between 0 and 1.", call. = FALSE)
  }
  data <- if (is.null(newdata)) object$frame else as.data.frame(newdata)
  design <- prediction_design(object, data, masks, allow.new.levels)
  var_fit <- object$sigma^2 * engine_prediction_variances(object, design$X, design$Zt) + design$new_var
  se <- stats::setNames(sqrt(var_fit), names(fit))
  if (interval == "none") return(list(fit = fit, se.fit = se, residual.scale = object$sigma))
  if (interval == "prediction") {
    weights <- if (is.null(newdata)) object$weights else 1
    var_fit <- var_fit + object$sigma^2 / weights + design$excluded_var
  }
  z <- stats::qnorm((1 + level) / 2)
  bounds <- cbind(fit = fit, lwr = fit - z * sqrt(var_fit), upr = fit + z * sqrt(var_fit))
  if (isTRUE(se.fit)) list(fit = bounds, se.fit = se, residual.scale = object$sigma) else bounds
}

engine_prediction_variances <- function(object, X_new, Zt_new) {
  .lmmkit_prediction_variances(engine_data(object), isTRUE(object$REML), engine_control(object$control),
                               as.numeric(object$theta), engine_X(X_new), relmat_engine_Zt(object$re, Zt_new))
}

# X, the included random-effect columns Zt (q x m) of known levels, and the variances of the
# random effects that are fresh draws (new levels) or left out by re.form.
prediction_design <- function(object, data, masks, allow.new.levels) {
  X <- newdata_fixed_design(object, data)$X
  m <- nrow(X)
  entries <- list()
  new_var <- excluded_var <- numeric(m)
  for (k in seq_along(object$re$terms)) {
    term <- object$re$terms[[k]]
    mask <- masks[[k]]
    M <- term_model_matrix(object, term, data)
    Sigma <- term_covariance(term, object = object)
    idx <- rep(NA_integer_, m)
    if (any(mask)) {
      g <- newdata_group_values(term$group, data, environment(object$formula))
      idx <- match(g, term$levels)
      check_new_levels(term, g, idx, allow.new.levels)
    }
    known <- !is.na(idx)
    new_var <- new_var + ifelse(known, 0, quad_rows(M[, mask, drop = FALSE], Sigma[mask, mask, drop = FALSE]))
    excluded_var <- excluded_var + quad_rows(M[, !mask, drop = FALSE], Sigma[!mask, !mask, drop = FALSE])
    for (j in which(mask)) {
      rows <- which(known)
      entries[[length(entries) + 1L]] <- cbind(
        i = term$col_start + (idx[rows] - 1L) * term$ncol + j, j = rows, x = M[rows, j])
    }
  }
  trip <- do.call(rbind, c(list(matrix(numeric(0), 0, 3, dimnames = list(NULL, c("i", "j", "x")))), entries))
  Zt <- Matrix::sparseMatrix(i = trip[, "i"], j = trip[, "j"], x = trip[, "x"],
                             dims = c(nrow(object$re$Zt), m))
  list(X = X, Zt = Zt, new_var = new_var, excluded_var = excluded_var)
}

# Row-wise x_i' S x_i.
quad_rows <- function(M, S) {
  if (ncol(M) == 0L) return(numeric(nrow(M)))
  rowSums((M %*% S) * M)
}
