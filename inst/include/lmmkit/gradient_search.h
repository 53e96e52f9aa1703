// Minimises a prepared model's objective by L-BFGS on its exact gradient, continued by BOBYQA where it ends on a bound or short of a minimum.
#ifndef LMMKIT_GRADIENT_SEARCH_H
#define LMMKIT_GRADIENT_SEARCH_H

#include "nlopt_minimize.h"
#include "objective_gradient.h"

#include <cmath>
#include <limits>

namespace lmmkit {

// The smallest number of variance parameters for which OptimizerChoice::automatic takes L-BFGS: below it
// BOBYQA needs few evaluations and one gradient (2-3 evaluations' work) does not pay.
constexpr int kGradientSearchMinTheta = 3;

// A gradient of the objective (the deviance or REML criterion) below this at the end of a descent marks a
// minimum: moving theta by d changes the objective by less than 1e-4 |d| to first order.
constexpr double kStationaryGradient = 1e-4;

// Whether the exact gradient is available for this model (block-diagonal first term and/or a dense rest)
// and the settings ask for it.
inline bool use_gradient_search(const PreparedModel& model, const OptimizerSettings& settings) {
  if (!model.dense_rest() || settings.method == OptimizerChoice::bobyqa) return false;
  return settings.method == OptimizerChoice::lbfgs || model.covariance().n_theta() >= kGradientSearchMinTheta;
}

namespace detail {

// The objective, and its exact gradient when asked, both from one update of the factor.
inline ObjectiveWithGradient objective_with_gradient(PreparedModel& model) {
  return [&model](const Vector& theta, Vector* gradient) {
    const double value = model(theta);
    if (gradient != nullptr) {
      if (std::isfinite(value)) {
        *gradient = objective_gradient(model.factor(), model.covariance(), theta, model.reml());
      } else {
        gradient->setConstant(std::numeric_limits<double>::quiet_NaN());
      }
    }
    return value;
  };
}

// BOBYQA from `from` with a small first trust region: it builds a quadratic model of the objective
// around the point without derivatives and goes on from where L-BFGS stalled.
inline OptimizerResult confirm_by_bobyqa(PreparedModel& model, const OptimizerResult& from, const Vector& lower,
                                         OptimizerSettings settings) {
  settings.initial_step = 1e-3 * std::max(1.0, from.x.cwiseAbs().maxCoeff());
  settings.max_evaluations = std::max(1, settings.max_evaluations - from.evaluations);
  return minimize_bobyqa([&model](const Vector& theta) { return model(theta); }, from.x, lower, settings);
}

}  // namespace detail

// Whether x is a stationary point: every |g_i| below kStationaryGradient and no diagonal of T_k exactly on
// its bound of zero. There the gradient proves nothing: the objective depends on a column of T_k only up
// to its sign, so its derivative in that diagonal vanishes at zero even where the objective falls away.
inline bool stationary_point(const Vector& x, const Vector& gradient, const Vector& lower) {
  for (Eigen::Index i = 0; i < x.size(); ++i) {
    if (!(std::abs(gradient[i]) < kStationaryGradient)) return false;
    if (std::isfinite(lower[i]) && x[i] <= lower[i]) return false;
  }
  return true;
}

// L-BFGS (NLopt) on the exact gradient from `start`, without bounds: the objective depends on each column
// of T_k only up to its sign, so a diagonal may pass through zero (held at a bound of zero, it would sit on
// a stationary point the search cannot leave), and the end is mapped back to non-negative diagonals. That
// end is accepted when it is a stationary point, whatever NLopt's status (often "roundoff limited" at an
// optimum); otherwise BOBYQA goes on from it and the better end is
// kept, with BOBYQA's status. Evaluations count both runs; `gradients` those that also took the gradient.
inline OptimizerResult minimize_by_gradient(PreparedModel& model, const Vector& start, const Vector& lower,
                                            const OptimizerSettings& settings) {
  const ObjectiveWithGradient objective = detail::objective_with_gradient(model);
  const Vector unbounded = Vector::Constant(start.size(), -std::numeric_limits<double>::infinity());
  OptimizerResult search = minimize_lbfgs(objective, start, unbounded, settings);
  search.method = "lbfgs";
  search.x = std::isfinite(search.value) ? model.covariance().with_positive_diagonals(search.x) : start;
  Vector gradient(start.size());
  const double value = objective(search.x, &gradient);
  ++search.evaluations;
  ++search.gradients;
  if (std::isfinite(value) && stationary_point(search.x, gradient, lower)) {
    search.value = value;
    search.status = NLOPT_SUCCESS;
    search.converged = true;
    search.stationary = true;
    search.message = "converged: gradient below 1e-4";
    return search;
  }
  OptimizerResult confirmed = detail::confirm_by_bobyqa(model, search, lower, settings);
  if (!(confirmed.value <= search.value) && std::isfinite(search.value)) {
    confirmed.x = search.x;
    confirmed.value = search.value;
  }
  confirmed.evaluations += search.evaluations;
  confirmed.gradients = search.gradients;
  confirmed.method = "lbfgs";
  return confirmed;
}

}  // namespace lmmkit

#endif
