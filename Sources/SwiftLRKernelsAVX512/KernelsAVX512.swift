// The SGD, axpy, Adam, powNearOne, polynomialPows and cosines kernels compiled for AVX512 (`-target-cpu skylake-avx512`, see
// Package.swift): the same inlinable Swift as the portable ones, compiled here
// for wider vectors. swiftlr_best_kernels() picks them on CPUs that have AVX512.
import SwiftLR
import _SwiftLRShims

@_cdecl("swiftlr_sgd_range_avx512")
public func swiftlr_sgd_range_avx512(
  _ t: UnsafePointer<swiftlr_sgd_tensor>, _ g: UnsafePointer<swiftlr_sgd_group>, _ lo: Int64, _ hi: Int64
) {
  sgdRange(t, g, lo, hi, isa: AVX512.self)
}

@_cdecl("swiftlr_axpy_range_avx512")
public func swiftlr_axpy_range_avx512(
  _ a: UnsafeMutableRawPointer, _ b: UnsafeRawPointer, _ lo: Int64, _ hi: Int64, _ dtype: Int32, _ scale: Double
) {
  axpyRange(a, b, lo, hi, dtype, scale, isa: AVX512.self)
}

@_cdecl("swiftlr_adam_range_avx512")
public func swiftlr_adam_range_avx512(
  _ t: UnsafePointer<swiftlr_adam_tensor>, _ g: UnsafePointer<swiftlr_adam_group>, _ lo: Int64, _ hi: Int64
) {
  adamRange(t, g, lo, hi, isa: AVX512.self)
}

@_cdecl("swiftlr_pow_near_one_avx512")
public func swiftlr_pow_near_one_avx512(
  _ bases: UnsafePointer<Double>, _ out: UnsafeMutablePointer<Double>, _ count: Int64, _ power: Double
) -> Int64 {
  Int64(powNearOneRange(bases, out, count, power, isa: AVX512.self))
}

@_cdecl("swiftlr_polynomial_pows_avx512")
public func swiftlr_polynomial_pows_avx512(
  _ before: Double, _ total: Double, _ out: UnsafeMutablePointer<Double>, _ count: Int64, _ power: Double
) -> Int64 {
  Int64(polynomialPowsRange(before, total, out, count, power, isa: AVX512.self))
}

@_cdecl("swiftlr_cosines_avx512")
public func swiftlr_cosines_avx512(_ values: UnsafeMutablePointer<Double>, _ count: Int64) -> Int64 {
  Int64(cosinesRange(values, count, isa: AVX512.self))
}

/// This module's kernel specializations (see `KernelISA`).
public enum AVX512: KernelISA {
  @inlinable public static var fusedMultiplyAdd: Bool { true }
}
