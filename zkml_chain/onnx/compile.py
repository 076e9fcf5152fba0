"""`zkml-chain compile` and the ONNX half of `prove`: model.onnx -> circuit folder -> proof.

The folder (``DIR``) holds ``model.onnx`` (a copy), ``circuit.json`` (ops, shapes, scales, bit
widths, constraint count, accuracy report and the meaning of every public signal) and
``circuit.r1cs``; `setup DIR` adds the keys. A proof rebuilds the circuit with the real input
(the structure never depends on values; a hash check makes sure) and proves it.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import shutil
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..circuit import Circuit, Tensor
from ..circuit.bits import MAX_BITS, range_check_signed, to_bits
from ..circuit.hash import commit, commit_params
from ..errors import ProofInputError, ZkmlChainError
from ..field import R
from ..files import json_bytes, read_json, write_all
from ..keydir import R1CS_NAME
from ..poseidon import TensorLayout, attested_values, signed_width
from ..r1cs import R1CS, Witness
from .backend import CircuitBackend
from .bounds import check_no_wrap
from .claim import Claim, prove_claim
from .graph import Graph, UnsupportedModelError, load
from .lower import Lowering, Q, quantize
from .quantize import Plan, dequantize, input_key, plan_from, run_numpy

log = logging.getLogger(__name__)

MODEL_NAME = "model.onnx"
CIRCUIT_JSON = "circuit.json"
#: circuit.json's format. 2: the model commitment binds the parameters' layout (shapes and widths)
#: and every input is range-checked; a folder of format 1 must be compiled again.
CIRCUIT_FORMAT = "zkml-chain circuit 2"
INPUT_VIS = ("private", "public", "hashed", "attested")
PARAM_VIS = ("private", "hashed", "fixed")
OUTPUT_VIS = ("public", "private", "hashed")


@dataclass(frozen=True)
class Visibility:
    input: str = "private"
    params: str = "hashed"
    output: str = "public"

    def __post_init__(self) -> None:
        for value, allowed, what in ((self.input, INPUT_VIS, "input"), (self.params, PARAM_VIS, "param"),
                                     (self.output, OUTPUT_VIS, "output")):
            if value not in allowed:
                raise ProofInputError(f"{what} visibility must be one of {', '.join(allowed)}, got {value!r}")

    @property
    def needs_salt(self) -> bool:
        return self.input in ("hashed", "attested") or self.output == "hashed"


@dataclass
class Built:
    circuit: Circuit
    outputs: dict[str, Q]
    r1cs: R1CS | None  # None when built witness-only
    witness: Witness
    param_layout: list[tuple[str, TensorLayout]]  # parameters (hashed or private): shape, offset-binary width


def _as_input(graph: Graph, name: str, value: Any, batch: bool, integers: bool = False) -> np.ndarray:
    shape = graph.inputs[name]
    try:
        arr = np.asarray(value, dtype=object if integers else np.float64)
    except (TypeError, ValueError, OverflowError) as e:
        raise ProofInputError(f"input {name!r}: expected (nested lists of) numbers ({e})") from None
    if integers:  # exact: a JSON integer above 2^53 must not pass through float64
        arr = _integers(name, arr)
    elif not np.all(np.isfinite(arr)):
        raise ProofInputError(f"input {name!r}: contains NaN or infinity")
    per_sample = int(np.prod(shape))
    if batch:
        if arr.size % per_sample:
            raise ProofInputError(f"input {name!r}: {arr.shape} is not a list of samples shaped {shape[1:]}")
        return arr.reshape((-1,) + shape)
    if arr.size != per_sample:
        raise ProofInputError(f"input {name!r}: expected shape {shape} ({per_sample} numbers), got {arr.shape}")
    return arr.reshape(shape)


def read_inputs(graph: Graph, obj: Any, batch: bool, what: str, integers: bool = False) -> dict[str, np.ndarray]:
    """The model's inputs from a JSON object; ``integers``: exact signed 64-bit integers (attested)."""
    if not isinstance(obj, dict):
        raise ProofInputError(f"{what}: expected a JSON object {{\"<input name>\": ...}}")
    missing = [n for n in graph.inputs if n not in obj]
    if missing:
        raise ProofInputError(f"{what}: missing input {missing[0]!r} (the model's inputs: {', '.join(graph.inputs)})")
    return {n: _as_input(graph, n, obj[n], batch, integers) for n in graph.inputs}


def _integers(name: str, x: np.ndarray) -> np.ndarray:
    """An attested input as exact integers (object array), in the attester's domain
    (poseidon.attested_values: signed 64-bit)."""
    arr = np.asarray(x, dtype=object)
    out = np.empty(arr.size, dtype=object)
    out[:] = attested_values(arr.ravel().tolist(), f"input {name!r}: element")
    return out.reshape(arr.shape)


def attested_width(n: int, scale: int) -> int:
    """Signed width of an attested integer input whose scaled values have calibrated width n."""
    return max(n - scale, 2)


def input_bounds(graph: Graph, plan: Plan, vis: Visibility) -> dict[str, int]:
    """Each input's largest magnitude at the plan's scale, as :func:`build` range-checks it."""
    out = {}
    for name in graph.inputs:
        n = plan.widths[input_key(name)]
        out[name] = 1 << (attested_width(n, plan.scale) - 1 + plan.scale if vis.input == "attested" else n - 1)
    return out


def build(graph: Graph, plan: Plan, vis: Visibility, inputs: dict[str, np.ndarray], salt: int,
          witness_only: bool = False, claim: Claim = Claim(), publics: dict[str, Any] | None = None) -> Built:
    """The circuit for one sample, built (R1CS + witness, or only the witness) with the
    quantized outputs. ``publics`` holds the claim's values (see :meth:`Claim.values`)."""
    c = Circuit(witness_only=witness_only)
    backend = CircuitBackend(c, plan.widths)
    param_bits: list[Tensor] = []
    param_layout: list[tuple[str, TensorLayout]] = []

    def param(key: str, q: np.ndarray) -> Any:
        if vis.params == "fixed":
            return q
        t = c.private_input(q, name=f"param:{key}")
        # Range-checked in both modes, so no product with a parameter can wrap the field; hashed
        # parameters commit to these very bits (poseidon.commit_signed).
        w = signed_width(np.asarray(q).flat)
        if w > MAX_BITS:
            raise ZkmlChainError(f"parameter {key}: values reach 2^{w - 1} at scale {plan.scale}; lower --scale")
        param_layout.append((key, TensorLayout(tuple(np.shape(q)), w)))
        param_bits.append(to_bits(c, t + (1 << (w - 1)), w, f"parameter {key}", name=f"param:{key}"))
        return t

    salt_t = c.private_input(salt % R, name="salt") if vis.needs_salt else None
    q_inputs, attested = {}, {}
    for name, x in inputs.items():
        # Every input is range-checked to its calibrated width, so that no linear layer over it
        # can wrap the field (quantize.check_no_wrap bounds every value from these widths).
        n = plan.widths[input_key(name)]
        if vis.input == "attested":  # the committed integers themselves; to fixed point for free
            t = attested[name] = c.private_input(_integers(name, x), name=name)
            range_check_signed(c, t, attested_width(n, plan.scale), f"input {name!r} (attested integers)")
            q_inputs[name] = Q(t.scale(1 << plan.scale), plan.scale)
            continue
        q = quantize(x, plan.scale)
        t = c.public_input(q, name=name) if vis.input == "public" else c.private_input(q, name=name)
        range_check_signed(c, t, n, f"input {name!r} at scale {plan.scale}")
        q_inputs[name] = Q(t, plan.scale)
    low = Lowering(graph, backend, plan.scale, param)
    outputs = low.run(q_inputs)
    if vis.params == "hashed":
        bits = c.concatenate([b.flatten() for b in param_bits]) if param_bits else c.constant(np.zeros(0, dtype=np.int64))
        c.output(commit_params(c, bits, [t for _, t in param_layout], c.constant(0)), "model_commitment")
    if vis.input == "hashed":
        for name, q in q_inputs.items():
            c.output(commit(c, q.data, salt_t), f"{name}.commitment")
    for name, t in attested.items():
        c.output(commit(c, t, salt_t), f"{name}.commitment")
    for name, q in outputs.items():
        if vis.output == "public":
            c.output(q.data, name)
        elif vis.output == "hashed":
            c.output(commit(c, q.data, salt_t), f"{name}.commitment")
    prove_claim(c, claim, outputs, publics or {})
    if witness_only:
        return Built(c, outputs, None, c.witness(), param_layout)
    r1cs, witness = c.build()
    return Built(c, outputs, r1cs, witness, param_layout)


def _signal_meaning(layout: list[dict[str, Any]], input_scale: int, out_scales: dict[str, int], vis: Visibility,
                    claim: Claim, input_names: list[str]) -> list[dict[str, Any]]:
    for entry in layout:
        name = entry["name"]
        base = name.removesuffix(".commitment")
        if name == "model_commitment":
            entry["meaning"] = ("Poseidon commitment to the quantized parameters in graph order: a header with each "
                                "tensor's shape and width (quantization.param_layout), then every tensor as "
                                "offset-binary integers of its width, packed 252 bits per field element "
                                "(zkml_chain.poseidon.commit_signed, salt 0)")
        elif name.endswith(".commitment") and vis.input == "attested" and base in input_names:
            entry["meaning"] = (f"the attester's commitment to the integer input {base}: "
                                "zkml_chain.poseidon.commit(values, salt), salt from INPUT.json")
        elif name.endswith(".commitment"):
            entry["meaning"] = f"Poseidon commitment to {base} (quantized), salted with INPUT.json's salt"
        elif name == "threshold" and claim.threshold is not None:
            target, index = claim.target()
            s = out_scales[target]
            entry["meaning"] = (f"the claimed lower bound on {target}[{index}], unsigned fixed point: value = signal / "
                                f"2^{s}; the proof shows {target}[{index}] >= it")
            entry["scale_bits"] = s
        elif name in claim.context:
            entry["meaning"] = f"context value {name!r}, bound to the proof (not an input of the model)"
        elif entry["kind"] == "public_input":
            entry["meaning"] = f"the model input {name}, fixed point: value = signal / 2^{input_scale}"
            entry["scale_bits"] = input_scale
        else:
            s = out_scales.get(name, 0)
            entry["meaning"] = f"the model output {name}, fixed point: value = signal / 2^{s} (negatives as r - |v|)"
            entry["scale_bits"] = s
    return layout


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


def _synthetic_samples(graph: Graph, count: int = 64, seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {name: rng.normal(0, 1, (count,) + shape) for name, shape in graph.inputs.items()}


def compile_model(model: Path, out: Path, scale: int = 8, calibration: Path | None = None,
                  vis: Visibility = Visibility(), headroom: int = 2, claim: Claim = Claim()) -> dict[str, Any]:
    """Compile ``model`` into ``out``; returns circuit.json's content."""
    if not 1 <= scale <= 24:
        raise ProofInputError(f"--scale must be between 1 and 24 bits, got {scale}")
    if claim.threshold is not None and vis.output != "private":
        raise ProofInputError("--threshold reveals only the decision: the outputs must stay private "
                              "(--output-visibility private)")
    graph = load(model)
    if calibration is not None:
        samples = read_inputs(graph, read_json(calibration, "calibration file"), batch=True, what=str(calibration))
        if min(len(v) for v in samples.values()) < 1:
            raise ProofInputError(f"{calibration}: no samples")
    else:
        log.warning("no --calibration: bit widths come from 64 standard-normal samples and there is no "
                    "accuracy report; pass real data for a sound plan")
        samples = _synthetic_samples(graph)
    params: dict[str, np.ndarray] = {}
    quantized, backend = run_numpy(graph, samples, scale, params)  # one run gives the widths and the accuracy
    plan = plan_from(backend, scale, headroom)
    check_no_wrap(graph, plan.widths, scale, input_bounds(graph, plan, vis),
                  None if vis.params == "fixed" else {k: 1 << (signed_width(q.ravel()) - 1) for k, q in params.items()})
    report = accuracy(model, samples, quantized) if calibration is not None else None
    pick = 0
    if claim.threshold is not None:  # the example build must satisfy its claim: a sample with output >= 0
        target, index = claim.target()
        if target in quantized:
            ok = np.flatnonzero(np.asarray(quantized[target].data).reshape(len(quantized[target].data), -1)[:, index] >= 0)
            if not len(ok):
                raise ProofInputError(f"--threshold {claim.threshold}: no sample has {target}[{index}] >= 0, "
                                      "and thresholds are unsigned")
            pick = int(ok[0])
    first = {name: v[pick] for name, v in samples.items()}
    if vis.input == "attested":
        first = {name: np.rint(v) for name, v in first.items()}  # synthetic samples are not integers
    built = build(graph, plan, vis, first, salt=1, claim=claim)
    assert built.r1cs is not None
    r1cs_bytes = built.r1cs.to_r1cs()
    out_scales = {name: q.scale for name, q in built.outputs.items()}
    layout = _signal_meaning(built.circuit.public_layout(), plan.scale, out_scales, vis, claim, list(graph.inputs))
    # The model's identity: public signal 0 of every proof, known before any proof (for registries).
    model_commitment = next((str(built.witness[1 + e["index"]]) for e in layout if e["name"] == "model_commitment"), None)
    info = {
        "format": CIRCUIT_FORMAT,
        "model": MODEL_NAME,
        "model_sha256": hashlib.sha256(model.read_bytes()).hexdigest(),
        "visibility": asdict(vis),
        "claim": {"threshold": claim.threshold, "context": list(claim.context)},
        "inputs": {name: list(shape) for name, shape in graph.inputs.items()},
        "outputs": {name: {"shape": list(q.data.shape), "scale_bits": q.scale} for name, q in built.outputs.items()},
        "ops": [{"name": n.name, "op": n.op, "inputs": list(n.inputs), "outputs": list(n.outputs),
                 "shape": list(graph.shapes.get(n.outputs[0], ()))} for n in graph.nodes],
        "quantization": {**plan.to_json(), "param_layout": [{"name": k, "shape": list(t.shape), "width": t.width}
                                                            for k, t in built.param_layout]},
        "constraints": built.r1cs.n_constraints,
        "wires": built.r1cs.n_wires,
        "public_signals": layout,
        "model_commitment": model_commitment,
        "r1cs_sha256": hashlib.sha256(r1cs_bytes).hexdigest(),
        "accuracy": report,
    }
    out.mkdir(parents=True, exist_ok=True)
    write_all({out / CIRCUIT_JSON: json_bytes(info), out / R1CS_NAME: r1cs_bytes})
    if model.resolve() != (out / MODEL_NAME).resolve():
        shutil.copyfile(model, out / MODEL_NAME)
    return info


def read_circuit_info(folder: Path) -> dict[str, Any]:
    """``folder/circuit.json``, refused (with what to do) unless it is of :data:`CIRCUIT_FORMAT`."""
    path = folder / CIRCUIT_JSON
    info = read_json(path, "circuit.json")
    fmt = info.get("format") if isinstance(info, dict) else None
    if fmt == CIRCUIT_FORMAT:
        return info
    if isinstance(fmt, str) and fmt.startswith("zkml-chain circuit "):
        raise ZkmlChainError(f"{path}: compiled by an older zkml-chain ({fmt!r}; this version reads "
                             f"{CIRCUIT_FORMAT!r}, whose model commitment also binds the weights' layout): "
                             f"recompile the model with `zkml-chain compile` and run `zkml-chain setup` again")
    raise ZkmlChainError(f"{path}: not a zkml-chain circuit.json (format {fmt!r})")


@dataclass
class Inference:
    """What `prove` needs from a compiled folder for one input."""

    built: Built
    outputs: dict[str, Any]


def witness_for(folder: Path, input_path: Path) -> Inference:
    """Rebuild the circuit of ``folder`` for the input in ``input_path``; check it is the compiled one."""
    return witness_for_input(folder, read_json(input_path, "input"), str(input_path))


@dataclass(frozen=True)
class CompiledFolder:
    """A folder made by `compile`, loaded once and checked: circuit.json of the current format
    with every field `prove` uses well-typed, and model.onnx unchanged since it was compiled
    (its SHA-256 is in circuit.json)."""

    folder: Path
    info: dict[str, Any]
    graph: Graph
    plan: Plan
    vis: Visibility
    claim: Claim
    n_wires: int
    n_constraints: int

    @classmethod
    def load(cls, folder: Path) -> CompiledFolder:
        info = read_circuit_info(folder)
        path = folder / CIRCUIT_JSON
        try:
            model = info["model"]
            if not isinstance(model, str) or Path(model).name != model or not model:
                raise ValueError(f"model must be a file name in the folder, got {model!r}")
            vis = Visibility(**info["visibility"])
            claim_obj = info.get("claim") or {}
            claim = Claim(threshold=claim_obj.get("threshold"), context=tuple(claim_obj.get("context") or ()))
            if claim.threshold is not None and not isinstance(claim.threshold, str):
                raise ValueError("claim.threshold must be a string OUTPUT:INDEX")
            plan = Plan.from_json(info["quantization"])
            n_wires, n_constraints = info["wires"], info["constraints"]
            if not all(isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in (n_wires, n_constraints)):
                raise ValueError("wires and constraints must be positive integers")
            digest = info["model_sha256"]
        except (KeyError, TypeError, ValueError, AttributeError) as e:
            raise ZkmlChainError(f"{path}: malformed circuit.json ({type(e).__name__}: {e}); recompile the model") from None
        model_path = folder / model
        if not model_path.is_file():
            raise ZkmlChainError(f"{folder}: {model} is missing (it is part of the compiled folder)")
        if hashlib.sha256(model_path.read_bytes()).hexdigest() != digest:
            raise ZkmlChainError(f"{model_path} changed since it was compiled (its SHA-256 differs from circuit.json's): "
                                 "recompile it with `zkml-chain compile`")
        graph = load(model_path)
        missing = [n for n in graph.inputs if input_key(n) not in plan.widths]
        if missing:
            raise ZkmlChainError(f"{path}: malformed circuit.json (no calibrated width for input {missing[0]!r}); "
                                 "recompile the model")
        return cls(folder, info, graph, plan, vis, claim, n_wires, n_constraints)


def witness_for_input(folder: Path, obj: Any, where: str = "input") -> Inference:
    """As :func:`witness_for`, for INPUT.json's content ``obj`` (``where`` names it in errors)."""
    compiled = CompiledFolder.load(folder)
    graph, plan, vis, claim = compiled.graph, compiled.plan, compiled.vis, compiled.claim
    inputs = read_inputs(graph, obj, batch=False, what=where, integers=vis.input == "attested")
    salt = obj.get("salt") if isinstance(obj, dict) else None
    if vis.needs_salt:
        if salt is None:
            salt = secrets.randbelow(R)
            log.warning("no \"salt\" in %s: using a random one (saved in the output file)", where)
        elif not isinstance(salt, (int, str)) or not str(salt).isdigit() or int(salt) >= R:
            raise ProofInputError(f"{where}: salt must be a decimal integer below r")
    # Only the witness is computed: the R1CS is the compiled one, and `prove` checks the proof
    # before writing it, so a witness that does not fit could never pass as a proof.
    publics = claim.values(obj, where)
    built = build(graph, plan, vis, inputs, int(salt or 0), witness_only=True, claim=claim, publics=publics)
    if built.circuit.n_wires != compiled.n_wires or built.circuit.n_constraints != compiled.n_constraints:
        raise ZkmlChainError(f"{folder / CIRCUIT_JSON} does not describe the circuit it was compiled to (the "
                             f"rebuilt circuit has {built.circuit.n_wires} wires and {built.circuit.n_constraints} "
                             f"constraints, circuit.json says {compiled.n_wires} and {compiled.n_constraints}): "
                             "recompile the model")
    outputs: dict[str, Any] = {}
    raw: dict[str, Any] = {}
    for name, q in built.outputs.items():
        ints = np.asarray(q.data.value(), dtype=object)
        outputs[name] = dequantize(Q(ints, q.scale)).tolist()
        raw[name] = ints.astype(str).tolist()
    outputs["raw"] = raw
    outputs["scale_bits"] = {name: q.scale for name, q in built.outputs.items()}
    if vis.needs_salt:
        outputs["salt"] = str(salt)
    return Inference(built, outputs)
