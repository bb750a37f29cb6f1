// swift-tools-version:5.9
//
// swiftlr: PyTorch's learning-rate schedulers and SGD, with the math in Swift.
//
// `SwiftLR` is the Swift library (stdlib and Glibc only). The CPython extension
// (`_SwiftLRPython`, a C target, linked with `SwiftLR` into the `_swiftlr` dynamic
// library) needs Python's headers, so it exists only when the Python build asks
// for it by setting SWIFTLR_PYTHON_INCLUDE (see setup.py). `swift build` and
// `swift test` on their own never need Python.

import PackageDescription

let pythonInclude = Context.environment["SWIFTLR_PYTHON_INCLUDE"]

// MARK: - Swift library

var products: [Product] = [
  .library(name: "SwiftLR", targets: ["SwiftLR"]),
  .executable(name: "swiftlr-benchmarks", targets: ["SwiftLRBenchmarks"]),
]

var targets: [Target] = [
  // The C ABI's types (swiftlr_abi.h), shared by the Swift core and the shim.
  .target(name: "_SwiftLRShims"),
  .target(
    name: "SwiftLR",
    dependencies: ["_SwiftLRShims"],
    swiftSettings: [
      // The per-step path mutates schedulers held in class boxes; dynamic
      // exclusivity checks on those accesses cost more than the rule itself.
      // Static (compile-time) exclusivity checking stays on.
      .unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release)),
    ]
  ),
  .testTarget(
    name: "SwiftLRTests",
    dependencies: ["SwiftLR", "_SwiftLRShims"]
  ),
  // `swift run -c release swiftlr-benchmarks`: the kernels timed from Swift.
  .executableTarget(
    name: "SwiftLRBenchmarks",
    dependencies: ["SwiftLR"]
  ),
]

// MARK: - CPython extension (built by setup.py only)

if let pythonInclude {
  products.append(
    .library(name: "_swiftlr", type: .dynamic, targets: ["_SwiftLRPython", "SwiftLR"])
  )
  targets.append(
    .target(
      name: "_SwiftLRPython",
      dependencies: ["SwiftLR", "_SwiftLRShims"],
      cSettings: [
        .unsafeFlags(["-I", pythonInclude, "-fvisibility=hidden"]),
      ]
    )
  )
}

let package = Package(
  name: "swiftlr",
  products: products,
  targets: targets
)
