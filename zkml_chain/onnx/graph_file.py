"""The graph IR on disk (``graph.npz`` in a compiled folder), so proving needs neither ONNX nor
its checker and shape inference: importing onnx and re-reading the model took ~0.1 s of every
zkML proof's start-up.

One numpy archive, read with ``allow_pickle=False`` (a folder from elsewhere cannot run code
through it): the constants and every array-valued attribute as arrays, and the rest (inputs,
outputs, shapes, opset, nodes with their tagged attribute values) as JSON in one uint8 array.
`compile` writes it and records its SHA-256 in circuit.json beside model.onnx's, so it is checked
the same way; a graph it cannot represent exactly (an object array, an attribute of another kind)
gets no file, and such a folder is proved from model.onnx as before.
"""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

import numpy as np

from ..errors import ZkmlChainError
from .folder import GRAPH_NAME  # noqa: F401  (defined with the folder's other names; imported from here)
from .graph import Graph, Node

#: Bumped when the archive's layout changes; a folder with another version is read from model.onnx.
GRAPH_FORMAT = 1


class _NotRepresentable(Exception):
    pass


def graph_bytes(graph: Graph) -> bytes | None:
    """The archive for ``graph``, or None when it holds something this format does not store."""
    arrays: dict[str, np.ndarray] = {}

    def array(a: np.ndarray) -> str:
        if a.dtype.hasobject:
            raise _NotRepresentable
        key = f"a{len(arrays)}"
        arrays[key] = a
        return key

    def tag(v: Any) -> dict[str, Any]:
        if isinstance(v, np.ndarray):
            return {"array": array(v)}
        if isinstance(v, bool) or not isinstance(v, (int, float, str, list)):
            raise _NotRepresentable
        if isinstance(v, list):
            return {"list": [tag(x) for x in v]}
        return {type(v).__name__: v}

    try:
        ir = {
            "format": GRAPH_FORMAT,
            "inputs": [[k, list(v)] for k, v in graph.inputs.items()],
            "outputs": list(graph.outputs),
            "constants": [[k, array(np.asarray(v))] for k, v in graph.constants.items()],
            "nodes": [{"name": n.name, "op": n.op, "domain": n.domain, "inputs": list(n.inputs),
                       "outputs": list(n.outputs), "attrs": [[k, tag(v)] for k, v in n.attrs.items()]}
                      for n in graph.nodes],
            "shapes": [[k, list(v)] for k, v in graph.shapes.items()],
            "opset": graph.opset,
        }
    except _NotRepresentable:
        return None
    buf = io.BytesIO()
    np.savez(buf, ir=np.frombuffer(json.dumps(ir).encode(), dtype=np.uint8), **arrays)
    return buf.getvalue()


def read_graph(data: bytes, where: str) -> Graph:
    """The graph an archive from :func:`graph_bytes` holds; ZkmlChainError naming ``where`` when it
    is not one."""
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as z:
            arrays = {k: z[k] for k in z.files}
        ir = json.loads(arrays.pop("ir").tobytes())
        if ir.get("format") != GRAPH_FORMAT:
            raise ValueError(f"format {ir.get('format')!r}, expected {GRAPH_FORMAT}")

        def untag(t: dict[str, Any]) -> Any:
            (kind, v), = t.items()
            if kind == "array":
                return arrays[v]
            if kind == "list":
                return [untag(x) for x in v]
            if type(v) is not {"int": int, "float": float, "str": str}.get(kind):  # json gives bool for true
                raise ValueError(f"attribute value {v!r:.40} of kind {kind!r}")
            return v

        nodes = tuple(Node(n["name"], n["op"], n["domain"], tuple(n["inputs"]), tuple(n["outputs"]),
                           {k: untag(t) for k, t in n["attrs"]}) for n in ir["nodes"])
        return Graph({k: tuple(v) for k, v in ir["inputs"]}, tuple(ir["outputs"]),
                     {k: arrays[key] for k, key in ir["constants"]}, nodes,
                     {k: tuple(v) for k, v in ir["shapes"]}, int(ir["opset"]))
    except (OSError, ValueError, KeyError, TypeError, AttributeError, EOFError, RecursionError,
            zipfile.BadZipFile) as e:
        raise ZkmlChainError(f"{where}: not a graph archive ({type(e).__name__}: {e}); recompile the model") from None
