import XCTest

@testable import SwiftLR

#if canImport(Glibc)
  import Glibc
#endif

final class HugePagesTests: XCTestCase {
  /// The VmFlags of the mapping that holds `address`, from /proc/self/smaps
  /// (read line by line: a proc file reports no size to read up to).
  private func mappingFlags(_ address: UnsafeRawPointer) throws -> [Substring] {
    guard let file = fopen("/proc/self/smaps", "r") else { throw XCTSkip("no /proc/self/smaps") }
    defer { fclose(file) }
    let target = UInt(bitPattern: address)
    var inside = false
    var line: UnsafeMutablePointer<CChar>?
    var capacity = 0
    defer { free(line) }
    while getline(&line, &capacity, file) > 0, let text = line.map({ String(cString: $0) }) {
      let fields = text.split(whereSeparator: \.isWhitespace)
      if let range = fields.first, !range.hasSuffix(":"), range.contains("-") {
        let bounds = range.split(separator: "-").compactMap { UInt($0, radix: 16) }
        inside = bounds.count == 2 && bounds[0] <= target && target < bounds[1]
      } else if inside, fields.first == "VmFlags:" {
        return Array(fields.dropFirst())
      }
    }
    XCTFail("no mapping holds \(address)")
    return []
  }

  func testLargeArraysAreHintedAndHoldTheirValues() throws {
    let count = 3 << 20  // 12 MiB of Float: whole huge pages inside it
    let zeros: [Float] = hugePageZeros(count)
    XCTAssertEqual(zeros.count, count)
    XCTAssertTrue(zeros.allSatisfy { $0 == 0 })
    let values = (0..<count).map { Float($0 % 251) }
    let copy = hugePageCopy(values)
    XCTAssertEqual(copy, values)
    #if os(Linux)
      // Where the kernel has transparent huge pages, the middle of the
      // storage is a mapping marked for them ("hg").
      if FileManager.default.fileExists(atPath: "/sys/kernel/mm/transparent_hugepage/enabled") {
        for array in [zeros, copy] {
          let flags = try array.withUnsafeBufferPointer { try mappingFlags($0.baseAddress! + count / 2) }
          XCTAssertTrue(flags.contains("hg"), "\(flags)")
        }
      }
    #endif
  }

  func testSmallArraysAreLeftAsTheyAre() {
    let values: [Double] = [1, 2, 3]
    let copy = hugePageCopy(values)
    // The same storage: no copy made below one huge page.
    values.withUnsafeBufferPointer { a in
      copy.withUnsafeBufferPointer { b in XCTAssertEqual(a.baseAddress, b.baseAddress) }
    }
    XCTAssertEqual(hugePageZeros(0) as [Float], [])
  }

  func testParameterKeepsLargeArraysValues() {
    let count = 1 << 20
    let data = (0..<count).map { Double($0) / 7 }
    let grad = data.map { -$0 }
    let p = Parameter(data, grad: grad)
    XCTAssertEqual(p.data, data)
    XCTAssertEqual(p.grad, grad)
  }
}
