// Most of this target is its header, include/swiftlr_abi.h. Here: picking
// the kernels for this CPU and the arithmetic torch's CPU kernels use on
// it (C, for __builtin_cpu_supports and weak symbols).
#include "swiftlr_abi.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

// MARK: - torch's CPU capability

// ATen's compute_cpu_capability (aten/src/ATen/native/DispatchStub.cpp), for
// the x86-64 builds of torch: ATEN_CPU_CAPABILITY when it is "avx512", "avx2"
// or "default" (torch warns about and ignores any other value), else AVX-512
// when the CPU has AVX512VL, BW, DQ and FMA, AVX2 when it has AVX2 and FMA,
// else default. torch reads it once per process, and so does this.
static int32_t compute_torch_capability(void) {
  const char *env = getenv("ATEN_CPU_CAPABILITY");
  if (env != NULL) {
    if (strcmp(env, "avx512") == 0) return SWIFTLR_TORCH_AVX512;
    if (strcmp(env, "avx2") == 0) return SWIFTLR_TORCH_AVX2;
    if (strcmp(env, "default") == 0) return SWIFTLR_TORCH_DEFAULT;
  }
#if defined(__x86_64__)
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq") &&
      __builtin_cpu_supports("fma")) {
    return SWIFTLR_TORCH_AVX512;
  }
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return SWIFTLR_TORCH_AVX2;
#endif
  return SWIFTLR_TORCH_DEFAULT;
}

int32_t swiftlr_torch_capability(void) {
  // Computing it twice gives the same value, so a race between two first
  // calls is harmless; the atomics only keep the read and write whole.
  static int32_t cached = -1;
  int32_t value = __atomic_load_n(&cached, __ATOMIC_RELAXED);
  if (value < 0) {
    value = compute_torch_capability();
    __atomic_store_n(&cached, value, __ATOMIC_RELAXED);
  }
  return value;
}

// MARK: - Kernels for this CPU

#if defined(__x86_64__)
typedef void sgd_range(const swiftlr_sgd_tensor *, const swiftlr_sgd_group *, int64_t, int64_t);
typedef void axpy_range(void *, const void *, int64_t, int64_t, int32_t, double);
typedef void adam_range(const swiftlr_adam_tensor *, const swiftlr_adam_group *, int64_t, int64_t);
typedef int64_t pow_range(const double *, double *, int64_t, double);
typedef int64_t polynomial_range(double, double, double *, int64_t, double);
typedef int64_t cos_range(double *, int64_t);

// Defined by the SwiftLRKernelsAVX2 / SwiftLRKernelsAVX512 targets when they
// are linked in; NULL otherwise.
extern sgd_range swiftlr_sgd_range_avx2 __attribute__((weak));
extern axpy_range swiftlr_axpy_range_avx2 __attribute__((weak));
extern sgd_range swiftlr_sgd_range_avx512 __attribute__((weak));
extern axpy_range swiftlr_axpy_range_avx512 __attribute__((weak));
extern adam_range swiftlr_adam_range_avx2 __attribute__((weak));
extern adam_range swiftlr_adam_range_avx512 __attribute__((weak));
extern pow_range swiftlr_pow_near_one_avx2 __attribute__((weak));
extern pow_range swiftlr_pow_near_one_avx512 __attribute__((weak));
extern polynomial_range swiftlr_polynomial_pows_avx2 __attribute__((weak));
extern polynomial_range swiftlr_polynomial_pows_avx512 __attribute__((weak));
extern cos_range swiftlr_cosines_avx2 __attribute__((weak));
extern cos_range swiftlr_cosines_avx512 __attribute__((weak));

// What `-target-cpu haswell` and `-target-cpu skylake-avx512` let the
// compiler use. __builtin_cpu_supports reports AVX only if the OS saves it.
static int has_haswell(void) {
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("bmi") &&
         __builtin_cpu_supports("bmi2") && __builtin_cpu_supports("popcnt") && __builtin_cpu_supports("movbe") &&
         __builtin_cpu_supports("f16c");
}

static int has_skylake_avx512(void) {
  return has_haswell() && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512cd") &&
         __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl");
}

const swiftlr_kernels *swiftlr_best_kernels(void) {
  static swiftlr_kernels avx512, avx2;
  __builtin_cpu_init();
  if (swiftlr_sgd_range_avx512 != NULL && swiftlr_axpy_range_avx512 != NULL && swiftlr_adam_range_avx512 != NULL &&
      swiftlr_pow_near_one_avx512 != NULL && swiftlr_polynomial_pows_avx512 != NULL && swiftlr_cosines_avx512 != NULL &&
      has_skylake_avx512()) {
    avx512 = (swiftlr_kernels){"avx512",
                               swiftlr_sgd_range_avx512,
                               swiftlr_axpy_range_avx512,
                               swiftlr_adam_range_avx512,
                               swiftlr_pow_near_one_avx512,
                               swiftlr_polynomial_pows_avx512,
                               swiftlr_cosines_avx512};
    return &avx512;
  }
  if (swiftlr_sgd_range_avx2 != NULL && swiftlr_axpy_range_avx2 != NULL && swiftlr_adam_range_avx2 != NULL &&
      swiftlr_pow_near_one_avx2 != NULL && swiftlr_polynomial_pows_avx2 != NULL && swiftlr_cosines_avx2 != NULL &&
      has_haswell()) {
    avx2 = (swiftlr_kernels){"avx2",
                             swiftlr_sgd_range_avx2,
                             swiftlr_axpy_range_avx2,
                             swiftlr_adam_range_avx2,
                             swiftlr_pow_near_one_avx2,
                             swiftlr_polynomial_pows_avx2,
                             swiftlr_cosines_avx2};
    return &avx2;
  }
  return NULL;
}
#else
const swiftlr_kernels *swiftlr_best_kernels(void) { return NULL; }
#endif
