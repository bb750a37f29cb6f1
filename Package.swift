// swift-tools-version:6.2
//
// swiftlr: PyTorch's learning-rate schedulers and SGD, with the math in Swift.
//
// `SwiftLR` is the Swift library (stdlib and Glibc only). The CPython extension
// (`_SwiftLRPython`, a C target, linked with `SwiftLR` into the `_swiftlr` dynamic
// library) needs Python's headers, so it exists only when the Python build asks
// for it by setting SWIFTLR_PYTHON_INCLUDE (see setup.py). `swift build` and
// `swift test` on their own never need Python, and a package that depends on
// swiftlr never sets that variable, so it never sees that target's flags.

import PackageDescription

let pythonInclude = Context.environment["SWIFTLR_PYTHON_INCLUDE"]

// MARK: - Kernels for wider instruction sets

// The SGD, axpy, Adam, powNearOne and cosines kernels compiled again for AVX2 and AVX-512 (the core is
// compiled for baseline x86-64, which has only SSE2); the core picks one at
// run time from what the CPU has (_SwiftLRShims/shims.c). x86-64 only.
//
// Swift has no per-function target attribute, so these targets need
// `-target-cpu` through unsafeFlags. SwiftPM 6.2 and later accept unsafe
// flags in a dependency used by version when its manifest declares tools
// version 6.2 or later (this one does), so they are part of the SwiftLR
// product: a package depending on swiftlr gets them with no setting of its own.
#if arch(x86_64)
  let kernelTargets = ["SwiftLRKernelsAVX2", "SwiftLRKernelsAVX512"]
  let kernelCPUs = ["SwiftLRKernelsAVX2": "haswell", "SwiftLRKernelsAVX512": "skylake-avx512"]
#else
  let kernelTargets: [String] = []
  let kernelCPUs: [String: String] = [:]
#endif

// MARK: - Swift library

var products: [Product] = [
  .library(name: "SwiftLR", targets: ["SwiftLR"] + kernelTargets),
  .executable(name: "swiftlr-benchmarks", targets: ["SwiftLRBenchmarks"]),
]

var targets: [Target] =
  [
    // The C ABI's types (swiftlr_abi.h), shared by the Swift core and the shim.
    .target(name: "_SwiftLRShims"),
    // No compiler flags here (they would apply to all of the core). The
    // per-step path mutates schedulers held in class boxes, where dynamic
    // exclusivity checks would cost more than the rule itself; those stored
    // properties are marked `@exclusivity(unchecked)` instead.
    .target(
      name: "SwiftLR",
      dependencies: ["_SwiftLRShims"]
    ),
    .testTarget(
      name: "SwiftLRTests",
      dependencies: ["SwiftLR", "_SwiftLRShims"] + kernelTargets.map { .target(name: $0) }
    ),
    // `swift run -c release swiftlr-benchmarks`: the kernels timed from Swift.
    .executableTarget(
      name: "SwiftLRBenchmarks",
      dependencies: ["SwiftLR"] + kernelTargets.map { .target(name: $0) }
    ),
  ]
  + kernelTargets.map { name in
    .target(
      name: name,
      dependencies: ["SwiftLR", "_SwiftLRShims"],
      swiftSettings: [.unsafeFlags(["-target-cpu", kernelCPUs[name]!])]
    )
  }

// MARK: - CPython extension (built by setup.py only)

/// CI builds the shim with its warnings as errors (SWIFTLR_C_WERROR=1, set by
/// .ci/run); a user's build with a newer compiler only warns.
let cWarningsAreErrors = Context.environment["SWIFTLR_C_WERROR"] == "1" ? ["-Werror"] : []

if let pythonInclude {
  products.append(
    .library(name: "_swiftlr", type: .dynamic, targets: ["_SwiftLRPython", "SwiftLR"])
  )
  targets.append(
    .target(
      name: "_SwiftLRPython",
      dependencies: ["SwiftLR", "_SwiftLRShims"] + kernelTargets.map { .target(name: $0) },
      cSettings: [
        .unsafeFlags(["-I", pythonInclude, "-fvisibility=hidden", "-Wall", "-Wextra"] + cWarningsAreErrors),
        // CPython's inline accessors (PyList_GET_ITEM, PyFloat_AS_DOUBLE, ...)
        // assert their argument's type unless NDEBUG is set, which SwiftPM
        // does not set for C: in a release build, a check on every access
        // of the per-step path (the shim checks types itself).
        .define("NDEBUG", .when(configuration: .release)),
      ]
    )
  )
}

let package = Package(
  name: "swiftlr",
  products: products,
  targets: targets,
  // The sources are Swift 5 code; tools version 6.2 is for the unsafe flags above.
  swiftLanguageModes: [.v5]
)
