// Exact gradient of the profiled objective with respect to theta, from the blocked factor at that theta.
#ifndef LMMKIT_OBJECTIVE_GRADIENT_H
#define LMMKIT_OBJECTIVE_GRADIENT_H

#include "prepared_model.h"

#include <algorithm>

namespace lmmkit {

namespace gradient_detail {

// Where each column of Z sits: the first column of its level block and the block's width (the term's p_k).
struct ColumnBlocks {
  std::vector<int> start, width, term;

  explicit ColumnBlocks(const RelativeCovariance& cov) {
    for (int k = 0; k < cov.n_terms(); ++k) {
      const TermSpec& t = cov.term(k);
      for (int level = 0, c0 = static_cast<int>(start.size()); level < t.nlevels; ++level, c0 += t.ncol) {
        start.insert(start.end(), t.ncol, c0);
        width.insert(width.end(), t.ncol, t.ncol);
        term.insert(term.end(), t.ncol, k);
      }
    }
  }
  int max_width() const { return width.empty() ? 1 : *std::max_element(width.begin(), width.end()); }
};

// The derivative of the objective is tr(F dLambda) for one matrix F; only F's diagonal level blocks are
// needed, held here as blocks(i, c) = F(start(c) + i, c). Theta's entry T_k(a, b) then has derivative
// sum over the term's levels of F(c0 + b, c0 + a).
inline Vector gradient_from_blocks(const RelativeCovariance& cov, const Matrix& blocks) {
  Vector gradient(cov.n_theta());
  int c0 = 0;
  for (int k = 0; k < cov.n_terms(); ++k) {
    const TermSpec& t = cov.term(k);
    int pos = cov.theta_offset(k);
    for (int b = 0; b < t.ncol; ++b) {
      for (int a = b; a < t.ncol; ++a, ++pos) {
        double sum = 0;
        for (int level = 0; level < t.nlevels; ++level) sum += blocks(b, c0 + level * t.ncol + a);
        gradient[pos] = sum;
      }
    }
    c0 += t.width();
  }
  return gradient;
}

// The quantities of the fit at theta that every part of the gradient reads.
struct FitState {
  std::vector<Matrix> templates;  // T_k
  SparseMatrix lambda, AZZ;
  Vector u, zwr;  // spherical modes u and Z'W r, r = y - X beta - Z Lambda u
  Matrix R_inv;   // R_X^{-1} (p x p)
};

inline FitState fit_state(const PlsFactor& factor, const RelativeCovariance& cov, const Vector& theta) {
  const CrossProducts& cp = factor.cross_products();
  const int p = cp.p;
  FitState s;
  for (int k = 0; k < cov.n_terms(); ++k) s.templates.push_back(cov.template_factor(theta, k));
  s.lambda = cov.lambda(theta, 0);
  s.AZZ = detail::full_ZtWZ(cp);
  const Vector beta = factor.beta();
  s.u = factor.spherical_modes(beta);
  Matrix AXZ(p + 1, cp.q1 + cp.q2);
  AXZ << cp.AXZ1, cp.AXZ2;
  s.zwr = AXZ.row(p).transpose() - AXZ.topRows(p).transpose() * beta - s.AZZ * (s.lambda * s.u);
  s.R_inv = Matrix::Identity(p, p);
  factor.L33().topLeftCorner(p, p).triangularView<Eigen::Lower>().solveInPlace(s.R_inv);
  return s;
}

// The penalized residual sum of squares: d pwrss = -2 (Z'W r)' dLambda u (its minimiser does not move it),
// scaled by the objective's d/d pwrss.
inline void add_pwrss_part(const FitState& s, const ColumnBlocks& cols, double scale, Matrix& blocks) {
  for (int c = 0; c < static_cast<int>(cols.start.size()); ++c) {
    for (int i = 0; i < cols.width[c]; ++i) blocks(i, c) += -2.0 * scale * s.u[cols.start[c] + i] * s.zwr[c];
  }
}

// REML's log |R_X|^2: with C = R_X^{-1} [L31 L32] L_Z^{-1} (p x q), the fixed-effect rows of the full
// inverse add 2 tr(C'(C Lambda' Z'WZ - R_X^{-1} X'WZ) dLambda) to the derivative of log |L_Z|^2.
inline void add_fixed_effect_part(const PlsFactor& factor, const FitState& s, const ColumnBlocks& cols,
                                  Matrix& blocks) {
  const CrossProducts& cp = factor.cross_products();
  const int p = cp.p;
  Matrix Ct(cp.q1 + cp.q2, p);  // C'
  if (cp.q2 > 0) {
    const Matrix second = (s.R_inv * factor.L32().topRows(p)).transpose();
    for (int j = 0; j < p; ++j) {
      Vector column = second.col(j);
      factor.L22().solve_transpose_in_place(column);
      Ct.col(j).tail(cp.q2) = column;
    }
  }
  if (cp.q1 > 0) {
    Matrix first = (s.R_inv * factor.L31().topRows(p)).transpose();
    if (cp.q2 > 0) first -= factor.L21().transpose() * Ct.bottomRows(cp.q2);
    for (int j = 0; j < p; ++j) {
      Vector column = first.col(j);
      factor.L11().solve_transpose_in_place(column);
      Ct.col(j).head(cp.q1) = column;
    }
  }
  Matrix XZ(p, cp.q1 + cp.q2);
  XZ << cp.AXZ1.topRows(p), cp.AXZ2.topRows(p);
  const SparseMatrix lambda_t = s.lambda.transpose();
  const Matrix C_lambda_t = Ct.transpose() * lambda_t;
  const Matrix D = C_lambda_t * s.AZZ - s.R_inv * XZ;
  for (int c = 0; c < static_cast<int>(cols.start.size()); ++c) {
    for (int i = 0; i < cols.width[c]; ++i) blocks(i, c) += 2.0 * Ct.row(cols.start[c] + i).dot(D.col(c));
  }
}

// One level of the first term with the rest's columns (whole level blocks) that share observations with it,
// and those rows of the level's columns of A21, L21 and Sigma21 = (M^{-1})_21.
struct FirstLevel {
  int c0 = 0;
  std::vector<int> rows;
  Matrix A21, L21, sigma21;
};

// Dense copies of the level's columns of a sparse q2 x q1 matrix on the rows where position >= 0.
inline Matrix gather_rows(const SparseMatrix& S, int c0, int p1, const std::vector<int>& position, int rows) {
  Matrix out = Matrix::Zero(rows, p1);
  for (int j = 0; j < p1; ++j) {
    for (SparseMatrix::InnerIterator it(S, c0 + j); it; ++it) out(position[it.row()], j) = it.value();
  }
  return out;
}

inline FirstLevel first_level(const PlsFactor& factor, const ColumnBlocks& cols, int c0,
                              std::vector<int>& position) {
  const CrossProducts& cp = factor.cross_products();
  FirstLevel level;
  level.c0 = c0;
  for (const SparseMatrix* S : {&cp.A21, &factor.L21()}) {
    for (int j = c0; j < c0 + cp.first_ncol; ++j) {
      for (SparseMatrix::InnerIterator it(*S, j); it; ++it) {
        const int b0 = cols.start[cp.q1 + it.row()] - cp.q1;
        if (position[b0] >= 0) continue;
        for (int i = 0; i < cols.width[cp.q1 + it.row()]; ++i) position[b0 + i] = 0;
        for (int i = 0; i < cols.width[cp.q1 + it.row()]; ++i) level.rows.push_back(b0 + i);
      }
    }
  }
  std::sort(level.rows.begin(), level.rows.end());
  for (int i = 0; i < static_cast<int>(level.rows.size()); ++i) position[level.rows[i]] = i;
  const int n_rows = static_cast<int>(level.rows.size());
  level.A21 = gather_rows(cp.A21, c0, cp.first_ncol, position, n_rows);
  level.L21 = gather_rows(factor.L21(), c0, cp.first_ncol, position, n_rows);
  for (int r : level.rows) position[r] = -1;
  return level;
}

// Takahashi's recurrences on one level: Sigma21 = -Sigma22 L21 L11^{-1} on the level's rows, then
// Sigma11's diagonal block L11^{-T} (L11^{-1} - L21' Sigma21). Adds the level's own diagonal block of
// G = M^{-1} Lambda' Z'WZ to blocks and keeps Sigma21 for the rest's blocks.
inline void add_first_level(const FitState& s, const ColumnBlocks& cols,
                            const Eigen::Ref<const Matrix>& L11_block, const Eigen::Ref<const Matrix>& A11_block,
                            const Matrix& sigma22, int q1, FirstLevel& level, Matrix& blocks) {
  const int p1 = static_cast<int>(L11_block.cols());
  const int n_rows = static_cast<int>(level.rows.size());
  Matrix L_inv = Matrix::Identity(p1, p1);
  L11_block.triangularView<Eigen::Lower>().solveInPlace(L_inv);
  Matrix sigma22_rows(n_rows, n_rows);
  for (int j = 0; j < n_rows; ++j) {
    for (int i = 0; i < n_rows; ++i) sigma22_rows(i, j) = sigma22(level.rows[i], level.rows[j]);
  }
  level.sigma21 = -(sigma22_rows * level.L21) * L_inv;
  const Matrix sigma11 = L_inv.transpose() * (L_inv - level.L21.transpose() * level.sigma21);
  Matrix G = sigma11 * s.templates[0].transpose() * A11_block;
  for (int pos = 0; pos < n_rows;) {
    const int c = q1 + level.rows[pos], w = cols.width[c];
    G.noalias() += level.sigma21.middleRows(pos, w).transpose() *
                   (s.templates[cols.term[c]].transpose() * level.A21.middleRows(pos, w));
    pos += w;
  }
  blocks.block(0, level.c0, p1, p1) += 2.0 * G;
}

// The cross term of G's rest blocks through this level: Sigma21 (A21 Lambda_1)' on each rest block.
inline void add_cross_through_level(const FitState& s, const ColumnBlocks& cols, int q1, const FirstLevel& level,
                                    Matrix& blocks) {
  const Matrix A21_lambda = level.A21 * s.templates[0];
  for (int pos = 0; pos < static_cast<int>(level.rows.size());) {
    const int c = q1 + level.rows[pos], w = cols.width[c];
    blocks.block(0, c, w, w) +=
        2.0 * level.sigma21.middleRows(pos, w) * A21_lambda.middleRows(pos, w).transpose();
    pos += w;
  }
}

// The rest's own part of G's rest blocks: G(b0 + i, c) = sum over A22(r, c) of (Sigma22 Lambda_2')(b0 + i, r),
// where row r of Lambda_2 is a row of its block's template.
inline void add_rest_part(const FitState& s, const CrossProducts& cp, const ColumnBlocks& cols,
                          const Matrix& sigma22, Matrix& blocks) {
  for (int j = 0; j < cp.q2; ++j) {
    const int c = cp.q1 + j, b0 = cols.start[c] - cp.q1, w = cols.width[c];
    for (SparseMatrix::InnerIterator it(cp.A22, j); it; ++it) {
      const int r = cp.q1 + static_cast<int>(it.row()), r0 = cols.start[r] - cp.q1, wr = cols.width[r];
      const auto template_row = s.templates[cols.term[r]].row(r - cp.q1 - r0);
      for (int i = 0; i < w; ++i) {
        blocks(i, c) += 2.0 * it.value() * sigma22.col(b0 + i).segment(r0, wr).dot(template_row.transpose());
      }
    }
  }
}

// log |L_Z|^2 = log |M|: its derivative is 2 tr(M^{-1} Lambda' Z'WZ dLambda), which reads M^{-1} only on
// the pattern of Z'WZ: Sigma22 whole (the dense rest), Sigma21 and Sigma11 level by level.
inline void add_log_det_part(const PlsFactor& factor, const FitState& s, const Matrix& sigma22,
                             const ColumnBlocks& cols, Matrix& blocks) {
  const CrossProducts& cp = factor.cross_products();
  if (cp.q2 > 0) add_rest_part(s, cp, cols, sigma22, blocks);
  std::vector<int> position(cp.q2, -1);
  const int p1 = cp.first_ncol;
  for (int c0 = 0; c0 < cp.q1; c0 += p1) {
    FirstLevel level = first_level(factor, cols, c0, position);
    add_first_level(s, cols, factor.L11().blocks().middleCols(c0, p1), cp.A11.middleCols(c0, p1), sigma22, cp.q1,
                    level, blocks);
    add_cross_through_level(s, cols, cp.q1, level, blocks);
  }
}

}  // namespace gradient_detail

// The gradient of Objective::operator() (profiled ML deviance or REML criterion, internal parametrisation)
// with respect to theta, from `factor` already updated at theta. Supported: a block-diagonal first term
// and/or a dense rest block (FactorLayout::blocked, or automatic below dense_limit); a sparse rest factor
// throws std::invalid_argument. Valid on the boundary (zero diagonals of T_k): nothing divides by Lambda.
inline Vector objective_gradient(const PlsFactor& factor, const RelativeCovariance& cov, const Vector& theta,
                                 bool reml) {
  using namespace gradient_detail;
  const CrossProducts& cp = factor.cross_products();
  const Matrix sigma22 = cp.q2 > 0 ? factor.L22().dense_block_inverse() : Matrix();
  if (cp.q2 > 0 && sigma22.size() == 0) {
    throw std::invalid_argument("the exact gradient needs a dense factor of the random effects after the first term");
  }
  const ColumnBlocks cols(cov);
  const FitState s = fit_state(factor, cov, theta);
  Matrix blocks = Matrix::Zero(cols.max_width(), cp.q1 + cp.q2);
  add_log_det_part(factor, s, sigma22, cols, blocks);
  if (reml && cp.p > 0) add_fixed_effect_part(factor, s, cols, blocks);
  const ObjectivePieces pieces = factor.pieces();
  const double dof = reml ? cp.n - cp.p : cp.n;
  add_pwrss_part(s, cols, dof / pieces.pwrss, blocks);
  return gradient_from_blocks(cov, blocks);
}

// The gradient at theta of a prepared model's objective (evaluates it there first).
inline Vector objective_gradient(PreparedModel& model, const Vector& theta) {
  model(theta);
  return objective_gradient(model.factor(), model.covariance(), theta, model.reml());
}

}  // namespace lmmkit

#endif
