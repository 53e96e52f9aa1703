// Cholesky factor of the random-effect columns after the first block, held dense or sparse.
#ifndef LMMKIT_REST_FACTOR_H
#define LMMKIT_REST_FACTOR_H

#include "dense_cholesky.h"
#include "types.h"

#include <Eigen/SparseCholesky>
#include <algorithm>
#include <cmath>
#include <memory>

namespace lmmkit {

// Factors S = M22 + I - L21 L21' as L22 L22', where M22 = Lambda_2' A22 Lambda_2 and L21 is the
// factor's block below the first one. A sparse factor may permute rows: L22 is then P' L.
class RestFactor {
 public:
  virtual ~RestFactor() = default;
  virtual void factor(const SparseMatrix& M22, const SparseMatrix& L21) = 0;

  // Factors S and returns the rows R L22^{-T} (R: r x q2), as the factor of [S, R'; R, .] continues below L22.
  virtual Matrix factor_with_rows(const SparseMatrix& M22, const SparseMatrix& L21, const Matrix& R) {
    factor(M22, L21);
    Matrix solved = R.transpose();
    solve_in_place(solved);
    return solved.transpose();
  }
  virtual double log_det() const = 0;
  virtual void solve_in_place(Matrix& B) const = 0;             // B <- L22^{-1} B
  virtual void solve_transpose_in_place(Vector& x) const = 0;   // x <- L22^{-T} x

  // Columns [first, first + count) of L22^{-1}.
  Matrix inverse_columns(int size, int first, int count) const {
    Matrix E = Matrix::Identity(size, size).middleCols(first, count);
    solve_in_place(E);
    return E;
  }

  // The whole of L22^{-1}, when it is cheap to hold (a dense factor); empty otherwise.
  virtual Matrix dense_inverse() const { return Matrix(); }

  // The whole of (L22 L22')^{-1}, the inverse of the factored block, for a dense factor; empty otherwise.
  virtual Matrix dense_block_inverse() const { return Matrix(); }
};

class DenseRestFactor : public RestFactor {
 public:
  explicit DenseRestFactor(DenseKernels kernels) : kernels_(std::move(kernels)) {}

  void factor(const SparseMatrix& M22, const SparseMatrix& L21) override {
    factor_with_rows(M22, L21, Matrix(0, M22.rows()));
  }

  // One factor of the matrix [S, R'; R, 0] over its first q2 columns: its rows below L22 are R L22^{-T}.
  Matrix factor_with_rows(const SparseMatrix& M22, const SparseMatrix& L21, const Matrix& R) override {
    q_ = M22.rows();
    const Eigen::Index n = q_ + R.rows();
    if (L_.rows() != n) L_.resize(n, n);
    L_.setZero();
    for (int j = 0; j < M22.outerSize(); ++j) {
      for (SparseMatrix::InnerIterator it(M22, j); it; ++it) {
        if (it.row() >= j) L_(it.row(), j) = it.value();
      }
    }
    L_.diagonal().head(q_).array() += 1.0;
    subtract_outer_products(L21);
    L_.bottomLeftCorner(R.rows(), q_) = R;
    if (!dense_cholesky(L_, q_, kernels_)) throw std::runtime_error("random-effect block is not positive definite");
    log_det_ = 2.0 * L_.diagonal().head(q_).array().log().sum();
    return L_.bottomLeftCorner(R.rows(), q_);
  }
  double log_det() const override { return log_det_; }
  void solve_in_place(Matrix& B) const override {
    L_.topLeftCorner(q_, q_).triangularView<Eigen::Lower>().solveInPlace(B);
  }
  void solve_transpose_in_place(Vector& x) const override {
    L_.topLeftCorner(q_, q_).triangularView<Eigen::Lower>().transpose().solveInPlace(x);
  }
  Matrix dense_inverse() const override {
    Matrix inv = Matrix::Identity(q_, q_);
    solve_in_place(inv);
    return inv;
  }
  Matrix dense_block_inverse() const override { return cholesky_inverse(L_, q_, kernels_.threads); }

 private:
  // S <- S - L21 L21' on the lower triangle: column c takes the columns j of L21 with L21(c, j) != 0, from
  // row c down, in their order; columns are shared among threads (a column's sum does not depend on them).
  void subtract_outer_products(const SparseMatrix& L21) {
    if (L21.nonZeros() == 0) return;
    const Eigen::SparseMatrix<double, Eigen::RowMajor, int> by_row = L21;
    const int* col_start = L21.outerIndexPtr();
    const int* row_index = L21.innerIndexPtr();
    const double* value = L21.valuePtr();
    const Eigen::Index q = q_;
    constexpr Eigen::Index columns_per_item = 16, smallest_threaded = 256;
    const int threads = q >= smallest_threaded ? kernels_.threads : 1;
    parallel_for(static_cast<std::size_t>((q + columns_per_item - 1) / columns_per_item), threads,
                 [&](std::size_t item) {
      const Eigen::Index c_end = std::min<Eigen::Index>(q, (static_cast<Eigen::Index>(item) + 1) * columns_per_item);
      for (Eigen::Index c = static_cast<Eigen::Index>(item) * columns_per_item; c < c_end; ++c) {
        double* column = L_.data() + c * L_.rows();
        for (Eigen::SparseMatrix<double, Eigen::RowMajor, int>::InnerIterator it(by_row, c); it; ++it) {
          const int j = it.col();
          const double scale = it.value();
          const int* first = std::lower_bound(row_index + col_start[j], row_index + col_start[j + 1], c);
          for (const int* r = first; r != row_index + col_start[j + 1]; ++r) {
            column[*r] -= scale * value[r - row_index];
          }
        }
      }
    });
  }

  DenseKernels kernels_;
  Eigen::Index q_ = 0;
  Matrix L_;  // first q_ columns: L22 and the rows carried below it; the rest and the strict upper triangle: undefined
  double log_det_ = 0;
};

class SparseRestFactor : public RestFactor {
 public:
  void factor(const SparseMatrix& M22, const SparseMatrix& L21) override {
    SparseMatrix identity(M22.rows(), M22.cols());
    identity.setIdentity();
    SparseMatrix S = M22 + identity;
    if (L21.cols() > 0) {
      const SparseMatrix L21t = L21.transpose();
      S = S - SparseMatrix(L21 * L21t);
    }
    S.makeCompressed();
    if (!same_pattern(S)) {
      llt_.analyzePattern(S);
      remember_pattern(S);
    }
    llt_.factorize(S);
    if (llt_.info() != Eigen::Success) throw std::runtime_error("random-effect block is not positive definite");
    const SparseMatrix& L = llt_.matrixL().nestedExpression();
    log_det_ = 0;
    for (int j = 0; j < L.outerSize(); ++j) log_det_ += 2.0 * std::log(L.valuePtr()[L.outerIndexPtr()[j]]);
  }
  double log_det() const override { return log_det_; }
  void solve_in_place(Matrix& B) const override {
    B = llt_.permutationP() * B;
    llt_.matrixL().solveInPlace(B);
  }
  void solve_transpose_in_place(Vector& x) const override {
    llt_.matrixU().solveInPlace(x);
    x = llt_.permutationPinv() * x;
  }

 private:
  bool same_pattern(const SparseMatrix& S) const {
    if (outer_.size() != static_cast<size_t>(S.outerSize() + 1)) return false;
    if (inner_.size() != static_cast<size_t>(S.nonZeros())) return false;
    return std::equal(outer_.begin(), outer_.end(), S.outerIndexPtr()) &&
           std::equal(inner_.begin(), inner_.end(), S.innerIndexPtr());
  }
  void remember_pattern(const SparseMatrix& S) {
    outer_.assign(S.outerIndexPtr(), S.outerIndexPtr() + S.outerSize() + 1);
    inner_.assign(S.innerIndexPtr(), S.innerIndexPtr() + S.nonZeros());
  }

  Eigen::SimplicialLLT<SparseMatrix, Eigen::Lower, Eigen::AMDOrdering<int>> llt_;
  std::vector<int> outer_, inner_;
  double log_det_ = 0;
};

inline std::unique_ptr<RestFactor> make_rest_factor(bool dense, const DenseKernels& kernels) {
  if (dense) return std::make_unique<DenseRestFactor>(kernels);
  return std::make_unique<SparseRestFactor>();
}

}  // namespace lmmkit

#endif
