"""A compiled folder's circuit.json, read and checked without numpy: what both ways of proving
start from (prove_sample.py natively, compiled.py with the Python build).

:meth:`ModelFolder.load` refuses a circuit.json that is not of a format this version reads or has
a field of the wrong type, and any file it names (model.onnx, circuit.r1cs, graph.npz,
witness.bin) that changed since it was compiled (their SHA-256s are in circuit.json).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from ..errors import ProofInputError, ZkmlChainError
from ..field import R
from ..files import sha256_bytes, sha256_file
from ..groth16.mapped import MappedProvingKey
from ..groth16.proof import Proof
from ..keydir import R1CS_NAME, ZKEY_NAME
from .artifact import CIRCUIT_JSON, PARAM_WIRES_FORMAT, SignalLayout, read_circuit_info
from .claim import Claim
from .visibility import Visibility

GRAPH_NAME = "graph.npz"  # graph_file.py writes it (with numpy)
PROGRAM_NAME = "witness.bin"  # witness_program.py


@dataclass(frozen=True)
class Proved:
    """A proof (checked against the folder's verifying key), its public signals and the outputs."""

    proof: Proof
    public: list[int]
    outputs: dict[str, Any]


@dataclass(frozen=True)
class Output:
    shape: tuple[int, ...]
    scale: int


def _shape(v: Any, what: str) -> tuple[int, ...]:
    if not isinstance(v, list) or not all(isinstance(d, int) and not isinstance(d, bool) and d >= 0 for d in v):
        raise ValueError(f"{what} must be a list of sizes")
    return tuple(v)


@dataclass(frozen=True)
class ModelFolder:
    """A folder made by `compile` (and `setup`), its circuit.json checked."""

    folder: Path
    info: dict[str, Any]  # circuit.json as written (reports, ops, accuracy)
    model: str  # the ONNX file's name in the folder
    vis: Visibility
    claim: Claim
    layout: SignalLayout
    scale: int  # the inputs' fixed-point scale (bits)
    inputs: dict[str, tuple[int, ...]]  # the model's inputs and their shapes
    outputs: dict[str, Output]  # the model's outputs (shapes, scales)
    n_wires: int
    n_constraints: int
    model_commitment: int | None  # public signal "model_commitment", when the parameters are hashed
    graph_bytes: bytes | None  # graph.npz, when compiled with the graph IR (prove then needs no onnx)
    program: bytes | None  # the witness program (witness.bin), when compile wrote one

    @classmethod
    def load(cls, folder: Path) -> ModelFolder:
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
            scale = info["quantization"]["scale_bits"]
            if isinstance(scale, bool) or not isinstance(scale, int) or not 1 <= scale <= 24:
                raise ValueError(f"quantization.scale_bits must be an integer in 1..24, got {scale!r:.40}")
            inputs = {str(k): _shape(v, f"the shape of input {k}") for k, v in info["inputs"].items()}
            widths = info["quantization"]["widths"]
            missing = [n for n in inputs if f"input:{n}" not in widths]
            outputs = {str(k): Output(_shape(v["shape"], f"the shape of output {k}"), int(v["scale_bits"]))
                       for k, v in info["outputs"].items()}
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
                raise ValueError("model_sha256, r1cs_sha256, graph_sha256 and witness_program_sha256 must be strings")
        except (KeyError, TypeError, ValueError, AttributeError, ZkmlChainError) as e:
            raise ZkmlChainError(f"{path}: malformed circuit.json ({type(e).__name__}: {e}); recompile the model") from None
        if missing:  # both ways of proving refuse it (the Python build range-checks inputs by it)
            raise ZkmlChainError(f"{path}: malformed circuit.json (no calibrated width for input {missing[0]!r}); "
                                 "recompile the model")
        read: dict[str, bytes] = {}
        for name, digest in digests.items():
            file = folder / name
            if not file.is_file():
                raise ZkmlChainError(f"{folder}: {name} is missing (it is part of the compiled folder)")
            if name in (GRAPH_NAME, PROGRAM_NAME):  # read once: hashed here, used later
                read[name] = file.read_bytes()
                actual = sha256_bytes(read[name])
            else:
                actual = sha256_file(file)
            if actual != digest:
                raise ZkmlChainError(f"{file} changed since it was compiled (its SHA-256 differs from circuit.json's): "
                                     "recompile the model with `zkml-chain compile`")
        return cls(folder, info, model, vis, claim, layout, scale, inputs, outputs, n_wires, n_constraints,
                   model_commitment, read.get(GRAPH_NAME), read.get(PROGRAM_NAME))

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

    def salt(self, obj: Any, where: str) -> int | None:
        """INPUT.json's ``"salt"`` for hashed or attested inputs (random when absent: the output
        file keeps it); None when the inputs need none."""
        if not self.vis.needs_salt:
            return None
        salt = obj.get("salt") if isinstance(obj, dict) else None
        if salt is None:
            import logging

            logging.getLogger(__name__).warning("no \"salt\" in %s: using a random one (saved in the output file)", where)
            return secrets.randbelow(R)
        if not isinstance(salt, (int, str)) or not str(salt).isdigit() or int(salt) >= R:
            raise ProofInputError(f"{where}: salt must be a decimal integer below r")
        return int(salt)

    def output_file(self, ints: dict[str, Any], salt: int | None) -> dict[str, Any]:
        """The --output file's content from each output's integers (nested lists, signed): the
        outputs dequantized and raw, their scales, and the salt."""
        def nest(v: Any, f: Any) -> Any:
            return [nest(x, f) for x in v] if isinstance(v, list) else f(v)

        out: dict[str, Any] = {name: nest(v, lambda q, s=self.outputs[name].scale: float(q) / 2.0**s)
                               for name, v in ints.items()}
        out["raw"] = {name: nest(v, str) for name, v in ints.items()}
        out["scale_bits"] = {name: self.outputs[name].scale for name in ints}
        if self.vis.needs_salt:
            out["salt"] = str(salt)
        return out
