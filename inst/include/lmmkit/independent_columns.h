// Which columns of a fixed-effect matrix to keep: an in-order rank decision on centred, unit-length columns.
#ifndef LMMKIT_INDEPENDENT_COLUMNS_H
#define LMMKIT_INDEPENDENT_COLUMNS_H

#include "types.h"

#include <cmath>
#include <vector>

namespace lmmkit {

namespace detail {

// Whether every entry is 0 or 1, and whether every entry is 1.
inline void indicator_kind(const Eigen::Ref<const Vector>& x, bool& indicator, bool& ones) {
  indicator = true;
  ones = true;
  for (Eigen::Index i = 0; i < x.size(); ++i) {
    if (x[i] != 1) ones = false;
    if (x[i] != 0 && x[i] != 1) {
      indicator = false;
      return;
    }
  }
}

// The mean, corrected by a second pass so that a large common value costs no precision.
inline double accurate_mean(const Eigen::Ref<const Vector>& x) {
  const double n = static_cast<double>(x.size());
  const double first = x.sum() / n;
  return first + (x.array() - first).sum() / n;
}

// Columns divided by their largest magnitude, then by their length (two steps, so nothing overflows).
inline void unit_length_columns(Matrix& M) {
  for (Eigen::Index j = 0; j < M.cols(); ++j) {
    const double largest = M.col(j).cwiseAbs().maxCoeff();
    if (!(largest > 0) || !std::isfinite(largest)) continue;
    M.col(j) /= largest;
    M.col(j) /= M.col(j).norm();
  }
}

// M with its columns centred when the constant lies in their span (a column of ones, or indicator
// columns that partition the rows) and scaled to unit length: a reparametrisation that keeps the rank
// but means that shifting or rescaling a covariate never makes it look aliased.
inline Matrix conditioned_columns(Matrix M) {
  const Eigen::Index k = M.cols();
  std::vector<bool> indicator(k);
  bool anchored = false;
  for (Eigen::Index j = 0; j < k; ++j) {
    bool is_indicator = false, is_ones = false;
    indicator_kind(M.col(j), is_indicator, is_ones);
    indicator[j] = is_indicator;
    anchored = anchored || is_ones;
  }
  if (!anchored) {
    Vector indicator_sum = Vector::Zero(M.rows());
    bool any_indicator = false;
    for (Eigen::Index j = 0; j < k; ++j) {
      if (indicator[j]) indicator_sum += M.col(j);
      any_indicator = any_indicator || indicator[j];
    }
    anchored = any_indicator && (indicator_sum.array() == 1.0).all();
  }
  for (Eigen::Index j = 0; anchored && j < k; ++j) {
    if (!indicator[j]) M.col(j).array() -= accurate_mean(M.col(j));
  }
  unit_length_columns(M);
  return M;
}

}  // namespace detail

// The columns of M (0-based, in their original order) that are not, to within `tolerance`, combinations
// of the columns kept before them: each column is kept when, after projecting out the kept ones, more than
// `tolerance` of its conditioned length remains. This is the decision of R's LINPACK QR (dqrdc2, as used by
// lme4 to drop aliased columns), which moves a column to the end when its remaining norm falls below
// tolerance times its original norm, taken with exact rather than downdated remaining norms.
inline std::vector<int> independent_columns(const Matrix& M, double tolerance) {
  if (!M.allFinite()) throw std::invalid_argument("the fixed-effect model matrix has entries that are not finite");
  std::vector<int> kept;
  if (M.rows() == 0) return kept;
  Matrix A = detail::conditioned_columns(M);
  const Eigen::Index n = A.rows(), k = A.cols();
  Eigen::Index rank = 0;
  Vector workspace(k);
  for (Eigen::Index j = 0; j < k && rank < n; ++j) {
    const Eigen::Index rest = n - rank;
    const double original = A.col(j).norm();
    const double remaining = A.col(j).tail(rest).norm();
    if (!(original > 0) || remaining < tolerance * original) continue;
    kept.push_back(static_cast<int>(j));
    ++rank;
    if (rest == 1 || j + 1 == k) continue;
    double tau = 0, beta = 0;
    A.col(j).tail(rest).makeHouseholderInPlace(tau, beta);
    A.block(rank - 1, j + 1, rest, k - j - 1)
        .applyHouseholderOnTheLeft(A.col(j).tail(rest - 1), tau, workspace.data());
  }
  return kept;
}

}  // namespace lmmkit

#endif
