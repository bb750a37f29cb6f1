"""The torch flavour of swiftlr's schedulers: the rule that makes a swiftlr
scheduler a torch scheduler to the ecosystem, without importing torch.

The rule (the one a user needs to know): **a scheduler built over a
``torch.optim.Optimizer`` is also an instance of PyTorch's scheduler class of
the same name** (``torch.optim.lr_scheduler.StepLR``, ...; PyTorch's
``LRScheduler`` for swiftlr's own warmup schedulers and for your subclasses),
so that Lightning, transformers and accelerate take their torch paths.
Over any other optimizer (swiftlr's SGD, numpy loops) nothing changes.

How: the base classes' ``__new__`` asks :func:`flavour` for the class to
build. Torch counts as in use when ``sys.modules`` already holds it (a torch
optimizer cannot exist otherwise), so ``import swiftlr`` never imports torch.
The flavour is a subclass ``(SwiftlrClass, TorchClass)``: in its method
resolution order every swiftlr class comes before every torch class, so
swiftlr's methods, state and C ``step()`` win and torch's classes only add
the ``isinstance`` answers (and private helpers swiftlr does not have).

A flavour class pickles by reference: its ``__qualname__`` names it through
this module's ``__getattr__``, which rebuilds it on the other side.

``torch.compile``: dynamo skips PyTorch's scheduler file (its wrapper of
``optimizer.step`` would recurse if traced), so a flavour's files join that
list: compiled ``optimizer.step()`` and ``opt.step(); sched.step()`` run as
with PyTorch's schedulers, with the same graph breaks.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import threading
from typing import Any, TypeVar

__all__ = ["flavour", "is_torch_optimizer", "torch_safe_globals"]

#: Flavour classes already made, by the swiftlr class they flavour.
_FLAVOURS: dict[type, type] = {}
_LOCK = threading.Lock()

_PREFIX = "TorchFlavour"

_C = TypeVar("_C", bound=type)


def _torch_module() -> Any:
    """torch, if something imported it (never imports it)."""
    torch = sys.modules.get("torch")
    return torch if getattr(torch, "optim", None) is not None else None


def is_torch_optimizer(optimizer: Any) -> bool:
    """Whether ``optimizer`` is a ``torch.optim.Optimizer`` (False when torch is not loaded)."""
    torch = _torch_module()
    return torch is not None and isinstance(optimizer, torch.optim.Optimizer)


def _optimizer_of(args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """The optimizer a constructor call names: its first argument or
    ``optimizer=``; for ChainedScheduler (schedulers first) the first
    scheduler's optimizer."""
    optimizer = kwargs.get("optimizer", args[0] if args else None)
    if optimizer is None and "schedulers" in kwargs:
        optimizer = kwargs["schedulers"]
    if isinstance(optimizer, (list, tuple)):
        optimizer = getattr(optimizer[0], "optimizer", None) if optimizer else None
    return optimizer


def flavour(cls: _C, args: tuple[Any, ...], kwargs: dict[str, Any]) -> _C:
    """The class ``cls(*args, **kwargs)`` builds: its torch flavour when the
    optimizer is torch's, else ``cls`` itself."""
    if "_torch_flavour_of" in cls.__dict__ or not args and not kwargs:
        return cls  # already a flavour, or a copy / unpickling (the class is given)
    if not is_torch_optimizer(_optimizer_of(args, kwargs)):
        return cls
    return flavour_class(cls)


def _torch_base(cls: type) -> type:
    """PyTorch's class for ``cls``: the first class of its MRO that PyTorch
    has by name (``lr_scheduler`` or ``swa_utils``), else ``LRScheduler``."""
    torch = _torch_module()
    lr_scheduler = torch.optim.lr_scheduler
    swa_utils = importlib.import_module("torch.optim.swa_utils")
    for klass in cls.__mro__:
        if not klass.__module__.startswith("swiftlr."):
            continue  # a user's subclass: PyTorch has no class of that name
        for module in (lr_scheduler, swa_utils):
            found = getattr(module, klass.__name__, None)
            if isinstance(found, type) and issubclass(found, lr_scheduler.LRScheduler):
                return found
    base: type = lr_scheduler.LRScheduler
    return base


def _encode(cls: type) -> str:
    # No dots: pickle splits a qualname on them.
    return f"{_PREFIX}[{cls.__module__.replace('.', '/')}|{cls.__qualname__.replace('.', '/')}]"


def flavour_class(cls: _C) -> _C:
    """The torch flavour of the swiftlr scheduler class ``cls`` (made once:
    pickle checks that a class's name finds that very class)."""
    with _LOCK:
        made: Any = _FLAVOURS.get(cls)
        if made is None:
            namespace: dict[str, Any] = {
                "__module__": __name__,
                "__qualname__": _encode(cls),
                "__doc__": cls.__doc__,
                "_torch_flavour_of": cls,
            }
            if hasattr(cls, "_kind"):
                namespace["_kind"] = cls._kind  # else SwiftScheduler names the core after the class
            # A class may name more of PyTorch's classes it stands for (``_torch_also``): a
            # composite with a plateau stage is also a ReduceLROnPlateau to frameworks.
            lr_scheduler = _torch_module().optim.lr_scheduler
            also = tuple(getattr(lr_scheduler, name) for name in getattr(cls, "_torch_also", ()))
            made = type(cls.__name__, (cls, _torch_base(cls), *also), namespace)
            _FLAVOURS[cls] = made
            _skip_in_dynamo(made)
    return made  # type: ignore[no-any-return]


def __getattr__(name: str) -> type:
    """Resolves a flavour class's qualname (pickle's lookup) to the class."""
    if not (name.startswith(_PREFIX + "[") and name.endswith("]") and "|" in name):
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module_name, qualname = name[len(_PREFIX) + 1 : -1].split("|", 1)
    target: Any = importlib.import_module(module_name.replace("/", "."))
    for part in qualname.split("/"):
        target = getattr(target, part)
    if not isinstance(target, type):
        raise AttributeError(f"{name!r} does not name a class")
    if _torch_module() is None:
        importlib.import_module("torch")  # unpickling a torch-flavoured scheduler
    made: type = flavour_class(target)
    return made


#: swiftlr's scheduler files, for dynamo's force-skip list (see _skip_in_dynamo).
_SKIP_FILES: set[str] = set()

_TRACE_RULES = "torch._dynamo.trace_rules"


def _skip_in_dynamo(cls: type) -> None:
    """Puts the files of swiftlr's classes in ``cls``'s MRO (and this one)
    where PyTorch put ``torch/optim/lr_scheduler.py``: dynamo's force-skip
    list. dynamo then runs their frames as they are (a graph break where
    PyTorch's own scheduler has one) and still compiles the frames they call,
    as ``optimizer.step`` below the step-counting wrapper. dynamo is heavy
    and often not loaded yet: then the files join the list when it loads."""
    files = {__file__}
    for klass in cls.__mro__:
        path = getattr(sys.modules.get(klass.__module__), "__file__", None)
        if klass.__module__.startswith("swiftlr.") and isinstance(path, str):
            files.add(path)
    _SKIP_FILES.update(files)
    if _TRACE_RULES in sys.modules:
        _add_skip_files(sys.modules[_TRACE_RULES])
    elif not any(isinstance(finder, _DynamoLoadHook) for finder in sys.meta_path):
        sys.meta_path.insert(0, _DynamoLoadHook())


def _add_skip_files(trace_rules: Any) -> None:
    skipped = getattr(trace_rules, "FORCE_SKIP_FILES", None)
    if isinstance(skipped, set):  # else a dynamo we do not know: nothing to add to
        skipped.update(_SKIP_FILES)


class _DynamoLoadHook:
    """An import hook that adds swiftlr's files to dynamo's skip list as soon
    as dynamo's trace rules are loaded, then removes itself."""

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> Any:
        if name != _TRACE_RULES:
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(name)
        loader = getattr(spec, "loader", None)
        if loader is None or not hasattr(loader, "exec_module"):
            return spec
        run = loader.exec_module

        def exec_module(module: Any) -> None:
            run(module)
            _add_skip_files(module)

        loader.exec_module = exec_module
        return spec


def torch_safe_globals() -> list[Any]:
    """What ``torch.load(weights_only=True)`` must be allowed to build to load
    a swiftlr ``SGD.state_dict()`` saved with ``torch.save``: its momentum
    buffers are numpy arrays (float32 or float64), which PyTorch's safe
    unpickler refuses by default::

        with torch.serialization.safe_globals(swiftlr.torch_safe_globals()):
            state = torch.load(path, weights_only=True)

    Scheduler state dicts need nothing: they hold only numbers, strings and lists.
    """
    import numpy as np

    reconstruct = np.zeros(1).__reduce__()[0]  # what numpy's pickles call (numpy 1 and 2 name it differently)
    return [reconstruct, np.ndarray, np.dtype, type(np.dtype(np.float32)), type(np.dtype(np.float64))]
