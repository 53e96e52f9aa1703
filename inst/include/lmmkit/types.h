// Shared type aliases and the description of random-effect terms used throughout the engine.
#ifndef LMMKIT_TYPES_H
#define LMMKIT_TYPES_H

#include <Eigen/Dense>
#include <Eigen/Sparse>

#include <stdexcept>
#include <string>
#include <vector>

namespace lmmkit {

using Matrix = Eigen::MatrixXd;
using Vector = Eigen::VectorXd;
using SparseMatrix = Eigen::SparseMatrix<double>;  // column-major, int indices

// One random-effect term: `ncol` random effects (p_k) for each of `nlevels` levels.
// Its columns in Z are level-major: level 1's p_k columns, then level 2's, as in lme4.
struct TermSpec {
  int ncol = 1;
  int nlevels = 1;

  int n_theta() const { return ncol * (ncol + 1) / 2; }
  int width() const { return ncol * nlevels; }
};

// Columns of a compressed sparse column matrix owned elsewhere (an R dgCMatrix or an Eigen matrix).
struct SparseColumnsView {
  int rows = 0;
  int cols = 0;
  const int* outer = nullptr;   // cols + 1 column starts
  const int* inner = nullptr;   // row index of each stored entry
  const double* values = nullptr;

  static SparseColumnsView of(const SparseMatrix& m) {
    if (!m.isCompressed()) throw std::invalid_argument("sparse matrix must be compressed");
    return {static_cast<int>(m.rows()), static_cast<int>(m.cols()), m.outerIndexPtr(),
            m.innerIndexPtr(), m.valuePtr()};
  }
};

inline int total_width(const std::vector<TermSpec>& terms) {
  int q = 0;
  for (const TermSpec& t : terms) q += t.width();
  return q;
}

inline int total_theta(const std::vector<TermSpec>& terms) {
  int m = 0;
  for (const TermSpec& t : terms) m += t.n_theta();
  return m;
}

}  // namespace lmmkit

#endif
