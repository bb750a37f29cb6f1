"""`swiftlr.Parameter`: a numpy array that an optimizer updates in place."""

from __future__ import annotations

from typing import Any

import numpy as np

_FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


def _as_float_array(value: Any, what: str) -> np.ndarray:
    array = value if isinstance(value, np.ndarray) else np.asarray(value)
    if array.dtype not in _FLOAT_DTYPES:
        raise TypeError(f"{what} must be a float32 or float64 array, got dtype {array.dtype}")
    return array


class Parameter:
    """A trainable array, the counterpart of ``torch.nn.Parameter``.

    Args:
        data (numpy.ndarray): float32 or float64 values. An ndarray is kept as
            it is, not copied, so the optimizer updates the caller's array in
            place.

    Attributes:
        data (numpy.ndarray): the values.
        grad (numpy.ndarray or None): the gradient, an array of the same shape
            and dtype as ``data``, set by the user before ``optimizer.step()``.
            ``None`` (the default) makes the optimizer skip this parameter.
    """

    __slots__ = ("_data", "_grad", "__weakref__")

    def __init__(self, data: Any) -> None:
        self._data = _as_float_array(data, "Parameter data")
        self._grad: np.ndarray | None = None

    @property
    def data(self) -> np.ndarray:
        return self._data

    @data.setter
    def data(self, value: Any) -> None:
        self._data = _as_float_array(value, "Parameter data")

    @property
    def grad(self) -> np.ndarray | None:
        return self._grad

    @grad.setter
    def grad(self, value: Any) -> None:
        if value is None:
            self._grad = None
            return
        grad = _as_float_array(value, "grad")
        if grad.dtype != self._data.dtype:
            raise TypeError(
                f"assigned grad has data of a different type: {grad.dtype}, parameter is {self._data.dtype}"
            )
        if grad.shape != self._data.shape:
            raise ValueError(
                f"assigned grad has data of a different size: {grad.shape}, parameter is {self._data.shape}"
            )
        self._grad = grad

    @property
    def shape(self) -> tuple[int, ...]:
        return self._data.shape

    @property
    def dtype(self) -> np.dtype:
        return self._data.dtype

    def numel(self) -> int:
        return int(self._data.size)

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        return self._data if dtype is None else self._data.astype(dtype)

    def __repr__(self) -> str:
        return f"Parameter containing:\n{self._data!r}"
