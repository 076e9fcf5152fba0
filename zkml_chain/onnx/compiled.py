"""A compiled model, loaded once: what `prove` (the CLI, the lending app, batch workers) needs.

:meth:`CompiledModel.load` reads a folder made by `compile` and checks it (folder.py: circuit.json
well-typed, its files unchanged since they were compiled), then the graph and the quantization
plan. A witness comes from the folder's witness program when it has one (sample.py); otherwise,
or for an input the program refuses, the circuit is rebuilt for the input in Python (the
structure never depends on values; wire and constraint counts are compared), which names the
problem or proves.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import ZkmlChainError
from ..files import read_json
from ..groth16 import prove
from ..groth16.mapped import MappedProvingKey
from ..keydir import R1CS_NAME
from ..witness import Witness
from .artifact import CIRCUIT_JSON, SignalLayout
from .assemble import build
from .claim import Claim
from .folder import ModelFolder, Proved
from .graph import Graph, load
from .graph_file import GRAPH_NAME, read_graph
from .inputs import read_inputs
from .quantize import Plan, input_key
from .sample import program_witness
from .visibility import InputVisibility, Visibility

log = logging.getLogger(__name__)

__all__ = ["CompiledModel", "Inference", "Proved"]


@dataclass
class Inference:
    """One input through the compiled model: the witness, each output's integers (signed, at
    its scale) and the outputs as the --output file shows them (dequantized, raw)."""

    witness: Witness
    values: dict[str, np.ndarray]
    outputs: dict[str, Any]


@dataclass(frozen=True)
class CompiledModel:
    """A folder made by `compile` (and `setup`), loaded and checked once."""

    checked: ModelFolder
    graph: Graph
    plan: Plan

    @classmethod
    def load(cls, folder: Path) -> CompiledModel:
        return cls.from_folder(ModelFolder.load(folder))

    @classmethod
    def from_folder(cls, f: ModelFolder) -> CompiledModel:
        """The model of a folder already checked (the graph and plan added)."""
        path = f.folder / CIRCUIT_JSON
        try:
            plan = Plan.from_json(f.info["quantization"])
        except (KeyError, TypeError, ValueError, AttributeError) as e:
            raise ZkmlChainError(f"{path}: malformed circuit.json ({type(e).__name__}: {e}); recompile the model") from None
        graph = read_graph(f.graph_bytes, str(f.folder / GRAPH_NAME)) if f.graph_bytes is not None else load(
            f.folder / f.model)
        missing = [n for n in graph.inputs if input_key(n) not in plan.widths]
        if missing:
            raise ZkmlChainError(f"{path}: malformed circuit.json (no calibrated width for input {missing[0]!r}); "
                                 "recompile the model")
        return cls(f, graph, plan)

    # the checked folder's fields (folder.py), read through the model
    @property
    def folder(self) -> Path:
        return self.checked.folder

    @property
    def info(self) -> dict[str, Any]:
        return self.checked.info

    @property
    def vis(self) -> Visibility:
        return self.checked.vis

    @property
    def claim(self) -> Claim:
        return self.checked.claim

    @property
    def layout(self) -> SignalLayout:
        return self.checked.layout

    @property
    def n_wires(self) -> int:
        return self.checked.n_wires

    @property
    def n_constraints(self) -> int:
        return self.checked.n_constraints

    @property
    def model_commitment(self) -> int | None:
        return self.checked.model_commitment

    @property
    def program(self) -> bytes | None:
        return self.checked.program

    @property
    def param_wires(self) -> bool:
        return self.checked.param_wires

    @cached_property
    def proving_key(self) -> MappedProvingKey:
        """The folder's circuit.zkey (see ModelFolder.proving_key)."""
        return self.checked.proving_key

    def witness_file(self, input_path: Path) -> Inference:
        """:meth:`witness` for INPUT.json at ``input_path``."""
        return self.witness(read_json(input_path, "input"), str(input_path))

    def witness(self, obj: Any, where: str = "input") -> Inference:
        """The witness for INPUT.json's content ``obj`` (``where`` names it in errors): the model's
        inputs, a ``"salt"`` for hashed or attested inputs (random when absent), the claim's
        threshold and context values."""
        sample = program_witness(self.checked, obj, where)
        if sample is not None:
            return Inference(sample.witness, {n: np.array(v, dtype=object) for n, v in sample.ints.items()},
                             sample.outputs)
        graph, plan, vis, claim = self.graph, self.plan, self.vis, self.claim
        inputs = read_inputs(graph, obj, batch=False, what=where, integers=vis.input == InputVisibility.ATTESTED)
        salt = self.checked.salt(obj, where)
        # Only the witness is computed: the R1CS is the compiled one, and the proof is checked
        # against the key, so a witness that does not fit could never pass as a proof.
        publics = claim.values(obj, where)
        built = build(graph, plan, vis, inputs, salt or 0, witness_only=True, claim=claim, publics=publics,
                      param_wires=self.param_wires)
        if built.circuit.n_wires != self.n_wires or built.circuit.n_constraints != self.n_constraints:
            raise ZkmlChainError(f"{self.folder / CIRCUIT_JSON} does not describe the circuit it was compiled to (the "
                                 f"rebuilt circuit has {built.circuit.n_wires} wires and {built.circuit.n_constraints} "
                                 f"constraints, circuit.json says {self.n_wires} and {self.n_constraints}): "
                                 "recompile the model")
        ints = {name: np.asarray(q.data.value(), dtype=object) for name, q in built.outputs.items()}
        return Inference(built.witness, ints, self.checked.output_file({n: v.tolist() for n, v in ints.items()}, salt))

    def prove(self, obj: Any, where: str = "input", *, check: bool = True) -> Proved:
        """Witness and proof for ``obj``; the proof is checked unless ``check`` is False (benchmarks)."""
        return self.prove_inference(self.witness(obj, where), check=check)

    def prove_inference(self, inference: Inference, *, check: bool = True) -> Proved:
        """The proof for a witness :meth:`witness` computed (callers that report the two steps)."""
        proof, public = prove(self.proving_key, inference.witness, check=check,
                              circuit=self.folder / R1CS_NAME)
        return Proved(proof, public, inference.outputs)
