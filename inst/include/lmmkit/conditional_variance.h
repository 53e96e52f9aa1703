// Conditional covariances of the random effects given the data, one p_k x p_k block per level.
#ifndef LMMKIT_CONDITIONAL_VARIANCE_H
#define LMMKIT_CONDITIONAL_VARIANCE_H

#include "pls_factor.h"

#include <algorithm>

namespace lmmkit {

namespace detail {

// Columns [c0, c0 + width) of L22^{-1} L21 L11^{-1}: through the inverse when the factor holds one.
inline Matrix carried_columns(const PlsFactor& factor, const Matrix& inverse, const SparseMatrix& L21_Linv,
                              int c0, int width) {
  const SparseMatrix H = L21_Linv.middleCols(c0, width);
  if (inverse.size() > 0) return inverse * H;
  Matrix G = Matrix(H);
  factor.L22().solve_in_place(G);
  return G;
}

// The blocks L_l^{-1} of L11^{-1}, side by side, and L11^{-1} as a sparse block-diagonal matrix.
inline Matrix first_block_inverses(const BlockDiagonalFactor& L11, SparseMatrix& sparse) {
  const int p = L11.block_size();
  Matrix inverses(p, L11.width());
  std::vector<Eigen::Triplet<double>> entries;
  for (int c = 0; c < L11.width(); c += p) {
    Matrix Linv = Matrix::Identity(p, p);
    L11.blocks().middleCols(c, p).triangularView<Eigen::Lower>().solveInPlace(Linv);
    inverses.middleCols(c, p) = Linv;
    for (int j = 0; j < p; ++j) {
      for (int i = j; i < p; ++i) entries.emplace_back(c + i, c + j, Linv(i, j));
    }
  }
  sparse.resize(L11.width(), L11.width());
  sparse.setFromTriplets(entries.begin(), entries.end());
  return inverses;
}

// Diagonal blocks of (L_Z L_Z')^{-1}, the unscaled conditional covariance of u, for the rest columns.
inline Matrix rest_inverse_blocks(const PlsFactor& factor, const std::vector<TermSpec>& rest_terms,
                                  const Matrix& inverse) {
  const int q2 = factor.cross_products().q2;
  int max_p = 1;
  for (const TermSpec& t : rest_terms) max_p = std::max(max_p, t.ncol);
  Matrix blocks = Matrix::Zero(max_p, q2);
  const int chunk = 512;
  int col = 0;
  for (const TermSpec& t : rest_terms) {
    for (int level = 0; level < t.nlevels;) {
      const int levels = std::min(t.nlevels - level, std::max(1, chunk / t.ncol));
      const int width = levels * t.ncol;
      const Matrix inv = inverse.size() > 0 ? Matrix(inverse.middleCols(col, width))
                                            : factor.L22().inverse_columns(q2, col, width);
      for (int l = 0; l < levels; ++l) {
        const auto cols = inv.middleCols(l * t.ncol, t.ncol);
        blocks.block(0, col + l * t.ncol, t.ncol, t.ncol) = cols.transpose() * cols;
      }
      level += levels;
      col += width;
    }
  }
  return blocks;
}

// The same for the first block: L_l^{-T} L_l^{-1} + G' G with G = L22^{-1} L21 L_l^{-1}.
inline Matrix first_inverse_blocks(const PlsFactor& factor, const Matrix& inverse) {
  const CrossProducts& cp = factor.cross_products();
  const int p = factor.L11().block_size();
  SparseMatrix L11_inverse;
  const Matrix inverses = first_block_inverses(factor.L11(), L11_inverse);
  const SparseMatrix L21_Linv = factor.L21() * L11_inverse;
  Matrix blocks(p, cp.q1);
  for (int c = 0; c < cp.q1; c += p) {
    blocks.middleCols(c, p) = inverses.middleCols(c, p).transpose() * inverses.middleCols(c, p);
  }
  if (cp.q2 == 0) return blocks;
  const int chunk = std::max(1, 512 / p) * p;
  for (int c0 = 0; c0 < cp.q1; c0 += chunk) {
    const int width = std::min(cp.q1 - c0, chunk);
    const Matrix G = carried_columns(factor, inverse, L21_Linv, c0, width);
    for (int c = 0; c < width; c += p) {
      blocks.middleCols(c0 + c, p) += G.middleCols(c, p).transpose() * G.middleCols(c, p);
    }
  }
  return blocks;
}

}  // namespace detail

// Per term, a p_k x (p_k * nlevels) matrix: level l's block sigma^2 T_k V_l T_k' in columns [l p_k, (l+1) p_k).
inline std::vector<Matrix> conditional_variances(const PlsFactor& factor, const RelativeCovariance& cov,
                                                 const Vector& theta, double sigma) {
  const CrossProducts& cp = factor.cross_products();
  const int first_rest = cp.q1 > 0 ? 1 : 0;
  std::vector<TermSpec> rest_terms(cov.terms().begin() + first_rest, cov.terms().end());
  const Matrix inverse = cp.q2 > 0 ? factor.L22().dense_inverse() : Matrix();
  const Matrix rest = detail::rest_inverse_blocks(factor, rest_terms, inverse);
  const Matrix first = cp.q1 > 0 ? detail::first_inverse_blocks(factor, inverse) : Matrix();
  std::vector<Matrix> result;
  int rest_col = 0;
  for (int k = 0; k < cov.n_terms(); ++k) {
    const TermSpec& t = cov.term(k);
    const Matrix T = cov.template_factor(theta, k);
    Matrix out(t.ncol, t.width());
    for (int c = 0; c < t.width(); c += t.ncol) {
      const Matrix V = (k < first_rest) ? Matrix(first.middleCols(c, t.ncol))
                                        : Matrix(rest.block(0, rest_col + c, t.ncol, t.ncol));
      out.middleCols(c, t.ncol) = sigma * sigma * T * V * T.transpose();
    }
    if (k >= first_rest) rest_col += t.width();
    result.push_back(out);
  }
  return result;
}

}  // namespace lmmkit

#endif
