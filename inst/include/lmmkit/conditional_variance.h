// Conditional covariances of the random effects given the data, one p_k x p_k block per level.
#ifndef LMMKIT_CONDITIONAL_VARIANCE_H
#define LMMKIT_CONDITIONAL_VARIANCE_H

#include "pls_factor.h"

#include <algorithm>

namespace lmmkit {

namespace detail {

// Diagonal blocks of (L_Z L_Z')^{-1}, the unscaled conditional covariance of u, for the rest columns.
inline Matrix rest_inverse_blocks(const PlsFactor& factor, const std::vector<TermSpec>& rest_terms) {
  const int q2 = factor.cross_products().q2;
  Matrix blocks(0, q2);
  if (q2 == 0) return blocks;
  int max_p = 1;
  for (const TermSpec& t : rest_terms) max_p = std::max(max_p, t.ncol);
  blocks = Matrix::Zero(max_p, q2);
  const int chunk = 512;
  int col = 0;
  for (const TermSpec& t : rest_terms) {
    for (int level = 0; level < t.nlevels;) {
      const int levels = std::min(t.nlevels - level, std::max(1, chunk / t.ncol));
      const Matrix inv = factor.L22().inverse_columns(q2, col, levels * t.ncol);
      for (int l = 0; l < levels; ++l) {
        const auto cols = inv.middleCols(l * t.ncol, t.ncol);
        blocks.block(0, col + l * t.ncol, t.ncol, t.ncol) = cols.transpose() * cols;
      }
      level += levels;
      col += levels * t.ncol;
    }
  }
  return blocks;
}

// The same for the first block: L_l^{-T} L_l^{-1} + G' G with G = L22^{-1} L21 L_l^{-1}.
inline Matrix first_inverse_blocks(const PlsFactor& factor) {
  const CrossProducts& cp = factor.cross_products();
  const BlockDiagonalFactor& L11 = factor.L11();
  const int p = L11.block_size();
  Matrix blocks(p, cp.q1);
  const int chunk_levels = std::max(1, 512 / p);
  for (int c0 = 0; c0 < cp.q1; c0 += chunk_levels * p) {
    const int width = std::min(cp.q1 - c0, chunk_levels * p);
    Matrix G = Matrix::Zero(cp.q2, width);
    Matrix inv_blocks(p, width);
    for (int c = 0; c < width; c += p) {
      Matrix Linv = Matrix::Identity(p, p);
      L11.blocks().middleCols(c0 + c, p).triangularView<Eigen::Lower>().solveInPlace(Linv);
      inv_blocks.middleCols(c, p) = Linv;
      if (cp.q2 > 0) G.middleCols(c, p) = Matrix(factor.L21().middleCols(c0 + c, p)) * Linv;
    }
    if (cp.q2 > 0) factor.L22().solve_in_place(G);
    for (int c = 0; c < width; c += p) {
      const auto Linv = inv_blocks.middleCols(c, p);
      blocks.middleCols(c0 + c, p) = Linv.transpose() * Linv;
      if (cp.q2 > 0) blocks.middleCols(c0 + c, p) += G.middleCols(c, p).transpose() * G.middleCols(c, p);
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
  const Matrix rest = detail::rest_inverse_blocks(factor, rest_terms);
  const Matrix first = cp.q1 > 0 ? detail::first_inverse_blocks(factor) : Matrix();
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
