// Header-only: see include/swiftlr_abi.h.
