# Stage 4: assembles the fitted-model object of class "lmm" and reports fit problems in plain words.

#' Assemble a fitted linear mixed model
#'
#' @param mats The output of `build_lmm_matrices()`.
#' @param engine The output of `fit_lmm_engine()`.
#' @param call The matched call of [lmm()].
#' @param REML Whether the fit is by REML.
#' @param control The [lmm_control()] list used.
#' @return An object of class `"lmm"` (fields in DEVELOPING.md).
#' @noRd
assemble_lmm <- function(mats, engine, call, REML, control) {
  check_finite_estimates(engine)
  beta <- stats::setNames(as.numeric(engine$beta), colnames(mats$X))
  b <- relmat_random_effects(mats$re, as.numeric(engine$b))
  fitted <- as.numeric(mats$X %*% beta) + as.numeric(Matrix::crossprod(mats$re$Zt, b)) + mats$offset
  names(fitted) <- rownames(mats$frame)
  theta <- stats::setNames(as.numeric(engine$theta), theta_names(mats$re$terms))
  fit <- structure(list(
    call = call, formula = mats$formula, REML = isTRUE(REML), frame = mats$frame,
    X = mats$X, y = mats$y, weights = mats$weights, offset = mats$offset, re = mats$re,
    theta = theta, beta = beta, sigma = engine$sigma, u = as.numeric(engine$u), b = b,
    objective = engine$objective, pieces = engine$pieces,
    vcov_unscaled = unscaled_vcov(engine$vcov_unscaled, names(beta)),
    fitted = fitted, resid = stats::setNames(mats$y - fitted, names(fitted)),
    optinfo = optimizer_report(engine), control = control,
    singular = any(engine$theta_internal[diagonal_theta(mats$re$terms)] < control$singular.tol),
    cache = new.env(parent = emptyenv())
  ), class = "lmm")
  fit$optinfo$warnings <- fit_problems(fit, scaled_gradient(engine$gradient, engine$curvature))
  report_fit_problems(fit)
  fit
}

# A fit is never returned with estimates or a likelihood that are not finite.
check_finite_estimates <- function(engine) {
  parts <- list(theta = engine$theta, "fixed effects" = engine$beta, sigma = engine$sigma,
                "random effects" = engine$b, "log-likelihood" = engine$objective)
  bad <- !vapply(parts, function(x) all(is.finite(x)), logical(1))
  if (any(bad)) {
    stop("lmm(): the fit gave non-finite values for ", paste(names(parts)[bad], collapse = ", "),
         "; the data may exceed the range of double precision (check for values near 1e308).",
         call. = FALSE)
  }
  invisible(engine)
}

unscaled_vcov <- function(m, coef_names) {
  m <- as.matrix(m)
  dimnames(m) <- list(coef_names, coef_names)
  m
}

condvar_arrays <- function(condvar, terms) {
  if (length(condvar) == 0L) return(NULL)
  lapply(seq_along(terms), function(k) {
    p <- terms[[k]]$ncol
    array(condvar[[k]], c(p, p, terms[[k]]$nlevels),
          dimnames = list(terms[[k]]$cnms, terms[[k]]$cnms, terms[[k]]$levels))
  })
}

optimizer_report <- function(engine) {
  list(optimizer = optimizer_label(engine$method), method = engine$method, feval = engine$feval,
       geval = engine$geval, theta_internal = as.numeric(engine$theta_internal), status = engine$status,
       message = engine$message, converged = engine$converged,
       gradient = as.numeric(engine$gradient), curvature = as.numeric(engine$curvature), blocked = engine$blocked,
       dense_rest = engine$dense_rest, warnings = character(0))
}

# How summary() names the method that found the optimum.
optimizer_label <- function(method) {
  switch(method, lbfgs = "lbfgs with exact gradient (NLopt)",
         "lbfgs+bobyqa" = "lbfgs with exact gradient, then bobyqa (NLopt)", "bobyqa (NLopt)")
}

# Names of theta as lme4 gives them: group.column or group.column2.column1.
theta_names <- function(terms) {
  unlist(lapply(terms, function(term) {
    p <- term$ncol
    col <- rep(seq_len(p), p:1)
    row <- sequence(p:1, from = seq_len(p))
    ifelse(row == col, paste(term$group, term$cnms[row], sep = "."),
           paste(term$group, term$cnms[row], term$cnms[col], sep = "."))
  }), use.names = FALSE)
}

# Logical index of the theta elements on the diagonal of their template.
diagonal_theta <- function(terms) {
  unlist(lapply(terms, function(term) {
    p <- term$ncol
    unlist(lapply(seq_len(p), function(j) c(TRUE, rep(FALSE, p - j))))
  }))
}

# The gradient divided by the curvature: the step to the optimum, lme4's scale for convergence checks.
scaled_gradient <- function(gradient, curvature) {
  ifelse(is.finite(curvature) & curvature > 0, gradient / curvature, gradient)
}

# The sentences that describe what is wrong with a fit (empty when nothing is).
fit_problems <- function(fit, gradient) {
  problems <- character(0)
  if (!isTRUE(fit$optinfo$converged)) {
    problems <- c(problems, sprintf("the optimizer did not converge (%s); the estimates may be off.",
                                    fit$optinfo$message))
  }
  free <- !(diagonal_theta(fit$re$terms) & fit$optinfo$theta_internal <= 1e-8 & gradient > 0)
  worst <- if (any(free)) max(abs(gradient[free])) else 0
  if (is.finite(worst) && worst > fit$control$grad.tol) {
    problems <- c(problems, sprintf(paste(
      "the scaled gradient of the objective at the estimates is %.2g (more than %.2g): the fit may",
      "not be at the optimum; try centring or scaling covariates, or other start values."),
      worst, fit$control$grad.tol))
  }
  problems
}

report_fit_problems <- function(fit) {
  for (problem in fit$optinfo$warnings) report_problem(paste("lmm():", problem), fit$control$check.conv)
  if (fit$singular) report_problem(singular_message(fit), fit$control$check.singular)
}

singular_message <- function(fit) {
  small <- fit$optinfo$theta_internal < fit$control$singular.tol & diagonal_theta(fit$re$terms)
  groups <- unique(vapply(fit$re$terms, `[[`, character(1), "group")[term_of_theta(fit$re$terms)[small]])
  sprintf(paste("boundary (singular) fit: the random-effect covariance for %s is on its boundary",
                "(a variance of zero or a correlation of +-1); see help('isSingular')."),
          paste(sQuote(groups, FALSE), collapse = ", "))
}

term_of_theta <- function(terms) {
  rep(seq_along(terms), vapply(terms, function(t) t$ncol * (t$ncol + 1L) / 2L, numeric(1)))
}
