// Eigendecomposition of a symmetric matrix: Householder tridiagonalization, LAPACK's MRRR, threaded back-transform.
#ifndef LMMKIT_SYMMETRIC_EIGEN_H
#define LMMKIT_SYMMETRIC_EIGEN_H

#include "parallel_for.h"
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

}  // namespace detail

// A = Q T Q' by Eigen's Householder tridiagonalization, T = Z diag(w) Z' by LAPACK (the MRRR algorithm R's
// eigen() also uses), and the eigenvectors Q Z formed by blocked Householder products on `threads`
// threads, each on its own columns. Used where R's reference BLAS would make eigen() slow.
inline SymmetricEigen symmetric_eigen(const Matrix& A, int threads) {
  const int n = static_cast<int>(A.rows());
  if (A.cols() != n) throw std::invalid_argument("symmetric_eigen needs a square matrix");
  SymmetricEigen out;
  if (n == 0) return out;
  const Eigen::Tridiagonalization<Matrix> tridiagonal(A);
  Matrix Z;
  detail::tridiagonal_eigen(tridiagonal.diagonal(), tridiagonal.subDiagonal(), out.values, Z);
  out.vectors.resize(n, n);
  const int parts = std::max(1, std::min(threads, n / 64 + 1));
  parallel_for(static_cast<std::size_t>(parts), parts, [&](std::size_t part) {
    const int first = n * static_cast<int>(part) / parts, last = n * (static_cast<int>(part) + 1) / parts;
    out.vectors.middleCols(first, last - first).noalias() = tridiagonal.matrixQ() * Z.middleCols(first, last - first);
  });
  return out;
}

}  // namespace lmmkit

#endif
