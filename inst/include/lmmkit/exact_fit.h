// Whether the response lies in the span of the fixed- and random-effect columns (a likelihood without a maximum).
#ifndef LMMKIT_EXACT_FIT_H
#define LMMKIT_EXACT_FIT_H

#include "types.h"

#include <Eigen/SparseQR>

#include <vector>

namespace lmmkit {

// Root mean square of the weighted least-squares residual of (y - offset) on [X Z], relative to that of
// (y - offset) itself; 0 when the fixed and random effects reproduce the response exactly. A rank-revealing
// sparse QR, so collinear columns (an intercept in the span of a grouping factor) are harmless.
inline double unexplained_fraction(const Matrix& X, const Vector& y, const Vector& weights, const Vector& offset,
                                   const SparseMatrix& Zt) {
  const Eigen::Index n = y.size();
  const Vector root_w = weights.cwiseSqrt();
  std::vector<Eigen::Triplet<double>> entries;
  entries.reserve(static_cast<std::size_t>(n * X.cols() + Zt.nonZeros()));
  for (Eigen::Index j = 0; j < X.cols(); ++j) {
    for (Eigen::Index i = 0; i < n; ++i) {
      if (X(i, j) != 0) entries.emplace_back(i, j, root_w[i] * X(i, j));
    }
  }
  for (Eigen::Index i = 0; i < Zt.outerSize(); ++i) {
    for (SparseMatrix::InnerIterator it(Zt, i); it; ++it) {
      entries.emplace_back(i, X.cols() + it.row(), root_w[i] * it.value());
    }
  }
  SparseMatrix A(n, X.cols() + Zt.rows());
  A.setFromTriplets(entries.begin(), entries.end());
  A.makeCompressed();
  const Vector target = root_w.cwiseProduct(y - offset);
  const double size = target.norm();
  if (!(size > 0)) return 0.0;
  Eigen::SparseQR<SparseMatrix, Eigen::COLAMDOrdering<int>> qr(A);
  if (qr.info() != Eigen::Success) return 1.0;
  const Vector coefficients = qr.solve(target);
  return (target - A * coefficients).norm() / size;
}

}  // namespace lmmkit

#endif
