// A cache-blocked, register-tiled double GEMM for x86-64 CPUs with AVX2 and FMA, chosen at run time.
#ifndef LMMKIT_PACKED_GEMM_H
#define LMMKIT_PACKED_GEMM_H

#include "cpu_features.h"
#include "parallel_for.h"

#include <algorithm>
#include <cstddef>
#include <vector>

namespace lmmkit {

// One operand of a product: a column-major array, read transposed or not.
struct GemmOperand {
  const double* data;
  std::ptrdiff_t stride;  // leading dimension
  bool transposed;
};

namespace gemm_detail {

constexpr int tile_rows = 8;    // rows of C per register tile: two AVX vectors
constexpr int tile_cols = 6;    // columns of C per register tile
constexpr int depth_block = 256;  // k per packed block: a panel of B's tile stays in L1
constexpr int row_block = 96;     // rows of C per packed block of A: stays in L2

// op(A)(i, k) for an operand stored column-major: A(i, k) or A(k, i).
inline double element(const GemmOperand& A, std::ptrdiff_t i, std::ptrdiff_t k) {
  return A.transposed ? A.data[i * A.stride + k] : A.data[k * A.stride + i];
}

// Rows [i0, i0 + rows) and depths [k0, k0 + depth) of op(A), as tiles of tile_rows rows each stored depth by
// depth, rows past the end zero.
inline void pack_rows(const GemmOperand& A, std::ptrdiff_t i0, int rows, std::ptrdiff_t k0, int depth, double* out) {
  for (int t = 0; t < rows; t += tile_rows) {
    const int valid = std::min(tile_rows, rows - t);
    for (int p = 0; p < depth; ++p) {
      for (int r = 0; r < tile_rows; ++r) *out++ = r < valid ? element(A, i0 + t + r, k0 + p) : 0.0;
    }
  }
}

// Columns [j0, j0 + cols) and depths [k0, k0 + depth) of op(B), as tiles of tile_cols columns each stored
// depth by depth, columns past the end zero.
inline void pack_columns(const GemmOperand& B, std::ptrdiff_t j0, int cols, std::ptrdiff_t k0, int depth,
                         double* out) {
  const GemmOperand Bt{B.data, B.stride, !B.transposed};  // op(B)(k, j) = op(Bt)(j, k)
  for (int t = 0; t < cols; t += tile_cols) {
    const int valid = std::min(tile_cols, cols - t);
    for (int p = 0; p < depth; ++p) {
      for (int c = 0; c < tile_cols; ++c) *out++ = c < valid ? element(Bt, j0 + t + c, k0 + p) : 0.0;
    }
  }
}

#ifdef LMMKIT_HAVE_X86_KERNELS

// C(tile) += A-tile * B-tile over `depth`, for a full tile_rows x tile_cols tile of C with leading dimension ldc.
__attribute__((target("avx2,fma"))) inline void tile_kernel(int depth, const double* a, const double* b, double* C,
                                                            std::ptrdiff_t ldc) {
  // Written out: the twelve accumulators (rows 0-3 and 4-7 of six columns) must stay in registers, which
  // GCC does not do for arrays of them.
  __m256d c00 = _mm256_setzero_pd(), c10 = c00, c01 = c00, c11 = c00, c02 = c00, c12 = c00, c03 = c00, c13 = c00,
          c04 = c00, c14 = c00, c05 = c00, c15 = c00;
  for (int p = 0; p < depth; ++p, a += tile_rows, b += tile_cols) {
    const __m256d a0 = _mm256_loadu_pd(a), a1 = _mm256_loadu_pd(a + 4);
    __m256d bp = _mm256_broadcast_sd(b);
    c00 = _mm256_fmadd_pd(a0, bp, c00);
    c10 = _mm256_fmadd_pd(a1, bp, c10);
    bp = _mm256_broadcast_sd(b + 1);
    c01 = _mm256_fmadd_pd(a0, bp, c01);
    c11 = _mm256_fmadd_pd(a1, bp, c11);
    bp = _mm256_broadcast_sd(b + 2);
    c02 = _mm256_fmadd_pd(a0, bp, c02);
    c12 = _mm256_fmadd_pd(a1, bp, c12);
    bp = _mm256_broadcast_sd(b + 3);
    c03 = _mm256_fmadd_pd(a0, bp, c03);
    c13 = _mm256_fmadd_pd(a1, bp, c13);
    bp = _mm256_broadcast_sd(b + 4);
    c04 = _mm256_fmadd_pd(a0, bp, c04);
    c14 = _mm256_fmadd_pd(a1, bp, c14);
    bp = _mm256_broadcast_sd(b + 5);
    c05 = _mm256_fmadd_pd(a0, bp, c05);
    c15 = _mm256_fmadd_pd(a1, bp, c15);
  }
  const __m256d top[tile_cols] = {c00, c01, c02, c03, c04, c05};
  const __m256d bottom[tile_cols] = {c10, c11, c12, c13, c14, c15};
  for (int j = 0; j < tile_cols; ++j) {
    double* column = C + j * ldc;
    _mm256_storeu_pd(column, _mm256_add_pd(_mm256_loadu_pd(column), top[j]));
    _mm256_storeu_pd(column + 4, _mm256_add_pd(_mm256_loadu_pd(column + 4), bottom[j]));
  }
}

// C(rows x cols block) += packed A block * packed B block, tile by tile; partial tiles go through `edge`.
inline void multiply_packed(int rows, int cols, int depth, const double* a, const double* b, double* C,
                            std::ptrdiff_t ldc) {
  double edge[tile_rows * tile_cols];
  for (int j = 0; j < cols; j += tile_cols) {
    const double* b_tile = b + static_cast<std::ptrdiff_t>(j) * depth;
    for (int i = 0; i < rows; i += tile_rows) {
      const double* a_tile = a + static_cast<std::ptrdiff_t>(i) * depth;
      const int valid_rows = std::min(tile_rows, rows - i), valid_cols = std::min(tile_cols, cols - j);
      double* c = C + j * ldc + i;
      if (valid_rows == tile_rows && valid_cols == tile_cols) {
        tile_kernel(depth, a_tile, b_tile, c, ldc);
        continue;
      }
      std::fill(edge, edge + tile_rows * tile_cols, 0.0);
      tile_kernel(depth, a_tile, b_tile, edge, tile_rows);
      for (int jj = 0; jj < valid_cols; ++jj) {
        for (int ii = 0; ii < valid_rows; ++ii) c[jj * ldc + ii] += edge[jj * tile_rows + ii];
      }
    }
  }
}

#endif

}  // namespace gemm_detail

// C (m x n, column-major, leading dimension ldc) += op(A) op(B), op(A) m x depth, op(B) depth x n, on one
// thread. The sum over depth runs in a fixed order, so each element's value depends only on its own row of
// op(A) and column of op(B). Only call when avx2_fma_available().
inline void packed_gemm(std::ptrdiff_t m, std::ptrdiff_t n, std::ptrdiff_t depth, const GemmOperand& A,
                        const GemmOperand& B, double* C, std::ptrdiff_t ldc) {
#ifdef LMMKIT_HAVE_X86_KERNELS
  using namespace gemm_detail;
  const int col_tiles = static_cast<int>((n + tile_cols - 1) / tile_cols);
  std::vector<double> b_packed(static_cast<std::size_t>(col_tiles) * tile_cols * depth_block);
  std::vector<double> a_packed(static_cast<std::size_t>(row_block) * depth_block);
  for (std::ptrdiff_t k0 = 0; k0 < depth; k0 += depth_block) {
    const int d = static_cast<int>(std::min<std::ptrdiff_t>(depth_block, depth - k0));
    pack_columns(B, 0, static_cast<int>(n), k0, d, b_packed.data());
    for (std::ptrdiff_t i0 = 0; i0 < m; i0 += row_block) {
      const int rows = static_cast<int>(std::min<std::ptrdiff_t>(row_block, m - i0));
      pack_rows(A, i0, rows, k0, d, a_packed.data());
      multiply_packed(rows, static_cast<int>(n), d, a_packed.data(), b_packed.data(), C + i0, ldc);
    }
  }
#else
  (void)m, (void)n, (void)depth, (void)A, (void)B, (void)C, (void)ldc;
#endif
}

// The lower triangle (and a little of the upper, next to the diagonal) of C (n x n, leading dimension ldc)
// += op(L) op(R)', op(L) and op(R) n x depth, in fixed panels of columns shared among threads. op(L) is
// packed once per depth block for all panels. Each element's value does not depend on the number of
// threads. Only call when avx2_fma_available().
inline void packed_lower_product(std::ptrdiff_t n, std::ptrdiff_t depth, const GemmOperand& L, const GemmOperand& R,
                                 double* C, std::ptrdiff_t ldc, int threads) {
#ifdef LMMKIT_HAVE_X86_KERNELS
  using namespace gemm_detail;
  constexpr std::ptrdiff_t panel_width = 64;  // a multiple of tile_rows: panels start on a packed tile
  const GemmOperand right{R.data, R.stride, !R.transposed};  // op(right) = op(R)'
  const std::ptrdiff_t row_tiles = (n + tile_rows - 1) / tile_rows, panels = (n + panel_width - 1) / panel_width;
  std::vector<double> left_packed(static_cast<std::size_t>(row_tiles * tile_rows * depth_block));
  for (std::ptrdiff_t k0 = 0; k0 < depth; k0 += depth_block) {
    const int d = static_cast<int>(std::min<std::ptrdiff_t>(depth_block, depth - k0));
    const std::ptrdiff_t row_blocks = (n + row_block - 1) / row_block;
    parallel_for(static_cast<std::size_t>(row_blocks), threads, [&](std::size_t b) {
      const std::ptrdiff_t i0 = static_cast<std::ptrdiff_t>(b) * row_block;
      pack_rows(L, i0, static_cast<int>(std::min<std::ptrdiff_t>(row_block, n - i0)), k0, d,
                left_packed.data() + i0 * d);
    });
    parallel_for(static_cast<std::size_t>(panels), threads, [&](std::size_t p) {
      const std::ptrdiff_t c0 = static_cast<std::ptrdiff_t>(p) * panel_width;
      const int width = static_cast<int>(std::min(panel_width, n - c0));
      std::vector<double> right_packed(static_cast<std::size_t>((width + tile_cols - 1) / tile_cols * tile_cols * d));
      pack_columns(right, c0, width, k0, d, right_packed.data());
      for (std::ptrdiff_t i0 = c0; i0 < n; i0 += row_block) {
        const int rows = static_cast<int>(std::min<std::ptrdiff_t>(row_block, n - i0));
        multiply_packed(rows, width, d, left_packed.data() + i0 * d, right_packed.data(), C + c0 * ldc + i0,
                        ldc);
      }
    });
  }
#else
  (void)n, (void)depth, (void)L, (void)R, (void)C, (void)ldc, (void)threads;
#endif
}

}  // namespace lmmkit

#endif
