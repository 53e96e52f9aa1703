// Cholesky factor of the first random-effect block: one small dense lower-triangular block per level.
#ifndef LMMKIT_BLOCK_DIAGONAL_FACTOR_H
#define LMMKIT_BLOCK_DIAGONAL_FACTOR_H

#include "types.h"

#include <cmath>

namespace lmmkit {

// For each level l: L_l L_l' = T' A_l T + I, and R_l = T L_l^{-T}, the level's block of
// Lambda_1 L_11^{-T}, which carries the first block into the blocks below it.
class BlockDiagonalFactor {
 public:
  void factor(const Matrix& A11, const Matrix& T) {
    const int p = static_cast<int>(T.rows());
    const int q = static_cast<int>(A11.cols());
    p_ = p;
    L_.resize(p, q);
    R_.resize(p, q);
    log_det_ = 0;
    const Matrix identity = Matrix::Identity(p, p);
    for (int c = 0; c < q; c += p) {
      const Matrix scaled = T.transpose() * A11.middleCols(c, p) * T + identity;
      Eigen::LLT<Matrix> llt(scaled);
      if (llt.info() != Eigen::Success) throw std::runtime_error("block 1 is not positive definite");
      L_.middleCols(c, p) = llt.matrixL();
      R_.middleCols(c, p) = llt.matrixL().solve(T.transpose()).transpose();
      log_det_ += 2.0 * L_.middleCols(c, p).diagonal().array().log().sum();
    }
  }

  int block_size() const { return p_; }
  int width() const { return static_cast<int>(L_.cols()); }
  double log_det() const { return log_det_; }
  const Matrix& blocks() const { return L_; }

  // Lambda_1 L_11^{-T} as a sparse block-diagonal matrix.
  SparseMatrix carry() const {
    std::vector<Eigen::Triplet<double>> entries;
    for (int c = 0; c < width(); c += p_) {
      for (int j = 0; j < p_; ++j) {
        for (int i = 0; i < p_; ++i) entries.emplace_back(c + i, c + j, R_(i, c + j));
      }
    }
    SparseMatrix result(width(), width());
    result.setFromTriplets(entries.begin(), entries.end());
    return result;
  }

  // Applies R to a dense matrix with width() columns: B <- B * blockdiag(R_l).
  Matrix carry_right(const Matrix& B) const {
    Matrix result(B.rows(), B.cols());
    for (int c = 0; c < width(); c += p_) result.middleCols(c, p_) = B.middleCols(c, p_) * R_.middleCols(c, p_);
    return result;
  }

  // x <- L_11^{-T} x, level by level.
  void solve_transpose_in_place(Eigen::Ref<Vector> x) const {
    for (int c = 0; c < width(); c += p_) {
      L_.middleCols(c, p_).triangularView<Eigen::Lower>().transpose().solveInPlace(x.segment(c, p_));
    }
  }

 private:
  int p_ = 1;
  Matrix L_;
  Matrix R_;
  double log_det_ = 0;
};

}  // namespace lmmkit

#endif
