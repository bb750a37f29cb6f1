// Vector square roots for the Swift kernels.
//
// Swift's `squareRoot()` on a SIMD vector takes each lane's square root on
// its own through C's `sqrtf`/`sqrt`, which may set errno: the compiler then
// branches and calls libm per lane, and the loop around it is not
// vectorized (Adam's kernel ran at 4-20 ns an element). An elementwise
// square root has no errno, so it compiles to one vector instruction of the
// caller's instruction set (`vsqrtps`/`vsqrtpd`), correctly rounded as
// IEEE 754 requires, as torch's vectorized kernels compute it. Swift imports
// these vector types as SIMD16<Float> and SIMD16<Double>.
#ifndef SWIFTLR_SIMD_H
#define SWIFTLR_SIMD_H

typedef float swiftlr_float16 __attribute__((ext_vector_type(16)));
typedef double swiftlr_double16 __attribute__((ext_vector_type(16)));

static inline __attribute__((always_inline)) swiftlr_float16 swiftlr_sqrt_float16(swiftlr_float16 x) {
  return __builtin_elementwise_sqrt(x);
}

static inline __attribute__((always_inline)) swiftlr_double16 swiftlr_sqrt_double16(swiftlr_double16 x) {
  return __builtin_elementwise_sqrt(x);
}

#endif
