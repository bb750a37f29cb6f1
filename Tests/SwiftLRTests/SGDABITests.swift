import XCTest
import _SwiftLRShims

@testable import SwiftLR

/// `swiftlr_sgd_step`: all tensors as one range split across the cores, the
/// same result as the kernel on each tensor alone; checks before any write.
final class SGDABITests: XCTestCase {
  func testSplitAcrossThreadsMatchesOneKernelPerTensor() {
    let counts = [300_001, 5, 200_003]
    var params = counts.map { n in (0..<n).map { Float($0 % 97) * 0.01 } }
    let grads = counts.map { n in (0..<n).map { Float($0 % 13) * 0.1 - 0.5 } }
    var buffers = counts.map { n in [Float](repeating: 0, count: n) }
    var expected = params
    var expectedBuffers = buffers
    let options = SGDOptions(lr: 0.05, momentum: 0.9, weightDecay: 1e-4, nesterov: true)
    for k in counts.indices {
      expected[k].withUnsafeMutableBufferPointer { p in
        expectedBuffers[k].withUnsafeMutableBufferPointer { b in
          sgdUpdate(
            param: p.baseAddress!, grad: grads[k], buffer: b.baseAddress, count: p.count, freshBuffer: true,
            options: options)
        }
      }
    }
    var group = swiftlr_sgd_group(options)
    var message = swiftlr_message()
    var tensors: [swiftlr_sgd_tensor] = []
    for k in counts.indices {
      tensors.append(
        swiftlr_sgd_tensor(
          param: params[k].withUnsafeMutableBufferPointer { UnsafeMutableRawPointer($0.baseAddress!) },
          grad: grads[k].withUnsafeBufferPointer { UnsafeRawPointer($0.baseAddress!) },
          buffer: buffers[k].withUnsafeMutableBufferPointer { UnsafeMutableRawPointer($0.baseAddress!) },
          count: Int64(counts[k]), dtype: Int32(SWIFTLR_FLOAT32.rawValue), fresh_buffer: 1, group: 0))
    }
    // The arrays are not resized or copied while the pointers are in use.
    let status = swiftlr_sgd_step(&tensors, Int64(tensors.count), &group, 1, &message)
    XCTAssertEqual(status, 0)
    for k in counts.indices {
      XCTAssertEqual(params[k], expected[k], "tensor \(k)")
      XCTAssertEqual(buffers[k], expectedBuffers[k], "buffer \(k)")
    }
  }

  func testBadGroupIndexIsRefusedBeforeAnyWrite() {
    var param: [Double] = [1, 2]
    let grad: [Double] = [1, 1]
    var group = swiftlr_sgd_group(lr: 0.1, momentum: 0, dampening: 0, weight_decay: 0, nesterov: 0, maximize: 0, fma: 0)
    var message = swiftlr_message()
    var tensors = [
      swiftlr_sgd_tensor(
        param: param.withUnsafeMutableBufferPointer { UnsafeMutableRawPointer($0.baseAddress!) },
        grad: grad.withUnsafeBufferPointer { UnsafeRawPointer($0.baseAddress!) },
        buffer: nil, count: 2, dtype: Int32(SWIFTLR_FLOAT64.rawValue), fresh_buffer: 0, group: 0),
      swiftlr_sgd_tensor(param: nil, grad: nil, buffer: nil, count: 0, dtype: 99, fresh_buffer: 0, group: 3),
    ]
    XCTAssertEqual(swiftlr_sgd_step(&tensors, 2, &group, 1, &message), SchedulerError.Exception.value.rawValue)
    XCTAssertEqual(param, [1, 2])
    let text = withUnsafeBytes(of: &message.text) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
    XCTAssert(text.contains("group index 3 out of range"), text)
  }
}
