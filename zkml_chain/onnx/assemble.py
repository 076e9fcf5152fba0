"""Circuit assembly: one sample of a quantized model, as a circuit (R1CS and witness) or as the
witness alone. Inputs are range-checked to their calibrated widths, parameters committed or
range-checked as their visibility says, outputs revealed, hashed or kept private under a claim."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..circuit import Circuit, Tensor
from ..circuit.bits import MAX_BITS, range_check_signed, signed_bits, to_bits
from ..circuit.hash import commit, commit_params
from ..circuit.program import Recorder
from ..errors import ZkmlChainError
from ..field import R
from ..poseidon import TensorLayout, signed_width
from ..r1cs import R1CS, Witness
from .backend import CircuitBackend
from .claim import Claim
from .claim_circuit import prove_claim
from .graph import Graph
from .inputs import attested_integers
from .lower import Lowering, Q, quantize
from .quantize import Plan, input_key
from .visibility import InputVisibility, OutputVisibility, ParamVisibility, Visibility


@dataclass
class Built:
    circuit: Circuit
    outputs: dict[str, Q]
    r1cs: R1CS | None  # None when built witness-only
    witness: Witness
    param_layout: list[tuple[str, TensorLayout]]  # parameters (hashed or private): shape, offset-binary width
    program: bytes | None = None  # the witness program, when built with ``record`` (None if it could not be)
    program_inputs: dict[str, bytes] | None = None  # what this build gave the program's inputs


def attested_width(n: int, scale: int) -> int:
    """Signed width of an attested integer input whose scaled values have calibrated width n."""
    return max(n - scale, 2)


def input_bounds(graph: Graph, plan: Plan, vis: Visibility) -> dict[str, int]:
    """Each input's largest magnitude at the plan's scale, as :func:`build` range-checks it."""
    out = {}
    for name in graph.inputs:
        n = plan.widths[input_key(name)]
        out[name] = 1 << (attested_width(n, plan.scale) - 1 + plan.scale if vis.input == InputVisibility.ATTESTED else n - 1)
    return out


def build(graph: Graph, plan: Plan, vis: Visibility, inputs: dict[str, np.ndarray], salt: int,
          witness_only: bool = False, claim: Claim = Claim(), publics: dict[str, Any] | None = None,
          param_wires: bool = False, record: bool = False) -> Built:
    """The circuit for one sample, built (R1CS + witness, or only the witness) with the
    quantized outputs. ``publics`` holds the claim's values (see :meth:`Claim.values`).
    ``param_wires``: each parameter on a wire of its own, tied to its bits, as circuit format 2
    built them (to prove with a folder compiled then). ``record``: also record the witness program
    (circuit/program.py), with the model's outputs as its taps."""
    c = Circuit(witness_only=witness_only, recorder=Recorder() if record else None)
    backend = CircuitBackend(c, plan.widths)
    param_bits: list[Tensor] = []
    param_layout: list[tuple[str, TensorLayout]] = []

    def param(key: str, q: np.ndarray) -> Any:
        if vis.params == ParamVisibility.FIXED:
            return q
        # Range-checked in both modes, so no product with a parameter can wrap the field; hashed
        # parameters commit to these very bits (poseidon.commit_signed). Held by the bits alone (a
        # wire and a constraint fewer per parameter): a dense layer's weight enters one product,
        # and gadgets that use a parameter more often (convolutions, batches) narrow it.
        w = signed_width(np.asarray(q).flat)
        if w > MAX_BITS:
            raise ZkmlChainError(f"parameter {key}: values reach 2^{w - 1} at scale {plan.scale}; lower --scale")
        param_layout.append((key, TensorLayout(tuple(np.shape(q)), w)))
        if param_wires:
            t = c.private_input(q, name=f"param:{key}")
            bits = to_bits(c, t + (1 << (w - 1)), w, f"parameter {key}", name=f"param:{key}")
        else:
            t, bits = signed_bits(c, np.asarray(q), w, f"parameter {key}", name=f"param:{key}")
        param_bits.append(bits)
        return t

    salt_t = c.private_input(salt % R, name="salt") if vis.needs_salt else None

    def salted(t: Tensor) -> Tensor:
        if salt_t is None:  # Visibility.needs_salt covers every hashed value
            raise ValueError("a salted commitment without a salt")
        return commit(c, t, salt_t)
    q_inputs, attested = {}, {}
    for name, x in inputs.items():
        # Every input is range-checked to its calibrated width, so that no linear layer over it
        # can wrap the field (quantize.check_no_wrap bounds every value from these widths).
        n = plan.widths[input_key(name)]
        if vis.input == InputVisibility.ATTESTED:  # the committed integers themselves; to fixed point for free
            t = attested[name] = c.private_input(attested_integers(name, x), name=name)
            range_check_signed(c, t, attested_width(n, plan.scale), f"input {name!r} (attested integers)")
            q_inputs[name] = Q(t.scale(1 << plan.scale), plan.scale)
            continue
        qx = quantize(x, plan.scale)
        t = c.public_input(qx, name=name) if vis.input == InputVisibility.PUBLIC else c.private_input(qx, name=name)
        range_check_signed(c, t, n, f"input {name!r} at scale {plan.scale}")
        q_inputs[name] = Q(t, plan.scale)
    low = Lowering(graph, backend, plan.scale, param)
    outputs = low.run(q_inputs)
    if vis.params == ParamVisibility.HASHED:
        bits = c.concatenate([b.flatten() for b in param_bits]) if param_bits else c.constant(np.zeros(0, dtype=np.int64))
        c.output(commit_params(c, bits, [t for _, t in param_layout], c.constant(0)), "model_commitment")
    if vis.input == InputVisibility.HASHED:
        for name, q in q_inputs.items():
            c.output(salted(q.data), f"{name}.commitment")
    for name, t in attested.items():
        c.output(salted(t), f"{name}.commitment")
    for name, q in outputs.items():
        if vis.output == OutputVisibility.PUBLIC:
            c.output(q.data, name)
        elif vis.output == OutputVisibility.HASHED:
            c.output(salted(q.data), f"{name}.commitment")
    prove_claim(c, claim, outputs, publics or {})
    if c.recorder is not None:
        for name, q in outputs.items():
            c.recorder.tap(name, q.data)
    if witness_only:
        return Built(c, outputs, None, c.witness(), param_layout)
    r1cs, witness = c.build()
    if c.recorder is None:
        return Built(c, outputs, r1cs, witness, param_layout)
    return Built(c, outputs, r1cs, witness, param_layout, c.program(), c.recorder.inputs)
