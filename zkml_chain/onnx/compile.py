"""`zkml-chain compile`: an ONNX model and calibration data -> a compiled folder.

Quantize (calibrated bit widths), check that no value of any satisfying witness can wrap the
field, report accuracy against onnxruntime, assemble the circuit once, and write the folder
(:mod:`.artifact` is its schema; :class:`~.compiled.CompiledModel` loads it to prove).
"""

from __future__ import annotations

import hashlib
import logging
import shutil
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import ProofInputError
from ..files import json_bytes, read_json, write_all
from ..keydir import R1CS_NAME
from ..poseidon import signed_width
from ..witgen import ProgramError
from .accuracy import accuracy, synthetic_samples
from .artifact import CIRCUIT_FORMAT, CIRCUIT_JSON, MODEL_NAME, describe_signals
from .assemble import Built, build, input_bounds
from .bounds import check_no_wrap
from .claim import Claim
from .folder import PROGRAM_NAME
from .graph import load
from .graph_file import GRAPH_NAME, graph_bytes
from .inputs import read_inputs
from .quantize import plan_from, run_numpy
from .visibility import InputVisibility, OutputVisibility, ParamVisibility, Visibility
from .witness_program import run_program

log = logging.getLogger(__name__)


def checked_program(built: Built) -> bytes | None:
    """``built``'s witness program, if a native run on the build's own inputs gives its witness
    and outputs exactly (else None, and `prove` keeps the Python build for this model)."""
    if built.program is None or built.program_inputs is None:
        log.info("no witness program: %s", built.circuit.recorder.unsupported if built.circuit.recorder else "not recorded")
        return None
    shapes = {name: q.data.shape for name, q in built.outputs.items()}
    try:
        witness, ints = run_program(built.program, built.program_inputs, shapes)
    except ProgramError as e:
        log.warning("no witness program: its run on the compile-time sample failed (%s)", e)
        return None
    outputs = {name: np.asarray(q.data.value(), dtype=object).tolist() for name, q in built.outputs.items()}
    if witness != built.witness.values or ints != outputs:
        log.warning("no witness program: its run on the compile-time sample differs from the build")
        return None
    return built.program


def compile_model(model: Path, out: Path, scale: int = 8, calibration: Path | None = None,
                  vis: Visibility = Visibility(), headroom: int = 2, claim: Claim = Claim()) -> dict[str, Any]:
    """Compile ``model`` into ``out``; returns circuit.json's content."""
    if not 1 <= scale <= 24:
        raise ProofInputError(f"--scale must be between 1 and 24 bits, got {scale}")
    if claim.threshold is not None and vis.output != OutputVisibility.PRIVATE:
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
        samples = synthetic_samples(graph)
    params: dict[str, np.ndarray] = {}
    quantized, backend = run_numpy(graph, samples, scale, params)  # one run gives the widths and the accuracy
    plan = plan_from(backend, scale, headroom)
    param_bounds = {k: 1 << (signed_width(q.ravel()) - 1) for k, q in params.items()}
    check_no_wrap(graph, plan.widths, scale, input_bounds(graph, plan, vis),
                  None if vis.params == ParamVisibility.FIXED else param_bounds)
    report = accuracy(model, samples, quantized) if calibration is not None else None
    pick = 0
    if claim.threshold is not None:  # the example build must satisfy its claim: a sample with output >= 0
        target, index = claim.threshold.output, claim.threshold.index
        if target in quantized:
            ok = np.flatnonzero(np.asarray(quantized[target].data).reshape(len(quantized[target].data), -1)[:, index] >= 0)
            if not len(ok):
                raise ProofInputError(f"--threshold {claim.threshold}: no sample has {target}[{index}] >= 0, "
                                      "and thresholds are unsigned")
            pick = int(ok[0])
    first = {name: v[pick] for name, v in samples.items()}
    if vis.input == InputVisibility.ATTESTED:
        first = {name: np.rint(v) for name, v in first.items()}  # synthetic samples are not integers
    built = build(graph, plan, vis, first, salt=1, claim=claim, record=True)
    assert built.r1cs is not None
    r1cs_bytes = built.r1cs.to_r1cs()
    out_scales = {name: q.scale for name, q in built.outputs.items()}
    layout = describe_signals(built.circuit.public_layout(), plan.scale, out_scales, vis, claim, list(graph.inputs))
    # The model's identity: public signal 0 of every proof, known before any proof (for registries).
    model_commitment = str(built.witness[layout.wire("model_commitment")]) if "model_commitment" in layout.names else None
    info = {
        "format": CIRCUIT_FORMAT,
        "model": MODEL_NAME,
        "model_sha256": hashlib.sha256(model.read_bytes()).hexdigest(),
        "visibility": vis.to_json(),
        "claim": claim.to_json(),
        "inputs": {name: list(shape) for name, shape in graph.inputs.items()},
        "outputs": {name: {"shape": list(q.data.shape), "scale_bits": q.scale} for name, q in built.outputs.items()},
        "ops": [{"name": n.name, "op": n.op, "inputs": list(n.inputs), "outputs": list(n.outputs),
                 "shape": list(graph.shapes.get(n.outputs[0], ()))} for n in graph.nodes],
        "quantization": {**plan.to_json(), "param_layout": [{"name": k, "shape": list(t.shape), "width": t.width}
                                                            for k, t in built.param_layout]},
        "constraints": built.r1cs.n_constraints,
        "wires": built.r1cs.n_wires,
        "public_signals": layout.to_json(),
        "model_commitment": model_commitment,
        "r1cs_sha256": hashlib.sha256(r1cs_bytes).hexdigest(),
        "accuracy": report,
    }
    files = {out / R1CS_NAME: r1cs_bytes}
    program = checked_program(built)
    if program is not None:  # prove then computes the witness natively (witness_program.py)
        info["witness_program_sha256"] = hashlib.sha256(program).hexdigest()
        files[out / PROGRAM_NAME] = program
    ir = graph_bytes(graph)
    if ir is not None:  # prove then reads the graph without onnx (graph_file.py)
        info["graph_sha256"] = hashlib.sha256(ir).hexdigest()
        files[out / GRAPH_NAME] = ir
    out.mkdir(parents=True, exist_ok=True)
    write_all({out / CIRCUIT_JSON: json_bytes(info), **files})
    if ir is None:  # an earlier compile's archive, which this circuit.json no longer names
        (out / GRAPH_NAME).unlink(missing_ok=True)
    if program is None:  # likewise an earlier compile's program
        (out / PROGRAM_NAME).unlink(missing_ok=True)
    if model.resolve() != (out / MODEL_NAME).resolve():
        shutil.copyfile(model, out / MODEL_NAME)
    return info
