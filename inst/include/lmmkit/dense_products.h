// The two large dense products of the genome scan: the engine's kernels, which a caller may replace by a BLAS.
#ifndef LMMKIT_DENSE_PRODUCTS_H
#define LMMKIT_DENSE_PRODUCTS_H

#include "packed_gemm.h"
#include "types.h"

#include <functional>

namespace lmmkit {

// transposed_product(U, B) = U' B (rotating SNPs by the kinship's eigenvectors); add_outer(B, K) adds B B'
// to the lower triangle of K (summing a kinship matrix). Empty functions mean the engine's own threaded
// kernels; the R glue passes R's BLAS when that is an optimized one.
struct DenseProducts {
  std::function<Matrix(const Eigen::Ref<const Matrix>&, const Matrix&)> transposed_product;
  std::function<void(const Matrix&, Matrix&)> add_outer;
};

// U' B on one thread: the AVX2/FMA kernel where the CPU has it, Eigen's product otherwise.
inline Matrix engine_transposed_product(const Eigen::Ref<const Matrix>& U, const Eigen::Ref<const Matrix>& B) {
  if (!avx2_fma_available()) return U.transpose() * B;
  Matrix product = Matrix::Zero(U.cols(), B.cols());
  packed_gemm(U.cols(), B.cols(), U.rows(), {U.data(), U.outerStride(), true}, {B.data(), B.outerStride(), false},
              product.data(), product.outerStride());
  return product;
}

}  // namespace lmmkit

#endif
