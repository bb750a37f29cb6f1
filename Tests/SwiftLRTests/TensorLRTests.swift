import XCTest

@testable import SwiftLR

/// One operation on a 0-d lr tensor and PyTorch's result (TensorLRReference.swift).
struct TensorLROp {
  let precision: LRPrecision
  let op: String
  let lr: Double, x: Double, other: Double, result: Double

  init(_ precision: LRPrecision, _ op: String, _ lr: Double, _ x: Double, _ other: Double, _ result: Double) {
    (self.precision, self.op, self.lr, self.x, self.other, self.result) = (precision, op, lr, x, other, result)
  }
}

/// A scheduler's lrs from a tensor lr of one dtype, as PyTorch stepped them.
struct TensorLRTrace {
  let kind: String
  let config: [String: SchedulerValue]
  let precision: LRPrecision
  let start: Double
  /// Names the per-step inputs the scheduler takes (see `inputs(kind:epoch:)`), or "".
  let inputs: String
  let lrs: [Double]

  init(
    _ kind: String, _ config: [String: SchedulerValue], _ precision: LRPrecision, start: Double, inputs: String,
    lrs: [Double]
  ) {
    (self.kind, self.config, self.precision, self.start, self.inputs, self.lrs) =
      (kind, config, precision, start, inputs, lrs)
  }
}

final class TensorLRTests: XCTestCase {
  func testEveryOperationRoundsAsPyTorch() {
    XCTAssertGreaterThan(tensorLROps.count, 0)
    for c in tensorLROps {
      let t = TensorLR(c.lr, c.precision)
      XCTAssertEqual(t.value, c.lr, "\(c.precision) \(c.lr) is not representable")
      let u = TensorLR(c.other, c.precision)
      let got: Double
      switch c.op {
      case "lr*x": got = (t * c.x).value
      case "lr/x": got = (t / c.x).value
      case "lr+x": got = (t + c.x).value
      case "lr-x": got = (t - c.x).value
      case "x*lr": got = (c.x * t).value
      case "x+lr": got = (c.x + t).value
      case "lr+lr": got = (t + u).value
      case "lr-lr": got = (t - u).value
      case "fill": got = t.storing(c.x).value
      default: return XCTFail("unknown op \(c.op)")
      }
      XCTAssertEqual(
        got.bitPattern, c.result.bitPattern, "\(c.precision) \(c.lr) \(c.op) \(c.x): \(got) != \(c.result)")
    }
  }

  /// The chainable rules from a tensor lr: every step equals PyTorch's to the bit, in every dtype.
  func testRulesStepTensorLRsAsPyTorch() throws {
    XCTAssertGreaterThan(tensorLRTraces.count, 0)
    for trace in tensorLRTraces {
      var config = SchedulerConfig(trace.config)
      config["base_lrs"] = .doubles([trace.start])
      if trace.kind == "SWALR" { config["swa_lr"] = .double(0.021) }
      var scheduler = try SchedulerRegistry.make(trace.kind, config: config)
      let lrs = try replay(&scheduler, trace)
      XCTAssertEqual(lrs.map(\.bitPattern), trace.lrs.map(\.bitPattern), "\(trace.kind) \(trace.precision)")
    }
  }

  /// What the Python layer passes at each step: the user functions' values, SWALR's `swa_lr`.
  func inputs(_ trace: TensorLRTrace, epoch: Int) -> [Double] {
    switch trace.inputs {
    case "SWALR": return [0.021]
    case "MultiplicativeLR": return [epoch == 0 ? 1.0 : 0.91]
    case "LambdaLR": return [pow(0.95, Double(epoch))]
    default: return []
    }
  }

  func replay<S: LRScheduler>(_ scheduler: inout S, _ trace: TensorLRTrace) throws -> [Double] {
    var lrs = [trace.start]
    var out: [Double] = []
    let codes = [trace.precision.rawValue]
    // PyTorch's constructor takes the initial step (`_step_count` 1, `_is_initial`), then each `step()`.
    for k in 1...trace.lrs.count {
      let context = StepContext(stepCount: k, isInitial: k == 1)
      let input = inputs(trace, epoch: k - 1)
      try input.withUnsafeBufferPointer { input in
        try codes.withUnsafeBufferPointer { codes in
          try lrs.withUnsafeMutableBufferPointer { buffer in
            try scheduler.step(buffer, inputs: input, context: context, precisions: codes)
          }
        }
      }
      out.append(lrs[0])
    }
    return out
  }

  func testBFloat16RoundsToNearestEven() {
    // 1 + 2^-8 is halfway between 1 and 1 + 2^-7: even (1) wins; 1 + 3 * 2^-8 goes up to 1 + 2^-6.
    XCTAssertEqual(roundToBFloat16(1 + 0x1p-8), 1)
    XCTAssertEqual(roundToBFloat16(1 + 3 * 0x1p-8), 1 + 0x1p-6)
    XCTAssertEqual(roundToBFloat16(1 + 0x1p-8 + 0x1p-20), 1 + 0x1p-7)
    XCTAssert(roundToBFloat16(.nan).isNaN)
  }

  func testFillRoundsThroughFloat32() {
    // c10 stores a double in a Half via float: 1 + 2^-11 + 2^-40 becomes the tie 1 + 2^-11, which rounds to 1.
    XCTAssertEqual(LRPrecision.float16.stored(1 + 0x1p-11 + 0x1p-40), 1)
    XCTAssertEqual(LRPrecision.float64.stored(0.1), 0.1)
    XCTAssertEqual(LRPrecision.float32.stored(0.1), Double(Float(0.1)))
  }

  func testFloat64TensorsAreFloats() throws {
    var a = try ExponentialLR(baseLRs: [0.01], gamma: 0.97)
    var b = a
    var floats = [0.01]
    var tensors = [0.01]
    for _ in 0..<50 {
      try a.step(&floats)
      try b.step(&tensors, precisions: [.float64])
    }
    XCTAssertEqual(floats, tensors)
  }

  func testUnknownPrecisionChangesNothing() throws {
    var s = try ExponentialLR(baseLRs: [0.01], gamma: 0.5)
    var lrs = [0.01]
    let codes: [Int32] = [7]
    let thrown: Bool = codes.withUnsafeBufferPointer { codes in
      lrs.withUnsafeMutableBufferPointer { buffer in
        do { try s.step(buffer, precisions: codes) } catch { return true }
        return false
      }
    }
    XCTAssert(thrown)
    XCTAssertEqual(lrs, [0.01])
    XCTAssertEqual(s.lastEpoch, -1)
    assertThrows(.value, "lr precisions") { try s.step(&lrs, precisions: [.float32, .float32]) }
  }
}
