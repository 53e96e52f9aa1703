// One likelihood evaluation's sums over the rotated rows, h = 1 / (lambda d + 1): sum h d, P'h, P'(h^2 d).
#ifndef LMMKIT_WEIGHTED_SUMS_H
#define LMMKIT_WEIGHTED_SUMS_H

#include "cpu_features.h"

#include <algorithm>
#include <cstddef>
#include <vector>

namespace lmmkit {

namespace weighted_sums_detail {

constexpr int group = 6;  // columns per pass: two accumulators each fill the AVX registers

inline void portable(const double* d, std::ptrdiff_t n, double lambda, const std::vector<const double*>& columns,
                     double* with_h, double* with_hdh, double& trace_HD) {
  trace_HD = 0;
  std::fill(with_h, with_h + columns.size(), 0.0);
  std::fill(with_hdh, with_hdh + columns.size(), 0.0);
  for (std::ptrdiff_t i = 0; i < n; ++i) {
    const double h = 1.0 / (lambda * d[i] + 1.0), hdh = h * h * d[i];
    trace_HD += h * d[i];
    for (std::size_t p = 0; p < columns.size(); ++p) {
      with_h[p] += columns[p][i] * h;
      with_hdh[p] += columns[p][i] * hdh;
    }
  }
}

#ifdef LMMKIT_HAVE_X86_KERNELS

__attribute__((target("avx2,fma"))) inline double lane_sum(__m256d v) {
  double lanes[4];
  _mm256_storeu_pd(lanes, v);
  return (lanes[0] + lanes[1]) + (lanes[2] + lanes[3]);
}

// The sums for `width` (at most `group`) columns in one pass over the rows; trace_HD as well when asked.
template <int width>
__attribute__((target("avx2,fma"))) void columns_pass(const double* d, std::ptrdiff_t n, double lambda,
                                                      const double* const* columns, double* with_h, double* with_hdh,
                                                      double* trace_HD) {
  __m256d s0[width], s1[width], trace = _mm256_setzero_pd();
#pragma GCC unroll 6
  for (int p = 0; p < width; ++p) s0[p] = s1[p] = _mm256_setzero_pd();
  const __m256d scale = _mm256_set1_pd(lambda), one = _mm256_set1_pd(1.0);
  std::ptrdiff_t i = 0;
  for (; i + 4 <= n; i += 4) {
    const __m256d dv = _mm256_loadu_pd(d + i);
    const __m256d h = _mm256_div_pd(one, _mm256_fmadd_pd(scale, dv, one));
    const __m256d hd = _mm256_mul_pd(h, dv), hdh = _mm256_mul_pd(hd, h);
    trace = _mm256_add_pd(trace, hd);
#pragma GCC unroll 6
    for (int p = 0; p < width; ++p) {
      const __m256d x = _mm256_loadu_pd(columns[p] + i);
      s0[p] = _mm256_fmadd_pd(x, h, s0[p]);
      s1[p] = _mm256_fmadd_pd(x, hdh, s1[p]);
    }
  }
  double tail_trace = 0;
  for (int p = 0; p < width; ++p) {
    double a = 0, b = 0;
    for (std::ptrdiff_t r = i; r < n; ++r) {
      const double h = 1.0 / (lambda * d[r] + 1.0);
      a += columns[p][r] * h;
      b += columns[p][r] * (h * d[r] * h);
    }
    with_h[p] = lane_sum(s0[p]) + a;
    with_hdh[p] = lane_sum(s1[p]) + b;
  }
  for (std::ptrdiff_t r = i; r < n; ++r) tail_trace += d[r] / (lambda * d[r] + 1.0);
  if (trace_HD) *trace_HD = lane_sum(trace) + tail_trace;
}

template <int width>
void columns_pass_for(const double* d, std::ptrdiff_t n, double lambda, const double* const* columns,
                      double* with_h, double* with_hdh, double* trace_HD, int count) {
  if (count == width) {
    columns_pass<width>(d, n, lambda, columns, with_h, with_hdh, trace_HD);
  } else if constexpr (width > 1) {
    columns_pass_for<width - 1>(d, n, lambda, columns, with_h, with_hdh, trace_HD, count);
  }
}

#endif

}  // namespace weighted_sums_detail

// With h = 1 / (lambda d + 1): trace_HD = sum h d, with_h[p] = sum columns[p] h and with_hdh[p] =
// sum columns[p] h^2 d, over the n rows, in one pass per six columns (AVX2/FMA where the CPU has it).
inline void weighted_sums(const double* d, std::ptrdiff_t n, double lambda, const std::vector<const double*>& columns,
                          double* with_h, double* with_hdh, double& trace_HD) {
#ifdef LMMKIT_HAVE_X86_KERNELS
  if (avx2_fma_available()) {
    using namespace weighted_sums_detail;
    const int k = static_cast<int>(columns.size());
    if (k == 0) {  // trace_HD alone, with d as a dummy column
      double unused_h, unused_hdh;
      columns_pass<1>(d, n, lambda, &d, &unused_h, &unused_hdh, &trace_HD);
    }
    for (int first = 0; first < k; first += group) {
      columns_pass_for<group>(d, n, lambda, columns.data() + first, with_h + first, with_hdh + first,
                              first == 0 ? &trace_HD : nullptr, std::min(group, k - first));
    }
    return;
  }
#endif
  weighted_sums_detail::portable(d, n, lambda, columns, with_h, with_hdh, trace_HD);
}

}  // namespace lmmkit

#endif
