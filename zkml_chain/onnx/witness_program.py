"""A compiled model's witness program (circuit/program.py): written by `compile` next to the
circuit once a native run has reproduced the build's witness (compile.py checks that), run by
`prove` instead of rebuilding the circuit in Python. No numpy here: `prove` stays lean.

The program's inputs are the circuit's input wires by name, as :func:`.assemble.build` creates
them: ``salt`` (hashed or attested inputs), each model input (quantized, or the attested
integers), then the claim's ``threshold`` and context values.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from ..attested import attested_values
from ..field import R
from ..witgen import ProgramError, run
from .claim import Claim
from .folder import PROGRAM_NAME  # noqa: F401  (the file's name, with the folder's other names)
from .visibility import InputVisibility, Visibility


def _packed(values: Sequence[int]) -> bytes:
    return b"".join((int(v) % R).to_bytes(32, "little") for v in values)


def quantize_value(x: float, scale: int) -> int:
    """round(x · 2^scale) as lower.quantize computes it (a float64 product, rounded half to even);
    ProgramError when it is not finite (the Python build then names the input)."""
    v = float(x) * 2.0**scale
    if not math.isfinite(v):
        raise ProgramError("witness: a value is not finite once scaled")
    return round(v)


def program_inputs(scale: int, vis: Visibility, claim: Claim, out_scales: Mapping[str, int],
                   inputs: Mapping[str, Sequence[Any]], salt: int | None, publics: Mapping[str, Any]) -> dict[str, bytes]:
    """The program's inputs for one sample (each model input flat, in row-major order), as
    :func:`.assemble.build` gives its input wires."""
    values: dict[str, bytes] = {}
    if vis.needs_salt:
        values["salt"] = _packed([salt or 0])
    for name, x in inputs.items():
        if vis.input == InputVisibility.ATTESTED:
            values[name] = _packed(attested_values(x, f"input {name!r}: element"))
        else:
            values[name] = _packed([quantize_value(v, scale) for v in x])
    if claim.threshold is not None:
        t = quantize_value(publics.get("threshold", 0.0), out_scales[claim.threshold.output])
        values["threshold"] = _packed([t])
    for name in claim.context:
        values[name] = _packed([publics.get(name, 0)])
    return values


def nested(flat: list[int], shape: Sequence[int]) -> Any:
    """``flat`` (row-major) as nested lists of ``shape``."""
    if not shape:
        return flat[0]
    step = len(flat) // shape[0] if shape[0] else 0
    return [nested(flat[i * step:(i + 1) * step], shape[1:]) for i in range(shape[0])]


def run_program(program: bytes, values: dict[str, bytes],
                shapes: Mapping[str, Sequence[int]]) -> tuple[bytes, dict[str, Any]]:
    """The witness (packed) and each output's integers (nested lists shaped as ``shapes``);
    raises :class:`ProgramError` when the program cannot (the caller then builds in Python)."""
    witness, taps = run(program, values)
    if list(taps) != list(shapes) or any(len(taps[n]) != math.prod(s) for n, s in shapes.items()):
        raise ProgramError(f"malformed witness program: its outputs {sorted(taps)} are not the model's {sorted(shapes)}")
    return witness, {name: nested(v, shapes[name]) for name, v in taps.items()}
