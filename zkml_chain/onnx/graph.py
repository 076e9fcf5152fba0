"""ONNX import: a model file -> a small graph IR (nodes in order, constants as numpy arrays).

One sample is proved at a time, so a dynamic (or size-1) leading batch dimension is fixed to 1.
Constant nodes become initializers; shapes come from ONNX shape inference. Anything outside
:data:`SUPPORTED` is refused here, naming the op and the node, before any work is done.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import ZkmlChainError

if TYPE_CHECKING:  # onnx is imported where a model is read: proving a compiled folder needs none
    import onnx

#: (domain, op) pairs the compiler lowers; "" is the default ONNX domain.
SUPPORTED = {
    ("", op) for op in (
        "Gemm", "MatMul", "Add", "Sub", "Mul", "Div", "Relu", "Sigmoid", "Conv", "AveragePool", "MaxPool",
        "GlobalAveragePool", "Flatten", "Reshape", "Transpose", "BatchNormalization", "Clip", "Identity", "Softmax",
        "Constant", "Cast", "Concat", "ArgMax", "Squeeze", "Unsqueeze",
    )
} | {("ai.onnx.ml", op) for op in ("LinearClassifier", "LinearRegressor", "ArrayFeatureExtractor", "ZipMap", "Scaler",
                                   "TreeEnsembleClassifier", "TreeEnsembleRegressor", "TreeEnsemble")}


#: Oldest ai.onnx opset accepted (onnxruntime guarantees 7 and later).
MIN_OPSET = 7


class UnsupportedModelError(ZkmlChainError):
    """The model uses an op (or a form of one) the compiler does not lower."""


@dataclass(frozen=True)
class Node:
    name: str
    op: str
    domain: str
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]
    attrs: dict[str, Any] = field(hash=False)

    def where(self) -> str:
        return f"{self.op} node {self.name!r}"

    def attr(self, key: str, default: Any = None) -> Any:
        return self.attrs.get(key, default)


@dataclass(frozen=True)
class Graph:
    """Inputs (name -> shape with batch 1), outputs (names), constants and nodes in order."""

    inputs: dict[str, tuple[int, ...]]
    outputs: tuple[str, ...]
    constants: dict[str, np.ndarray]
    nodes: tuple[Node, ...]
    shapes: dict[str, tuple[int, ...]]
    opset: int


def _attr_value(a: onnx.AttributeProto) -> Any:
    import onnx
    from onnx import helper, numpy_helper

    v = helper.get_attribute_value(a)
    if isinstance(v, bytes):
        return v.decode()
    if isinstance(v, onnx.TensorProto):
        return numpy_helper.to_array(v)
    if isinstance(v, list) and v and isinstance(v[0], bytes):
        return [x.decode() for x in v]
    return v


def _dims(t: onnx.TypeProto) -> tuple[int, ...]:
    dims = []
    for i, d in enumerate(t.tensor_type.shape.dim):
        if d.HasField("dim_value"):
            dims.append(int(d.dim_value))
        elif i == 0:
            dims.append(1)  # dynamic batch
        else:
            raise UnsupportedModelError(f"dimension {i} of an input or output is dynamic ({d.dim_param or '?'})")
    return tuple(dims)


def load(path: Path) -> Graph:
    """Read, check and normalise an ONNX model; raise UnsupportedModelError naming what is not."""
    import onnx

    try:
        model = onnx.load(str(path))
    except Exception as e:  # protobuf errors have no common base class
        raise UnsupportedModelError(f"{path}: not a readable ONNX model ({e.__class__.__name__}: {e})") from None
    return from_model(model)


def from_model(model: onnx.ModelProto) -> Graph:
    """The graph IR of a model, refused (UnsupportedModelError) when it is malformed, its shapes
    disagree, or it uses an op that is not lowered."""
    import onnx

    try:
        onnx.checker.check_model(model)
    except Exception as e:  # noqa: BLE001 - ValidationError and protobuf errors
        raise UnsupportedModelError(f"the model is malformed (ONNX checker: {str(e).strip()[:400]})") from None
    try:
        return _from_model(model)
    except (ValueError, TypeError, IndexError, KeyError, UnicodeDecodeError) as e:  # damage the checker let through
        raise UnsupportedModelError(f"the model is malformed ({type(e).__name__}: {str(e)[:300]})") from None


def _check_names(g: onnx.GraphProto) -> None:
    """Every name is text (protobuf hands invalid UTF-8 back as bytes, which nothing downstream expects)."""
    named = [("node", n.name, [n.name, n.op_type, n.domain, *n.input, *n.output]) for n in g.node]
    named += [("input", i.name, [i.name]) for i in g.input] + [("output", o.name, [o.name]) for o in g.output]
    named += [("initializer", t.name, [t.name]) for t in g.initializer]
    for kind, name, values in named:
        if not all(isinstance(v, str) for v in values):
            raise UnsupportedModelError(f"a {kind} ({name!r:.40}) has a name or field that is not UTF-8 text")


def _from_model(model: onnx.ModelProto) -> Graph:
    import onnx
    from onnx import numpy_helper, shape_inference

    g = model.graph
    _check_names(g)
    unsupported = [(n.domain or "", n.op_type, n.name) for n in g.node if (n.domain or "", n.op_type) not in SUPPORTED]
    if unsupported:
        dom, op, name = unsupported[0]
        more = f" (and {len(unsupported) - 1} more unsupported nodes)" if len(unsupported) > 1 else ""
        raise UnsupportedModelError(f"unsupported op {(dom + '.') if dom else ''}{op} in node {name!r}{more}")
    constants = {t.name: numpy_helper.to_array(t) for t in g.initializer}
    init_names = set(constants)
    inputs = {i.name: _dims(i.type) for i in g.input if i.name not in init_names}
    if not inputs:
        raise UnsupportedModelError("the model has no (non-constant) input")
    # fix the batch dimension to 1 so shape inference gives concrete shapes everywhere
    for i in g.input:
        if i.name in inputs and i.type.tensor_type.shape.dim:
            d0 = i.type.tensor_type.shape.dim[0]
            if not d0.HasField("dim_value"):
                d0.ClearField("dim_param")
                d0.dim_value = 1
    for o in g.output:
        if o.type.tensor_type.shape.dim:
            d0 = o.type.tensor_type.shape.dim[0]
            if not d0.HasField("dim_value"):
                d0.ClearField("dim_param")
                d0.dim_value = 1
    opset = max((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), default=0)
    uses_default = any(not n.domain or n.domain == "ai.onnx" for n in g.node)  # xgboost's files import only ai.onnx.ml
    if uses_default and not MIN_OPSET <= opset <= onnx.defs.onnx_opset_version():
        raise UnsupportedModelError(f"ONNX opset {opset} is not supported (use {MIN_OPSET} to "
                                    f"{onnx.defs.onnx_opset_version()}; re-export the model)")
    try:  # strict: a model whose shapes or types do not agree is refused here, naming the node
        inferred = shape_inference.infer_shapes(model, check_type=True, strict_mode=True)
    except Exception as e:  # noqa: BLE001 - onnx raises several unrelated exception types
        raise UnsupportedModelError(f"the model is inconsistent (ONNX shape inference: {str(e)[:400]})") from None
    shapes: dict[str, tuple[int, ...]] = {}
    for vi in list(inferred.graph.value_info) + list(inferred.graph.input) + list(inferred.graph.output):
        if vi.type.HasField("tensor_type") and all(d.HasField("dim_value") for d in vi.type.tensor_type.shape.dim):
            shapes[vi.name] = tuple(int(d.dim_value) for d in vi.type.tensor_type.shape.dim)
    nodes = []
    for k, n in enumerate(g.node):
        attrs = {a.name: _attr_value(a) for a in n.attribute}
        name = n.name or f"{n.op_type}_{k}"
        if n.op_type == "Constant" and not n.domain:
            value = attrs.get("value")
            if value is None:
                for key in ("value_float", "value_int", "value_floats", "value_ints"):
                    if key in attrs:
                        value = np.asarray(attrs[key])
            if value is None:
                raise UnsupportedModelError(f"Constant node {name!r}: only tensor/float/int values are supported")
            constants[n.output[0]] = np.asarray(value)
            continue
        nodes.append(Node(name, n.op_type, n.domain or "", tuple(n.input), tuple(n.output), attrs))
    return Graph(inputs, tuple(o.name for o in g.output), constants, tuple(nodes), shapes, opset)
