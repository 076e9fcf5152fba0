"""The compiled folder's schema: circuit.json's format, its public-signal layout, and reading it.

A folder made by `compile` holds ``model.onnx`` (a copy), ``circuit.json`` (ops, shapes, scales,
bit widths, constraint count, accuracy report and the meaning of every public signal) and
``circuit.r1cs``; `setup` adds ``circuit.zkey`` and ``verification_key.json``. circuit.json
records the SHA-256 of model.onnx and of circuit.r1cs; :class:`~.compiled.CompiledModel` checks
both when it loads a folder.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import ZkmlChainError
from ..files import read_json
from .claim import Claim
from .visibility import InputVisibility, Visibility

MODEL_NAME = "model.onnx"
CIRCUIT_JSON = "circuit.json"
#: circuit.json's format. 2: the model commitment binds the parameters' layout (shapes and widths)
#: and every input is range-checked; a folder of format 1 must be compiled again. 3: a private or
#: hashed parameter is held by its bits alone, with no wire of its own (circuit/bits.signed_bits).
CIRCUIT_FORMAT = "zkml-chain circuit 3"
#: Still proved with, as compiled: each parameter on a wire tied to its bits (its keys and deployed
#: verifiers stay valid).
PARAM_WIRES_FORMAT = "zkml-chain circuit 2"


@dataclass(frozen=True)
class Signal:
    """One named public signal (or a tensor of them) in public.json."""

    name: str
    kind: str  # "output" (computed by the circuit) or "public_input" (given by the prover)
    shape: tuple[int, ...]
    index: int  # its first position in public.json
    count: int
    meaning: str = ""
    scale_bits: int | None = None  # fixed point: value = signal / 2^scale_bits


@dataclass(frozen=True)
class SignalLayout:
    """The public signals of a compiled circuit, by name: public.json's order and each entry's
    meaning. Code finds a signal by name (:meth:`index`, :meth:`wire`), never by position, so a
    change in the order the circuit creates them cannot shift a check onto the wrong value."""

    signals: tuple[Signal, ...]

    @classmethod
    def from_json(cls, entries: Any) -> SignalLayout:
        if not isinstance(entries, list):
            raise ValueError("public_signals must be a list")
        signals, position = [], 0
        for e in entries:
            if not isinstance(e, dict):
                raise ValueError("each public signal must be an object")
            s = Signal(str(e["name"]), str(e["kind"]), tuple(int(v) for v in e["shape"]), int(e["index"]),
                       int(e["count"]), str(e.get("meaning", "")),
                       None if e.get("scale_bits") is None else int(e["scale_bits"]))
            if s.index != position or s.count < 0 or s.kind not in ("output", "public_input"):
                raise ValueError(f"public signal {s.name!r}: inconsistent index, count or kind")
            signals.append(s)
            position += s.count
        names = [s.name for s in signals]
        if len(set(names)) != len(names):
            raise ValueError(f"public signal names repeat: {names}")
        return cls(tuple(signals))

    def to_json(self) -> list[dict[str, Any]]:
        out = []
        for s in self.signals:
            e: dict[str, Any] = {"name": s.name, "kind": s.kind, "shape": list(s.shape), "index": s.index,
                                 "count": s.count, "meaning": s.meaning}
            if s.scale_bits is not None:
                e["scale_bits"] = s.scale_bits
            out.append(e)
        return out

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.signals)

    @property
    def n_public(self) -> int:
        return sum(s.count for s in self.signals)

    def __getitem__(self, name: str) -> Signal:
        for s in self.signals:
            if s.name == name:
                return s
        raise KeyError(f"no public signal {name!r} (the circuit has {', '.join(self.names)})")

    def index(self, name: str) -> int:
        """The position in public.json of the scalar signal ``name``."""
        s = self[name]
        if s.count != 1:
            raise KeyError(f"public signal {name!r} has {s.count} values; index them from {s.index}")
        return s.index

    def wire(self, name: str) -> int:
        """The witness wire of the scalar signal ``name`` (wire 0 is the constant 1)."""
        return 1 + self.index(name)


def describe_signals(layout: list[dict[str, Any]], input_scale: int, out_scales: dict[str, int], vis: Visibility,
                     claim: Claim, input_names: list[str]) -> SignalLayout:
    """The builder's public layout with each signal's meaning and fixed-point scale."""
    for entry in layout:
        name = entry["name"]
        base = name.removesuffix(".commitment")
        if name == "model_commitment":
            entry["meaning"] = ("Poseidon commitment to the quantized parameters in graph order: a header with each "
                                "tensor's shape and width (quantization.param_layout), then every tensor as "
                                "offset-binary integers of its width, packed 252 bits per field element "
                                "(zkml_chain.poseidon.commit_signed, salt 0)")
        elif name.endswith(".commitment") and vis.input == InputVisibility.ATTESTED and base in input_names:
            entry["meaning"] = (f"the attester's commitment to the integer input {base}: "
                                "zkml_chain.poseidon.commit(values, salt), salt from INPUT.json")
        elif name.endswith(".commitment"):
            entry["meaning"] = f"Poseidon commitment to {base} (quantized), salted with INPUT.json's salt"
        elif name == "threshold" and claim.threshold is not None:
            target, index = claim.threshold.output, claim.threshold.index
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
    return SignalLayout.from_json(layout)




def read_circuit_info(folder: Path) -> dict[str, Any]:
    """``folder/circuit.json``, refused (with what to do) unless it is of :data:`CIRCUIT_FORMAT` or
    :data:`PARAM_WIRES_FORMAT`."""
    path = folder / CIRCUIT_JSON
    info = read_json(path, "circuit.json")
    fmt = info.get("format") if isinstance(info, dict) else None
    if fmt in (CIRCUIT_FORMAT, PARAM_WIRES_FORMAT):
        return info
    if isinstance(fmt, str) and fmt.startswith("zkml-chain circuit "):
        raise ZkmlChainError(f"{path}: format {fmt!r}, which this zkml-chain does not read (it reads "
                             f"{PARAM_WIRES_FORMAT!r}, whose model commitment first bound the weights' layout, and "
                             f"{CIRCUIT_FORMAT!r}): recompile the model with this version's `zkml-chain compile` "
                             f"and run `zkml-chain setup` again")
    raise ZkmlChainError(f"{path}: not a zkml-chain circuit.json (format {fmt!r})")
