/// `a += s * b` over all cores: the memory-bandwidth yardstick of the
/// benchmarks (three streams of `T` per element: read a, read b, write a).
///
/// - Parameters:
///   - a: updated in place.
///   - b: read only; `count` elements, like `a`.
///   - count: the number of elements of `a` and `b`.
///   - s: the factor applied to `b`.
@inlinable
public func axpy<T: BinaryFloatingPoint & SIMDScalar>(
  _ a: UnsafeMutablePointer<T>, _ b: UnsafePointer<T>, count: Int, scale s: T
) {
  parallelRanges(total: count, minimumPerThread: 1 << 16) { range in
    axpyKernel(a + range.lowerBound, b + range.lowerBound, count: range.count, scale: s, isa: PortableISA.self)
  }
}

/// `a += s * b` on the calling thread, on SIMD vectors of 16 lanes, compiled
/// for `ISA` (see `KernelISA`).
@inlinable
public func axpyKernel<T: BinaryFloatingPoint & SIMDScalar, ISA: KernelISA>(
  _ a: UnsafeMutablePointer<T>, _ b: UnsafePointer<T>, count: Int, scale s: T, isa: ISA.Type
) {
  var i = 0
  let vectorEnd = count & ~15
  while i < vectorEnd {
    let x = UnsafeRawPointer(a + i).loadUnaligned(as: SIMD16<T>.self)
    let y = UnsafeRawPointer(b + i).loadUnaligned(as: SIMD16<T>.self)
    UnsafeMutableRawPointer(a + i).storeBytes(of: x + s * y, as: SIMD16<T>.self)
    i += 16
  }
  while i < count {
    a[i] += s * b[i]
    i += 1
  }
}
