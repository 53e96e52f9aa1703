// Prediction-error variances of X beta_hat + Z b_hat for new design rows, through the blocked factor.
#ifndef LMMKIT_PREDICTION_VARIANCE_H
#define LMMKIT_PREDICTION_VARIANCE_H

#include "conditional_variance.h"

namespace lmmkit {

// Var(x'(beta_hat - beta) + z'(b_hat - b)) / sigma^2 = || L^{-1} [Lambda'z; x] ||^2, where L L' is the
// penalized system of [u; beta]. X_new is m x p, Zt_new is q x m (columns of absent terms left empty).
inline Vector prediction_variances(const PlsFactor& factor, const RelativeCovariance& cov, const Vector& theta,
                                   const Matrix& X_new, const SparseMatrix& Zt_new) {
  const CrossProducts& cp = factor.cross_products();
  const int p = cp.p;
  const int m = static_cast<int>(X_new.rows());
  const SparseMatrix lambda_t_z = SparseMatrix(cov.lambda(theta, 0).transpose()) * Zt_new;
  SparseMatrix L11_inverse(0, 0);
  if (cp.q1 > 0) detail::first_block_inverses(factor.L11(), L11_inverse);
  Vector out(m);
  const int chunk = 512;
  for (int c0 = 0; c0 < m; c0 += chunk) {
    const int width = std::min(chunk, m - c0);
    const Matrix v = Matrix(lambda_t_z.middleCols(c0, width));
    Matrix w1 = cp.q1 > 0 ? Matrix(L11_inverse * v.topRows(cp.q1)) : Matrix(0, width);
    Matrix w2 = v.bottomRows(cp.q2);
    if (cp.q2 > 0) {
      if (cp.q1 > 0) w2 -= factor.L21() * w1;
      factor.L22().solve_in_place(w2);
    }
    Matrix w3 = X_new.middleRows(c0, width).transpose();
    if (cp.q1 > 0) w3 -= factor.L31().topRows(p) * w1;
    if (cp.q2 > 0) w3 -= factor.L32().topRows(p) * w2;
    factor.L33().topLeftCorner(p, p).triangularView<Eigen::Lower>().solveInPlace(w3);
    out.segment(c0, width) = w1.colwise().squaredNorm().transpose() + w2.colwise().squaredNorm().transpose() +
                             w3.colwise().squaredNorm().transpose();
  }
  return out;
}

}  // namespace lmmkit

#endif
