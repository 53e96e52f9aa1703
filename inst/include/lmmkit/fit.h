// Fits a linear mixed model: prepares the cross products, minimises the profiled objective, reads off the estimates.
#ifndef LMMKIT_FIT_H
#define LMMKIT_FIT_H

#include "bobyqa.h"
#include "conditional_variance.h"
#include "objective.h"

namespace lmmkit {

enum class FactorLayout {
  automatic,  // block-diagonal first term; the rest dense up to dense_limit columns, else sparse
  blocked,    // block-diagonal first term, dense rest
  sparse      // one general sparse factor with a fill-reducing ordering (lme4's approach)
};

struct FitOptions {
  bool reml = true;
  FactorLayout layout = FactorLayout::automatic;
  int dense_limit = 4000;
  OptimizerSettings optimizer;
  Vector start;               // empty: 1 on diagonals, 0 elsewhere
  bool conditional_variances = true;
};

struct FitResult {
  Vector theta, beta, u, b;
  double sigma = 0;
  double objective = 0;
  ObjectivePieces pieces;
  Matrix vcov_unscaled;
  std::vector<Matrix> condvar;
  Vector gradient;           // finite-difference gradient of the objective at theta
  Vector curvature;          // finite-difference second derivatives (diagonal of the Hessian)
  OptimizerResult optimizer;
  bool blocked = false;      // the first term was held block-diagonally
  bool dense_rest = false;
};

// A model prepared for repeated evaluation of its objective at any theta.
class PreparedModel {
 public:
  PreparedModel(const ModelData& data, const FitOptions& options)
      : cov_(data.terms),
        cp_(form_cross_products(data, options.layout != FactorLayout::sparse)),
        dense_rest_(options.layout == FactorLayout::blocked ||
                    (options.layout == FactorLayout::automatic && cp_.q2 <= options.dense_limit)),
        objective_(cp_, cov_, options.reml, dense_rest_) {}

  double operator()(const Vector& theta) { return objective_(theta); }
  const RelativeCovariance& covariance() const { return cov_; }
  const CrossProducts& cross_products() const { return cp_; }
  const PlsFactor& factor() const { return objective_.factor(); }
  bool dense_rest() const { return dense_rest_; }
  bool reml() const { return objective_.reml(); }

 private:
  RelativeCovariance cov_;
  CrossProducts cp_;
  bool dense_rest_;
  Objective objective_;
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

}  // namespace detail

inline FitResult fit_lmm(const ModelData& data, const FitOptions& options) {
  PreparedModel model(data, options);
  const RelativeCovariance& cov = model.covariance();
  const Vector lower = cov.lower_bounds();
  const Vector start = options.start.size() > 0 ? options.start : cov.default_start();
  detail::validate_start(start, lower);
  FitResult fit;
  fit.optimizer = minimize_bobyqa([&model](const Vector& theta) { return model(theta); }, start, lower,
                                  options.optimizer);
  fit.theta = fit.optimizer.x;
  detail::objective_derivatives(model, fit.theta, fit.optimizer.value, lower, fit.gradient, fit.curvature);
  fit.objective = model(fit.theta);
  const PlsFactor& factor = model.factor();
  const CrossProducts& cp = model.cross_products();
  fit.pieces = factor.pieces();
  fit.sigma = profiled_sigma(fit.pieces, cp.n, cp.p, options.reml);
  fit.beta = factor.beta();
  fit.u = factor.spherical_modes(fit.beta);
  fit.b = cov.lambda(fit.theta, 0) * fit.u;
  fit.vcov_unscaled = factor.vcov_unscaled();
  if (options.conditional_variances) fit.condvar = conditional_variances(factor, cov, fit.theta, fit.sigma);
  fit.blocked = cp.q1 > 0;
  fit.dense_rest = model.dense_rest();
  return fit;
}

}  // namespace lmmkit

#endif
