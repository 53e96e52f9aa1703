// Blocked Cholesky factor of the penalized least-squares system, updated for each theta.
#ifndef LMMKIT_PLS_FACTOR_H
#define LMMKIT_PLS_FACTOR_H

#include "block_diagonal_factor.h"
#include "cross_products.h"
#include "relative_covariance.h"
#include "rest_factor.h"

namespace lmmkit {

// The pieces of the profiled objective read off the factor.
struct ObjectivePieces {
  double ldL2 = 0;   // log |L_Z|^2
  double ldRX2 = 0;  // log |R_X|^2
  double pwrss = 0;  // penalized weighted residual sum of squares r^2
};

// Factor of [Lambda'Z'WZ Lambda + I, Lambda'Z'WX, ...; X'WZ Lambda, X'WX, ...; y'..., y'Wy] in
// blocks: L11 (first term, block-diagonal), L21 and L22 (the other terms), and the last
// (p + 1) rows [L31 L32 L33] for [X y]. Only q- and p-sized quantities are touched.
class PlsFactor {
 public:
  PlsFactor(const CrossProducts& cp, const RelativeCovariance& cov, bool dense_rest,
            const DenseKernels& kernels = DenseKernels())
      : cp_(cp), cov_(cov), L22_(make_rest_factor(dense_rest, kernels)) {}

  void update(const Vector& theta) {
    cov_.check_theta(theta);
    const int first_rest = cp_.q1 > 0 ? 1 : 0;
    const SparseMatrix lambda2 = cov_.lambda(theta, first_rest);
    SparseMatrix carry1(0, 0);
    if (cp_.q1 > 0) {
      L11_.factor(cp_.A11, cov_.template_factor(theta, 0));
      carry1 = L11_.carry();
    }
    const SparseMatrix lambda2t = lambda2.transpose();
    L21_ = carried_cross_block(lambda2t, carry1);
    L31_ = cp_.q1 > 0 ? L11_.carry_right(cp_.AXZ1) : Matrix(cp_.p + 1, 0);
    Matrix rhs32 = cp_.AXZ2 * lambda2;
    if (cp_.q1 > 0 && cp_.q2 > 0) rhs32 -= L31_ * L21_.transpose();
    L32_ = cp_.q2 > 0 ? L22_->factor_with_rows(SparseMatrix(lambda2t * cp_.A22 * lambda2), L21_, rhs32) : rhs32;
    factor_fixed_block();
  }

  ObjectivePieces pieces() const {
    ObjectivePieces out;
    out.ldL2 = (cp_.q1 > 0 ? L11_.log_det() : 0.0) + (cp_.q2 > 0 ? L22_->log_det() : 0.0);
    const int p = cp_.p;
    out.ldRX2 = 2.0 * L33_.diagonal().head(p).array().log().sum();
    out.pwrss = L33_(p, p) * L33_(p, p);
    return out;
  }

  // Fixed effects: R_X' beta = the last row of L33 (its first p entries).
  Vector beta() const {
    const int p = cp_.p;
    Vector b = L33_.row(p).head(p).transpose();
    L33_.topLeftCorner(p, p).triangularView<Eigen::Lower>().transpose().solveInPlace(b);
    return b;
  }

  // Spherical random effects u for given beta, by back substitution through L_Z'.
  Vector spherical_modes(const Vector& beta) const {
    const int p = cp_.p;
    Vector c1 = L31_.row(p).transpose() - L31_.topRows(p).transpose() * beta;
    Vector c2 = L32_.row(p).transpose() - L32_.topRows(p).transpose() * beta;
    if (cp_.q2 > 0) L22_->solve_transpose_in_place(c2);
    if (cp_.q1 > 0) {
      if (cp_.q2 > 0) c1 -= L21_.transpose() * c2;
      L11_.solve_transpose_in_place(c1);
    }
    Vector u(cp_.q1 + cp_.q2);
    u << c1, c2;
    return u;
  }

  // (R_X' R_X)^{-1}: the covariance of beta divided by sigma^2.
  Matrix vcov_unscaled() const {
    const int p = cp_.p;
    Matrix inv = Matrix::Identity(p, p);
    L33_.topLeftCorner(p, p).triangularView<Eigen::Lower>().solveInPlace(inv);
    return inv.transpose() * inv;
  }

  const CrossProducts& cross_products() const { return cp_; }
  const BlockDiagonalFactor& L11() const { return L11_; }
  const SparseMatrix& L21() const { return L21_; }
  const RestFactor& L22() const { return *L22_; }
  const Matrix& L31() const { return L31_; }  // (p + 1) x q1: rows for [X y]
  const Matrix& L32() const { return L32_; }  // (p + 1) x q2
  const Matrix& L33() const { return L33_; }  // (p + 1) x (p + 1)

 private:
  // Lambda_2' A21 carry1. When both factors are diagonal (terms of one column), A21's values scaled by their
  // row's and column's factors in A21's own pattern, as the sparse products would give them, without forming it.
  SparseMatrix carried_cross_block(const SparseMatrix& lambda2t, const SparseMatrix& carry1) const {
    if (!is_diagonal(lambda2t) || !is_diagonal(carry1)) {
      SparseMatrix product = lambda2t * cp_.A21 * carry1;
      product.makeCompressed();
      return product;
    }
    SparseMatrix scaled = cp_.A21;
    scaled.makeCompressed();
    const double* left = lambda2t.valuePtr();
    const double* right = carry1.valuePtr();
    for (int j = 0; j < scaled.outerSize(); ++j) {
      for (SparseMatrix::InnerIterator it(scaled, j); it; ++it) it.valueRef() = left[it.row()] * it.value() * right[j];
    }
    return scaled;
  }

  // One stored entry per column, on the diagonal.
  static bool is_diagonal(const SparseMatrix& M) {
    if (!M.isCompressed() || M.rows() != M.cols() || M.nonZeros() != M.cols()) return false;
    for (int j = 0; j < M.outerSize(); ++j) {
      if (M.outerIndexPtr()[j + 1] != j + 1 || M.innerIndexPtr()[j] != j) return false;
    }
    return true;
  }

  // The fixed-effect block, then the response row: its last pivot is the penalized residual sum of squares.
  void factor_fixed_block() {
    const int p = cp_.p;
    Matrix S = cp_.AXX;
    if (cp_.q1 > 0) S.noalias() -= L31_ * L31_.transpose();
    if (cp_.q2 > 0) S.noalias() -= L32_ * L32_.transpose();
    L33_ = Matrix::Zero(p + 1, p + 1);
    if (p > 0) {
      Eigen::LLT<Matrix> llt(S.topLeftCorner(p, p));
      if (llt.info() != Eigen::Success || !llt.matrixLLT().allFinite()) {
        throw std::runtime_error(
            "the fixed-effect columns are linearly dependent given the random effects (their cross-product "
            "block is not positive definite)");
      }
      L33_.topLeftCorner(p, p) = llt.matrixL();
      L33_.row(p).head(p) = llt.matrixL().solve(S.col(p).head(p)).transpose();
    }
    const double pwrss = S(p, p) - L33_.row(p).head(p).squaredNorm();
    if (!(pwrss > 0) || !std::isfinite(pwrss)) {
      throw std::domain_error(
          "the residual sum of squares is zero: the response is fitted exactly by the fixed and random effects "
          "(is it constant within the levels of a grouping factor?)");
    }
    L33_(p, p) = std::sqrt(pwrss);
  }

  const CrossProducts& cp_;
  const RelativeCovariance& cov_;
  BlockDiagonalFactor L11_;
  SparseMatrix L21_;
  std::unique_ptr<RestFactor> L22_;
  Matrix L31_, L32_, L33_;
};

}  // namespace lmmkit

#endif
