"""Model fuzzing: random valid ONNX graphs from the supported op set, compiled and checked.

Each model is a random chain of ops over a vector or an image (Gemm, MatMul + Add, Relu,
Sigmoid, Clip with one or two bounds, Mul/Div/Add/Sub by constants, Conv, pooling,
BatchNormalization, Flatten, Reshape, Transpose, Squeeze/Unsqueeze, Concat, Identity, ArgMax),
with random shapes, weight magnitudes and a scale of 4 to 24 bits. ``compile`` must either
refuse it with a clear error (a :class:`ZkmlChainError`) or produce a circuit whose witness, for
inputs it has not seen, equals the numpy integer model bit for bit and satisfies the compiled
R1CS; and the accuracy report must be what onnxruntime and the integer model give.
"""

from __future__ import annotations

import json
import random
import shutil
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import ZkmlChainError


@dataclass
class _G:
    """A graph under construction: nodes, initializers, the current tensor and its shape."""

    rng: random.Random
    nodes: list[Any] = field(default_factory=list)
    inits: list[Any] = field(default_factory=list)
    k: int = 0
    ops: list[str] = field(default_factory=list)

    def name(self, base: str) -> str:
        self.k += 1
        return f"{base}{self.k}"

    def const(self, arr: np.ndarray | np.generic) -> str:
        from onnx import numpy_helper

        n = self.name("c")
        self.inits.append(numpy_helper.from_array(np.asarray(arr, dtype=np.float32), n))
        return n

    def const_i64(self, arr: list[int]) -> str:
        from onnx import numpy_helper

        n = self.name("s")
        self.inits.append(numpy_helper.from_array(np.asarray(arr, dtype=np.int64), n))
        return n

    def node(self, op: str, inputs: list[str], **attrs: Any) -> str:
        from onnx import helper

        out = self.name("t")
        self.nodes.append(helper.make_node(op, inputs, [out], name=self.name(op.lower()), **attrs))
        self.ops.append(op)
        return out

    def weights(self, shape: tuple[int, ...], magnitude: float) -> np.ndarray:
        return np.asarray([self.rng.gauss(0, magnitude) for _ in range(int(np.prod(shape)))]).reshape(shape)


def _vector_step(g: _G, x: str, d: int, mag: float) -> tuple[str, int]:
    r = g.rng
    op = r.choice(("Gemm", "Gemm", "MatMulAdd", "Relu", "Relu", "Sigmoid", "Clip", "MulConst", "AddConst",
                   "Identity", "UnsqueezeSqueeze", "Concat", "BatchNormalization", "Reshape"))
    if op == "Gemm":
        out = r.randint(1, 8)
        trans = r.random() < 0.5
        w = g.weights((out, d) if trans else (d, out), mag)
        inputs = [x, g.const(w)] + ([g.const(g.weights((out,), mag))] if r.random() < 0.8 else [])
        attrs: dict[str, float] = {"transB": int(trans)}
        if r.random() < 0.3:
            attrs["alpha"] = r.choice((0.5, 2.0, 1.5))
        return g.node("Gemm", inputs, **attrs), out
    if op == "MatMulAdd":
        out = r.randint(1, 8)
        y = g.node("MatMul", [x, g.const(g.weights((d, out), mag))])
        return g.node("Add", [y, g.const(g.weights((out,), mag))]), out
    if op in ("Relu", "Sigmoid", "Identity"):
        return g.node(op, [x]), d
    if op == "Clip":
        lo, hi = sorted((r.uniform(-3, 0), r.uniform(0, 3)))
        form = r.choice(("both", "min", "max"))
        ins = [x, g.const(np.float32(lo)) if form != "max" else "", g.const(np.float32(hi)) if form != "min" else ""]
        while ins and ins[-1] == "":
            ins.pop()
        return g.node("Clip", ins), d
    if op == "MulConst":
        c = r.choice((np.float32(r.choice((0.5, 2.0, 0.25, 4.0, -2.0))), np.float32(r.uniform(-3, 3)),
                      g.weights((d,), 1.0).astype(np.float32)))
        return g.node(r.choice(("Mul", "Div")) if np.all(np.asarray(c) != 0) else "Mul", [x, g.const(c)]), d
    if op == "AddConst":
        return g.node(r.choice(("Add", "Sub")), [x, g.const(g.weights((d,), mag))]), d
    if op == "UnsqueezeSqueeze":
        u = g.node("Unsqueeze", [x, g.const_i64([2])])
        return g.node("Squeeze", [u, g.const_i64([2])]), d
    if op == "Concat":
        other = g.node("Relu", [x])
        return g.node("Concat", [x, other], axis=1), 2 * d
    if op == "BatchNormalization":
        scale, bias = g.weights((d,), 1.0), g.weights((d,), mag)
        mean, var = g.weights((d,), mag), np.abs(g.weights((d,), 1.0)) + 0.1
        return g.node("BatchNormalization", [x, *(g.const(v) for v in (scale, bias, mean, var))]), d
    return g.node("Reshape", [x, g.const_i64([1, d])]), d


def _image_step(g: _G, x: str, shape: tuple[int, int, int], mag: float) -> tuple[str, tuple[int, int, int]]:
    r = g.rng
    c, h, w = shape
    op = r.choice(("Conv", "Conv", "Relu", "MaxPool", "AveragePool", "BatchNormalization", "Clip", "MulConst",
                   "Transpose"))
    if op == "Conv":
        k = r.randint(1, min(3, h, w))
        pad = r.randint(0, 1) if k > 1 else 0
        stride = r.randint(1, 2)
        o = r.randint(1, 3)
        ho, wo = (h + 2 * pad - k) // stride + 1, (w + 2 * pad - k) // stride + 1
        if ho < 1 or wo < 1:
            return g.node("Relu", [x]), shape
        ins = [x, g.const(g.weights((o, c, k, k), mag))] + ([g.const(g.weights((o,), mag))] if r.random() < 0.7 else [])
        return g.node("Conv", ins, kernel_shape=[k, k], pads=[pad] * 4, strides=[stride, stride]), (o, ho, wo)
    if op in ("MaxPool", "AveragePool") and h >= 2 and w >= 2:
        s = r.randint(1, 2)
        return g.node(op, [x], kernel_shape=[2, 2], strides=[s, s]), (c, (h - 2) // s + 1, (w - 2) // s + 1)
    if op == "BatchNormalization":
        return g.node("BatchNormalization", [x, g.const(g.weights((c,), 1.0)), g.const(g.weights((c,), mag)),
                                             g.const(g.weights((c,), mag)),
                                             g.const(np.abs(g.weights((c,), 1.0)) + 0.1)]), shape
    if op == "Clip":
        return g.node("Clip", [x, g.const(np.float32(r.uniform(-2, 0)))]), shape
    if op == "MulConst":
        return g.node("Mul", [x, g.const(np.float32(r.choice((0.5, 3.0, -1.25))))]), shape
    if op == "Transpose" and h == w:
        return g.node("Transpose", [x], perm=[0, 1, 3, 2]), shape
    return g.node("Relu", [x]), shape


def random_model(rng: random.Random) -> tuple[bytes, dict[str, tuple[int, ...]], float, int, list[str]]:
    """(ONNX bytes, {input: shape}, input magnitude, scale, op list) of a random valid model."""
    from onnx import TensorProto, checker, helper

    g = _G(rng)
    mag = rng.choice((0.05, 0.3, 1.0, 1.0, 3.0, 20.0, 300.0, 1e6))
    scale = rng.choice((4, 6, 8, 8, 10, 12, 12, 16, 16, 20, 24))
    if rng.random() < 0.4:
        shape: tuple[int, ...] = (1, rng.randint(1, 3), rng.randint(3, 7), rng.randint(3, 7))
        img = shape[1:]
        x = "x"
        for _ in range(rng.randint(1, 4)):
            x, img = _image_step(g, x, img, mag)  # type: ignore[arg-type]
        if rng.random() < 0.5:
            x, d = g.node("GlobalAveragePool", [x]), img[0]
            x = g.node("Flatten", [x])
        else:
            x, d = g.node("Flatten", [x]), int(np.prod(img))
    else:
        d = rng.randint(1, 8)
        shape, x = (1, d), "x"
    for _ in range(rng.randint(1, 5)):
        x, d = _vector_step(g, x, d, mag)
    if rng.random() < 0.08:  # a form the compiler does not lower: it must be refused by name
        unsupported = rng.choice((("Gemm", {"transA": 1}), ("Softmax", {}), ("Tanh", {}), ("LeakyRelu", {})))
        if unsupported[0] == "Gemm":
            x, d = g.node("Gemm", [x, g.const(g.weights((d, 1), mag))], **unsupported[1]), 1
        else:
            x = g.node(unsupported[0], [x], **unsupported[1])
    outputs = [x]
    if rng.random() < 0.2 and d > 1:
        outputs.append(g.node("ArgMax", [x], axis=1, keepdims=1))
    inp = helper.make_tensor_value_info("x", TensorProto.FLOAT, list(shape))
    outs = [helper.make_tensor_value_info(o, TensorProto.INT64 if i else TensorProto.FLOAT, [1, 1] if i else [1, d])
            for i, o in enumerate(outputs)]
    model = helper.make_model(helper.make_graph(g.nodes, "random", [inp], outs, g.inits),
                              opset_imports=[helper.make_opsetid("", 13)])
    checker.check_model(model)
    return model.SerializeToString(), {"x": shape}, rng.choice((0.5, 1.0, 4.0, 100.0, 1e5)), scale, g.ops


@dataclass
class ModelFinding:
    ops: list[str]
    scale: int
    problem: str
    model: bytes = field(repr=False)


@dataclass
class ModelReport:
    compiled: int = 0
    refused: dict[str, int] = field(default_factory=dict)  # first words of the message -> count
    checked_inputs: int = 0
    worst_relative_error: dict[int, float] = field(default_factory=dict)  # scale -> max err/(1+|ref|)
    findings: list[ModelFinding] = field(default_factory=list)


def _relative_bound(scale: int) -> float | None:
    """A loose ceiling on max |error| / (1 + max |output|) of a correct lowering: quantization
    error is ~2^-scale per op, amplified by the weights; a wrong lowering is off by O(1)."""
    return 2.0 ** (10 - scale) if scale >= 12 else None


def check_model(data: bytes, shapes: dict[str, tuple[int, ...]], magnitude: float, scale: int, work: Path,
                rng: random.Random, report: ModelReport, ops: list[str]) -> None:
    """Compile one model and check it (see the module docstring); findings go into ``report``."""
    import onnxruntime as ort

    from ..onnx.assemble import build
    from ..onnx.compile import compile_model
    from ..onnx.compiled import CompiledModel
    from ..onnx.graph import load
    from ..onnx.quantize import Plan, run_numpy
    from ..onnx.visibility import Visibility
    from ..r1cs import R1CS

    def finding(problem: str) -> None:
        report.findings.append(ModelFinding(ops, scale, problem, data))

    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    model, calib = work / "m.onnx", work / "calib.json"
    model.write_bytes(data)
    n_cal = 24
    samples = {k: np.asarray([[rng.gauss(0, magnitude) for _ in range(int(np.prod(s)))] for _ in range(n_cal)])
               .reshape((n_cal,) + s) for k, s in shapes.items()}
    calib.write_text(json.dumps({k: v.tolist() for k, v in samples.items()}))
    out = work / "out"
    try:
        info = compile_model(model, out, scale, calib, Visibility())
    except ZkmlChainError as e:
        key = " ".join(str(e).split(":")[-1].split()[:6]) if str(e) else type(e).__name__
        report.refused[key] = report.refused.get(key, 0) + 1
        return
    except Exception as e:  # noqa: BLE001 - exactly what the fuzzer looks for
        finding(f"compile crashed: {type(e).__name__}: {e}\n{traceback.format_exc(limit=-3)}")
        return
    report.compiled += 1
    compiled = CompiledModel.load(out)
    graph = load(out / "model.onnx")
    plan = Plan.from_json(info["quantization"])
    r1cs = R1CS.load(out / "circuit.r1cs")
    # 1. held-out inputs: the witness `prove` computes equals the numpy integer model and satisfies the R1CS
    held = {k: np.asarray([[rng.gauss(0, magnitude) for _ in range(int(np.prod(s)))] for _ in range(3)])
            .reshape((3,) + s) for k, s in shapes.items()}
    batch, _ = run_numpy(graph, held, scale)
    for i in range(3):
        obj = {k: v[i].tolist() for k, v in held.items()}
        try:
            inf = compiled.witness(obj)
        except ZkmlChainError:
            continue  # beyond the calibrated range: refused, as it must be
        except Exception as e:  # noqa: BLE001
            finding(f"witness crashed: {type(e).__name__}: {e}")
            return
        report.checked_inputs += 1
        if not r1cs.is_satisfied(inf.witness):
            finding("the witness of a held-out input does not satisfy the compiled R1CS")
            return
        for name, v in inf.values.items():
            ours = np.asarray(v, dtype=object).ravel()
            theirs = np.asarray(batch[name].data[i], dtype=object).ravel()
            if not np.array_equal(ours, theirs):
                finding(f"circuit != numpy for output {name}: {ours[:4]} vs {theirs[:4]}")
                return
    # 2. the full build (not witness-only) agrees too, for one calibration sample
    first = {k: v[0] for k, v in samples.items()}
    full = build(graph, plan, Visibility(), first, salt=0)
    if full.r1cs is None or not full.r1cs.is_satisfied(full.witness):
        finding("the full build does not satisfy its own R1CS")
        return
    # 3. the report: onnxruntime vs the integer model on the calibration samples
    quantized, _ = run_numpy(graph, samples, scale)
    sess = ort.InferenceSession(str(model), providers=["CPUExecutionProvider"])
    for name, entry in (info.get("accuracy") or {}).get("outputs", {}).items():
        ref = np.stack([np.asarray(sess.run([name], {k: v[j].astype(np.float32) for k, v in samples.items()})[0])
                        for j in range(n_cal)]).reshape(n_cal, -1).astype(np.float64)
        ours = (np.asarray(quantized[name].data, dtype=np.float64) / 2.0 ** quantized[name].scale).reshape(n_cal, -1)
        err = float(np.abs(ours - ref).max())
        if abs(err - entry["max_abs_error"]) > 1e-9 * (1 + err):
            finding(f"the accuracy report says {entry['max_abs_error']} for {name}, recomputed {err}")
            return
        if quantized[name].scale == 0 or not np.all(np.isfinite(ref)):
            continue  # labels (near-ties may differ), or float32 overflow in onnxruntime
        rel = err / (1.0 + float(np.abs(ref).max()))
        report.worst_relative_error[scale] = max(report.worst_relative_error.get(scale, 0.0), rel)
        bound = _relative_bound(scale)
        if bound is not None and rel > bound:
            finding(f"output {name} is off by {err:.4g} (relative {rel:.3g} > {bound:.3g} at scale {scale}): "
                    "a lowering that does not compute what onnxruntime does?")


def fuzz_models(count: int, work: Path, seed: int = 0, progress: Callable[[int], None] | None = None) -> ModelReport:
    report = ModelReport()
    for k in range(count):
        rng = random.Random(seed * 1_000_003 + k)
        data, shapes, magnitude, scale, ops = random_model(rng)
        check_model(data, shapes, magnitude, scale, work / "model", rng, report, ops)
        if progress is not None:
            progress(k + 1)
    shutil.rmtree(work / "model", ignore_errors=True)
    return report
