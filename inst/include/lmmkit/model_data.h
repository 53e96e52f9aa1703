// Observation-level data handed to the engine once: X, y, weights, offset and the transposed design Zt.
#ifndef LMMKIT_MODEL_DATA_H
#define LMMKIT_MODEL_DATA_H

#include "types.h"

#include <cmath>

namespace lmmkit {

// Views of data owned by the caller; the engine reads them only while forming cross products.
struct ModelData {
  Eigen::Ref<const Matrix> X;        // n x p fixed-effect matrix
  Eigen::Ref<const Vector> y;        // n responses
  Eigen::Ref<const Vector> weights;  // n prior weights (all 1 when none)
  Eigen::Ref<const Vector> offset;   // n offsets (all 0 when none)
  SparseColumnsView Zt;              // q x n transposed random-effect design
  std::vector<TermSpec> terms;       // random-effect terms in column order

  int n_obs() const { return static_cast<int>(y.size()); }
  int n_fixed() const { return static_cast<int>(X.cols()); }
  int n_random() const { return total_width(terms); }

  void validate() const {
    const int n = n_obs();
    if (n == 0) throw std::invalid_argument("no observations");
    if (X.rows() != n) throw std::invalid_argument("X must have one row per observation");
    if (weights.size() != n) throw std::invalid_argument("weights must have one value per observation");
    if (offset.size() != n) throw std::invalid_argument("offset must have one value per observation");
    if (Zt.cols != n) throw std::invalid_argument("Zt must have one column per observation");
    if (terms.empty()) throw std::invalid_argument("at least one random-effect term is required");
    validate_terms(terms);
    if (Zt.rows != n_random()) throw std::invalid_argument("Zt rows do not match the random-effect terms");
    Zt.validate();
    for (int i = 0; i < n; ++i) {
      if (!(weights[i] > 0) || !std::isfinite(weights[i])) {
        throw std::invalid_argument("weights must be positive and finite");
      }
    }
    if (!X.allFinite() || !y.allFinite() || !offset.allFinite()) {
      throw std::invalid_argument("X, y and offset must be finite");
    }
  }
};

}  // namespace lmmkit

#endif
