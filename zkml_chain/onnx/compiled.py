"""A compiled model, loaded once: what `prove` (the CLI, the lending app, batch workers) needs.

:meth:`CompiledModel.load` reads a folder made by `compile` and checks it: circuit.json of the
current format with every field well-typed, model.onnx and circuit.r1cs unchanged since they
were compiled (their SHA-256s are in circuit.json). It then rebuilds the circuit's witness for an
input (the structure never depends on values; wire and constraint counts are compared) and
proves with the folder's key. A folder with a witness program (witness_program.py) computes
the witness natively instead; the Python build remains for folders without one and for inputs
the program refuses (the build then names the problem).
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from ..circuit.program import ProgramError
from ..errors import ProofInputError, ZkmlChainError
from ..field import R
from ..files import read_json, sha256_bytes, sha256_file
from ..groth16 import Proof, prove
from ..groth16.mapped import MappedProvingKey
from ..keydir import R1CS_NAME, ZKEY_NAME
from ..witness import Witness
from .artifact import CIRCUIT_JSON, PARAM_WIRES_FORMAT, SignalLayout, read_circuit_info
from .assemble import build
from .claim import Claim
from .graph import Graph, load
from .graph_file import GRAPH_NAME, read_graph
from .inputs import read_inputs
from .lower import Q
from .quantize import Plan, dequantize, input_key
from .visibility import InputVisibility, Visibility
from .witness_program import PROGRAM_NAME, program_inputs, run_program

log = logging.getLogger(__name__)


@dataclass
class Inference:
    """One input through the compiled model: the witness, each output's integers (signed, at
    its scale) and the outputs as the --output file shows them (dequantized, raw)."""

    witness: Witness
    values: dict[str, np.ndarray]
    outputs: dict[str, Any]


@dataclass(frozen=True)
class Proved:
    """A proof (checked against the folder's verifying key), its public signals and the outputs."""

    proof: Proof
    public: list[int]
    outputs: dict[str, Any]


@dataclass(frozen=True)
class CompiledModel:
    """A folder made by `compile` (and `setup`), loaded and checked once."""

    folder: Path
    info: dict[str, Any]  # circuit.json as written (reports, ops, accuracy)
    graph: Graph
    plan: Plan
    vis: Visibility
    claim: Claim
    layout: SignalLayout
    n_wires: int
    n_constraints: int
    model_commitment: int | None  # public signal "model_commitment", when the parameters are hashed
    program: bytes | None = None  # the witness program (witness.bin), when compile wrote one

    @classmethod
    def load(cls, folder: Path) -> CompiledModel:
        info = read_circuit_info(folder)
        path = folder / CIRCUIT_JSON
        try:
            model = info["model"]
            if not isinstance(model, str) or Path(model).name != model or not model:
                raise ValueError(f"model must be a file name in the folder, got {model!r}")
            vis = Visibility.parse(info["visibility"])
            claim_obj = info.get("claim") or {}
            threshold = claim_obj.get("threshold")
            if threshold is not None and not isinstance(threshold, str):
                raise ValueError("claim.threshold must be a string OUTPUT:INDEX")
            claim = Claim.parse(threshold, tuple(claim_obj.get("context") or ()))
            plan = Plan.from_json(info["quantization"])
            n_wires, n_constraints = info["wires"], info["constraints"]
            if not all(isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in (n_wires, n_constraints)):
                raise ValueError("wires and constraints must be positive integers")
            layout = SignalLayout.from_json(info["public_signals"])
            commitment = info.get("model_commitment")
            model_commitment = None if commitment is None else int(commitment)
            digests = {model: info["model_sha256"], R1CS_NAME: info["r1cs_sha256"]}
            if "graph_sha256" in info:  # compiled with the graph IR: prove without onnx
                digests[GRAPH_NAME] = info["graph_sha256"]
            if "witness_program_sha256" in info:
                digests[PROGRAM_NAME] = info["witness_program_sha256"]
            if not all(isinstance(d, str) for d in digests.values()):
                raise ValueError("model_sha256, r1cs_sha256 and graph_sha256 must be strings")
        except (KeyError, TypeError, ValueError, AttributeError, ZkmlChainError) as e:
            raise ZkmlChainError(f"{path}: malformed circuit.json ({type(e).__name__}: {e}); recompile the model") from None
        ir_bytes = program = None
        for name, digest in digests.items():
            file = folder / name
            if not file.is_file():
                raise ZkmlChainError(f"{folder}: {name} is missing (it is part of the compiled folder)")
            if name == GRAPH_NAME:  # read once: hashed here, parsed below
                ir_bytes = file.read_bytes()
                actual = sha256_bytes(ir_bytes)
            elif name == PROGRAM_NAME:
                program = file.read_bytes()
                actual = sha256_bytes(program)
            else:
                actual = sha256_file(file)
            if actual != digest:
                raise ZkmlChainError(f"{file} changed since it was compiled (its SHA-256 differs from circuit.json's): "
                                     "recompile the model with `zkml-chain compile`")
        graph = read_graph(ir_bytes, str(folder / GRAPH_NAME)) if ir_bytes is not None else load(folder / model)
        missing = [n for n in graph.inputs if input_key(n) not in plan.widths]
        if missing:
            raise ZkmlChainError(f"{path}: malformed circuit.json (no calibrated width for input {missing[0]!r}); "
                                 "recompile the model")
        return cls(folder, info, graph, plan, vis, claim, layout, n_wires, n_constraints, model_commitment, program)

    @property
    def param_wires(self) -> bool:
        """Compiled as circuit format 2: each parameter on a wire of its own (see assemble.build)."""
        return bool(self.info["format"] == PARAM_WIRES_FORMAT)

    @cached_property
    def proving_key(self) -> MappedProvingKey:
        """The folder's circuit.zkey (from `setup`), mapped on first use and kept (proved with in
        place: see groth16/mapped.py)."""
        path = self.folder / ZKEY_NAME
        if not path.is_file():
            raise ZkmlChainError(f"{self.folder} has no {ZKEY_NAME}: run `zkml-chain setup {self.folder}` first")
        pk = MappedProvingKey.load(path)
        if pk.n_vars != self.n_wires or pk.n_public != self.layout.n_public:
            raise ZkmlChainError(f"{path} is not this circuit's key ({pk.n_vars} wires and {pk.n_public} public "
                                 f"signals; the circuit has {self.n_wires} and {self.layout.n_public}): run "
                                 f"`zkml-chain setup {self.folder}` again")
        return pk

    def witness_file(self, input_path: Path) -> Inference:
        """:meth:`witness` for INPUT.json at ``input_path``."""
        return self.witness(read_json(input_path, "input"), str(input_path))

    def witness(self, obj: Any, where: str = "input") -> Inference:
        """The witness for INPUT.json's content ``obj`` (``where`` names it in errors): the model's
        inputs, a ``"salt"`` for hashed or attested inputs (random when absent), the claim's
        threshold and context values."""
        graph, plan, vis, claim = self.graph, self.plan, self.vis, self.claim
        inputs = read_inputs(graph, obj, batch=False, what=where, integers=vis.input == InputVisibility.ATTESTED)
        salt = obj.get("salt") if isinstance(obj, dict) else None
        if vis.needs_salt:
            if salt is None:
                salt = secrets.randbelow(R)
                log.warning("no \"salt\" in %s: using a random one (saved in the output file)", where)
            elif not isinstance(salt, (int, str)) or not str(salt).isdigit() or int(salt) >= R:
                raise ProofInputError(f"{where}: salt must be a decimal integer below r")
        # Only the witness is computed: the R1CS is the compiled one, and the proof is checked
        # against the key, so a witness that does not fit could never pass as a proof.
        publics = claim.values(obj, where)
        if self.program is not None and not self.param_wires:
            outs = self.info["outputs"]
            values = program_inputs(plan, vis, claim, {n: o["scale_bits"] for n, o in outs.items()}, inputs,
                                    int(salt or 0), publics)
            try:
                packed, ints = run_program(self.program, values, {n: o["shape"] for n, o in outs.items()})
            except ProgramError as e:  # the build below refuses the input in its own words (or proves)
                log.debug("witness program: %s; building the witness in Python", e)
            else:
                if len(packed) != 32 * self.n_wires:
                    raise ZkmlChainError(f"{self.folder / PROGRAM_NAME} does not describe this circuit: recompile "
                                         "the model")
                scales = {n: int(o["scale_bits"]) for n, o in outs.items()}
                return Inference(Witness(packed), ints, self._outputs(ints, scales, salt))
        built = build(graph, plan, vis, inputs, int(salt or 0), witness_only=True, claim=claim, publics=publics,
                      param_wires=self.param_wires)
        if built.circuit.n_wires != self.n_wires or built.circuit.n_constraints != self.n_constraints:
            raise ZkmlChainError(f"{self.folder / CIRCUIT_JSON} does not describe the circuit it was compiled to (the "
                                 f"rebuilt circuit has {built.circuit.n_wires} wires and {built.circuit.n_constraints} "
                                 f"constraints, circuit.json says {self.n_wires} and {self.n_constraints}): "
                                 "recompile the model")
        ints = {name: np.asarray(q.data.value(), dtype=object) for name, q in built.outputs.items()}
        return Inference(built.witness, ints, self._outputs(ints, {name: q.scale for name, q in built.outputs.items()},
                                                             salt))

    def _outputs(self, ints: dict[str, np.ndarray], scales: dict[str, int], salt: Any) -> dict[str, Any]:
        """The --output file's content: each output dequantized and raw, the scales, the salt."""
        outputs: dict[str, Any] = {name: dequantize(Q(v, scales[name])).tolist() for name, v in ints.items()}
        outputs["raw"] = {name: v.astype(str).tolist() for name, v in ints.items()}
        outputs["scale_bits"] = scales
        if self.vis.needs_salt:
            outputs["salt"] = str(salt)
        return outputs

    def prove(self, obj: Any, where: str = "input", *, check: bool = True) -> Proved:
        """Witness and proof for ``obj``; the proof is checked unless ``check`` is False (benchmarks)."""
        return self.prove_inference(self.witness(obj, where), check=check)

    def prove_inference(self, inference: Inference, *, check: bool = True) -> Proved:
        """The proof for a witness :meth:`witness` computed (callers that report the two steps)."""
        proof, public = prove(self.proving_key, inference.witness, check=check,
                              circuit=self.folder / R1CS_NAME)
        return Proved(proof, public, inference.outputs)
