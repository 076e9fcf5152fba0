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
from ..circuit.compare import maximum as c_maximum
from ..circuit.compare import minimum as c_minimum
from ..circuit.compare import relu as c_relu
from ..circuit.fixedpoint import div_floor as c_div_floor
from ..circuit.fixedpoint import rescale as c_rescale
from ..circuit.fixedpoint import sigmoid as c_sigmoid
from ..circuit.fixedpoint import sigmoid_values
from ..circuit.linalg import avg_pool2d, conv2d, global_avg_pool, matmul, max_pool2d
from ..circuit.softmax import softmax as c_softmax
from ..circuit.softmax import softmax_values
from ..circuit.trees import tree_ensemble as c_tree_ensemble
from ..errors import ZkmlChainError
from .trees import Binned, scores

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
    def softmax(self, x: Array, f: int, key: str) -> Array: ...
    def clamp(self, x: Array, lo: int | None, hi: int | None, key: str) -> Array: ...
    def max_pool(self, x: Array, k: int, stride: int, key: str) -> Array: ...
    def avg_pool(self, x: Array, k: int, stride: int, key: str) -> Array: ...
    def global_avg_pool(self, x: Array, key: str) -> Array: ...
    def argmax(self, x: Array, key: str) -> Array: ...
    def reshape(self, x: Array, shape: Sequence[int]) -> Array: ...
    def transpose(self, x: Array, axes: Sequence[int]) -> Array: ...
    def concat(self, xs: Sequence[Array], axis: int) -> Array: ...
    def take(self, x: Array, index: np.ndarray) -> Array: ...
    def tree_ensemble(self, x: Array, model: Binned, cuts: Sequence[Array], weights: Array, key: str) -> Array: ...
    def shape(self, x: Array) -> tuple[int, ...]: ...


INT64_MAX = 2**63 - 1


def maxabs(x: np.ndarray) -> int:
    """max |x| as a Python int (0 for an empty array); exact for int64 and object arrays."""
    a = np.asarray(x)
    return max(abs(int(a.max())), abs(int(a.min()))) if a.size else 0


def _column_l1(w: np.ndarray) -> int:
    """The largest Σ_i |w[i, j]| over the columns of a constant matrix (a vector: Σ |w_i|)."""
    a = np.abs(np.asarray(w).astype(object))
    return int(a.sum(axis=0).max()) if a.ndim == 2 and a.size else int(a.sum())


def _exact(*arrays: np.ndarray, bound: int) -> list[np.ndarray]:
    """The operands in int64 when ``bound`` (a bound on every result and partial sum the op forms)
    fits in int64, else as object arrays of Python ints: the product is exact either way,
    never wrapped and checked afterwards."""
    if bound <= INT64_MAX and all(np.asarray(a).dtype == np.int64 for a in arrays):
        return [np.asarray(a) for a in arrays]
    return [np.asarray(a).astype(object) for a in arrays]


def pad_spatial(x: np.ndarray, pad: int) -> np.ndarray:
    """Zero-pad the last two axes by ``pad``. For object arrays the zeros are Python ints: np.pad
    would insert numpy int64 zeros, and np.int64(0) * 2**70 is a float."""
    if not pad:
        return x
    out = np.zeros(x.shape[:-2] + (x.shape[-2] + 2 * pad, x.shape[-1] + 2 * pad), dtype=x.dtype)  # int zeros
    out[..., pad : pad + x.shape[-2], pad : pad + x.shape[-1]] = x
    return out


def _narrow(x: np.ndarray) -> np.ndarray:
    """Back to int64 when an object array's values fit (keeps the common case fast)."""
    if x.dtype == object and maxabs(x) <= INT64_MAX:
        return x.astype(np.int64)
    return x


@dataclass
class NumpyBackend:
    """Exact integer semantics on a batch (leading axis) of samples: int64 where a bound computed
    before each product shows it cannot overflow, Python integers (object arrays) otherwise."""

    batch: int
    magnitudes: dict[str, int] = field(default_factory=dict)

    def _see(self, key: str, x: np.ndarray) -> None:
        self.magnitudes[key] = max(self.magnitudes.get(key, 0), maxabs(x))

    def const(self, values: np.ndarray) -> np.ndarray:
        v = np.asarray(values)
        return np.broadcast_to(v if v.dtype == object else v.astype(np.int64), (self.batch,) + v.shape).copy()

    def shape(self, x: np.ndarray) -> tuple[int, ...]:
        return tuple(x.shape[1:])

    def matmul(self, x: np.ndarray, w: np.ndarray) -> np.ndarray:
        a, b = _exact(x, w, bound=maxabs(x) * _column_l1(w))
        return _narrow(a @ b)

    def conv(self, x: np.ndarray, w: np.ndarray, stride: int, pad: int) -> np.ndarray:
        b, ch, h, wd = x.shape
        o, _, kh, kw = w.shape
        per_out = _column_l1(w.reshape(o, -1).T)
        x, w = _exact(x, w, bound=maxabs(x) * per_out)
        xp = pad_spatial(x, pad)
        ho, wo = (h + 2 * pad - kh) // stride + 1, (wd + 2 * pad - kw) // stride + 1
        out = np.zeros((b, o, ho, wo), dtype=x.dtype)
        for i in range(kh):
            for j in range(kw):
                patch = xp[:, :, i : i + stride * ho : stride, j : j + stride * wo : stride]  # (b, ch, ho, wo)
                if x.dtype == object:  # exact: no tensordot, which may go through floats
                    for k in range(o):
                        out[:, k] = out[:, k] + (patch * w[k, :, i, j].reshape(1, -1, 1, 1)).sum(axis=1)
                else:
                    out += np.einsum("bchw,oc->bohw", patch, w[:, :, i, j])
        return _narrow(out)

    def add(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        a, b = _exact(a, b, bound=maxabs(a) + maxabs(b))
        return _narrow(a + b)

    def scale(self, x: np.ndarray, k: int | np.ndarray) -> np.ndarray:
        kk = np.asarray(k)  # a Python int beyond int64 becomes an object array
        a, b = _exact(x, kk if kk.dtype == object else kk.astype(np.int64), bound=maxabs(x) * maxabs(kk))
        return _narrow(a * b)

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

    def softmax(self, x: np.ndarray, f: int, key: str) -> np.ndarray:
        self._see(key, x)
        return _narrow(softmax_values(x, f))

    def clamp(self, x: np.ndarray, lo: int | None, hi: int | None, key: str) -> np.ndarray:
        self._see(key, x)
        if lo is not None:
            x = np.maximum(x, lo)
        return x if hi is None else np.minimum(x, hi)

    def _windows(self, x: np.ndarray, k: int, stride: int) -> np.ndarray:
        b, ch, h, w = x.shape
        ho, wo = (h - k) // stride + 1, (w - k) // stride + 1
        return np.stack([x[:, :, i : i + stride * ho : stride, j : j + stride * wo : stride]
                         for i in range(k) for j in range(k)], axis=-1)

    def max_pool(self, x: np.ndarray, k: int, stride: int, key: str) -> np.ndarray:
        self._see(key, x)
        return self._windows(x, k, stride).max(axis=-1)

    def avg_pool(self, x: np.ndarray, k: int, stride: int, key: str) -> np.ndarray:
        (x,) = _exact(x, bound=maxabs(x) * k * k)  # the window sums, before the division
        s = _narrow(self._windows(x, k, stride).sum(axis=-1))
        self._see(key, s)
        return s // (k * k)

    def global_avg_pool(self, x: np.ndarray, key: str) -> np.ndarray:
        b, ch, h, w = x.shape
        (x,) = _exact(x, bound=maxabs(x) * h * w)
        s = _narrow(x.reshape(b, ch, h * w).sum(axis=-1))
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

    def tree_ensemble(self, x: np.ndarray, model: Binned, cuts: Sequence[np.ndarray], weights: np.ndarray,
                      key: str) -> np.ndarray:
        self._see(key, x)  # the cuts are model.cuts (the same integers the parameters hold)
        out = scores(model, x.reshape(x.shape[0], -1), weights)
        return _narrow(out.reshape(x.shape[0], 1, model.n_targets))


@dataclass
class CircuitBackend:
    """The same ops as gadgets on one sample; widths come from the quantization plan."""

    circuit: Circuit
    widths: dict[str, int]

    def _n(self, key: str) -> int:
        if key not in self.widths:
            raise ZkmlChainError(f"the quantization plan has no calibrated width for {key} (circuit.json does not "
                                 "belong to this model: recompile it)")
        return self.widths[key]

    def const(self, values: np.ndarray) -> Tensor:
        return self.circuit.constant(np.asarray(values))

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

    def softmax(self, x: Tensor, f: int, key: str) -> Tensor:
        """Over the last axis, row by row."""
        rows, n = x.reshape(-1, x.shape[-1]), self._n(key)
        out = [c_softmax(self.circuit, rows[i], f, n) for i in range(rows.shape[0])]
        return self.circuit.concatenate(out).reshape(x.shape)

    def clamp(self, x: Tensor, lo: int | None, hi: int | None, key: str) -> Tensor:
        n = max(self._n(key), *(abs(v).bit_length() + 1 for v in (lo, hi) if v is not None))
        if lo is not None and hi is not None:
            return c_clamp(self.circuit, x, lo, hi, n)
        if lo is not None:
            return c_maximum(self.circuit, x, lo, n)
        return c_minimum(self.circuit, x, hi, n) if hi is not None else x

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

    def tree_ensemble(self, x: Tensor, model: Binned, cuts: Sequence[Tensor | np.ndarray], weights: Tensor | np.ndarray,
                      key: str) -> Tensor:
        return c_tree_ensemble(self.circuit, x, model, cuts, weights, self._n(key)).reshape(1, model.n_targets)
