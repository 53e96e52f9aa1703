// U' V0^{-1} U for U = [Z X y], with V0 = Z Lambda Lambda' Z' + W^{-1}, through the blocked factor (no n x n matrix).
#ifndef LMMKIT_MARGINAL_PRECISION_H
#define LMMKIT_MARGINAL_PRECISION_H

#include "conditional_variance.h"

namespace lmmkit {

namespace detail {

inline SparseMatrix selection(int rows_out, int first, int total) {
  SparseMatrix S(rows_out, total);
  for (int i = 0; i < rows_out; ++i) S.insert(i, first + i) = 1.0;
  S.makeCompressed();
  return S;
}

}  // namespace detail

// K0 = U' V0^{-1} U = U'WU - B'B with B = L_Z^{-1} Lambda' Z'W U, taken block by block:
// B1 (first term) is sparse in its Z columns, B2 (the rest) is dense.
inline Matrix marginal_precision(const PlsFactor& factor, const RelativeCovariance& cov, const Vector& theta) {
  const CrossProducts& cp = factor.cross_products();
  const int q = cp.q1 + cp.q2;
  const int m = cp.p + 1;
  const SparseMatrix AZZ = detail::full_ZtWZ(cp);
  Matrix AZU(q, m);
  AZU << cp.AXZ1.transpose(), cp.AXZ2.transpose();
  const SparseMatrix lambda_t = SparseMatrix(cov.lambda(theta, 0).transpose());
  const SparseMatrix RZ = lambda_t * AZZ;
  const Matrix RX = lambda_t * AZU;

  Matrix K0 = Matrix::Zero(q + m, q + m);
  K0.topLeftCorner(q, q) = Matrix(AZZ);
  K0.topRightCorner(q, m) = AZU;
  K0.bottomRightCorner(m, m) = cp.AXX;

  SparseMatrix B1Z(0, q);
  Matrix B1X(0, m);
  if (cp.q1 > 0) {
    SparseMatrix L11_inverse;
    detail::first_block_inverses(factor.L11(), L11_inverse);
    const SparseMatrix top = detail::selection(cp.q1, 0, q);
    B1Z = L11_inverse * (top * RZ);
    B1X = L11_inverse * (top * RX);
    const SparseMatrix B1ZtB1Z = SparseMatrix(B1Z.transpose()) * B1Z;
    K0.topLeftCorner(q, q) -= Matrix(B1ZtB1Z);
    K0.topRightCorner(q, m) -= B1Z.transpose() * B1X;
    K0.bottomRightCorner(m, m) -= B1X.transpose() * B1X;
  }
  if (cp.q2 > 0) {
    const SparseMatrix bottom = detail::selection(cp.q2, cp.q1, q);
    Matrix B2(cp.q2, q + m);
    B2.leftCols(q) = Matrix(bottom * RZ);
    B2.rightCols(m) = bottom * RX;
    if (cp.q1 > 0) {
      B2.leftCols(q) -= Matrix(factor.L21() * B1Z);
      B2.rightCols(m) -= factor.L21() * B1X;
    }
    factor.L22().solve_in_place(B2);
    K0.selfadjointView<Eigen::Upper>().rankUpdate(B2.transpose(), -1.0);
  }
  K0.triangularView<Eigen::StrictlyLower>() = K0.transpose();
  return K0;
}

}  // namespace lmmkit

#endif
