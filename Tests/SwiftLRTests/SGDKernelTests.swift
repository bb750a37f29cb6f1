import XCTest
import _SwiftLRShims

@testable import SwiftLR

#if canImport(Glibc)
  import Glibc
#endif

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

  /// torch's single-tensor SGD for one element, rounded in `T` op by op as
  /// torch's kernels round it: `add(x, y, alpha=a)` fused or not.
  func torchElement<T: BinaryFloatingPoint>(
    param: inout T, grad: T, buffer: inout T?, o: SGDOptions
  ) {
    func add(_ x: T, _ a: T, _ y: T) -> T { o.fusedMultiplyAdd ? x.addingProduct(a, y) : x + a * y }
    let (negLR, decay, mu, keep) = (T(-o.lr), T(o.weightDecay), T(o.momentum), T(1 - o.dampening))
    var g = o.maximize ? -grad : grad
    if o.weightDecay != 0 { g = add(g, decay, param) }
    if o.momentum != 0 {
      buffer = buffer.map { add(mu * $0, keep, g) } ?? g
      g = o.nesterov ? add(g, mu, buffer!) : buffer!
    }
    param = add(param, negLR, g)
  }

  /// Every instruction set's kernel equals `torchElement` bit for bit, fused
  /// and not, at sizes with every kind of vector tail, over several steps.
  func testBitExactWithTorchsRounding() {
    func run<T: BinaryFloatingPoint & SIMDScalar>(_: T.Type, _ o: SGDOptions, count: Int, isa: Int) {
      var param = (0..<count).map { T(sin(Double($0) * 0.37 + 0.1) * 3) }
      var buffer = [T](repeating: 0, count: count)
      var expected = param
      var refBuffers = [T?](repeating: nil, count: count)
      for step in 0..<4 {
        let grad = (0..<count).map { T(cos(Double($0 * (step + 1)) * 0.61) / 3) }
        for i in 0..<count { torchElement(param: &expected[i], grad: grad[i], buffer: &refBuffers[i], o: o) }
        param.withUnsafeMutableBufferPointer { p in
          grad.withUnsafeBufferPointer { g in
            buffer.withUnsafeMutableBufferPointer { b in
              let bp = o.momentum != 0 ? b.baseAddress : nil
              switch isa {
              case 0:
                sgdUpdate(
                  param: p.baseAddress!, grad: g.baseAddress!, buffer: bp, count: count, freshBuffer: step == 0,
                  options: o, isa: PortableISA.self)
              default:
                var t = swiftlr_sgd_tensor(
                  param: p.baseAddress, grad: g.baseAddress, buffer: bp, count: Int64(count),
                  dtype: Int32((T.self == Float.self ? SWIFTLR_FLOAT32 : SWIFTLR_FLOAT64).rawValue),
                  fresh_buffer: step == 0 ? 1 : 0, group: 0)
                var group = swiftlr_sgd_group(o)
                sgdRangeKernel(&t, &group, 0, Int64(count))
              }
            }
          }
        }
        XCTAssertEqual(
          param.map { Double($0).bitPattern }, expected.map { Double($0).bitPattern },
          "\(T.self) \(o) count \(count) step \(step) kernels \(isa)")
      }
    }
    for fused in [false, true] {
      for o in [
        SGDOptions(lr: 0.1, fusedMultiplyAdd: fused),
        SGDOptions(lr: 0.0123, weightDecay: 0.031, fusedMultiplyAdd: fused),
        SGDOptions(lr: 0.07, momentum: 0.9, dampening: 0.13, weightDecay: 1e-3, fusedMultiplyAdd: fused),
        SGDOptions(lr: 0.3, momentum: 0.77, weightDecay: 0.2, nesterov: true, maximize: true, fusedMultiplyAdd: fused),
      ] {
        for count in [1, 7, 15, 17, 63, 65, 1000] {
          for isa in 0..<2 {
            run(Float.self, o, count: count, isa: isa)
            run(Double.self, o, count: count, isa: isa)
          }
        }
      }
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

  /// The checks of values as Python gave them (`swiftlr_sgd_check`): an int
  /// shows as an int, and what is not a number fails as PyTorch's `x < 0.0` does.
  func testCheckOfPythonValues() {
    func check(
      _ lr: SchedulerValue = .double(0.1), momentum: SchedulerValue = .int(0), dampening: SchedulerValue = .int(0),
      weightDecay: SchedulerValue = .int(0), nesterov: Bool = false
    ) throws(SchedulerError) {
      try SGDOptions.check(
        lr: lr, momentum: momentum, dampening: dampening, weightDecay: weightDecay, nesterov: nesterov)
    }
    XCTAssertThrowsError(try check(momentum: .int(-1))) { error in
      XCTAssertEqual(error as? SchedulerError, .value("Invalid momentum value: -1"))
    }
    assertThrows(.type, "'<' not supported between instances of 'str' and 'float'") { try check(.string("x")) }
    assertThrows(.type, "'<' not supported between instances of 'NoneType' and 'float'") {
      try check(weightDecay: .none)
    }
    assertThrows(.value, "Nesterov momentum requires") {
      try check(momentum: .double(0.9), dampening: .string("x"), nesterov: true)
    }
    XCTAssertNoThrow(try check(.double(.nan), momentum: .double(0.9), nesterov: true))
  }

  /// The kernels built for wider instruction sets give the portable kernel's
  /// results bit for bit, for every switch, both dtypes, and tails of every length.
  func testInstructionSetBuildsMatchThePortableKernel() throws {
    guard let kernels = swiftlr_best_kernels()?.pointee else {
      throw XCTSkip("no wider kernels on this CPU")
    }
    func check<T: BinaryFloatingPoint & SIMDScalar>(_: T.Type, dtype: swiftlr_dtype) {
      for count in [1, 15, 16, 17, 100, 1003] {
        for fma in [Int32(0), 1] {
          for (momentum, fresh, nesterov, decay, maximize) in [
            (0.0, false, false, 0.0, false), (0.9, true, false, 1e-4, false), (0.9, false, true, 0.01, true),
            (0.8, false, false, 0.0, true), (0.5, true, true, 0.1, false),
          ] {
            let g = swiftlr_sgd_group(
              lr: 0.037, momentum: momentum, dampening: nesterov ? 0 : 0.25, weight_decay: decay,
              nesterov: nesterov ? 1 : 0, maximize: maximize ? 1 : 0, fma: fma)
            let grad = (0..<count).map { T(sin(Double($0) * 0.7)) }
            var results: [[T]] = []
            for portable in [true, false] {
              var param = (0..<count).map { T(cos(Double($0) * 0.3)) }
              var buffer = (0..<count).map { T(Double($0 % 7) * 0.125) }
              param.withUnsafeMutableBytes { p in
                grad.withUnsafeBytes { gr in
                  buffer.withUnsafeMutableBytes { b in
                    var t = swiftlr_sgd_tensor(
                      param: p.baseAddress, grad: gr.baseAddress, buffer: momentum != 0 ? b.baseAddress : nil,
                      count: Int64(count), dtype: Int32(dtype.rawValue), fresh_buffer: fresh ? 1 : 0, group: 0)
                    var group = g
                    if portable {
                      sgdRange(&t, &group, 0, Int64(count), isa: PortableISA.self)
                    } else {
                      kernels.sgd(&t, &group, 0, Int64(count))
                    }
                  }
                }
              }
              results.append(param + buffer)
            }
            XCTAssertEqual(
              results[0].map { $0.bitPattern(asDouble: true) }, results[1].map { $0.bitPattern(asDouble: true) },
              "\(T.self) count \(count) momentum \(momentum) fresh \(fresh) nesterov \(nesterov) fma \(fma)")
          }
        }
      }
    }
    check(Float.self, dtype: SWIFTLR_FLOAT32)
    check(Double.self, dtype: SWIFTLR_FLOAT64)
  }

  /// The kernel starts its whole vectors at the parameter's first 64-byte
  /// boundary from `alignedFrom` elements on: from every start within a
  /// cache line, at counts on both sides of that floor and with every tail,
  /// each kernel build gives `torchElement`'s bits, and writes nothing
  /// outside `count` elements.
  func testEveryStartWithinACacheLineGivesTorchsBits() {
    typealias Kernel = (UnsafePointer<swiftlr_sgd_tensor>, UnsafePointer<swiftlr_sgd_group>, Int64, Int64) -> Void
    var builds: [(String, Kernel)] = [("portable", { sgdRange($0, $1, $2, $3, isa: PortableISA.self) })]
    if let k = swiftlr_best_kernels()?.pointee { builds.append(("best", { k.sgd($0, $1, $2, $3) })) }
    func check<T: BinaryFloatingPoint & SIMDScalar>(_: T.Type, dtype: swiftlr_dtype) {
      let o = SGDOptions(lr: 0.037, momentum: 0.9, weightDecay: 1e-4)
      let g = swiftlr_sgd_group(o)
      let lanes = 64 / MemoryLayout<T>.stride
      for (name, kernel) in builds {
        for start in 0..<lanes {
          let floor = SGDKernelArgs<T, PortableISA>.alignedFrom
          for count in [0, 1, 3, lanes - 1, 16, 17, 100, floor - 1, floor, floor + 17] {
            let total = start + count + 1
            var param = (0..<total).map { T(cos(Double($0) * 0.3)) }
            var buffer = (0..<total).map { T(Double($0 % 7) * 0.125) }
            let grad = (0..<total).map { T(sin(Double($0) * 0.7)) }
            var expected = param, expectedBuffer = buffer
            for i in start..<(start + count) {
              var b: T? = buffer[i]
              torchElement(param: &expected[i], grad: grad[i], buffer: &b, o: o)
              expectedBuffer[i] = b!
            }
            // A 64-byte-aligned copy of the parameter, so `start` is its offset from a line.
            let aligned = UnsafeMutableRawPointer.allocate(byteCount: total * MemoryLayout<T>.stride, alignment: 64)
            defer { aligned.deallocate() }
            let p = aligned.initializeMemory(as: T.self, from: param, count: total)
            grad.withUnsafeBytes { gr in
              buffer.withUnsafeMutableBytes { b in
                var t = swiftlr_sgd_tensor(
                  param: UnsafeMutableRawPointer(p + start), grad: gr.baseAddress! + start * MemoryLayout<T>.stride,
                  buffer: b.baseAddress! + start * MemoryLayout<T>.stride, count: Int64(count),
                  dtype: Int32(dtype.rawValue), fresh_buffer: 0, group: 0)
                var group = g
                kernel(&t, &group, 0, Int64(count))
              }
            }
            param = Array(UnsafeBufferPointer(start: p, count: total))
            XCTAssertEqual(
              param.map { $0.bitPattern(asDouble: true) }, expected.map { $0.bitPattern(asDouble: true) },
              "\(name) \(T.self) start \(start) count \(count)")
            XCTAssertEqual(
              buffer.map { $0.bitPattern(asDouble: true) }, expectedBuffer.map { $0.bitPattern(asDouble: true) },
              "\(name) \(T.self) start \(start) count \(count) buffer")
          }
        }
      }
    }
    check(Float.self, dtype: SWIFTLR_FLOAT32)
    check(Double.self, dtype: SWIFTLR_FLOAT64)
  }
}

extension BinaryFloatingPoint {
  /// The value's bits (via Double for comparison; exact for Float and Double).
  fileprivate func bitPattern(asDouble: Bool) -> UInt64 { Double(self).bitPattern }
}
