"""`swiftlr.nn.utils`: ``torch.nn.utils``'s gradient clipping over swiftlr
parameters, bit for bit as torch's CPU path."""

from swiftlr.nn.utils.clip_grad import clip_grad_norm_, clip_grad_value_

__all__ = ["clip_grad_norm_", "clip_grad_value_"]
