"""The two executors of a lowered model: exact integer numpy (calibration, accuracy, output
prediction) and the circuit (proofs). Both implement the same fixed-point semantics, op by op,
so the numpy run predicts the circuit's outputs bit for bit (a test checks it).

Tensors are integers at some power-of-two scale; the lowering (lower.py) tracks scales and
calls these ops. Ops that need a signed bit width take a ``key`` (unique per call site): the
numpy backend records the largest magnitude it sees there, and quantize.py turns that into the
width the circuit backend then uses.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from ..circuit import Circuit, Tensor
from ..circuit.compare import argmax as c_argmax
from ..circuit.compare import clamp as c_clamp
from ..circuit.compare import relu as c_relu
from ..circuit.fixedpoint import div_floor as c_div_floor
from ..circuit.fixedpoint import rescale as c_rescale
from ..circuit.fixedpoint import sigmoid_values
from ..circuit.fixedpoint import sigmoid as c_sigmoid
from ..circuit.linalg import avg_pool2d, conv2d, global_avg_pool, matmul, max_pool2d
from ..errors import WitnessError

Array = Any  # numpy array (numpy backend) or Tensor (circuit backend)


class Backend(Protocol):
    def const(self, values: np.ndarray) -> Array: ...
    def matmul(self, x: Array, w: Array) -> Array: ...
    def conv(self, x: Array, w: Array, stride: int, pad: int) -> Array: ...
    def add(self, a: Array, b: Array) -> Array: ...
    def scale(self, x: Array, k: int | np.ndarray) -> Array: ...
    def relu(self, x: Array, key: str) -> Array: ...
    def rescale(self, x: Array, s: int, key: str) -> Array: ...
    def div_floor(self, x: Array, d: int, key: str) -> Array: ...
    def sigmoid(self, x: Array, f: int, key: str) -> Array: ...
    def clamp(self, x: Array, lo: int, hi: int, key: str) -> Array: ...
    def max_pool(self, x: Array, k: int, stride: int, key: str) -> Array: ...
    def avg_pool(self, x: Array, k: int, stride: int, key: str) -> Array: ...
    def global_avg_pool(self, x: Array, key: str) -> Array: ...
    def argmax(self, x: Array, key: str) -> Array: ...
    def reshape(self, x: Array, shape: Sequence[int]) -> Array: ...
    def transpose(self, x: Array, axes: Sequence[int]) -> Array: ...
    def concat(self, xs: Sequence[Array], axis: int) -> Array: ...
    def take(self, x: Array, index: np.ndarray) -> Array: ...
    def shape(self, x: Array) -> tuple[int, ...]: ...


LIMIT = 2**62  # int64 headroom guard of the numpy backend


@dataclass
class NumpyBackend:
    """Exact integer semantics on a batch (leading axis) of samples, in int64 with overflow checks."""

    batch: int
    magnitudes: dict[str, int] = field(default_factory=dict)

    def _see(self, key: str, x: np.ndarray) -> None:
        m = int(np.abs(x).max()) if x.size else 0
        self.magnitudes[key] = max(self.magnitudes.get(key, 0), m)

    @staticmethod
    def _checked(x: np.ndarray) -> np.ndarray:
        if x.size and int(np.abs(x).max()) >= LIMIT:
            raise WitnessError("fixed-point values exceed 2^62: lower --scale")
        return x

    def const(self, values: np.ndarray) -> np.ndarray:
        return np.broadcast_to(np.asarray(values, dtype=np.int64), (self.batch,) + np.shape(values)).copy()

    def shape(self, x: np.ndarray) -> tuple[int, ...]:
        return tuple(x.shape[1:])

    def matmul(self, x: np.ndarray, w: np.ndarray) -> np.ndarray:
        return self._checked(x @ w)

    def conv(self, x: np.ndarray, w: np.ndarray, stride: int, pad: int) -> np.ndarray:
        b, ch, h, wd = x.shape
        o, _, kh, kw = w.shape
        xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
        ho, wo = (h + 2 * pad - kh) // stride + 1, (wd + 2 * pad - kw) // stride + 1
        out = np.zeros((b, o, ho, wo), dtype=np.int64)
        for i in range(kh):
            for j in range(kw):
                patch = xp[:, :, i : i + stride * ho : stride, j : j + stride * wo : stride]  # (b, ch, ho, wo)
                out += np.einsum("bchw,oc->bohw", patch, w[:, :, i, j])
        return self._checked(out)

    def add(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return self._checked(a + b)

    def scale(self, x: np.ndarray, k: int | np.ndarray) -> np.ndarray:
        return self._checked(x * np.asarray(k, dtype=np.int64))

    def relu(self, x: np.ndarray, key: str) -> np.ndarray:
        self._see(key, x)
        return np.maximum(x, 0)

    def rescale(self, x: np.ndarray, s: int, key: str) -> np.ndarray:
        self._see(key, x)
        return x >> s

    def div_floor(self, x: np.ndarray, d: int, key: str) -> np.ndarray:
        self._see(key, x)
        return x // d

    def sigmoid(self, x: np.ndarray, f: int, key: str) -> np.ndarray:
        self._see(key, x)
        return sigmoid_values(x, f)

    def clamp(self, x: np.ndarray, lo: int, hi: int, key: str) -> np.ndarray:
        self._see(key, x)
        return np.clip(x, lo, hi)

    def _windows(self, x: np.ndarray, k: int, stride: int) -> np.ndarray:
        b, ch, h, w = x.shape
        ho, wo = (h - k) // stride + 1, (w - k) // stride + 1
        return np.stack([x[:, :, i : i + stride * ho : stride, j : j + stride * wo : stride]
                         for i in range(k) for j in range(k)], axis=-1)

    def max_pool(self, x: np.ndarray, k: int, stride: int, key: str) -> np.ndarray:
        self._see(key, x)
        return self._windows(x, k, stride).max(axis=-1)

    def avg_pool(self, x: np.ndarray, k: int, stride: int, key: str) -> np.ndarray:
        s = self._windows(x, k, stride).sum(axis=-1)
        self._see(key, s)
        return s // (k * k)

    def global_avg_pool(self, x: np.ndarray, key: str) -> np.ndarray:
        b, ch, h, w = x.shape
        s = x.reshape(b, ch, h * w).sum(axis=-1)
        self._see(key, s)
        return s // (h * w)

    def argmax(self, x: np.ndarray, key: str) -> np.ndarray:
        self._see(key, x)
        return np.argmax(x, axis=-1)

    def reshape(self, x: np.ndarray, shape: Sequence[int]) -> np.ndarray:
        return x.reshape((x.shape[0],) + tuple(shape))

    def transpose(self, x: np.ndarray, axes: Sequence[int]) -> np.ndarray:
        return x.transpose((0,) + tuple(a + 1 for a in axes))

    def concat(self, xs: Sequence[np.ndarray], axis: int) -> np.ndarray:
        return np.concatenate(list(xs), axis=axis + 1)

    def take(self, x: np.ndarray, index: np.ndarray) -> np.ndarray:
        return x.reshape(x.shape[0], -1)[:, np.asarray(index).ravel()].reshape((x.shape[0],) + np.shape(index))


@dataclass
class CircuitBackend:
    """The same ops as gadgets on one sample; widths come from the quantization plan."""

    circuit: Circuit
    widths: dict[str, int]

    def _n(self, key: str) -> int:
        if key not in self.widths:
            raise KeyError(f"no calibrated width for {key}")
        return self.widths[key]

    def const(self, values: np.ndarray) -> Tensor:
        return self.circuit.constant(np.asarray(values, dtype=np.int64))

    def shape(self, x: Tensor) -> tuple[int, ...]:
        return x.shape

    def matmul(self, x: Tensor, w: Tensor | np.ndarray) -> Tensor:
        if x.ndim == 1:
            return self.matmul(x.reshape(1, x.shape[0]), w).reshape(w.shape[1])
        return matmul(self.circuit, x, w)

    def conv(self, x: Tensor, w: Tensor | np.ndarray, stride: int, pad: int) -> Tensor:
        return conv2d(self.circuit, x, w, None, stride=stride, padding=pad)

    def add(self, a: Tensor, b: Tensor) -> Tensor:
        return self.circuit.lift(a) + b

    def scale(self, x: Tensor, k: int | np.ndarray) -> Tensor:
        return x.scale(k)

    def relu(self, x: Tensor, key: str) -> Tensor:
        return c_relu(self.circuit, x, self._n(key))

    def rescale(self, x: Tensor, s: int, key: str) -> Tensor:
        return c_rescale(self.circuit, x, s, max(self._n(key), s + 2))

    def div_floor(self, x: Tensor, d: int, key: str) -> Tensor:
        return c_div_floor(self.circuit, x, d, max(self._n(key), 2))

    def sigmoid(self, x: Tensor, f: int, key: str) -> Tensor:
        return c_sigmoid(self.circuit, x, f, max(self._n(key), f + 4))

    def clamp(self, x: Tensor, lo: int, hi: int, key: str) -> Tensor:
        n = max(self._n(key), abs(lo).bit_length() + 1, abs(hi).bit_length() + 1)
        return c_clamp(self.circuit, x, lo, hi, n)

    def max_pool(self, x: Tensor, k: int, stride: int, key: str) -> Tensor:
        return max_pool2d(self.circuit, x, k, self._n(key), stride)

    def avg_pool(self, x: Tensor, k: int, stride: int, key: str) -> Tensor:
        return avg_pool2d(self.circuit, x, k, self._n(key), stride)

    def global_avg_pool(self, x: Tensor, key: str) -> Tensor:
        return global_avg_pool(self.circuit, x, self._n(key))

    def argmax(self, x: Tensor, key: str) -> Tensor:
        return c_argmax(self.circuit, x, self._n(key))

    def reshape(self, x: Tensor, shape: Sequence[int]) -> Tensor:
        return x.reshape(tuple(shape))

    def transpose(self, x: Tensor, axes: Sequence[int]) -> Tensor:
        return x.transpose(*axes)

    def concat(self, xs: Sequence[Tensor], axis: int) -> Tensor:
        return self.circuit.concatenate(list(xs), axis=axis)

    def take(self, x: Tensor, index: np.ndarray) -> Tensor:
        return x.flatten().take(np.asarray(index).ravel(), np.shape(index))
