// Weighted cross products of [Z X y], formed once per model and split into the blocks of the factor.
#ifndef LMMKIT_CROSS_PRODUCTS_H
#define LMMKIT_CROSS_PRODUCTS_H

#include "model_data.h"

#include <algorithm>
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

// One complete level block of an observation's row of Z: its p_k design values, zero where Zt stores
// nothing; `z` is valid until the next block is visited.
struct LevelBlock {
  int row0;         // first row of the block in Zt
  int ncol;         // p_k
  int term;
  const double* z;  // the p_k design values
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

// Visits the level blocks of an observation (a column of Zt) in row order, with no allocation per
// observation (a million observations made ten million small allocations). Not to be shared by threads.
class LevelBlocks {
 public:
  explicit LevelBlocks(const std::vector<TermSpec>& terms)
      : ncol_(terms.size()), owner_(term_of_row(terms)), starts_(term_starts(terms)) {
    int widest = 0;
    for (size_t k = 0; k < terms.size(); ++k) {
      ncol_[k] = terms[k].ncol;
      widest = std::max(widest, terms[k].ncol);
    }
    z_.assign(static_cast<size_t>(widest), 0.0);
  }

  template <class OnBlock>
  void visit(const SparseColumnsView& Zt, int obs, OnBlock&& on_block) {
    int e = Zt.outer[obs];
    const int end = Zt.outer[obs + 1];
    while (e < end) {
      const int k = owner_[Zt.inner[e]];
      const int p = ncol_[k];
      const int row0 = starts_[k] + ((Zt.inner[e] - starts_[k]) / p) * p;
      std::fill(z_.begin(), z_.begin() + p, 0.0);
      for (; e < end && Zt.inner[e] < row0 + p; ++e) z_[Zt.inner[e] - row0] = Zt.values[e];
      on_block(LevelBlock{row0, p, k, z_.data()});
    }
  }

 private:
  std::vector<int> ncol_, owner_, starts_;
  std::vector<double> z_;
};

// Block 1 can be held block-diagonally when no observation touches two of its levels.
inline bool first_term_is_block_diagonal(const ModelData& data) {
  LevelBlocks blocks(data.terms);
  for (int i = 0; i < data.n_obs(); ++i) {
    int in_first = 0;
    blocks.visit(data.Zt, i, [&](const LevelBlock& b) { in_first += (b.term == 0); });
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
  CrossProducts cp;
  cp.n = data.n_obs();
  cp.p = data.n_fixed();
  const bool split = use_block_diagonal && detail::first_term_is_block_diagonal(data);
  cp.q1 = split ? data.terms[0].width() : 0;
  cp.q2 = data.n_random() - cp.q1;
  cp.first_ncol = split ? data.terms[0].ncol : 0;
  cp.A11 = Matrix::Zero(cp.first_ncol, cp.q1);
  cp.AXZ1 = Matrix::Zero(cp.p + 1, cp.q1);
  cp.AXZ2 = Matrix::Zero(cp.p + 1, cp.q2);

  Matrix Xy(cp.n, cp.p + 1);
  Xy.leftCols(cp.p) = data.X;
  Xy.col(cp.p) = data.y - data.offset;
  detail::LevelBlocks blocks(data.terms);
  for (int i = 0; i < cp.n; ++i) {
    const double w = data.weights[i];
    cp.sum_log_weights += std::log(w);
    blocks.visit(data.Zt, i, [&](const detail::LevelBlock& a) {
      const Eigen::Map<const Vector> z(a.z, a.ncol);
      const bool a_first = a.row0 < cp.q1;
      Matrix& axz = a_first ? cp.AXZ1 : cp.AXZ2;
      const int a0 = a_first ? a.row0 : a.row0 - cp.q1;
      for (int r = 0; r < a.ncol; ++r) axz.col(a0 + r) += (w * z[r]) * Xy.row(i).transpose();
      if (a_first) cp.A11.middleCols(a.row0, a.ncol) += w * z * z.transpose();
    });
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
