#if canImport(Glibc)
  import Glibc
#endif

/// How `OneCycleLR` and `SWALR` move between two values: PyTorch's
/// `anneal_strategy` (`"cos"` or `"linear"`).
public enum AnnealStrategy: String, CaseIterable, Sendable {
  case cos, linear

  /// PyTorch's wording for any other value.
  static let unknown: @Sendable (String) -> String = {
    "anneal_strategy must be one of 'cos' or 'linear', instead got \($0)"
  }

  /// SWALR's weight of `swa_lr` at progress `t` in [0, 1]: `t`, or
  /// `(1 - cos(pi t)) / 2` (PyTorch's `_linear_anneal` / `_cosine_anneal`).
  public func weight(_ t: Double) -> Double {
    switch self {
    case .linear: return t
    case .cos: return (1 - Glibc.cos(Double.pi * t)) / 2
    }
  }

  /// OneCycleLR's value between `start` and `end` at `pct` of the phase
  /// (PyTorch's `_annealing_linear` / `_annealing_cos`).
  public func anneal(_ start: Double, _ end: Double, _ pct: Double) -> Double {
    switch self {
    case .linear: return (end - start) * pct + start
    case .cos: return end + (start - end) / 2.0 * (Glibc.cos(Double.pi * pct) + 1)
    }
  }
}
