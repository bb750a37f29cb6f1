import _SwiftLRShims

// MARK: - Float and Double through the C ABI's kernels

/// Runs an optimizer's update as its Float or Double specialization with the
/// C ABI's dtype (`float` / `double`), else as itself (`portable`, for the
/// generic kernel).
///
/// A caller in another module calls a generic `step()` unspecialized; here,
/// inside SwiftLR, `float` and `double` are compiled for their concrete
/// types, so such a caller runs the same code as the Python build (the
/// kernels for this CPU, the worker pool) rather than generic code.
/// `Optimizer` is `AsFloat` when `scalar` is Float and `AsDouble` when it is
/// Double (the same generic type): the rebinding only names it.
@inline(__always)
func routeToKernels<Scalar, Optimizer, AsFloat, AsDouble>(
  _ optimizer: inout Optimizer, scalar: Scalar.Type,
  float: (inout AsFloat, Int32) -> Void, double: (inout AsDouble, Int32) -> Void,
  portable: (inout Optimizer) -> Void
) {
  if Scalar.self == Float.self {
    withUnsafeMutablePointer(to: &optimizer) {
      $0.withMemoryRebound(to: AsFloat.self, capacity: 1) { float(&$0.pointee, Int32(SWIFTLR_FLOAT32.rawValue)) }
    }
  } else if Scalar.self == Double.self {
    withUnsafeMutablePointer(to: &optimizer) {
      $0.withMemoryRebound(to: AsDouble.self, capacity: 1) { double(&$0.pointee, Int32(SWIFTLR_FLOAT64.rawValue)) }
    }
  } else {
    portable(&optimizer)
  }
}
