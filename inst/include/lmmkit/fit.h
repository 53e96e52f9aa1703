// Fits a linear mixed model: minimises the profiled objective in the internal parametrisation, reports in the user's.
#ifndef LMMKIT_FIT_H
#define LMMKIT_FIT_H

#include "conditional_variance.h"
#include "exact_fit.h"
#include "gradient_search.h"
#include "moment_start.h"
#include "standardized_model.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>

namespace lmmkit {

struct FitResult {
  Vector theta, beta, u, b;
  Vector theta_internal;     // theta in the internal parametrisation (scale-free: for singularity checks)
  double sigma = 0;
  double objective = 0;
  ObjectivePieces pieces;
  Matrix vcov_unscaled;
  std::vector<Matrix> condvar;
  Vector gradient;           // finite-difference gradient of the objective at theta_internal
  Vector curvature;          // finite-difference second derivatives (diagonal of the Hessian)
  OptimizerResult optimizer;
  bool blocked = false;      // the first term was held block-diagonally
  bool dense_rest = false;
};

namespace detail {

// Gradient and diagonal curvature of the objective by central differences (one-sided at a bound),
// from which the optimum is checked on lme4's scale: gradient divided by curvature.
inline void objective_derivatives(PreparedModel& model, const Vector& theta, double f0, const Vector& lower,
                                  Vector& gradient, Vector& curvature) {
  const double h = 1e-4;
  gradient.resize(theta.size());
  curvature.resize(theta.size());
  for (int i = 0; i < theta.size(); ++i) {
    Vector up = theta, down = theta;
    up[i] += h;
    const bool at_bound = theta[i] - h < lower[i];
    down[i] += at_bound ? 2 * h : -h;
    const double f_up = model(up), f_down = model(down);
    if (at_bound) {
      gradient[i] = (4 * f_up - f_down - 3 * f0) / (2 * h);
      curvature[i] = (f_down - 2 * f_up + f0) / (h * h);
    } else {
      gradient[i] = (f_up - f_down) / (2 * h);
      curvature[i] = (f_up - 2 * f0 + f_down) / (h * h);
    }
  }
}

inline void validate_start(const Vector& start, const Vector& lower) {
  if (start.size() != lower.size()) {
    throw std::invalid_argument("start must have " + std::to_string(lower.size()) + " values for theta");
  }
  for (int i = 0; i < start.size(); ++i) {
    if (!std::isfinite(start[i]) || start[i] < lower[i]) {
      throw std::invalid_argument("start values must be finite and within the bounds of theta");
    }
  }
}

// The likelihood has no maximum when the response is fitted exactly; a residual SD below 1e-3 of the
// response's scale is checked against the least-squares residual on [X Z] (rare, so its cost is no matter).
inline void check_not_exact_fit(double sigma, const InternalData& data) {
  const double scale = std::sqrt(data.weights.dot(data.y.cwiseAbs2()) / data.weights.sum());
  if (sigma > 1e-3 * scale) return;
  if (!(sigma > 1e-10 * scale) ||
      unexplained_fraction(data.X, data.y, data.weights, data.offset, data.Zt) < 1e-10) {
    throw std::domain_error(
        "the residual variance is estimated as zero: the response is fitted exactly by the fixed and random "
        "effects (is it constant within the levels of a grouping factor?)");
  }
}

// The estimates at the internal optimum theta, mapped to the user's parametrisation.
inline void read_estimates(StandardizedModel& model, const FitOptions& options, FitResult& fit) {
  PreparedModel& inner = model.internal();
  const Standardization& map = model.standardization();
  const RelativeCovariance& cov = inner.covariance();
  const Vector& t = fit.theta_internal;
  fit.objective = inner(t) + map.objective_shift(options.reml);
  const PlsFactor& factor = inner.factor();
  const CrossProducts& cp = inner.cross_products();
  const ObjectivePieces internal = factor.pieces();
  const double sigma_internal = profiled_sigma(internal, cp.n, cp.p, options.reml);
  check_not_exact_fit(sigma_internal, map.data());
  const Vector beta = factor.beta();
  const Vector u = factor.spherical_modes(beta);
  fit.theta = map.theta_to_user(t);
  fit.pieces = map.pieces_to_user(internal);
  fit.sigma = map.sigma_scale() * sigma_internal;
  fit.beta = map.beta_to_user(beta);
  fit.u = map.u_to_user(u, t);
  fit.b = map.b_to_user(cov.lambda(t, 0) * u);
  fit.vcov_unscaled = map.vcov_unscaled_to_user(factor.vcov_unscaled());
  if (options.conditional_variances) {
    fit.condvar = map.condvar_to_user(conditional_variances(factor, cov, t, sigma_internal));
  }
  fit.blocked = cp.q1 > 0;
  fit.dense_rest = inner.dense_rest();
}

// Where the optimizer starts, with the objective there when it is already known.
struct StartPoint {
  Vector theta;
  double value = std::numeric_limits<double>::quiet_NaN();
  int evaluations = 0;  // objective evaluations spent choosing it
};

// The optimizer's start: the user's; else, in the internal parametrisation, the moment estimates of
// moment_start() where they give a lower objective than the default (1 on diagonals, 0 elsewhere).
inline StartPoint choose_start(StandardizedModel& model, const FitOptions& options) {
  PreparedModel& inner = model.internal();
  StartPoint start{inner.covariance().default_start()};
  if (options.start.size() > 0) {
    validate_start(options.start, inner.covariance().lower_bounds());
    start.theta = model.standardization().theta_to_internal(options.start);
    return start;
  }
  if (!model.standardization().enabled()) return start;
  const Vector moments = moment_start(model.standardization().data().view(), inner.covariance());
  if (moments.size() == 0) return start;
  start.evaluations = 2;
  start.value = inner(start.theta);
  const double at_moments = inner(moments);
  if (at_moments < start.value) start = StartPoint{moments, at_moments, 2};
  return start;
}

// How far two evaluations of the objective at practically the same optimum can differ by rounding
// alone: 16 units in the last place of its value.
inline double rounding_slack(double value) {
  return 16 * std::numeric_limits<double>::epsilon() * std::max(1.0, std::abs(value));
}

// A diagonal theta that the optimizer left within 1e-6 of its bound of zero is put on the bound when
// the objective there is no higher, up to rounding: a variance estimated as zero is then exactly zero,
// whichever way the optimizer approached it. Near a zero variance the objective changes with theta
// squared, so an end 1e-8 from the bound is higher or lower than the bound only by rounding.
inline void settle_on_bounds(const std::function<double(const Vector&)>& objective, const Vector& lower,
                             OptimizerResult& result) {
  for (Eigen::Index i = 0; i < result.x.size(); ++i) {
    const double gap = result.x[i] - lower[i];
    if (!std::isfinite(lower[i]) || !(gap > 0) || gap > 1e-6) continue;
    Vector trial = result.x;
    trial[i] = lower[i];
    const double value = objective(trial);
    ++result.evaluations;
    if (value <= result.value + rounding_slack(result.value)) {
      result.x = trial;
      result.value = value;
    }
  }
}

// BOBYQA stopped by rounding error (its trust region collapsed) is run once more from where it
// stopped, with a fresh trust region; the better end is kept.
inline void restart_from_end(const std::function<double(const Vector&)>& objective, const Vector& lower,
                             const FitOptions& options, OptimizerResult& result) {
  OptimizerResult again = minimize_bobyqa(objective, result.x, lower, options.optimizer);
  again.evaluations += result.evaluations;
  again.gradients = result.gradients;
  again.method = result.method;
  if (again.value <= result.value) {
    result = std::move(again);
  } else {
    result.evaluations = again.evaluations;
  }
}

// One optimisation in the parametrisation `model` works in, with the estimates read off at its optimum:
// L-BFGS on the exact gradient confirmed by BOBYQA where use_gradient_search() says so, else BOBYQA,
// whose first evaluation, at the start, reuses the value choose_start() found there.
inline FitResult fit_in(StandardizedModel& model, const FitOptions& options) {
  PreparedModel& inner = model.internal();
  const Vector lower = inner.covariance().lower_bounds();
  const StartPoint start = choose_start(model, options);
  bool reused = false;
  auto objective = [&](const Vector& theta) {
    if (!reused && std::isfinite(start.value) && theta == start.theta) {
      reused = true;
      return start.value;
    }
    return inner(theta);
  };
  FitResult fit;
  if (use_gradient_search(inner, options.optimizer)) {
    fit.optimizer = minimize_by_gradient(inner, start.theta, lower, options.optimizer);
    fit.optimizer.evaluations += start.evaluations;
  } else {
    fit.optimizer = minimize_bobyqa(objective, start.theta, lower, options.optimizer);
    fit.optimizer.evaluations += start.evaluations - (reused ? 1 : 0);
  }
  if (fit.optimizer.status == NLOPT_ROUNDOFF_LIMITED) restart_from_end(objective, lower, options, fit.optimizer);
  settle_on_bounds(objective, lower, fit.optimizer);
  fit.theta_internal = fit.optimizer.x;
  objective_derivatives(inner, fit.theta_internal, fit.optimizer.value, lower, fit.gradient, fit.curvature);
  read_estimates(model, options, fit);
  return fit;
}

// The fit over the data as given, when it can be had; an empty theta otherwise.
inline FitResult fit_as_given(const ModelData& data, FitOptions options) {
  options.standardize = false;
  try {
    StandardizedModel model(data, options);
    return fit_in(model, options);
  } catch (const std::exception&) {
    return FitResult();
  }
}

}  // namespace detail

// The fit in the internal parametrisation. Where BOBYQA ends at or near the boundary it may have
// stalled on a ridge that the internal coordinates put there; the fit over the data as given is then
// also made and kept when clearly better, so no fit ends worse than in the user's parametrisation.
// An interior end whose exact gradient vanished (OptimizerResult::stationary) needs no such check.
inline FitResult fit_lmm(const ModelData& data, const FitOptions& options) {
  StandardizedModel model(data, options);
  FitResult fit = detail::fit_in(model, options);
  if (!options.standardize || fit.optimizer.stationary ||
      !near_zero_diagonal(fit.theta_internal, model.internal().covariance().lower_bounds())) {
    return fit;
  }
  FitResult other = detail::fit_as_given(data, options);
  const int evaluations = fit.optimizer.evaluations + other.optimizer.evaluations;
  const int gradients = fit.optimizer.gradients + other.optimizer.gradients;
  if (other.theta.size() == fit.theta.size() && std::isfinite(other.objective) &&
      other.objective < fit.objective - 1e-7 * (1.0 + std::abs(fit.objective))) {
    fit = std::move(other);
  }
  fit.optimizer.evaluations = evaluations;
  fit.optimizer.gradients = gradients;
  return fit;
}

}  // namespace lmmkit

#endif
