import XCTest
import _SwiftLRShims

@testable import SwiftLR

#if canImport(Glibc)
  import Glibc
#endif

/// `TorchCapability`: torch's dispatch rule, read once per process.
final class TorchCapabilityTests: XCTestCase {
  func testCurrentIsTheCFunctionsAnswerAndStable() {
    let c = TorchCapability.current
    XCTAssertEqual(c.rawValue, swiftlr_torch_capability())
    XCTAssertEqual(TorchCapability.current, c)
  }

  func testEnvironmentVariableWinsWhenItNamesACapability() {
    // The process reads it once: whatever this process saw, the answer
    // agrees with the variable when it names a capability.
    if let text = getenv("ATEN_CPU_CAPABILITY"),
      let named = TorchCapability.allCases.first(where: {
        $0.name == String(cString: text)
      })
    {
      XCTAssertEqual(TorchCapability.current, named)
    }
  }

  func testOnlyTheDefaultKernelsRoundTwice() {
    XCTAssertEqual(TorchCapability.allCases.map(\.fusesMultiplyAdd), [false, true, true])
    XCTAssertEqual(TorchCapability.allCases.map(\.name), ["default", "avx2", "avx512"])
  }

  func testSGDOptionsFollowItByDefault() {
    XCTAssertEqual(SGDOptions().fusedMultiplyAdd, TorchCapability.current.fusesMultiplyAdd)
    XCTAssertFalse(SGDOptions(fusedMultiplyAdd: false).fusedMultiplyAdd)
  }
}
