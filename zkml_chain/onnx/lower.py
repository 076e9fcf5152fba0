"""Lowering: ONNX ops -> fixed-point integer ops on a backend (numpy or circuit).

Every activation is an integer tensor ``q`` at a power-of-two scale s (real = q / 2^s). Weights
are quantized at scale f (``--scale``); a product of scale-f operands has scale 2f and is
rescaled (floor division by 2^f, a range-checked gadget) only when the next op needs scale f —
so a bias is added at 2f, and ReLU, pooling and comparisons work at whatever scale they get.
Shapes are ONNX's, batch dimension included (always 1 here).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import ZkmlChainError
from .backend import Array, Backend
from .graph import Graph, Node, UnsupportedModelError
from .trees import Ensemble, bin_ensemble, floats_attr, ints_attr, read_v3, read_v5


@dataclass(frozen=True)
class Q:
    """A quantized activation: backend data at scale ``scale`` (real = data / 2^scale)."""

    data: Array
    scale: int


Value = Any  # Q or np.ndarray (a float constant)


class QuantizationError(ZkmlChainError):
    """A value cannot be put in fixed point (not finite); the lowering adds the node's name."""

ParamFn = Callable[[str, np.ndarray], Array]  # (name, quantized ints) -> backend param


def quantize(x: np.ndarray, scale: int) -> np.ndarray:
    """round(x · 2^scale), exactly: int64 when every value fits, else Python ints (an object
    array; a float64 above 2^53 is an integer, so int() of it is exact). Non-finite values are an
    error (:class:`QuantizationError`), never a cast that wraps."""
    v = np.round(np.asarray(x, dtype=np.float64) * 2.0**scale)
    if not np.all(np.isfinite(v)):
        raise QuantizationError(f"a value is not finite at scale {scale} (NaN, infinity, or beyond float64 "
                                f"once multiplied by 2^{scale})")
    if v.size == 0 or float(np.abs(v).max()) < 2.0**62:
        return v.astype(np.int64)
    return np.array([int(e) for e in v.ravel()], dtype=object).reshape(v.shape)


class Lowering:
    """Runs a graph on a backend. ``param`` turns quantized weights into backend values
    (constants for fixed params, private inputs otherwise)."""

    def __init__(self, graph: Graph, backend: Backend, f: int, param: ParamFn) -> None:
        self.g, self.b, self.f, self.param_fn = graph, backend, f, param
        self.env: dict[str, Value] = dict(graph.constants)
        self.params: list[tuple[str, np.ndarray]] = []

    # --- helpers ------------------------------------------------------------------------------

    def const(self, name: str, node: Node) -> np.ndarray:
        v = self.env.get(name)
        if v is None or isinstance(v, Q):
            raise UnsupportedModelError(f"{node.where()}: input {name!r} must be a constant (weights, shapes)")
        return np.asarray(v)

    def value(self, name: str, node: Node) -> Q:
        v = self.env.get(name)
        if isinstance(v, Q):
            return v
        if v is None:
            raise UnsupportedModelError(f"{node.where()}: input {name!r} is not produced by any node")
        return Q(self.b.const(quantize(v, self.f)), self.f)

    def param(self, key: str, w: np.ndarray, scale: int) -> Array:
        return self.param_ints(key, quantize(w, scale))

    def param_ints(self, key: str, q: np.ndarray) -> Array:
        """A parameter given as its integers (tree cuts, whose rounding is not round-to-nearest)."""
        self.params.append((key, q))
        return self.param_fn(key, q)

    def to_scale(self, x: Q, s: int, key: str) -> Q:
        if x.scale > s:
            return Q(self.b.rescale(x.data, x.scale - s, key), s)
        if x.scale < s:
            return Q(self.b.scale(x.data, 1 << (s - x.scale)), s)
        return x

    def shape_of(self, name: str) -> tuple[int, ...]:
        return self.g.shapes.get(name, ())

    # --- ops ------------------------------------------------------------------------------------

    def run(self, inputs: dict[str, Q]) -> dict[str, Q]:
        self.env.update(inputs)
        for node in self.g.nodes:
            handler = getattr(self, f"op_{node.op}", None)
            if handler is None:  # graph.load already refuses these; keep the message exact
                raise UnsupportedModelError(f"unsupported op {node.op} in node {node.name!r}")
            try:
                out = handler(node)
            except QuantizationError as e:
                raise UnsupportedModelError(f"{node.where()}: {e}") from None
            except (ValueError, IndexError) as e:  # numpy on shapes or attributes the model got wrong
                raise UnsupportedModelError(f"{node.where()}: its inputs, shapes or attributes do not fit "
                                            f"({type(e).__name__}: {str(e)[:300]})") from None
            if isinstance(out, tuple):
                for name, v in zip(node.outputs, out):
                    if name:
                        self.env[name] = v
            elif out is not None:
                self.env[node.outputs[0]] = out
        result = {}
        for name in self.g.outputs:
            v = self.env.get(name)
            if isinstance(v, Q):
                result[name] = v
        return result

    def _linear(self, node: Node, x: Q, w: np.ndarray, bias: np.ndarray | None) -> Q:
        """x @ w (+ bias) with x rescaled to f and w, bias as parameters."""
        x = self.to_scale(x, self.f, f"{node.name}:in")
        y = self.b.matmul(x.data, self.param(f"{node.name}.weight", w, self.f))
        if bias is not None:
            y = self.b.add(y, self.param(f"{node.name}.bias", np.broadcast_to(bias, self.b.shape(y)), 2 * self.f))
        return Q(y, 2 * self.f)

    def op_Gemm(self, node: Node) -> Q:
        x = self.value(node.inputs[0], node)
        if node.attr("transA", 0):
            raise UnsupportedModelError(f"{node.where()}: transA=1 is not supported")
        w = self.const(node.inputs[1], node) * float(node.attr("alpha", 1.0))
        if node.attr("transB", 0):
            w = w.T
        has_bias = len(node.inputs) > 2 and node.inputs[2]
        bias = self.const(node.inputs[2], node) * float(node.attr("beta", 1.0)) if has_bias else None
        return self._linear(node, x, w, bias)

    def op_MatMul(self, node: Node) -> Q:
        x = self.value(node.inputs[0], node)
        return self._linear(node, x, self.const(node.inputs[1], node), None)

    def _binary(self, node: Node, sign: int) -> Q:
        a_name, b_name = node.inputs
        a, b = self.env.get(a_name), self.env.get(b_name)
        if isinstance(a, Q) and isinstance(b, Q):
            s = max(a.scale, b.scale)
            a2, b2 = self.to_scale(a, s, f"{node.name}:a"), self.to_scale(b, s, f"{node.name}:b")
            return Q(self.b.add(a2.data, self.b.scale(b2.data, sign)), s)
        if isinstance(a, Q):
            cb = self.const(b_name, node)
            c = np.broadcast_to(cb, self.shape_of(node.outputs[0]) or np.shape(cb))
            return Q(self.b.add(a.data, self.param(f"{node.name}.const", sign * c, a.scale)), a.scale)
        if isinstance(b, Q):
            ca = self.const(a_name, node)
            c = np.broadcast_to(ca, self.shape_of(node.outputs[0]) or np.shape(ca))
            return Q(self.b.add(self.b.scale(b.data, sign), self.param(f"{node.name}.const", c, b.scale)), b.scale)
        raise UnsupportedModelError(f"{node.where()}: both inputs are constants")

    def op_Add(self, node: Node) -> Q:
        return self._binary(node, 1)

    def op_Sub(self, node: Node) -> Q:
        return self._binary(node, -1)

    def _mul_const(self, node: Node, x: Q, c: np.ndarray) -> Q:
        c = np.asarray(c, dtype=np.float64)
        flat = np.unique(c)
        if len(flat) == 1 and flat[0] != 0:
            m, e = np.frexp(abs(flat[0]))
            if m == 0.5:  # ±2^k: exact, free
                k = int(e) - 1
                data = self.b.scale(x.data, -1) if flat[0] < 0 else x.data
                if k >= 0:
                    return Q(self.b.scale(data, 1 << k), x.scale)
                return Q(data, x.scale - k)
        x = self.to_scale(x, self.f, f"{node.name}:in")
        # Every constant to a relative precision of 2^-f: 1/σ of a feature in the thousands
        # (a StandardScaler on amounts) would otherwise round to a few units.
        nonzero = np.abs(c[c != 0])
        k = self.f + (max(0, -int(np.floor(np.log2(nonzero.min())))) if nonzero.size else 0)
        cq = np.broadcast_to(quantize(c, k), self.shape_of(node.outputs[0]) or np.shape(c))
        return Q(self.b.scale(x.data, cq), x.scale + k)

    def op_Mul(self, node: Node) -> Q:
        a, b = (self.env.get(i) for i in node.inputs)
        if isinstance(a, Q) and not isinstance(b, Q):
            return self._mul_const(node, a, self.const(node.inputs[1], node))
        if isinstance(b, Q) and not isinstance(a, Q):
            return self._mul_const(node, b, self.const(node.inputs[0], node))
        raise UnsupportedModelError(f"{node.where()}: only multiplication by a constant is supported")

    def op_Div(self, node: Node) -> Q:
        x = self.env.get(node.inputs[0])
        if not isinstance(x, Q) or isinstance(self.env.get(node.inputs[1]), Q):
            raise UnsupportedModelError(f"{node.where()}: only division of a value by a constant is supported")
        c = self.const(node.inputs[1], node)
        if np.any(c == 0):
            raise UnsupportedModelError(f"{node.where()}: division by zero")
        return self._mul_const(node, x, 1.0 / c)

    def op_Scaler(self, node: Node) -> Q:
        """ai.onnx.ml Scaler (skl2onnx's StandardScaler): (x − offset)·scale per feature; the
        offsets are parameters, the multipliers circuit constants as in Mul."""
        x = self.value(node.inputs[0], node)
        shape = self.shape_of(node.outputs[0]) or self.b.shape(x.data)
        offset = np.broadcast_to(np.asarray(node.attr("offset", [0.0]), dtype=np.float64), shape)
        scale = np.broadcast_to(np.asarray(node.attr("scale", [1.0]), dtype=np.float64), shape)
        shifted = Q(self.b.add(x.data, self.param(f"{node.name}.offset", -offset, x.scale)), x.scale)
        return self._mul_const(node, shifted, scale)

    def op_Relu(self, node: Node) -> Q:
        x = self.value(node.inputs[0], node)
        return Q(self.b.relu(x.data, f"{node.name}:relu"), x.scale)

    def op_Sigmoid(self, node: Node) -> Q:
        x = self.to_scale(self.value(node.inputs[0], node), self.f, f"{node.name}:in")
        return Q(self.b.sigmoid(x.data, self.f, f"{node.name}:sigmoid"), self.f)

    def op_Softmax(self, node: Node) -> Q:
        """Over the last axis (every classifier's form); error softmax_error_bound(f, classes)."""
        x = self.to_scale(self.value(node.inputs[0], node), self.f, f"{node.name}:in")
        rank = len(self.b.shape(x.data))
        if int(node.attr("axis", -1)) % rank != rank - 1:
            raise UnsupportedModelError(f"{node.where()}: Softmax over axis {node.attr('axis')} (only the last axis)")
        return Q(self.b.softmax(x.data, self.f, f"{node.name}:softmax"), self.f)

    def op_Clip(self, node: Node) -> Q:
        x = self.value(node.inputs[0], node)
        lo = node.attr("min") if len(node.inputs) < 2 or not node.inputs[1] else float(self.const(node.inputs[1], node))
        hi = node.attr("max") if len(node.inputs) < 3 or not node.inputs[2] else float(self.const(node.inputs[2], node))
        # A missing bound is no bound (a one-sided max/min), not a large constant that overflows.
        lo_q = None if lo is None else int(quantize(np.asarray(lo, dtype=np.float64), x.scale))
        hi_q = None if hi is None else int(quantize(np.asarray(hi, dtype=np.float64), x.scale))
        if lo_q is not None and hi_q is not None and lo_q > hi_q:
            raise UnsupportedModelError(f"{node.where()}: min {lo} > max {hi}")
        return Q(self.b.clamp(x.data, lo_q, hi_q, f"{node.name}:clip"), x.scale)

    def _square(self, node: Node, key: str, default: int | None = None) -> int:
        v = node.attr(key)
        if v is None:
            if default is None:
                raise UnsupportedModelError(f"{node.where()}: missing {key}")
            return default
        if len(set(v)) != 1:
            raise UnsupportedModelError(f"{node.where()}: only square {key} are supported, got {list(v)}")
        return int(v[0])

    def _pads(self, node: Node) -> int:
        pads = node.attr("pads", [0, 0, 0, 0])
        if node.attr("auto_pad", "NOTSET") not in ("NOTSET", "VALID"):
            raise UnsupportedModelError(f"{node.where()}: auto_pad={node.attr('auto_pad')} is not supported")
        if len(set(pads)) != 1:
            raise UnsupportedModelError(f"{node.where()}: only symmetric padding is supported, got {list(pads)}")
        return int(pads[0])

    def _chw(self, x: Q, node: Node) -> Array:
        shape = self.b.shape(x.data)
        if len(shape) != 4 or shape[0] != 1:
            raise UnsupportedModelError(f"{node.where()}: expected an NCHW input with N = 1, got {shape}")
        return self.b.reshape(x.data, shape[1:])

    def op_Conv(self, node: Node) -> Q:
        if node.attr("group", 1) != 1 or set(node.attr("dilations", [1])) != {1}:
            raise UnsupportedModelError(f"{node.where()}: grouped or dilated convolutions are not supported")
        x = self.to_scale(self.value(node.inputs[0], node), self.f, f"{node.name}:in")
        w = self.const(node.inputs[1], node)
        stride = self._square(node, "strides", 1)
        pad = self._pads(node)
        y = self.b.conv(self._chw(x, node), self.param(f"{node.name}.weight", w, self.f), stride, pad)
        if len(node.inputs) > 2 and node.inputs[2]:
            bias = self.const(node.inputs[2], node)
            y = self.b.add(y, self.param(f"{node.name}.bias", np.broadcast_to(bias.reshape(-1, 1, 1), self.b.shape(y)),
                                         2 * self.f))
        return Q(self.b.reshape(y, (1,) + self.b.shape(y)), 2 * self.f)

    def _pool(self, node: Node, kind: str) -> Q:
        x = self.value(node.inputs[0], node)
        k = self._square(node, "kernel_shape")
        stride = self._square(node, "strides", 1)  # ONNX default: 1, not the kernel size
        if self._pads(node) or node.attr("ceil_mode", 0):
            raise UnsupportedModelError(f"{node.where()}: padded or ceil-mode pooling is not supported")
        chw = self._chw(x, node)
        fn = self.b.max_pool if kind == "max" else self.b.avg_pool
        y = fn(chw, k, stride, f"{node.name}:{kind}pool")
        return Q(self.b.reshape(y, (1,) + self.b.shape(y)), x.scale)

    def op_MaxPool(self, node: Node) -> Q:
        if len(node.outputs) > 1 and node.outputs[1]:
            raise UnsupportedModelError(f"{node.where()}: the Indices output is not supported")
        return self._pool(node, "max")

    def op_AveragePool(self, node: Node) -> Q:
        return self._pool(node, "avg")

    def op_GlobalAveragePool(self, node: Node) -> Q:
        x = self.value(node.inputs[0], node)
        y = self.b.global_avg_pool(self._chw(x, node), f"{node.name}:gap")
        return Q(self.b.reshape(y, (1,) + self.b.shape(y) + (1, 1)), x.scale)

    def op_BatchNormalization(self, node: Node) -> Q:
        x = self.value(node.inputs[0], node)
        gamma, beta, mean, var = (self.const(n, node).astype(np.float64) for n in node.inputs[1:5])
        a = gamma / np.sqrt(var + float(node.attr("epsilon", 1e-5)))
        b = beta - mean * a
        shape = (-1,) + (1,) * (len(self.b.shape(x.data)) - 2)
        x = self.to_scale(x, self.f, f"{node.name}:in")
        y = self.b.scale(x.data, np.broadcast_to(quantize(a.reshape(shape), self.f), self.b.shape(x.data)))
        y = self.b.add(y, self.param(f"{node.name}.shift", np.broadcast_to(b.reshape(shape), self.b.shape(x.data)),
                                     2 * self.f))
        return Q(y, 2 * self.f)

    def _reshaped(self, node: Node, x: Q, shape: tuple[int, ...]) -> Q:
        return Q(self.b.reshape(x.data, shape), x.scale)

    def op_Flatten(self, node: Node) -> Q:
        x = self.value(node.inputs[0], node)
        shape = self.b.shape(x.data)
        axis = int(node.attr("axis", 1)) % (len(shape) + 1)
        return self._reshaped(node, x, (int(np.prod(shape[:axis])), int(np.prod(shape[axis:]))))

    def op_Reshape(self, node: Node) -> Q:
        x = self.value(node.inputs[0], node)
        shape = self.b.shape(x.data)
        target = [int(v) for v in self.const(node.inputs[1], node).ravel()]
        if not node.attr("allowzero", 0):
            target = [shape[i] if v == 0 else v for i, v in enumerate(target)]
        return self._reshaped(node, x, np.empty(shape, dtype=np.int8).reshape(target).shape)

    def _axes(self, node: Node) -> list[int]:
        if len(node.inputs) > 1 and node.inputs[1]:
            return [int(a) for a in self.const(node.inputs[1], node).ravel()]
        return [int(a) for a in (node.attr("axes") or [])]

    def op_Squeeze(self, node: Node) -> Q:
        x = self.value(node.inputs[0], node)
        shape = self.b.shape(x.data)
        axes = {a % len(shape) for a in self._axes(node)} or {i for i, d in enumerate(shape) if d == 1}
        return self._reshaped(node, x, tuple(d for i, d in enumerate(shape) if i not in axes))

    def op_Unsqueeze(self, node: Node) -> Q:
        x = self.value(node.inputs[0], node)
        out = list(self.b.shape(x.data))
        rank = len(out) + len(self._axes(node))
        for a in sorted(a % rank for a in self._axes(node)):
            out.insert(a, 1)
        return self._reshaped(node, x, tuple(out))

    def op_Transpose(self, node: Node) -> Q:
        x = self.value(node.inputs[0], node)
        perm = node.attr("perm") or list(reversed(range(len(self.b.shape(x.data)))))
        return Q(self.b.transpose(x.data, perm), x.scale)

    def op_Identity(self, node: Node) -> Value:
        return self.env[node.inputs[0]]

    def op_Cast(self, node: Node) -> Value:
        return self.env[node.inputs[0]]  # values keep their fixed-point meaning; labels stay integers

    def op_Concat(self, node: Node) -> Q:
        xs = [self.value(n, node) for n in node.inputs]
        s = max(x.scale for x in xs)
        xs = [self.to_scale(x, s, f"{node.name}:in{i}") for i, x in enumerate(xs)]
        axis = int(node.attr("axis", 0)) % len(self.b.shape(xs[0].data))
        return Q(self.b.concat([x.data for x in xs], axis), s)

    def op_ArgMax(self, node: Node) -> Q:
        x = self.value(node.inputs[0], node)
        shape = self.b.shape(x.data)
        axis = int(node.attr("axis", 0)) % len(shape)
        if int(np.prod(shape)) != shape[axis] or node.attr("select_last_index", 0):
            raise UnsupportedModelError(f"{node.where()}: ArgMax over a vector (one non-1 axis) only")
        idx = self.b.argmax(self.b.reshape(x.data, (shape[axis],)), f"{node.name}:argmax")
        out_shape = self.shape_of(node.outputs[0]) or (1,)
        return Q(self.b.reshape(idx, out_shape), 0)

    def op_ArrayFeatureExtractor(self, node: Node) -> Q:
        table, index = self.env.get(node.inputs[0]), self.env.get(node.inputs[1])
        if isinstance(table, Q) or not isinstance(index, Q) or index.scale != 0:
            raise UnsupportedModelError(f"{node.where()}: only looking up a class label by an index is supported")
        t = np.asarray(table).ravel()
        if not np.array_equal(t, np.arange(len(t))):
            raise UnsupportedModelError(f"{node.where()}: class labels must be 0..k-1, got {t.tolist()[:10]}")
        return index

    def op_ZipMap(self, node: Node) -> None:
        return None  # dictionaries of probabilities are not tensors; the output is dropped

    def _linear_model(self, node: Node) -> Q:
        x = self.value(node.inputs[0], node)
        coef = np.asarray(node.attr("coefficients"), dtype=np.float64)
        intercepts = np.asarray(node.attr("intercepts", []), dtype=np.float64)
        n_in = self.b.shape(x.data)[-1]
        w = coef.reshape(-1, n_in).T
        bias = np.broadcast_to(intercepts, (1, w.shape[1])) if intercepts.size else None
        return self._linear(node, x, w, bias)

    def op_LinearRegressor(self, node: Node) -> Q:
        if node.attr("post_transform", "NONE") != "NONE":
            raise UnsupportedModelError(f"{node.where()}: post_transform={node.attr('post_transform')}")
        return self._linear_model(node)

    def op_LinearClassifier(self, node: Node) -> tuple[Q, Q]:
        scores = self._linear_model(node)
        labels = node.attr("classlabels_ints")
        if labels is None or list(labels) != list(range(len(labels))):
            raise UnsupportedModelError(f"{node.where()}: class labels must be the integers 0..k-1")
        n_scores = self.b.shape(scores.data)[-1]
        if n_scores == 1:
            raise UnsupportedModelError(f"{node.where()}: single-score binary form is not supported")
        idx = self.b.argmax(self.b.reshape(scores.data, (n_scores,)), f"{node.name}:argmax")
        label = Q(self.b.reshape(idx, (1,)), 0)
        post = node.attr("post_transform", "NONE")
        if post == "NONE":
            return label, scores
        if post == "LOGISTIC":
            s = self.to_scale(scores, self.f, f"{node.name}:in")
            return label, Q(self.b.sigmoid(s.data, self.f, f"{node.name}:sigmoid"), self.f)
        raise UnsupportedModelError(f"{node.where()}: post_transform={post} is not supported")

    # --- tree ensembles (trees.py reads them, circuit/trees.py proves them) ---------------------

    def _tree_scores(self, node: Node, e: Ensemble) -> Q:
        """Σ over trees of the reached leaves' weights (+ base values), shape (1, targets), at scale
        f. The cuts, leaf weights and base values are parameters (committed when hashed)."""
        x = self.value(node.inputs[0], node)
        shape = self.b.shape(x.data)
        if len(shape) != 2 or shape[0] != 1:
            raise UnsupportedModelError(f"{node.where()}: expects a (1, features) input, got {shape}")
        model = bin_ensemble(e, x.scale, shape[1])
        cuts = []
        for f, cs in zip(model.features, model.cuts):
            q = np.array(cs, dtype=np.int64 if all(abs(c) < 2**62 for c in cs) else object)
            cuts.append(self.param_ints(f"{node.name}.cuts[{f}]", q) if len(cs) else q)
        w = e.weights()
        leaves = np.array([w[i, j] for i, j in model.pattern], dtype=np.float64)
        if leaves.size:
            scores = self.b.tree_ensemble(x.data, model, cuts, self.param(f"{node.name}.leaves", leaves, self.f),
                                          f"{node.name}:x")
        else:  # every leaf weighs 0: the scores do not depend on the input
            scores = self.b.const(np.zeros((1, e.n_targets), dtype=np.int64))
        if e.base.size:
            scores = self.b.add(scores, self.param(f"{node.name}.base", np.broadcast_to(e.base, (1, e.n_targets)), self.f))
        return Q(scores, self.f)

    def _post(self, node: Node, e: Ensemble, scores: Q) -> Q:
        if e.post_transform == "LOGISTIC":
            return Q(self.b.sigmoid(scores.data, self.f, f"{node.name}:sigmoid"), self.f)
        if e.post_transform == "SOFTMAX":
            return Q(self.b.softmax(scores.data, self.f, f"{node.name}:softmax"), self.f)
        return scores

    def _above(self, node: Node, s: Array, t: int) -> Q:
        """1 where the score s (shape (1, 1)) is > t, else 0 (ArgMax of [t, s]: a tie picks t)."""
        pair = self.b.concat([self.b.const(np.array([t], dtype=np.int64)), self.b.reshape(s, (1,))], 0)
        return Q(self.b.reshape(self.b.argmax(pair, f"{node.name}:label"), (1,)), 0)

    def op_TreeEnsembleRegressor(self, node: Node) -> Q:
        n_targets = int(node.attr("n_targets", 1))
        e = read_v3(node, n_targets, "target")
        if e.base.size not in (0, n_targets):
            raise UnsupportedModelError(f"{node.where()}: {e.base.size} base values for {n_targets} targets")
        return self._post(node, e, self._tree_scores(node, e))

    def op_TreeEnsemble(self, node: Node) -> Q:
        e = read_v5(node)
        return self._post(node, e, self._tree_scores(node, e))

    def op_TreeEnsembleClassifier(self, node: Node) -> tuple[Q, Q]:
        """onnxruntime's semantics. Binary with one class's weights (every converter's form): the
        score s is p(class 1) when all weights are >= 0 (forests: label s > 0.5, probabilities
        [1 − s, s]), else a margin (boosting: label s > 0, probabilities [σ(−s), σ(s)] under
        LOGISTIC). Multi-class: per-class scores, label their ArgMax."""
        labels = node.attr("classlabels_int64s")
        if labels is None:
            raise UnsupportedModelError(f"{node.where()}: string class labels are not supported (the label must be "
                                        "an integer: convert with integer labels)")
        if list(labels) != list(range(len(labels))):
            raise UnsupportedModelError(f"{node.where()}: class labels must be 0..k-1, got {list(labels)[:10]}")
        k = len(labels)
        used = set(ints_attr(node, "class_ids", []))
        one = 1 << self.f
        if k == 2 and len(used) == 1:
            e = read_v3(node, 1, "class") if used == {0} else read_v3(node, k, "class")
            if used != {0} or e.base.size > 1:
                raise UnsupportedModelError(f"{node.where()}: a binary ensemble must weight class id 0 with at most "
                                            "one base value (as skl2onnx, onnxmltools emit)")
            s = self._tree_scores(node, e)
            if e.post_transform == "SOFTMAX":
                raise UnsupportedModelError(f"{node.where()}: post_transform SOFTMAX on a binary ensemble's single "
                                            "score is not supported")
            if all(w >= 0 for w in floats_attr(node, "class_weights") or []):
                if e.post_transform != "NONE":
                    raise UnsupportedModelError(f"{node.where()}: post_transform {e.post_transform} with probability "
                                                "weights (all >= 0) is not supported")
                label, p = self._above(node, s.data, one // 2), s
            else:
                label = self._above(node, s.data, 0)
                if e.post_transform == "NONE":  # margins: [-s, s]
                    return label, Q(self.b.concat([self.b.scale(s.data, -1), s.data], 1), s.scale)
                p = self._post(node, e, s)
            rest = self.b.add(self.b.const(np.array([[one]], dtype=np.int64)), self.b.scale(p.data, -1))
            return label, Q(self.b.concat([rest, p.data], 1), p.scale)
        if k == 2:
            raise UnsupportedModelError(f"{node.where()}: a binary ensemble with weights for both classes is not "
                                        "supported (onnxruntime reads it as a margin on class 1)")
        e = read_v3(node, k, "class")
        if e.base.size not in (0, k):
            raise UnsupportedModelError(f"{node.where()}: {e.base.size} base values for {k} classes")
        s = self._tree_scores(node, e)
        label = Q(self.b.reshape(self.b.argmax(self.b.reshape(s.data, (k,)), f"{node.name}:argmax"), (1,)), 0)
        return label, self._post(node, e, s)
