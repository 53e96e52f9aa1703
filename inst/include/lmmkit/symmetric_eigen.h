// Eigendecomposition of a symmetric matrix: Householder tridiagonalization, LAPACK's MRRR, threaded back-transform.
#ifndef LMMKIT_SYMMETRIC_EIGEN_H
#define LMMKIT_SYMMETRIC_EIGEN_H

#include "packed_gemm.h"
#include "parallel_for.h"
#include "tridiagonalization.h"
#include "types.h"

#include <algorithm>
#include <cstddef>
#include <stdexcept>
#include <string>
#include <vector>

extern "C" void dstemr_(const char* jobz, const char* range, const int* n, double* d, double* e, const double* vl,
                        const double* vu, const int* il, const int* iu, int* m, double* w, double* z, const int* ldz,
                        const int* nzc, int* isuppz, int* tryrac, double* work, const int* lwork, int* iwork,
                        const int* liwork, int* info, std::size_t jobz_length, std::size_t range_length);
extern "C" void dstedc_(const char* compz, const int* n, double* d, double* e, double* z, const int* ldz, double* work,
                        const int* lwork, int* iwork, const int* liwork, int* info, std::size_t compz_length);

namespace lmmkit {

struct SymmetricEigen {
  Vector values;   // ascending
  Matrix vectors;  // one column per value
};

namespace detail {

// Eigenvalues w and eigenvectors Z of the symmetric tridiagonal matrix (d, e): LAPACK's MRRR (dstemr), and
// where it fails, as it can on large clusters of equal eigenvalues, divide and conquer (dstedc), as
// LAPACK's dsyevr falls back to another method.
inline void tridiagonal_eigen(const Vector& d, const Vector& e, Vector& w, Matrix& Z) {
  const int n = static_cast<int>(d.size());
  Vector dd = d, ee(n);
  ee.head(n - 1) = e;
  ee[n - 1] = 0;
  w.resize(n);
  Z.resize(n, n);
  int found = 0, tryrac = 1, info = 0, lwork = 18 * n, liwork = 10 * n;
  const int unused_index = 0;
  const double unused_bound = 0;
  std::vector<int> support(2 * static_cast<std::size_t>(n)), iwork(liwork);
  std::vector<double> work(lwork);
  dstemr_("V", "A", &n, dd.data(), ee.data(), &unused_bound, &unused_bound, &unused_index, &unused_index, &found,
          w.data(), Z.data(), &n, &n, support.data(), &tryrac, work.data(), &lwork, iwork.data(), &liwork, &info,
          1, 1);
  if (info == 0 && found == n) return;
  w = d;
  ee.head(n - 1) = e;
  lwork = 1 + 4 * n + n * n;
  liwork = 3 + 5 * n;
  work.assign(static_cast<std::size_t>(lwork), 0.0);
  iwork.assign(static_cast<std::size_t>(liwork), 0);
  dstedc_("I", &n, w.data(), ee.data(), Z.data(), &n, work.data(), &lwork, iwork.data(), &liwork, &info, 1);
  if (info != 0) {
    throw std::runtime_error("the tridiagonal eigenproblem failed (LAPACK dstemr and dstedc, info " +
                             std::to_string(info) + ")");
  }
}

// The reflectors first .. first + count - 1 of a tridiagonalization as I - V T V': V (rows first + 1 to the
// end) with unit diagonal, T upper triangular, as LAPACK's dlarft builds them forward and columnwise.
struct ReflectorBlock {
  Matrix V, T;
};

inline ReflectorBlock reflector_block(const Matrix& packed, const Vector& tau, int first, int count) {
  const int n = static_cast<int>(packed.rows()), rows = n - first - 1;
  ReflectorBlock block{Matrix::Zero(rows, count), Matrix::Zero(count, count)};
  for (int j = 0; j < count; ++j) {
    block.V(j, j) = 1;
    block.V.col(j).tail(rows - j - 1) = packed.col(first + j).tail(rows - j - 1);
  }
  for (int j = 0; j < count; ++j) {
    block.T(j, j) = tau[first + j];
    if (j == 0) continue;
    const Vector w = -tau[first + j] * (block.V.leftCols(j).transpose() * block.V.col(j));
    block.T.col(j).head(j) = block.T.topLeftCorner(j, j).triangularView<Eigen::Upper>() * w;
  }
  return block;
}

// Z <- Q Z for the columns Z holds, Q = H_0 ... H_{n-2} the reflectors of a tridiagonalization (packed
// vectors and their tau), applied in blocks of `width` from the last, each as two products by the AVX2/FMA
// kernel. Each column's result depends only on that column.
inline void apply_reflectors(const Matrix& packed, const Vector& tau, int width, Eigen::Ref<Matrix> Z) {
  const int n = static_cast<int>(packed.rows());
  const Eigen::Index cols = Z.cols();
  if (n < 2) return;
  for (int first = (n - 2) / width * width; first >= 0; first -= width) {
    const ReflectorBlock block = reflector_block(packed, tau, first, std::min(width, n - 1 - first));
    const Eigen::Index rows = block.V.rows(), count = block.V.cols();
    Eigen::Ref<Matrix> Zs = Z.bottomRows(rows);
    Matrix W = Matrix::Zero(count, cols);
    packed_gemm(count, cols, rows, {block.V.data(), rows, true}, {Zs.data(), Zs.outerStride(), false}, W.data(),
                count);
    W = -(block.T.triangularView<Eigen::Upper>() * W);
    packed_gemm(rows, cols, count, {block.V.data(), rows, false}, {W.data(), count, false}, Zs.data(),
                Zs.outerStride());
  }
}

}  // namespace detail

// A = Q T Q' by Householder tridiagonalization, T = Z diag(w) Z' by LAPACK (the MRRR algorithm R's eigen()
// also uses), and the eigenvectors Q Z formed by blocked Householder products on `threads` threads, each
// on its own columns. With AVX2/FMA the reduction and the products are the engine's blocked kernels,
// otherwise Eigen's. Used where R's reference BLAS would make eigen() slow. The result does not depend on
// the number of threads.
inline SymmetricEigen symmetric_eigen(const Matrix& A, int threads) {
  const int n = static_cast<int>(A.rows());
  if (A.cols() != n) throw std::invalid_argument("symmetric_eigen needs a square matrix");
  SymmetricEigen out;
  if (n == 0) return out;
  const int parts = std::max(1, std::min(threads, n / 64 + 1));
  auto each_part = [&](auto work) {
    parallel_for(static_cast<std::size_t>(parts), parts, [&](std::size_t part) {
      const int first = n * static_cast<int>(part) / parts, last = n * (static_cast<int>(part) + 1) / parts;
      work(first, last - first);
    });
  };
  if (avx2_fma_available()) {
    const Tridiagonal tridiagonal = tridiagonalize(A, threads);
    detail::tridiagonal_eigen(tridiagonal.diagonal, tridiagonal.off_diagonal, out.values, out.vectors);
    each_part([&](int first, int count) {
      detail::apply_reflectors(tridiagonal.reflectors, tridiagonal.tau, 48, out.vectors.middleCols(first, count));
    });
    return out;
  }
  const Eigen::Tridiagonalization<Matrix> tridiagonal(A);
  Matrix Z;
  detail::tridiagonal_eigen(tridiagonal.diagonal(), tridiagonal.subDiagonal(), out.values, Z);
  out.vectors.resize(n, n);
  each_part([&](int first, int count) {
    out.vectors.middleCols(first, count).noalias() = tridiagonal.matrixQ() * Z.middleCols(first, count);
  });
  return out;
}

}  // namespace lmmkit

#endif
