// Cholesky factor of the random-effect columns after the first block, held dense or sparse.
#ifndef LMMKIT_REST_FACTOR_H
#define LMMKIT_REST_FACTOR_H

#include "types.h"

#include <Eigen/SparseCholesky>
#include <cmath>
#include <memory>

namespace lmmkit {

// Factors S = M22 + I - L21 L21' as L22 L22', where M22 = Lambda_2' A22 Lambda_2 and L21 is the
// factor's block below the first one. A sparse factor may permute rows: L22 is then P' L.
class RestFactor {
 public:
  virtual ~RestFactor() = default;
  virtual void factor(const SparseMatrix& M22, const SparseMatrix& L21) = 0;
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
};

class DenseRestFactor : public RestFactor {
 public:
  void factor(const SparseMatrix& M22, const SparseMatrix& L21) override {
    Matrix S = Matrix(M22);
    S.diagonal().array() += 1.0;
    subtract_outer_products(S, L21);
    llt_.compute(S);
    if (llt_.info() != Eigen::Success) throw std::runtime_error("random-effect block is not positive definite");
    log_det_ = 2.0 * llt_.matrixLLT().diagonal().array().log().sum();
  }
  double log_det() const override { return log_det_; }
  void solve_in_place(Matrix& B) const override { llt_.matrixL().solveInPlace(B); }
  void solve_transpose_in_place(Vector& x) const override { llt_.matrixU().solveInPlace(x); }
  Matrix dense_inverse() const override {
    Matrix inv = Matrix::Identity(llt_.rows(), llt_.cols());
    solve_in_place(inv);
    return inv;
  }

 private:
  // S <- S - L21 L21' on the lower triangle, one column of L21 at a time.
  static void subtract_outer_products(Matrix& S, const SparseMatrix& L21) {
    for (int j = 0; j < L21.outerSize(); ++j) {
      const int begin = L21.outerIndexPtr()[j];
      const int end = L21.outerIndexPtr()[j + 1];
      const int* rows = L21.innerIndexPtr();
      const double* vals = L21.valuePtr();
      for (int a = begin; a < end; ++a) {
        for (int b = begin; b <= a; ++b) S(rows[a], rows[b]) -= vals[a] * vals[b];
      }
    }
  }

  Eigen::LLT<Matrix> llt_;
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

inline std::unique_ptr<RestFactor> make_rest_factor(bool dense) {
  if (dense) return std::make_unique<DenseRestFactor>();
  return std::make_unique<SparseRestFactor>();
}

}  // namespace lmmkit

#endif
