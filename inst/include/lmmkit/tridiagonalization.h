// Blocked Householder tridiagonalization of a symmetric matrix (LAPACK's dsytrd scheme) on several threads.
#ifndef LMMKIT_TRIDIAGONALIZATION_H
#define LMMKIT_TRIDIAGONALIZATION_H

#include "packed_gemm.h"
#include "parallel_for.h"
#include "types.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <vector>

namespace lmmkit {

// A = Q T Q' with T = tridiagonal(diagonal, off_diagonal) and Q = H_0 ... H_{n-2}, H_i = I - tau_i v_i v_i',
// v_i zero above row i + 1, one at row i + 1 and reflectors.col(i) below it (Eigen's packed layout).
struct Tridiagonal {
  Vector diagonal, off_diagonal, tau;
  Matrix reflectors;
};

namespace tridiagonal_detail {

constexpr int panel_width = 32;  // reflectors per trailing update
constexpr int symv_parts = 8;    // column ranges of a symmetric product, summed in a fixed order

// The reflector H = I - tau v v' with v = (1, x / (alpha - beta)) that maps (alpha, x) to (beta, 0), as
// LAPACK's dlarfg; x is overwritten by v's tail and alpha by beta.
inline double make_reflector(double& alpha, Eigen::Ref<Vector> x) {
  const double x_norm = x.norm();
  if (x_norm == 0) return 0;
  const double beta = -std::copysign(std::hypot(alpha, x_norm), alpha);
  const double tau = (beta - alpha) / beta;
  x /= alpha - beta;
  alpha = beta;
  return tau;
}

#ifdef LMMKIT_HAVE_X86_KERNELS
// For columns [first, last) of the lower triangle: out[c] += S(c:, c)' v(c:) and out(c+1:) += v[c] S(c+1:, c),
// each element of S read once, two columns at a time.
__attribute__((target("avx2,fma"))) inline void lower_columns_times(const double* S, std::ptrdiff_t ld,
                                                                    std::ptrdiff_t m, const double* v, double* out,
                                                                    std::ptrdiff_t first, std::ptrdiff_t last) {
  std::ptrdiff_t c = first;
  for (; c + 1 < last; c += 2) {
    const double* s0 = S + c * ld;
    const double* s1 = s0 + ld;
    double dot0 = s0[c] * v[c] + s0[c + 1] * v[c + 1], dot1 = s1[c + 1] * v[c + 1];
    out[c + 1] += s0[c + 1] * v[c];
    const __m256d v0 = _mm256_set1_pd(v[c]), v1 = _mm256_set1_pd(v[c + 1]);
    __m256d acc0 = _mm256_setzero_pd(), acc1 = _mm256_setzero_pd();
    std::ptrdiff_t r = c + 2;
    for (; r + 4 <= m; r += 4) {
      const __m256d a0 = _mm256_loadu_pd(s0 + r), a1 = _mm256_loadu_pd(s1 + r), x = _mm256_loadu_pd(v + r);
      acc0 = _mm256_fmadd_pd(a0, x, acc0);
      acc1 = _mm256_fmadd_pd(a1, x, acc1);
      _mm256_storeu_pd(out + r, _mm256_fmadd_pd(a1, v1, _mm256_fmadd_pd(a0, v0, _mm256_loadu_pd(out + r))));
    }
    double lanes0[4], lanes1[4];
    _mm256_storeu_pd(lanes0, acc0);
    _mm256_storeu_pd(lanes1, acc1);
    dot0 += (lanes0[0] + lanes0[1]) + (lanes0[2] + lanes0[3]);
    dot1 += (lanes1[0] + lanes1[1]) + (lanes1[2] + lanes1[3]);
    for (; r < m; ++r) {
      dot0 += s0[r] * v[r];
      dot1 += s1[r] * v[r];
      out[r] += s0[r] * v[c] + s1[r] * v[c + 1];
    }
    out[c] += dot0;
    out[c + 1] += dot1;
  }
  for (; c < last; ++c) {
    const double* s0 = S + c * ld;
    out[c] += s0[c] * v[c];
    for (std::ptrdiff_t r = c + 1; r < m; ++r) {
      out[c] += s0[r] * v[r];
      out[r] += s0[r] * v[c];
    }
  }
}
#endif

// y = S v for the symmetric S whose lower triangle is `lower` (contiguous columns), over fixed column
// ranges balanced by area, each on whichever thread takes it; the ranges' sums are added in order,
// whatever the threads.
inline void symmetric_product(const Eigen::Ref<const Matrix>& lower, const Eigen::Ref<const Vector>& v,
                              Eigen::Ref<Vector> y, int threads) {
  const Eigen::Index m = lower.rows();
  const int parts = m < 256 ? 1 : symv_parts;
  std::vector<Eigen::Index> bounds(static_cast<std::size_t>(parts) + 1, m);
  bounds[0] = 0;
  for (int p = 1; p < parts; ++p) {  // equal areas of the lower triangle
    const double remaining = std::sqrt(1.0 - static_cast<double>(p) / parts);
    bounds[static_cast<std::size_t>(p)] = m - static_cast<Eigen::Index>(remaining * static_cast<double>(m));
  }
  std::vector<Vector> partial(static_cast<std::size_t>(parts), Vector::Zero(m));
  parallel_for(static_cast<std::size_t>(parts), threads, [&](std::size_t p) {
#ifdef LMMKIT_HAVE_X86_KERNELS
    lower_columns_times(lower.data(), lower.outerStride(), m, v.data(), partial[p].data(), bounds[p], bounds[p + 1]);
#else
    for (Eigen::Index c = bounds[p]; c < bounds[p + 1]; ++c) {
      const Eigen::Index below = m - c - 1;
      partial[p][c] += lower(c, c) * v[c] + lower.col(c).tail(below).dot(v.tail(below));
      partial[p].tail(below).noalias() += v[c] * lower.col(c).tail(below);
    }
#endif
  });
  y.setZero();
  for (const Vector& part : partial) y += part;
}

// Reduces columns [first, first + width) of A (lower triangle current below row first) as LAPACK's
// dlatrd: the reflectors go into A's columns, their taus and the off-diagonal into `out`, and W is
// returned so that the trailing block is A22 - V W' - W V' with V the reflectors.
inline Matrix reduce_panel(Matrix& A, int first, int width, Tridiagonal& out, int threads) {
  const Eigen::Index n = A.rows(), m = n - first;
  Matrix W = Matrix::Zero(m, width);
  auto V = A.block(first, first, m, width);  // column j: reflector j from row j + 1
  for (int j = 0; j < width; ++j) {
    const Eigen::Index below = m - j;
    if (j > 0) {
      A.col(first + j).tail(below).noalias() -= V.bottomLeftCorner(below, j) * W.row(j).head(j).transpose();
      A.col(first + j).tail(below).noalias() -= W.bottomLeftCorner(below, j) * V.row(j).head(j).transpose();
    }
    if (below == 1) break;
    double alpha = A(first + j + 1, first + j);
    const double tau = make_reflector(alpha, A.col(first + j).tail(below - 2));
    out.tau[first + j] = tau;
    out.off_diagonal[first + j] = alpha;
    A(first + j + 1, first + j) = 1;
    const Eigen::Index r = below - 1;  // rows of v below the diagonal
    const auto v = V.col(j).tail(r);
    auto w = W.col(j).tail(r);
    symmetric_product(A.block(first + j + 1, first + j + 1, r, r), v, w, threads);
    if (j > 0) {
      const Vector wv = W.bottomLeftCorner(r, j).transpose() * v, vv = V.bottomLeftCorner(r, j).transpose() * v;
      w.noalias() -= V.bottomLeftCorner(r, j) * wv;
      w.noalias() -= W.bottomLeftCorner(r, j) * vv;
    }
    w *= tau;
    w += (-0.5 * tau * w.dot(v)) * v;
  }
  return W;
}

// A22 -= V W' + W V' on the lower triangle of the trailing block, in fixed column panels on threads.
inline void update_trailing(Matrix& A, int first, int width, const Matrix& W, int threads) {
  const Eigen::Index n = A.rows(), start = first + width, m = n - start;
  if (m <= 0) return;
  Matrix left(m, 2 * width), right(m, 2 * width);
  left << -A.block(start, first, m, width), -W.bottomRows(m);
  right << W.bottomRows(m), A.block(start, first, m, width);
  packed_lower_product(m, 2 * width, {left.data(), m, false}, {right.data(), m, false},
                       A.data() + start * n + start, n, threads);
}

}  // namespace tridiagonal_detail

// Blocked tridiagonalization: panels of reflectors formed with threaded symmetric products, the trailing
// matrix updated by the AVX2/FMA kernel. Only call when avx2_fma_available(). The result does not
// depend on the number of threads.
inline Tridiagonal tridiagonalize(Matrix A, int threads) {
  using namespace tridiagonal_detail;
  const int n = static_cast<int>(A.rows());
  Tridiagonal out{Vector::Zero(n), Vector::Zero(std::max(0, n - 1)), Vector::Zero(std::max(0, n - 1)), Matrix()};
  for (int first = 0; first < n - 1; first += panel_width) {
    const int width = std::min(panel_width, n - 1 - first);
    const Matrix W = reduce_panel(A, first, width, out, threads);
    update_trailing(A, first, width, W, threads);
  }
  out.diagonal = A.diagonal();
  out.reflectors = std::move(A);
  return out;
}

}  // namespace lmmkit

#endif
