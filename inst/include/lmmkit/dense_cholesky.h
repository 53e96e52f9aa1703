// Cholesky factor of a large dense symmetric matrix: blocked, threaded, on the engine's AVX2/FMA kernels.
#ifndef LMMKIT_DENSE_CHOLESKY_H
#define LMMKIT_DENSE_CHOLESKY_H

#include "packed_gemm.h"
#include "types.h"

#include <Eigen/Cholesky>
#include <algorithm>
#include <functional>

namespace lmmkit {

// How dense Cholesky factors are computed: on `threads` threads by the engine, or by `external` (R's
// LAPACK when it is an optimized one) when set and the block has at least smallest_blocked columns (below,
// a library's threads cost more than they save). `external(S, k)` does what dense_cholesky(S, k) does and
// returns false when the leading k x k block is not positive definite.
struct DenseKernels {
  int threads = 1;
  std::function<bool(Matrix&, Eigen::Index)> external;
};

namespace cholesky_detail {

constexpr Eigen::Index block_size = 128;      // columns factored per step below large_order
constexpr Eigen::Index large_order = 2048;    // from here 256 columns per step: fewer passes over memory
constexpr Eigen::Index smallest_blocked = 384;  // below this order Eigen's factor is as fast
constexpr Eigen::Index panel_rows = 128;      // rows of a panel handled by one thread

// The lower triangle of A (any outer stride) replaced by its Cholesky factor; false if not positive definite.
inline bool factor_small(Eigen::Ref<Matrix> A) {
  Eigen::LLT<Eigen::Ref<Matrix>, Eigen::Lower> llt(A);
  return llt.info() == Eigen::Success;
}

// Rows of the panel below a factored diagonal block D = L L': P <- P L^{-T}, as P (L^{-1})' through the
// product kernel, in fixed chunks of rows shared among threads (a row's value does not depend on them).
inline void solve_panel(const Eigen::Ref<const Matrix>& L, Eigen::Ref<Matrix> P, int threads) {
  const Eigen::Index kb = L.rows(), m = P.rows();
  Matrix inverse = Matrix::Identity(kb, kb);
  L.triangularView<Eigen::Lower>().solveInPlace(inverse);
  const Eigen::Index chunks = (m + panel_rows - 1) / panel_rows;
  parallel_for(static_cast<std::size_t>(chunks), threads, [&](std::size_t c) {
    const Eigen::Index r0 = static_cast<Eigen::Index>(c) * panel_rows, rows = std::min(panel_rows, m - r0);
    Matrix product = Matrix::Zero(rows, kb);
    packed_gemm(rows, kb, kb, {P.data() + r0, P.outerStride(), false}, {inverse.data(), kb, true}, product.data(),
                rows);
    P.middleRows(r0, rows) = product;
  });
}

// op(A) B for dense blocks (op(A): m x depth, B: depth x kb) on the product kernel when it is large enough for
// it: with threads, in fixed chunks of rows shared among them (a row's value does not depend on the chunks).
inline Matrix product(const Eigen::Ref<const Matrix>& A, bool transposed, const Eigen::Ref<const Matrix>& B,
                      int threads) {
  const Eigen::Index m = transposed ? A.cols() : A.rows(), depth = B.rows(), kb = B.cols();
  Matrix result = Matrix::Zero(m, kb);
  if (std::max(m, depth) < smallest_blocked || !avx2_fma_available()) {
    if (transposed) result.noalias() = A.transpose() * B; else result.noalias() = A * B;
    return result;
  }
  const Eigen::Index rows_per_chunk = threads > 1 ? panel_rows : m, chunks = (m + rows_per_chunk - 1) / rows_per_chunk;
  parallel_for(static_cast<std::size_t>(chunks), threads, [&](std::size_t c) {
    const Eigen::Index r0 = static_cast<Eigen::Index>(c) * rows_per_chunk, rows = std::min(rows_per_chunk, m - r0);
    const double* first_row = transposed ? A.data() + r0 * A.outerStride() : A.data() + r0;
    packed_gemm(rows, kb, depth, {first_row, A.outerStride(), transposed}, {B.data(), B.outerStride(), false},
                result.data() + r0, m);
  });
  return result;
}

}  // namespace cholesky_detail

// Factors the leading k columns of the symmetric matrix S (lower triangle) as the first k columns of its
// Cholesky factor: S = [L1; L2] [L1; L2]' + [0 0; 0 C]. The lower triangle of S becomes L1 (k x k), L2 below
// it (rows k..n-1, so L2 = S21 L1^{-T}) and the Schur complement C = S22 - L2 L2' at the bottom right; the
// strict upper triangle is left undefined. Returns false when the leading block is not positive definite.
// Right-looking in blocks of columns: each trailing update runs on the product kernel in fixed panels, so
// the result is the same whatever the number of threads.
inline bool dense_cholesky(Matrix& S, Eigen::Index k, const DenseKernels& kernels) {
  using namespace cholesky_detail;
  if (kernels.external && k >= smallest_blocked) return kernels.external(S, k);
  const Eigen::Index n = S.rows();
  if (k < smallest_blocked || !avx2_fma_available()) {
    if (!factor_small(S.topLeftCorner(k, k))) return false;
    if (n == k) return true;
    auto below = S.bottomLeftCorner(n - k, k);
    S.topLeftCorner(k, k).triangularView<Eigen::Lower>().transpose().template solveInPlace<Eigen::OnTheRight>(below);
    S.bottomRightCorner(n - k, n - k).selfadjointView<Eigen::Lower>().rankUpdate(below, -1.0);
    return below.allFinite();
  }
  const Eigen::Index step = n < large_order ? block_size : 2 * block_size;
  for (Eigen::Index k0 = 0; k0 < k; k0 += step) {
    const Eigen::Index kb = std::min(step, k - k0), m = n - k0 - kb;
    if (!factor_small(S.block(k0, k0, kb, kb))) return false;
    if (m == 0) break;
    solve_panel(S.block(k0, k0, kb, kb), S.block(k0 + kb, k0, m, kb), kernels.threads);
    const Matrix negated = -S.block(k0 + kb, k0, m, kb);
    packed_lower_product(m, kb, {negated.data(), m, false}, {S.data() + k0 * n + k0 + kb, n, false},
                         S.data() + (k0 + kb) * n + k0 + kb, n, kernels.threads);
  }
  return S.diagonal().head(k).allFinite();
}

// The whole Cholesky factor of S in its lower triangle; false when S is not positive definite.
inline bool dense_cholesky(Matrix& S, const DenseKernels& kernels) { return dense_cholesky(S, S.rows(), kernels); }

// (L L')^{-1} for L the lower triangle of the leading k x k block of `factor`, by Takahashi's recurrences in
// blocks of columns from the last: with L = [L11 0; L21 L22] and Sigma22 known, Sigma21 = -Sigma22 L21 L11^{-1}
// and Sigma11 = L11^{-T} L11^{-1} - (L21 L11^{-1})' Sigma21. About twice a factor's work, on the product kernel.
inline Matrix cholesky_inverse(const Matrix& factor, Eigen::Index k, int threads) {
  using namespace cholesky_detail;
  Matrix sigma(k, k);
  for (Eigen::Index j0 = k > 0 ? ((k - 1) / block_size) * block_size : -1; j0 >= 0; j0 -= block_size) {
    const Eigen::Index kb = std::min(block_size, k - j0), m = k - j0 - kb;
    Matrix L11_inverse = Matrix::Identity(kb, kb);
    factor.block(j0, j0, kb, kb).triangularView<Eigen::Lower>().solveInPlace(L11_inverse);
    Matrix sigma11 = L11_inverse.transpose() * L11_inverse;
    if (m > 0) {
      const Matrix carried = product(factor.block(j0 + kb, j0, m, kb), false, L11_inverse, threads);
      const Matrix sigma21 = -product(sigma.bottomRightCorner(m, m), false, carried, threads);
      sigma.block(j0 + kb, j0, m, kb) = sigma21;
      sigma.block(j0, j0 + kb, kb, m) = sigma21.transpose();
      sigma11 -= product(carried, true, sigma21, 1);
    }
    sigma.block(j0, j0, kb, kb) = 0.5 * (sigma11 + sigma11.transpose());
  }
  return sigma;
}

}  // namespace lmmkit

#endif
