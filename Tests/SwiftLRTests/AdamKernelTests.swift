import XCTest

@testable import SwiftLR

#if canImport(Glibc)
  import Glibc
#endif

/// The kernel against an element-by-element transcription of torch's fused
/// CPU Adam (FusedAdamKernel.cpp's loops, with the FMAs its builds make).
final class AdamKernelTests: XCTestCase {
  /// One element as torch's kernel computes it: `fused` says whether the
  /// build contracts (AVX2/AVX-512), `vectorLoop` which loop the element is in.
  func reference(
    _ p: inout Float, _ grad: Float, _ m: inout Float, _ v: inout Float, _ x: inout Float, step: Float,
    o: AdamOptions, fused: Bool, vectorLoop: Bool
  ) {
    let t = Double(step)
    let stepSize = o.lr / (1 - pow(o.beta1, t))
    let correction2 = Float((1 - pow(o.beta2, t)).squareRoot())
    var g = o.maximize ? -grad : grad
    if o.weightDecay != 0 {
      if !o.decoupledWeightDecay {
        g = fused ? fmaf(p, Float(o.weightDecay), g) : g + p * Float(o.weightDecay)
      } else {
        p *= Float(fused ? fma(-o.lr, o.weightDecay, 1) : 1 - o.lr * o.weightDecay)
      }
    }
    let w = Float(1 - o.beta1)
    if abs(w) < 0.5 {
      m = fused ? fmaf(w, g - m, m) : m + w * (g - m)
    } else {
      m = fused ? fmaf(-(g - m), 1 - w, g) : g - (g - m) * (1 - w)
    }
    let c = Float(1 - o.beta2) * g
    if !fused {
      v = v * Float(o.beta2) + c * g
    } else if vectorLoop {
      v = fmaf(c, g, v * Float(o.beta2))
    } else {
      v = fmaf(v, Float(o.beta2), c * g)
    }
    if o.amsgrad { x = x < v ? v : x }
    let denominator = (o.amsgrad ? x : v).squareRoot() / correction2 + Float(o.eps)
    p = p - Float(stepSize) * m / denominator
  }

  func check(_ o: AdamOptions, count: Int, capability: TorchCapability, split: Int? = nil) {
    var params = (0..<count).map { Float(sin(Double($0) * 0.7)) }
    var expected = params
    var (m, v, x) = (
      [Float](repeating: 0, count: count), [Float](repeating: 0, count: count), [Float](repeating: 0, count: count)
    )
    var (rm, rv, rx) = (m, v, x)
    let start = capability.scalarStart(count: count, of: Float.self)
    for step in 1...8 {
      let grads = (0..<count).map { Float(cos(Double($0 * step) * 1.3)) * Float(step) }
      let ranges = split.map { [0..<$0, $0..<count] } ?? [0..<count]
      for range in ranges {
        params.withUnsafeMutableBufferPointer { p in
          m.withUnsafeMutableBufferPointer { m in
            v.withUnsafeMutableBufferPointer { v in
              x.withUnsafeMutableBufferPointer { x in
                adamUpdate(
                  param: p.baseAddress!, grad: grads, expAvg: m.baseAddress!, expAvgSq: v.baseAddress!,
                  maxExpAvgSq: o.amsgrad ? x.baseAddress! : nil, count: count, range: range, step: Float(step),
                  options: o, capability: capability, isa: PortableISA.self)
              }
            }
          }
        }
      }
      for i in 0..<count {
        reference(
          &expected[i], grads[i], &rm[i], &rv[i], &rx[i], step: Float(step), o: o, fused: capability != .default,
          vectorLoop: i < start)
      }
      XCTAssertEqual(params.map(\.bitPattern), expected.map(\.bitPattern), "step \(step) \(o) \(capability) n=\(count)")
      XCTAssertEqual(m.map(\.bitPattern), rm.map(\.bitPattern))
      XCTAssertEqual(v.map(\.bitPattern), rv.map(\.bitPattern))
    }
  }

  let options: [AdamOptions] = [
    AdamOptions(lr: 0.01),
    AdamOptions(lr: 0.05, betas: (0.3, 0.99), weightDecay: 0.1, amsgrad: true),
    AdamOptions(lr: 0.09, betas: (0.8, 0.9), eps: 1e-6, weightDecay: 0.1, maximize: true, decoupledWeightDecay: true),
  ]

  func testEveryCapabilityAndRegionMatchesTheTranscription() {
    for o in options {
      for capability in [TorchCapability.default, .avx2, .avx512] {
        for count in [1, 7, 8, 9, 15, 16, 17, 31, 40, 63] { check(o, count: count, capability: capability) }
      }
    }
  }

  func testAnySplitOfATensorGivesTheSameBits() {
    for split in [16, 32, 48] { check(options[1], count: 63, capability: .avx512, split: split) }
  }

  func testScalarStartFollowsTorchsLoops() {
    // AVX-512: 16 float32 lanes, then a vectorized 8, then scalars.
    XCTAssertEqual(TorchCapability.avx512.scalarStart(count: 63, of: Float.self), 56)
    XCTAssertEqual(TorchCapability.avx512.scalarStart(count: 7, of: Float.self), 0)
    XCTAssertEqual(TorchCapability.avx512.scalarStart(count: 15, of: Double.self), 12)
    XCTAssertEqual(TorchCapability.avx2.scalarStart(count: 63, of: Float.self), 56)
    XCTAssertEqual(TorchCapability.avx2.scalarStart(count: 7, of: Double.self), 4)
  }

  func testValidationUsesTorchsWords() {
    XCTAssertThrowsError(try AdamOptions(lr: -1).validate()) { XCTAssertEqual("\($0)", "Invalid learning rate: -1.0") }
    XCTAssertThrowsError(try AdamOptions(betas: (1, 0.9)).validate()) {
      XCTAssertEqual("\($0)", "Invalid beta parameter at index 0: 1.0")
    }
    XCTAssertThrowsError(try AdamOptions(eps: -1).validate())
    XCTAssertThrowsError(try AdamOptions(weightDecay: -1).validate())
  }
}
