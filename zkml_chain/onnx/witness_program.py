"""A compiled model's witness program (circuit/program.py): written by `compile` next to the
circuit once a native run has reproduced the build's witness, run by `prove` instead of
rebuilding the circuit in Python.

The program's inputs are the circuit's input wires by name, as :func:`.assemble.build` creates
them: ``salt`` (hashed or attested inputs), each model input (quantized, or the attested
integers), then the claim's ``threshold`` and context values.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import numpy as np

from ..circuit.program import ProgramError, run
from ..field import R
from .assemble import Built
from .claim import Claim
from .inputs import attested_integers
from .lower import quantize
from .quantize import Plan
from .visibility import InputVisibility, Visibility

log = logging.getLogger(__name__)

PROGRAM_NAME = "witness.bin"


def _packed(values: Any) -> bytes:
    return b"".join((int(v) % R).to_bytes(32, "little") for v in np.asarray(values, dtype=object).ravel().tolist())


def checked_program(built: Built) -> bytes | None:
    """``built``'s program, if a native run on the build's own inputs gives its witness and
    outputs exactly (else None, and `prove` keeps the Python builder for this model)."""
    if built.program is None or built.program_inputs is None:
        log.info("no witness program: %s", built.circuit.recorder.unsupported if built.circuit.recorder else "not recorded")
        return None
    try:
        witness, taps = run(built.program, built.program_inputs)
    except ProgramError as e:
        log.warning("no witness program: its run on the compile-time sample failed (%s)", e)
        return None
    outputs = {name: [int(v) for v in np.asarray(q.data.value(), dtype=object).ravel()] for name, q in built.outputs.items()}
    if witness != built.witness.values or taps != outputs:
        log.warning("no witness program: its run on the compile-time sample differs from the build")
        return None
    return built.program


def program_inputs(plan: Plan, vis: Visibility, claim: Claim, out_scales: Mapping[str, int],
                   inputs: Mapping[str, np.ndarray], salt: int, publics: Mapping[str, Any]) -> dict[str, bytes]:
    """The program's inputs for one sample, as :func:`.assemble.build` gives its input wires."""
    values: dict[str, bytes] = {}
    if vis.needs_salt:
        values["salt"] = _packed([salt])
    for name, x in inputs.items():
        attested = vis.input == InputVisibility.ATTESTED
        values[name] = _packed(attested_integers(name, x) if attested else quantize(x, plan.scale))
    if claim.threshold is not None:
        scale = out_scales[claim.threshold.output]
        values["threshold"] = _packed([int(quantize(np.asarray(publics.get("threshold", 0.0)), scale))])
    for name in claim.context:
        values[name] = _packed([publics.get(name, 0)])
    return values


def run_program(program: bytes, values: dict[str, bytes],
                shapes: Mapping[str, list[int]]) -> tuple[bytes, dict[str, np.ndarray]]:
    """The witness (packed) and each output's integers (shaped as ``shapes``); raises
    :class:`ProgramError` when the program cannot (the caller then builds in Python)."""
    witness, taps = run(program, values)
    if set(taps) != set(shapes):
        raise ProgramError(f"malformed witness program: its outputs {sorted(taps)} are not the model's {sorted(shapes)}")
    return witness, {name: np.array(v, dtype=object).reshape(shapes[name]) for name, v in taps.items()}
