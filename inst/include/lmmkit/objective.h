// The profiled ML deviance and REML criterion as functions of the factor's pieces.
#ifndef LMMKIT_OBJECTIVE_H
#define LMMKIT_OBJECTIVE_H

#include "pls_factor.h"

#include <cmath>

namespace lmmkit {

constexpr double two_pi = 6.283185307179586476925286766559;

// -2 log-likelihood (ML) or -2 restricted log-likelihood (REML) with sigma profiled out
// (Bates et al. 2015, eqs. 34 and 41), less the sum of the log prior weights.
inline double profiled_objective(const ObjectivePieces& pieces, int n, int p, bool reml,
                                 double sum_log_weights) {
  const double dof = reml ? static_cast<double>(n - p) : static_cast<double>(n);
  double value = pieces.ldL2 + dof * (1.0 + std::log(two_pi * pieces.pwrss / dof));
  if (reml) value += pieces.ldRX2;
  return value - sum_log_weights;
}

inline double profiled_sigma(const ObjectivePieces& pieces, int n, int p, bool reml) {
  return std::sqrt(pieces.pwrss / (reml ? n - p : n));
}

// The objective as a pure function of theta over a prepared model.
class Objective {
 public:
  Objective(const CrossProducts& cp, const RelativeCovariance& cov, bool reml, bool dense_rest,
            const DenseKernels& kernels = DenseKernels())
      : cp_(cp), factor_(cp, cov, dense_rest, kernels), reml_(reml) {}

  double operator()(const Vector& theta) {
    factor_.update(theta);
    ++evaluations_;
    return profiled_objective(factor_.pieces(), cp_.n, cp_.p, reml_, cp_.sum_log_weights);
  }

  int evaluations() const { return evaluations_; }
  bool reml() const { return reml_; }
  const PlsFactor& factor() const { return factor_; }

 private:
  const CrossProducts& cp_;
  PlsFactor factor_;
  bool reml_;
  int evaluations_ = 0;
};

}  // namespace lmmkit

#endif
