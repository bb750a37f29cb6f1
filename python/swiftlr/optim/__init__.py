"""``swiftlr.optim``: a drop-in for ``torch.optim`` in training scripts.

from swiftlr import optim          # instead of: import torch.optim as optim
optimizer = optim.SGD(params, lr=0.1)
scheduler = optim.lr_scheduler.StepLR(optimizer, step_size=10, gamma=0.9)
"""

from swiftlr.optim import lr_scheduler, swa_utils
from swiftlr.optim.adam import Adam, AdamW
from swiftlr.optim.optimizer import Optimizer
from swiftlr.optim.sgd import SGD

__all__ = ["Adam", "AdamW", "Optimizer", "SGD", "lr_scheduler", "swa_utils"]
