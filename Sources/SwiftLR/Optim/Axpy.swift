/// `a += s * b` over all cores: the memory-bandwidth yardstick of the
/// benchmarks (three streams of `T` per element: read a, read b, write a).
///
/// - Parameters:
///   - a: updated in place.
///   - b: read only; `count` elements, like `a`.
@inlinable
public func axpy<T: BinaryFloatingPoint & SIMDScalar>(
  _ a: UnsafeMutablePointer<T>, _ b: UnsafePointer<T>, count: Int, scale s: T
) {
  parallelRanges(total: count, minimumPerThread: 1 << 17) { range in
    var i = range.lowerBound
    let vectorEnd = range.lowerBound + (range.count & ~7)
    while i < vectorEnd {
      let x = UnsafeRawPointer(a + i).loadUnaligned(as: SIMD8<T>.self)
      let y = UnsafeRawPointer(b + i).loadUnaligned(as: SIMD8<T>.self)
      UnsafeMutableRawPointer(a + i).storeBytes(of: x + s * y, as: SIMD8<T>.self)
      i += 8
    }
    while i < range.upperBound {
      a[i] += s * b[i]
      i += 1
    }
  }
}
