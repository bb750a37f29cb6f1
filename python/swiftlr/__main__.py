"""`python -m swiftlr`: the same as the `swiftlr` command."""

from swiftlr.cli import main

raise SystemExit(main())
