# Simulation of the type I error of fixed-effect tests with few clusters, for tests and benchmarks.

#' Rejection rates of a null fixed effect under Satterthwaite, Kenward-Roger and naive tests
#'
#' Simulates `nsim` data sets with `clusters` clusters of `per_cluster`
#' observations, a cluster-level covariate `x` whose true effect is zero,
#' random intercepts of SD `sd_cluster` and residual SD `sd_resid`; fits
#' `y ~ x + (1 | g)` by REML and tests `x` at level `alpha` with each method.
#' With few clusters the naive test (t statistic referred to a normal
#' distribution) rejects too often; the small-sample methods should reject
#' close to `alpha`.
#'
#' @param nsim Number of simulated data sets.
#' @param clusters,per_cluster Design: number of clusters and observations per cluster.
#' @param sd_cluster,sd_resid Random-intercept and residual standard deviations.
#' @param alpha Nominal level.
#' @param seed Random seed.
#' @return A named vector of rejection rates: `Satterthwaite`, `Kenward-Roger`, `naive`.
#' @noRd
type1_error_simulation <- function(nsim = 500, clusters = 8, per_cluster = 5, sd_cluster = 1,
                                   sd_resid = 1, alpha = 0.05, seed = 1) {
  old <- if (exists(".Random.seed", envir = globalenv())) get(".Random.seed", envir = globalenv())
  on.exit(if (!is.null(old)) assign(".Random.seed", old, envir = globalenv()))
  set.seed(seed)
  g <- factor(rep(seq_len(clusters), each = per_cluster))
  control <- lmm_control(check.singular = "ignore", check.conv = "ignore")
  p_values <- t(vapply(seq_len(nsim), function(i) {
    d <- data.frame(g = g, x = rep(stats::rnorm(clusters), each = per_cluster))
    d$y <- stats::rnorm(clusters, sd = sd_cluster)[g] + stats::rnorm(nrow(d), sd = sd_resid)
    suppressWarnings(null_effect_p_values(lmm(y ~ x + (1 | g), d, control = control)))
  }, numeric(3)))
  colMeans(p_values < alpha)
}

null_effect_p_values <- function(fit) {
  sat <- stats::coef(summary(fit, ddf = "Satterthwaite"))["x", "Pr(>|t|)"]
  kr <- stats::coef(summary(fit, ddf = "Kenward-Roger"))["x", "Pr(>|t|)"]
  t_value <- stats::coef(summary(fit, ddf = "none"))["x", "t value"]
  c(Satterthwaite = sat, `Kenward-Roger` = kr, naive = 2 * stats::pnorm(-abs(t_value)))
}
