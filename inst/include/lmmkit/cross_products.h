// Weighted cross products of [Z X y], formed once per model and split into the blocks of the factor.
#ifndef LMMKIT_CROSS_PRODUCTS_H
#define LMMKIT_CROSS_PRODUCTS_H

#include "model_data.h"

#include <cmath>

namespace lmmkit {

// Blocks of A = [Z X y]' W [Z X y] (y net of the offset). Z's columns split into the first
// term (block 1, block-diagonal when every observation falls in one of its levels) and the rest.
struct CrossProducts {
  int n = 0;                 // observations
  int p = 0;                 // fixed effects
  int q1 = 0;                // columns in block 1 (0 when block 1 is not used)
  int q2 = 0;                // remaining random-effect columns
  int first_ncol = 0;        // p_1, columns per level of block 1
  double sum_log_weights = 0;
  Matrix A11;                // p_1 x q1: level l's p_1 x p_1 block in columns [l p_1, (l+1) p_1)
  SparseMatrix A21;          // q2 x q1
  SparseMatrix A22;          // q2 x q2, both triangles stored
  Matrix AXZ1;               // (p + 1) x q1: [X y]' W Z_1
  Matrix AXZ2;               // (p + 1) x q2
  Matrix AXX;                // (p + 1) x (p + 1): [X y]' W [X y]
};

namespace detail {

// The stored entries of one observation, grouped into complete level blocks of each term.
struct LevelBlock {
  int row0;    // first row of the block in Zt
  int ncol;    // p_k
  int term;
  Vector z;    // the p_k design values (zero where Zt stores nothing)
};

inline std::vector<int> term_of_row(const std::vector<TermSpec>& terms) {
  std::vector<int> owner;
  for (int k = 0; k < static_cast<int>(terms.size()); ++k) owner.insert(owner.end(), terms[k].width(), k);
  return owner;
}

inline std::vector<int> term_starts(const std::vector<TermSpec>& terms) {
  std::vector<int> starts;
  int offset = 0;
  for (const TermSpec& t : terms) {
    starts.push_back(offset);
    offset += t.width();
  }
  return starts;
}

inline std::vector<LevelBlock> observation_blocks(const SparseColumnsView& Zt, int obs,
                                                  const std::vector<TermSpec>& terms,
                                                  const std::vector<int>& owner,
                                                  const std::vector<int>& starts) {
  std::vector<LevelBlock> blocks;
  for (int e = Zt.outer[obs]; e < Zt.outer[obs + 1]; ++e) {
    const int row = Zt.inner[e];
    const int k = owner[row];
    const int p = terms[k].ncol;
    const int row0 = starts[k] + ((row - starts[k]) / p) * p;
    if (blocks.empty() || blocks.back().row0 != row0) blocks.push_back({row0, p, k, Vector::Zero(p)});
    blocks.back().z[row - row0] = Zt.values[e];
  }
  return blocks;
}

// Block 1 can be held block-diagonally when no observation touches two of its levels.
inline bool first_term_is_block_diagonal(const ModelData& data, const std::vector<int>& owner,
                                         const std::vector<int>& starts) {
  for (int i = 0; i < data.n_obs(); ++i) {
    const auto blocks = observation_blocks(data.Zt, i, data.terms, owner, starts);
    int in_first = 0;
    for (const LevelBlock& b : blocks) in_first += (b.term == 0);
    if (in_first > 1) return false;
  }
  return true;
}

// A21 = Z2' W Z1 and A22 = Z2' W Z2 as sparse products: the work is that of the outer products of each
// observation's entries, but memory holds only the results, however many levels an observation touches
// (as with a relationship matrix's factor).
inline void random_effect_products(const ModelData& data, CrossProducts& cp) {
  const SparseColumnsView& v = data.Zt;
  const Eigen::Map<const SparseMatrix> Zt(v.rows, v.cols, v.outer[v.cols], v.outer, v.inner, v.values);
  const SparseMatrix Zt2 = Zt.bottomRows(cp.q2);
  const SparseMatrix weighted = Zt2 * data.weights.asDiagonal();
  cp.A22 = weighted * Zt2.transpose();
  cp.A21 = weighted * SparseMatrix(Zt.topRows(cp.q1)).transpose();
}

}  // namespace detail

inline CrossProducts form_cross_products(const ModelData& data, bool use_block_diagonal) {
  data.validate();
  const std::vector<int> owner = detail::term_of_row(data.terms);
  const std::vector<int> starts = detail::term_starts(data.terms);
  CrossProducts cp;
  cp.n = data.n_obs();
  cp.p = data.n_fixed();
  const bool split = use_block_diagonal && detail::first_term_is_block_diagonal(data, owner, starts);
  cp.q1 = split ? data.terms[0].width() : 0;
  cp.q2 = data.n_random() - cp.q1;
  cp.first_ncol = split ? data.terms[0].ncol : 0;
  cp.A11 = Matrix::Zero(cp.first_ncol, cp.q1);
  cp.AXZ1 = Matrix::Zero(cp.p + 1, cp.q1);
  cp.AXZ2 = Matrix::Zero(cp.p + 1, cp.q2);

  Matrix Xy(cp.n, cp.p + 1);
  Xy.leftCols(cp.p) = data.X;
  Xy.col(cp.p) = data.y - data.offset;
  for (int i = 0; i < cp.n; ++i) {
    const double w = data.weights[i];
    cp.sum_log_weights += std::log(w);
    for (const auto& a : detail::observation_blocks(data.Zt, i, data.terms, owner, starts)) {
      const bool a_first = a.row0 < cp.q1;
      Matrix& axz = a_first ? cp.AXZ1 : cp.AXZ2;
      const int a0 = a_first ? a.row0 : a.row0 - cp.q1;
      for (int r = 0; r < a.ncol; ++r) axz.col(a0 + r) += (w * a.z[r]) * Xy.row(i).transpose();
      if (a_first) cp.A11.middleCols(a.row0, a.ncol) += w * a.z * a.z.transpose();
    }
  }
  detail::random_effect_products(data, cp);
  const Vector sqrt_w = data.weights.array().sqrt();
  const Matrix Xy_w = sqrt_w.asDiagonal() * Xy;
  cp.AXX = Xy_w.transpose() * Xy_w;
  return cp;
}

namespace detail {

// Z'WZ as one sparse q x q matrix, from the blocks of the cross products.
inline SparseMatrix full_ZtWZ(const CrossProducts& cp) {
  std::vector<Eigen::Triplet<double>> entries;
  const int p1 = cp.first_ncol;
  for (int c = 0; c < cp.q1; c += p1) {
    for (int j = 0; j < p1; ++j) {
      for (int i = 0; i < p1; ++i) entries.emplace_back(c + i, c + j, cp.A11(i, c + j));
    }
  }
  for (int j = 0; j < cp.A21.outerSize(); ++j) {
    for (SparseMatrix::InnerIterator it(cp.A21, j); it; ++it) {
      entries.emplace_back(cp.q1 + it.row(), j, it.value());
      entries.emplace_back(j, cp.q1 + it.row(), it.value());
    }
  }
  for (int j = 0; j < cp.A22.outerSize(); ++j) {
    for (SparseMatrix::InnerIterator it(cp.A22, j); it; ++it) {
      entries.emplace_back(cp.q1 + it.row(), cp.q1 + j, it.value());
    }
  }
  SparseMatrix result(cp.q1 + cp.q2, cp.q1 + cp.q2);
  result.setFromTriplets(entries.begin(), entries.end());
  return result;
}

}  // namespace detail

}  // namespace lmmkit

#endif
