"""A static check that no value of a compiled model can wrap around the field.

The circuit computes over integers modulo r. Each gadget range-checks its input to its
calibrated width n, which proves what the model means only if the true integer behind that input
(a linear combination of bounded wires) is itself below about r/2: otherwise a value that wrapped
around r could land inside the range and pass. This module runs the lowering a third time, on
*bounds* instead of values: every element is the largest magnitude it can take for any witness
that satisfies the circuit's range checks (inputs within their calibrated widths, parameters
within their committed widths, each gadget's result within what its constraints allow), and
every gadget input and public output must stay below :data:`LIMIT`. A model for which that fails
is refused at compile time, naming the op.

Why 2^252 is enough: a gadget proves v mod r ∈ [−2^(n−1), 2^(n−1)) with n <= 252. If the
integer v has |v| < 2^252, then v and any w in that window differ by less than 2^252 + 2^251 < r,
so v ≡ w (mod r) forces v = w; and a public output below 2^252 < r/2 reads back exactly.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .backend import pad_spatial
from .graph import Graph, UnsupportedModelError
from .lower import Lowering, Q
from .trees import Binned

#: Every gadget input and public output must have |value| < LIMIT for all satisfying witnesses.
LIMIT = 2**252


def _abs(values: np.ndarray) -> np.ndarray:
    return np.abs(np.asarray(values).astype(object))


def _pow2(n: int) -> int:
    return 1 << n


@dataclass
class BoundsBackend:
    """The lowering's ops on magnitude bounds (object arrays of Python ints, no batch axis).

    ``widths`` are the plan's, and the effective width of each gadget is the one
    :class:`~zkml_chain.onnx.backend.CircuitBackend` uses (the same helper functions)."""

    widths: dict[str, int]

    def _n(self, key: str) -> int:
        return self.widths[key]

    def _check(self, x: np.ndarray, key: str, what: str) -> None:
        worst = int(np.max(x)) if np.size(x) else 0
        if worst >= LIMIT:
            raise UnsupportedModelError(
                f"{key}: {what} can reach 2^{worst.bit_length() - 1} for inputs within their calibrated "
                f"ranges, which could wrap the field (limit 2^252); lower --scale or use smaller weights")

    def const(self, values: np.ndarray) -> np.ndarray:
        return _abs(values)

    def shape(self, x: np.ndarray) -> tuple[int, ...]:
        return tuple(np.shape(x))

    def matmul(self, x: np.ndarray, w: np.ndarray) -> np.ndarray:
        return _abs(x) @ _abs(w)

    def conv(self, x: np.ndarray, w: np.ndarray, stride: int, pad: int) -> np.ndarray:
        ch, h, wd = x.shape
        o, _, kh, kw = np.shape(w)
        xp = pad_spatial(_abs(x), pad)
        ho, wo = (h + 2 * pad - kh) // stride + 1, (wd + 2 * pad - kw) // stride + 1
        out = np.zeros((o, ho, wo), dtype=object)
        ww = _abs(w)
        for i in range(kh):
            for j in range(kw):
                patch = xp[:, i : i + stride * ho : stride, j : j + stride * wo : stride]
                for k in range(o):  # object arrays: plain products and sums keep Python ints exact
                    out[k] = out[k] + (ww[k, :, i, j].reshape(-1, 1, 1) * patch).sum(axis=0)
        return out

    def add(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return _abs(a) + _abs(b)

    def scale(self, x: np.ndarray, k: int | np.ndarray) -> np.ndarray:
        return _abs(x) * _abs(np.asarray(k, dtype=object))

    def relu(self, x: np.ndarray, key: str) -> np.ndarray:
        self._check(x, key, "the input of Relu")
        return np.minimum(x, _pow2(self._n(key)))  # ge admits x in [−2^n, 2^n)

    def rescale(self, x: np.ndarray, s: int, key: str) -> np.ndarray:
        self._check(x, key, "the input of a rescale")
        n = max(self._n(key), s + 2)
        return np.minimum((x >> s) + 1, _pow2(n - s - 1))

    def div_floor(self, x: np.ndarray, d: int, key: str) -> np.ndarray:
        self._check(x, key, "the input of a division")
        n = max(self._n(key), 2)
        return np.minimum(x // d + 1, _pow2(n - 1))

    def sigmoid(self, x: np.ndarray, f: int, key: str) -> np.ndarray:
        self._check(x, key, "the input of Sigmoid")
        return np.full(np.shape(x), _pow2(f), dtype=object)

    def softmax(self, x: np.ndarray, f: int, key: str) -> np.ndarray:
        self._check(x, key, "the input of Softmax")
        return np.full(np.shape(x), _pow2(f), dtype=object)

    def clamp(self, x: np.ndarray, lo: int | None, hi: int | None, key: str) -> np.ndarray:
        self._check(x, key, "the input of Clip")
        n = max(self._n(key), *(abs(v).bit_length() + 1 for v in (lo, hi) if v is not None))
        if lo is not None and hi is not None:
            return np.full(np.shape(x), max(abs(lo), abs(hi)), dtype=object)
        edge = lo if lo is not None else hi  # Lowering calls clamp only with at least one bound
        return np.minimum(np.maximum(x, abs(edge or 0)), _pow2(n))

    def _windows(self, x: np.ndarray, k: int, stride: int) -> np.ndarray:
        ch, h, w = x.shape
        ho, wo = (h - k) // stride + 1, (w - k) // stride + 1
        return np.stack([x[:, i : i + stride * ho : stride, j : j + stride * wo : stride]
                         for i in range(k) for j in range(k)], axis=-1)

    def max_pool(self, x: np.ndarray, k: int, stride: int, key: str) -> np.ndarray:
        self._check(x, key, "the input of MaxPool")
        return np.minimum(self._windows(x, k, stride).max(axis=-1), _pow2(self._n(key)))

    def avg_pool(self, x: np.ndarray, k: int, stride: int, key: str) -> np.ndarray:
        s = self._windows(x, k, stride).sum(axis=-1)
        self._check(s, key, "the input of AveragePool")
        return s // (k * k) + 1

    def global_avg_pool(self, x: np.ndarray, key: str) -> np.ndarray:
        ch, h, w = x.shape
        s = x.reshape(ch, h * w).sum(axis=-1)
        self._check(s, key, "the input of GlobalAveragePool")
        return s // (h * w) + 1

    def argmax(self, x: np.ndarray, key: str) -> np.ndarray:
        self._check(x, key, "the input of ArgMax")
        return np.asarray(np.shape(x)[-1], dtype=object)

    def reshape(self, x: np.ndarray, shape: Sequence[int]) -> np.ndarray:
        return np.reshape(x, tuple(shape))

    def transpose(self, x: np.ndarray, axes: Sequence[int]) -> np.ndarray:
        return np.transpose(x, tuple(axes))

    def concat(self, xs: Sequence[np.ndarray], axis: int) -> np.ndarray:
        return np.concatenate(list(xs), axis=axis)

    def take(self, x: np.ndarray, index: np.ndarray) -> np.ndarray:
        return np.asarray(x).ravel()[np.asarray(index).ravel()].reshape(np.shape(index))

    def tree_ensemble(self, x: np.ndarray, model: Binned, cuts: Sequence[np.ndarray], weights: np.ndarray,
                      key: str) -> np.ndarray:
        self._check(x, key, "the input of a tree ensemble")
        tree_of = [t for t, tree in enumerate(model.trees) for node in tree if isinstance(node, int)]
        top = np.zeros((len(model.trees), model.n_targets), dtype=object)  # per tree, its largest |weight|
        for (leaf, target), w in zip(model.pattern, _abs(weights).ravel()):
            top[tree_of[leaf], target] = max(top[tree_of[leaf], target], int(w))
        return top.sum(axis=0).reshape(1, model.n_targets)


def check_no_wrap(graph: Graph, widths: dict[str, int], scale: int, inputs: dict[str, int],
                  params: dict[str, int] | None) -> dict[str, int]:
    """Bound every value of the model and refuse one that could wrap the field.

    ``inputs``: each model input's bound (|value| at scale ``scale`` as range-checked in the
    circuit); ``params``: each parameter tensor's bound (2^(w−1) for its committed width w), or
    None for fixed parameters (their exact values bound themselves). Returns each output's bound
    in bits (for circuit.json)."""

    def param(key: str, q: np.ndarray) -> np.ndarray:
        if params is None:
            return _abs(q)
        return np.full(np.shape(q), params[key], dtype=object)

    backend = BoundsBackend(widths)
    low = Lowering(graph, backend, scale, param)
    start = {name: Q(np.full(shape, inputs[name], dtype=object), scale) for name, shape in graph.inputs.items()}
    outputs = low.run(start)
    bits = {}
    for name, q in outputs.items():
        backend._check(q.data, f"output {name!r}", "the output")
        bits[name] = int(np.max(q.data)).bit_length() if np.size(q.data) else 0
    return bits
