import _SwiftLRShims

// MARK: - Which arithmetic torch uses

/// The CPU capability torch's dispatcher picks on x86-64, which decides how
/// its CPU kernels round: `add(x, y, alpha: a)` (`x + a*y`, every step of
/// SGD) is one fused multiply-add, rounded once, in the AVX2 and AVX-512
/// kernels, and a product and a sum, rounded twice, in the default ones.
///
/// `current` is what torch would pick in this process, found as ATen's
/// `compute_cpu_capability` finds it, without torch: the environment variable
/// `ATEN_CPU_CAPABILITY` when it is `default`, `avx2` or `avx512`, else the
/// widest this CPU has (AVX-512 needs AVX512VL, BW, DQ and FMA; AVX2 needs AVX2
/// and FMA). It is read once per process, as torch reads it.
///
/// Edge Cases:
/// - Another value of `ATEN_CPU_CAPABILITY` is ignored, as torch ignores it
///   (with a warning there).
/// - Off x86-64, `current` is `.default` (torch's other CPU kernels are not
///   modelled).
/// - The arithmetic is independent of the instruction set swiftlr's own
///   kernels use for speed: fused arithmetic on a CPU without FMA is exact,
///   only slower.
public enum TorchCapability: Int32, CaseIterable, Sendable {
  case `default` = 0
  case avx2 = 1
  case avx512 = 2

  /// The capability torch would pick in this process.
  public static var current: TorchCapability {
    TorchCapability(rawValue: swiftlr_torch_capability()) ?? .default
  }

  /// The name torch's `ATEN_CPU_CAPABILITY` gives it.
  public var name: String {
    switch self {
    case .default: "default"
    case .avx2: "avx2"
    case .avx512: "avx512"
    }
  }

  /// Whether torch's kernels round `x + a*y` once (a fused multiply-add).
  public var fusesMultiplyAdd: Bool { self != .default }
}
