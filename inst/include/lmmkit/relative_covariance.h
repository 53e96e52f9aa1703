// Relative covariance factor Lambda(theta): a lower-triangular template T_k per term, repeated per level.
#ifndef LMMKIT_RELATIVE_COVARIANCE_H
#define LMMKIT_RELATIVE_COVARIANCE_H

#include "types.h"

#include <limits>

namespace lmmkit {

// theta holds, term by term, the lower triangle of T_k column by column (lme4's order).
class RelativeCovariance {
 public:
  explicit RelativeCovariance(std::vector<TermSpec> terms) : terms_(std::move(terms)) {
    validate_terms(terms_);
    int offset = 0;
    for (const TermSpec& t : terms_) {
      theta_offset_.push_back(offset);
      offset += t.n_theta();
    }
    n_theta_ = offset;
  }

  int n_theta() const { return n_theta_; }
  int n_terms() const { return static_cast<int>(terms_.size()); }
  const TermSpec& term(int k) const { return terms_[k]; }
  const std::vector<TermSpec>& terms() const { return terms_; }
  int theta_offset(int k) const { return theta_offset_[k]; }

  // True where theta is a diagonal element of its template (bounded below by 0).
  std::vector<bool> diagonal_mask() const {
    std::vector<bool> mask;
    for (const TermSpec& t : terms_) {
      for (int j = 0; j < t.ncol; ++j) {
        for (int i = j; i < t.ncol; ++i) mask.push_back(i == j);
      }
    }
    return mask;
  }

  Vector lower_bounds() const {
    const std::vector<bool> mask = diagonal_mask();
    Vector lower(n_theta_);
    for (int i = 0; i < n_theta_; ++i) {
      lower[i] = mask[i] ? 0.0 : -std::numeric_limits<double>::infinity();
    }
    return lower;
  }

  Vector default_start() const {
    const std::vector<bool> mask = diagonal_mask();
    Vector start(n_theta_);
    for (int i = 0; i < n_theta_; ++i) start[i] = mask[i] ? 1.0 : 0.0;
    return start;
  }

  // theta must have one finite value per parameter.
  void check_theta(const Vector& theta) const {
    if (theta.size() != n_theta_) {
      throw std::invalid_argument("theta must have " + std::to_string(n_theta_) + " values, not " +
                                  std::to_string(theta.size()));
    }
    if (!theta.allFinite()) throw std::invalid_argument("theta must be finite");
  }

  Matrix template_factor(const Vector& theta, int k) const {
    const int p = terms_[k].ncol;
    Matrix T = Matrix::Zero(p, p);
    int pos = theta_offset_[k];
    for (int j = 0; j < p; ++j) {
      for (int i = j; i < p; ++i) T(i, j) = theta[pos++];
    }
    return T;
  }

  // The same covariances T_k T_k' with every diagonal of T_k non-negative: a column of T_k whose diagonal is
  // negative changes sign.
  Vector with_positive_diagonals(Vector theta) const {
    for (int k = 0; k < n_terms(); ++k) {
      const int p = terms_[k].ncol;
      for (int j = 0, pos = theta_offset_[k]; j < p; pos += p - j, ++j) {
        if (theta[pos] < 0) theta.segment(pos, p - j) *= -1.0;
      }
    }
    return theta;
  }

  // Block-diagonal Lambda for terms first_term.. (their columns only), as a sparse matrix.
  SparseMatrix lambda(const Vector& theta, int first_term) const {
    std::vector<Eigen::Triplet<double>> entries;
    int col0 = 0;
    for (int k = first_term; k < n_terms(); ++k) {
      const Matrix T = template_factor(theta, k);
      const int p = terms_[k].ncol;
      for (int level = 0; level < terms_[k].nlevels; ++level, col0 += p) {
        for (int j = 0; j < p; ++j) {
          for (int i = j; i < p; ++i) entries.emplace_back(col0 + i, col0 + j, T(i, j));
        }
      }
    }
    SparseMatrix result(col0, col0);
    result.setFromTriplets(entries.begin(), entries.end());
    return result;
  }

 private:
  std::vector<TermSpec> terms_;
  std::vector<int> theta_offset_;
  int n_theta_ = 0;
};

}  // namespace lmmkit

#endif
