"""`swiftlr.nn`: the parts of ``torch.nn`` a numpy training loop needs
(:mod:`swiftlr.nn.utils`: gradient clipping)."""

from swiftlr.nn import utils

__all__ = ["utils"]
