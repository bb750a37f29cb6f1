"""Which of torch's CPU capabilities an optimizer's arithmetic follows: one
property, shared by `SGD` and `Adam`/`AdamW`."""

from __future__ import annotations

from swiftlr import _swiftlr

# torch's CPU capabilities on x86-64, in the order of the core's codes; all
# but the first fuse multiply-adds.
CAPABILITIES = ("default", "avx2", "avx512")


class FollowsTorchCapability:
    """A ``torch_capability`` property: the capability whose rounding the
    steps follow, and its forms for the native step (``_fma``, ``_capability_code``)."""

    # What torch would pick here, read once per process; an instance's own
    # choice shadows them (and an optimizer pickled before they existed takes them).
    _capability: str = _swiftlr.torch_capability()
    _capability_code: int = CAPABILITIES.index(_capability)
    _fma: bool = _capability != "default"

    @property
    def torch_capability(self) -> str:
        """The CPU capability of torch's whose arithmetic the steps follow:
        ``'default'`` (each ``x + a*y`` rounded twice), ``'avx2'`` or
        ``'avx512'`` (once, fused; with their own vector widths). May be set
        between steps."""
        return self._capability

    @torch_capability.setter
    def torch_capability(self, value: str | None) -> None:
        if value is None:
            value = _swiftlr.torch_capability()
        if value not in CAPABILITIES:
            raise ValueError(
                f"torch_capability must be one of {', '.join(map(repr, CAPABILITIES))} or None, got {value!r}"
            )
        self._capability = value
        self._capability_code = CAPABILITIES.index(value)
        self._fma = value != "default"
