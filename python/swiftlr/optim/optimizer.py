"""`Optimizer`: the param-group bookkeeping of ``torch.optim.Optimizer``.

Subclasses supply ``defaults`` and ``step()``; groups, state and checkpoints
work as in PyTorch, with the same ``state_dict`` layout, so that checkpoints
move between swiftlr and PyTorch.
"""

from __future__ import annotations

import copy
import warnings
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

import numpy as np

from swiftlr._parameter import Parameter

__all__ = ["Optimizer", "required"]


class _RequiredParameter:
    """Singleton for a hyperparameter that has no default (PyTorch's ``required``)."""

    def __repr__(self) -> str:
        return "<required parameter>"


required: Any = _RequiredParameter()


def _to_numpy(value: Any) -> Any:
    """A saved buffer as numpy: torch tensors (from a PyTorch checkpoint) included."""
    if hasattr(value, "detach") and hasattr(value, "cpu"):
        return value.detach().cpu().numpy()
    return value


class Optimizer:
    """Base class of swiftlr's optimizers (PyTorch's ``Optimizer`` API).

    Args:
        params (iterable): an iterable of :class:`swiftlr.Parameter`, of
            ``(name, parameter)`` pairs (as ``named_parameters()`` gives; the
            names are kept in each group's ``param_names``) or of dicts that
            define parameter groups.
        defaults (dict): default values of the optimization options, used for
            groups that do not set them.
    """

    def __init__(self, params: Iterable[Any], defaults: dict[str, Any]) -> None:
        self.defaults = defaults
        if isinstance(params, Parameter) or isinstance(params, np.ndarray):
            raise TypeError(
                "params argument given to the optimizer should be an iterable of Tensors or dicts, "
                f"but got {type(params).__name__}"
            )
        if isinstance(params, set):
            warnings.warn(
                "optimizer parameters need to be organized in ordered collections, but "
                "the ordering of tensors in sets will change between runs. Please use a "
                "list instead. This will be an error in a future release.",
                FutureWarning,
                stacklevel=2,
            )
        self.state: defaultdict[Parameter, dict[str, Any]] = defaultdict(dict)
        self.param_groups: list[dict[str, Any]] = []
        param_groups = list(params)
        if len(param_groups) == 0:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(param_groups[0], dict):
            param_groups = [{"params": param_groups}]
        for group in param_groups:
            self.add_param_group(group)

    def __repr__(self) -> str:
        lines = [self.__class__.__name__ + " ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines.extend(f"    {key}: {group[key]}" for key in sorted(group) if key != "params")
        lines.append(")")
        return "\n".join(lines)

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Adds a param group to ``param_groups``, filling in the defaults.

        Args:
            param_group (dict): the group's ``params`` and the options that
                differ from the optimizer's defaults.
        """
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group).__name__}")
        group = dict(param_group)
        params = group["params"]
        if isinstance(params, Parameter):
            group["params"] = [params]
        elif isinstance(params, set):
            raise TypeError(
                "optimizer parameters need to be organized in ordered collections, but "
                "the ordering of tensors in sets will change between runs. Please use a list instead."
            )
        else:
            group["params"] = list(params)
        _split_names(group)
        for param in group["params"]:
            if not isinstance(param, Parameter):
                raise TypeError(
                    "optimizer can only optimize swiftlr.Parameter objects, but one of the params is "
                    f"{type(param).__name__} (wrap an array as swiftlr.Parameter(array))"
                )
        for name, default in self.defaults.items():
            if default is required and name not in group:
                raise ValueError(f"parameter group didn't specify a value of required optimization parameter {name}")
            group.setdefault(name, default)
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        if len({id(p) for p in group["params"]}) != len(group["params"]):
            raise ValueError("optimizer contains a parameter group with duplicate parameters")
        if any(id(p) in seen for p in group["params"]):
            raise ValueError("some parameters appear in more than one parameter group")
        for other in self.param_groups:
            if ("param_names" in group) != ("param_names" in other):
                named = "with names" if "param_names" in group else "without names"
                raise ValueError(
                    f"all optimizer param groups should be with/without names. cannot add param group {named} "
                    "to the optimizer"
                )
        self._check_group(group)
        self.param_groups.append(group)

    def _check_group(self, group: dict[str, Any]) -> None:
        """Validates one group's options; subclasses raise PyTorch's errors."""

    # MARK: copies

    def __getstate__(self) -> dict[str, Any]:
        # PyTorch's rule: a copy or a pickle holds the options, the state and
        # the groups only. What a scheduler attached (its wrapper of `step`,
        # which refers to this object, and `_opt_called`) stays behind, so a
        # copy steps itself and the optimizer pickles.
        return {"defaults": self.defaults, "state": self.state, "param_groups": self.param_groups}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Resets the gradients of all parameters.

        Args:
            set_to_none (bool): set each ``grad`` to None instead of zeroing it
                in place. Default: True.
        """
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is not None:
                    if set_to_none:
                        p.grad = None
                    else:
                        p.grad[...] = 0

    def step(self, closure: Any = None) -> Any:
        """Performs a single optimization step (implemented by subclasses).

        Args:
            closure (Callable, optional): A closure that reevaluates the model
                and returns the loss. Default: None.
        """
        raise NotImplementedError

    # MARK: checkpoints

    def state_dict(self) -> dict[str, Any]:
        """The optimizer's state, in PyTorch's layout.

        ``state`` maps each parameter's index (counted across groups in
        order) to its state; each entry of ``param_groups`` holds the group's
        options and the indices of its parameters under ``params``.
        """
        index: dict[int, int] = {}
        groups = []
        for group in self.param_groups:
            ids = []
            for p in group["params"]:
                index.setdefault(id(p), len(index))
                ids.append(index[id(p)])
            packed = {k: v for k, v in group.items() if k != "params"}
            packed["params"] = ids
            groups.append(packed)
        state = {index[id(p)]: value for p, value in self.state.items() if id(p) in index}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Loads a state saved by :meth:`state_dict` (of swiftlr or PyTorch).

        Buffers are copied and cast to each parameter's dtype. All checks run
        before anything changes.
        """
        if not isinstance(state_dict, dict) or "param_groups" not in state_dict or "state" not in state_dict:
            raise ValueError("state_dict must be a dict with 'state' and 'param_groups'")
        saved_groups = state_dict["param_groups"]
        if not isinstance(saved_groups, (list, tuple)):
            raise TypeError(f"state_dict['param_groups'] must be a list, got {type(saved_groups).__name__}")
        for i, saved in enumerate(saved_groups):
            if not isinstance(saved, dict) or not isinstance(saved.get("params"), (list, tuple)):
                raise TypeError(f"state_dict['param_groups'][{i}] must be a dict with a list under 'params'")
            for name, default in self.defaults.items():
                if default is required and name not in saved:
                    raise KeyError(f"state_dict['param_groups'][{i}] has no '{name}'")
        if not isinstance(state_dict["state"], dict) or not all(
            isinstance(v, dict) for v in state_dict["state"].values()
        ):
            raise TypeError("state_dict['state'] must be a dict of dicts (parameter index -> its state)")
        if len(saved_groups) != len(self.param_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        if any(len(g["params"]) != len(s["params"]) for g, s in zip(self.param_groups, saved_groups)):
            raise ValueError(
                "loaded state dict contains a parameter group that doesn't match the size of optimizer's group"
            )
        id_map = {
            saved: p for g, s in zip(self.param_groups, saved_groups) for saved, p in zip(s["params"], g["params"])
        }
        new_state: defaultdict[Parameter, dict[str, Any]] = defaultdict(dict)
        for key, value in state_dict["state"].items():
            if key not in id_map:
                continue
            param = id_map[key]
            entry = {}
            for name, item in value.items():
                item = _to_numpy(item)
                if isinstance(item, np.ndarray):
                    if item.shape != param.data.shape:
                        raise ValueError(
                            f"loaded state for parameter {key} has {name} of shape {item.shape}, "
                            f"the parameter has shape {param.data.shape}"
                        )
                    item = np.array(item, dtype=param.data.dtype, order="K")
                else:
                    item = copy.deepcopy(item)
                entry[name] = item
            new_state[param] = entry
        new_groups = []
        for group, saved in zip(self.param_groups, saved_groups):
            merged = {k: copy.deepcopy(_to_numpy_scalar(v)) for k, v in saved.items() if k != "params"}
            merged["params"] = group["params"]
            if "param_names" in group and "param_names" not in saved:
                merged["param_names"] = group["param_names"]  # PyTorch keeps the names it has
            # Options an older checkpoint lacks take the defaults (PyTorch's __setstate__).
            for name, default in self.defaults.items():
                merged.setdefault(name, default)
            new_groups.append(merged)
        for group in new_groups:
            self._check_group(group)
        self.state = new_state
        self.param_groups = new_groups


def _split_names(group: dict[str, Any]) -> None:
    """``named_parameters()``-style ``(name, parameter)`` pairs: the
    parameters stay under ``params``, their names go to ``param_names``
    (PyTorch 2.15's layout, saved in ``state_dict``)."""
    pairs = [p for p in group["params"] if isinstance(p, tuple)]
    if not pairs:
        return
    if len(pairs) != len(group["params"]):
        raise ValueError("all optimizer params should be with/without names. Some param names are missing")
    group["param_names"] = [name for name, _ in pairs]
    group["params"] = [param for _, param in pairs]


def _to_numpy_scalar(value: Any) -> Any:
    """A tensor hyperparameter (PyTorch allows a tensor lr) as a float."""
    if hasattr(value, "item") and hasattr(value, "detach"):
        return float(value.item())
    return value
