// Minimises a prepared model's objective by L-BFGS on its exact gradient, continued by BOBYQA unless it ends at an interior minimum.
#ifndef LMMKIT_GRADIENT_SEARCH_H
#define LMMKIT_GRADIENT_SEARCH_H

#include "nlopt_minimize.h"
#include "objective_gradient.h"

#include <cmath>
#include <exception>
#include <limits>

namespace lmmkit {

// The smallest number of variance parameters for which OptimizerChoice::automatic takes L-BFGS: below it
// BOBYQA needs few evaluations and one gradient (2-3 evaluations' work) does not pay.
constexpr int kGradientSearchMinTheta = 3;

// The largest gradient of the objective (the deviance or REML criterion) in max(1, |theta_i|) units taken for
// zero: moving theta_i by d (or by the fraction d when |theta_i| > 1) changes the objective by less than
// 1e-4 d to first order. Scaling by |theta_i| keeps the test from passing on the flat far side of a large
// theta (a residual variance tiny against the random effects), where the objective changes with log theta.
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

// BOBYQA from `from.x`: it builds a quadratic model of the objective around the point without derivatives
// and goes on from there, within what is left of the evaluations. With `small_region` (near a zero diagonal,
// a singular fit where L-BFGS has come close) its first trust region is 1e-3 of the largest |theta| (at
// least 1e-3); otherwise it is NLopt's default, as L-BFGS may have stalled far from the optimum (from a
// small region BOBYQA stalled there too, 9 logLik short).
inline OptimizerResult continue_by_bobyqa(PreparedModel& model, const OptimizerResult& from, const Vector& lower,
                                          bool small_region, OptimizerSettings settings) {
  if (small_region) settings.initial_step = 1e-3 * std::max(1.0, from.x.cwiseAbs().maxCoeff());
  settings.max_evaluations = std::max(1, settings.max_evaluations - from.evaluations);
  return minimize_bobyqa([&model](const Vector& theta) { return model(theta); }, from.x, lower, settings);
}

}  // namespace detail

// Whether a bounded theta_i (a diagonal of T_k) is within 1e-4 of the largest |theta| (at least 1e-4) of
// its bound of zero: a singular or nearly singular fit. There the gradient proves nothing: the objective
// depends on a column of T_k only up to its sign, so the derivative in a diagonal vanishes at zero (and is
// small near it) even where the objective falls away.
inline bool near_zero_diagonal(const Vector& x, const Vector& lower) {
  const double reach = 1e-4 * std::max(1.0, x.cwiseAbs().maxCoeff());
  for (Eigen::Index i = 0; i < x.size(); ++i) {
    if (std::isfinite(lower[i]) && x[i] <= lower[i] + reach) return true;
  }
  return false;
}

// Whether x is an interior minimum as far as the gradient can tell: every |g_i| max(1, |x_i|) below
// kStationaryGradient and no diagonal near zero (such ends, like singular fits, are left to BOBYQA).
inline bool interior_minimum(const Vector& x, const Vector& gradient, const Vector& lower) {
  for (Eigen::Index i = 0; i < x.size(); ++i) {
    if (!(std::abs(gradient[i]) * std::max(1.0, std::abs(x[i])) < kStationaryGradient)) return false;
  }
  return !near_zero_diagonal(x, lower);
}

// L-BFGS (NLopt) on the exact gradient from `start`, without bounds: a diagonal of T_k held at a bound of
// zero would sit on a point where its derivative vanishes by symmetry and the search could not leave it;
// unbounded, a diagonal may pass through zero, and the end is mapped back to non-negative diagonals (the
// same covariances). That end is accepted when it is an interior minimum, whatever NLopt's status (often
// "roundoff limited" at an optimum). Otherwise BOBYQA goes on from it (method "lbfgs+bobyqa", with
// BOBYQA's status) and the better end is kept; an error inside the unbounded search (a trial theta where
// the factor fails) sends BOBYQA from `start` instead, with NLopt's first step. Evaluations count both
// runs; `gradients` those that also took the gradient.
inline OptimizerResult minimize_by_gradient(PreparedModel& model, const Vector& start, const Vector& lower,
                                            const OptimizerSettings& settings) {
  const ObjectiveWithGradient objective = detail::objective_with_gradient(model);
  const Vector unbounded = Vector::Constant(start.size(), -std::numeric_limits<double>::infinity());
  int tried = 0, tried_gradients = 0;
  auto counted = [&](const Vector& theta, Vector* gradient) {
    ++tried;
    if (gradient != nullptr) ++tried_gradients;
    return objective(theta, gradient);
  };
  OptimizerResult search;
  try {
    search = minimize_lbfgs(counted, start, unbounded, settings);
  } catch (const std::exception&) {
    search = OptimizerResult();
    search.value = std::numeric_limits<double>::infinity();
    search.evaluations = tried;
    search.gradients = tried_gradients;
  }
  const bool searched = std::isfinite(search.value);
  search.x = searched ? model.covariance().with_positive_diagonals(search.x) : start;
  if (searched) {
    Vector gradient(start.size());
    search.value = objective(search.x, &gradient);
    ++search.evaluations;
    ++search.gradients;
    if (std::isfinite(search.value) && interior_minimum(search.x, gradient, lower)) {
      search.status = NLOPT_SUCCESS;
      search.converged = true;
      search.stationary = true;
      search.message = "converged: gradient below 1e-4";
      return search;
    }
  }
  OptimizerResult continued =
      detail::continue_by_bobyqa(model, search, lower, searched && near_zero_diagonal(search.x, lower), settings);
  if (std::isfinite(search.value) && !(continued.value <= search.value)) {
    continued.x = search.x;
    continued.value = search.value;
  }
  continued.evaluations += search.evaluations;
  continued.gradients = search.gradients;
  continued.method = "lbfgs+bobyqa";
  return continued;
}

}  // namespace lmmkit

#endif
