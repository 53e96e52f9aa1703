// The options of a fit and a model prepared for repeated evaluation of its objective at any theta.
#ifndef LMMKIT_PREPARED_MODEL_H
#define LMMKIT_PREPARED_MODEL_H

#include "nlopt_minimize.h"
#include "objective.h"

namespace lmmkit {

enum class FactorLayout {
  automatic,  // block-diagonal first term; the rest dense up to dense_limit columns, else sparse
  blocked,    // block-diagonal first term, dense rest
  sparse      // one general sparse factor with a fill-reducing ordering (lme4's approach)
};

struct FitOptions {
  bool reml = true;
  bool standardize = true;    // fit in the internal, well-conditioned parametrisation
  FactorLayout layout = FactorLayout::automatic;
  int dense_limit = 4000;
  OptimizerSettings optimizer;
  Vector start;               // user's theta; empty: 1 on diagonals, 0 elsewhere (internally)
  bool conditional_variances = true;
  DenseKernels kernels;       // threads and the dense Cholesky factor of the block after the first term
};

// The objective over the data as given (no change of parametrisation).
class PreparedModel {
 public:
  PreparedModel(const ModelData& data, const FitOptions& options)
      : cov_(data.terms),
        cp_(form_cross_products(data, options.layout != FactorLayout::sparse)),
        dense_rest_(options.layout == FactorLayout::blocked ||
                    (options.layout == FactorLayout::automatic && cp_.q2 <= options.dense_limit)),
        objective_(cp_, cov_, options.reml, dense_rest_, options.kernels) {}

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

}  // namespace lmmkit

#endif
