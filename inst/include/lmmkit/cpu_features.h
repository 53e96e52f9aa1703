// Whether the engine's AVX2/FMA kernels can run: compiled for x86-64 by GCC or Clang, and a CPU that has them.
#ifndef LMMKIT_CPU_FEATURES_H
#define LMMKIT_CPU_FEATURES_H

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define LMMKIT_HAVE_X86_KERNELS 1
#include <immintrin.h>
#endif

namespace lmmkit {

// True when this CPU and its operating system run AVX2 and FMA instructions (checked once).
inline bool avx2_fma_available() {
#ifdef LMMKIT_HAVE_X86_KERNELS
  static const bool available = [] {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  }();
  return available;
#else
  return false;
#endif
}

}  // namespace lmmkit

#endif
