// The two large dense products of the genome scan, with Eigen defaults that a caller may replace by a BLAS.
#ifndef LMMKIT_DENSE_PRODUCTS_H
#define LMMKIT_DENSE_PRODUCTS_H

#include "types.h"

#include <functional>

namespace lmmkit {

// transposed_product(U, B) = U' B (rotating SNPs by the kinship's eigenvectors); add_outer(B, K) adds B B'
// to the lower triangle of K (summing a kinship matrix). Empty functions mean the engine's own threaded
// Eigen kernels; the R glue passes R's BLAS when that is an optimized one.
struct DenseProducts {
  std::function<Matrix(const Eigen::Ref<const Matrix>&, const Matrix&)> transposed_product;
  std::function<void(const Matrix&, Matrix&)> add_outer;
};

}  // namespace lmmkit

#endif
