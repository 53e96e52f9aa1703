// Shared type aliases and the description of random-effect terms used throughout the engine.
#ifndef LMMKIT_TYPES_H
#define LMMKIT_TYPES_H

#include <Eigen/Dense>
#include <Eigen/Sparse>

#include <climits>
#include <cmath>
#include <cstddef>
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
  std::size_t stored = 0;       // entries held in inner and values

  // The compressed-column structure is consistent with the `stored` entries of inner and values:
  // column starts from 0, non-decreasing; row indices in range and increasing within each column.
  void validate() const {
    if (rows < 0 || cols < 0) throw std::invalid_argument("sparse matrix has negative dimensions");
    if (cols > 0 && (outer == nullptr)) throw std::invalid_argument("sparse matrix has no column starts");
    if (outer != nullptr && outer[0] != 0) throw std::invalid_argument("sparse matrix column starts must begin at 0");
    for (int j = 0; j < cols; ++j) {
      if (outer[j + 1] < outer[j]) throw std::invalid_argument("sparse matrix column starts must not decrease");
    }
    const int nnz = cols > 0 ? outer[cols] : 0;
    if (static_cast<std::size_t>(nnz) > stored) {
      throw std::invalid_argument("sparse matrix has fewer stored entries than its column starts claim");
    }
    for (int j = 0; j < cols; ++j) {
      for (int e = outer[j]; e < outer[j + 1]; ++e) {
        if (inner[e] < 0 || inner[e] >= rows) throw std::invalid_argument("sparse matrix row index out of range");
        if (e > outer[j] && inner[e] <= inner[e - 1]) {
          throw std::invalid_argument("sparse matrix row indices must increase within each column");
        }
        if (!std::isfinite(values[e])) throw std::invalid_argument("sparse matrix values must be finite");
      }
    }
  }

  static SparseColumnsView of(const SparseMatrix& m) {
    if (!m.isCompressed()) throw std::invalid_argument("sparse matrix must be compressed");
    return {static_cast<int>(m.rows()), static_cast<int>(m.cols()), m.outerIndexPtr(),
            m.innerIndexPtr(), m.valuePtr(), static_cast<std::size_t>(m.nonZeros())};
  }
};

// Every term has at least one column and one level, and all sizes derived from them fit in an int.
inline void validate_terms(const std::vector<TermSpec>& terms) {
  long long q = 0, m = 0;
  for (const TermSpec& t : terms) {
    if (t.ncol < 1 || t.nlevels < 1) throw std::invalid_argument("each term needs a column and a level");
    const long long p = t.ncol;
    q += p * t.nlevels;
    m += p * (p + 1) / 2;
    if (q > INT_MAX || m > INT_MAX) throw std::invalid_argument("the random-effect terms are too large");
  }
}

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
