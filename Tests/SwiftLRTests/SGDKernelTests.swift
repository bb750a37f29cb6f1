import XCTest

@testable import SwiftLR

/// The kernel against a scalar transcription of torch.optim.SGD's math.
final class SGDKernelTests: XCTestCase {
  /// torch's single-tensor SGD for one element, in Double.
  func reference(
    param: inout Double, grad: Double, buffer: inout Double?, o: SGDOptions
  ) {
    var g = o.maximize ? -grad : grad
    if o.weightDecay != 0 { g += o.weightDecay * param }
    if o.momentum != 0 {
      if let b = buffer {
        buffer = o.momentum * b + (1 - o.dampening) * g
      } else {
        buffer = g
      }
      g = o.nesterov ? g + o.momentum * buffer! : buffer!
    }
    param += -o.lr * g
  }

  func check(_ o: SGDOptions, steps: Int = 6, file: StaticString = #filePath, line: UInt = #line) {
    var params: [Double] = [0.5, -1.25, 2.0, 0.0, 3.5]
    var expected = params
    var buffer = [Double](repeating: 0, count: params.count)
    var refBuffers: [Double?] = Array(repeating: nil, count: params.count)
    for step in 0..<steps {
      let grads = params.indices.map { Double($0 + 1) * 0.3 - Double(step) * 0.1 }
      params.withUnsafeMutableBufferPointer { p in
        grads.withUnsafeBufferPointer { g in
          buffer.withUnsafeMutableBufferPointer { b in
            sgdUpdate(
              param: p.baseAddress!, grad: g.baseAddress!, buffer: o.momentum != 0 ? b.baseAddress : nil,
              count: p.count, freshBuffer: step == 0, options: o)
          }
        }
      }
      for i in expected.indices { reference(param: &expected[i], grad: grads[i], buffer: &refBuffers[i], o: o) }
      assertClose(params, expected, relative: 1e-14, absolute: 1e-15, "step \(step)", file: file, line: line)
    }
  }

  func testPlain() { check(SGDOptions(lr: 0.1)) }
  func testWeightDecay() { check(SGDOptions(lr: 0.1, weightDecay: 0.01)) }
  func testMomentum() { check(SGDOptions(lr: 0.1, momentum: 0.9)) }
  func testDampening() { check(SGDOptions(lr: 0.1, momentum: 0.9, dampening: 0.3)) }
  func testNesterov() { check(SGDOptions(lr: 0.05, momentum: 0.8, weightDecay: 0.1, nesterov: true)) }
  func testMaximize() { check(SGDOptions(lr: 0.1, momentum: 0.5, maximize: true)) }
  func testEverything() { check(SGDOptions(lr: 0.2, momentum: 0.7, weightDecay: 1e-3, nesterov: true, maximize: true)) }

  /// The first momentum step stores the (decayed) gradient, undamped.
  func testFreshBufferIsUndampedGradient() {
    var p: [Float] = [1, 2]
    let g: [Float] = [0.5, -0.5]
    var b: [Float] = [99, 99]
    sgdUpdate(
      param: &p, grad: g, buffer: &b, count: 2, freshBuffer: true,
      options: SGDOptions(lr: 0.1, momentum: 0.9, dampening: 0.5, weightDecay: 0.1))
    XCTAssertEqual(b, [0.5 + 0.1 * 1, -0.5 + 0.1 * 2])
  }

  func testFloat32MatchesDoubleReference() {
    var p: [Float] = [0.25, -0.75]
    var b: [Float] = [0, 0]
    let o = SGDOptions(lr: 0.01, momentum: 0.9, weightDecay: 1e-4)
    sgdUpdate(param: &p, grad: [1, 2], buffer: &b, count: 2, freshBuffer: true, options: o)
    var e0 = 0.25, e1 = -0.75
    var b0: Double? = nil, b1: Double? = nil
    reference(param: &e0, grad: 1, buffer: &b0, o: o)
    reference(param: &e1, grad: 2, buffer: &b1, o: o)
    assertClose(p.map(Double.init), [e0, e1], relative: 2e-6)
  }

  func testOptionValidationUsesPyTorchWording() {
    assertThrows(.value, "Invalid learning rate: -0.1") { try SGDOptions(lr: -0.1).validate() }
    assertThrows(.value, "Invalid momentum value: -1.0") { try SGDOptions(momentum: -1).validate() }
    assertThrows(.value, "Invalid weight_decay value: -0.5") { try SGDOptions(weightDecay: -0.5).validate() }
    assertThrows(.value, "Nesterov momentum requires a momentum and zero dampening") {
      try SGDOptions(momentum: 0.9, dampening: 0.1, nesterov: true).validate()
    }
  }
}
