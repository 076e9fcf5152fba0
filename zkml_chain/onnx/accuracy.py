"""The accuracy report: the quantized model (exact circuit arithmetic) against onnxruntime."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from ..errors import ZkmlChainError
from .graph import Graph, UnsupportedModelError
from .lower import Q
from .quantize import dequantize


def accuracy(model_path: Path, samples: dict[str, np.ndarray], quantized: dict[str, Q]) -> dict[str, Any]:
    """The quantized model's outputs on ``samples`` (exact circuit arithmetic, from run_numpy)
    vs onnxruntime's."""
    import onnxruntime as ort

    ort.set_default_logger_severity(3)  # errors only: its warnings are not the user's business
    try:
        return _accuracy(ort, model_path, samples, quantized)
    except ZkmlChainError:
        raise
    except Exception as e:  # noqa: BLE001 - onnxruntime's errors share no base class
        raise UnsupportedModelError(f"{model_path}: onnxruntime cannot run the model to compare "
                                    f"({type(e).__name__}: {str(e)[:300]})") from None


def _accuracy(ort: Any, model_path: Path, samples: dict[str, np.ndarray], quantized: dict[str, Q]) -> dict[str, Any]:
    sess = ort.InferenceSession(str(model_path), providers=["CPUExecutionProvider"])
    feeds_meta = {i.name: i for i in sess.get_inputs()}
    n = len(next(iter(samples.values())))
    ref: dict[str, list[np.ndarray]] = {}
    for k in range(n):
        feed = {name: samples[name][k].astype(np.float32) for name in feeds_meta}
        for o, v in zip([o.name for o in sess.get_outputs()], sess.run(None, feed)):
            if isinstance(v, np.ndarray):
                ref.setdefault(o, []).append(v)
    report: dict[str, Any] = {"samples": n, "outputs": {}}
    for name, q in quantized.items():
        if name not in ref:
            continue
        theirs = np.stack(ref[name]).reshape(n, -1).astype(np.float64)
        ours = dequantize(q).reshape(n, -1)
        entry: dict[str, Any] = {"max_abs_error": float(np.abs(ours - theirs).max()),
                                 "mean_abs_error": float(np.abs(ours - theirs).mean())}
        if q.scale == 0:  # labels / indices
            entry["agreement"] = float(np.mean(np.all(ours == theirs, axis=1)))
        elif theirs.shape[1] > 1:
            entry["top1_agreement"] = float(np.mean(np.argmax(ours, axis=1) == np.argmax(theirs, axis=1)))
        report["outputs"][name] = entry
    return report


def synthetic_samples(graph: Graph, count: int = 64, seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {name: rng.normal(0, 1, (count,) + shape) for name, shape in graph.inputs.items()}
