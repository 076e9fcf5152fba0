"""One sample of a compiled model, witnessed by its witness program and proved, without numpy or
the circuit builder: the path `prove --input` takes first (its imports are a few modules, not
numpy's ~0.1 s).

Anything this path does not handle the way the Python build would (an input that is not a plain
nested list of numbers of the right size, a value out of range, a folder without a program) gives
None, and the caller proves with :class:`~.compiled.CompiledModel`, which names the problem or
proves; so both paths accept the same inputs and report the same errors.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from ..errors import ProofInputError
from ..groth16.prove import prove
from ..keydir import R1CS_NAME
from ..witgen import ProgramError
from ..witness import Witness
from .folder import ModelFolder, Proved
from .visibility import InputVisibility
from .witness_program import program_inputs, run_program


@dataclass(frozen=True)
class Sample:
    """One input's witness, each output's integers (nested lists) and the --output file's content."""

    witness: Witness
    ints: dict[str, Any]
    outputs: dict[str, Any]


def _flat(value: Any, integers: bool) -> list[Any] | None:
    """A rectangular nested list of numbers (finite floats, or ints and floats for attested
    records), flattened; None for anything else."""
    if not isinstance(value, list):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return None
        if integers:
            return [value]
        try:
            return [value] if math.isfinite(value) else None
        except OverflowError:  # an int beyond float range: the Python build names it
            return None
    parts = [_flat(v, integers) for v in value]
    if any(p is None for p in parts) or len({isinstance(v, list) and len(v) for v in value}) > 1:
        return None
    return [x for p in parts for x in p]  # type: ignore[union-attr]  # None excluded above


def program_witness(f: ModelFolder, obj: Any, where: str) -> Sample | None:
    """The witness for INPUT.json's content ``obj`` by the folder's program, or None (see above)."""
    if f.program is None or f.param_wires or not isinstance(obj, dict):
        return None
    inputs = {}
    for name, shape in f.inputs.items():
        flat = _flat(obj.get(name), f.vis.input == InputVisibility.ATTESTED) if name in obj else None
        if flat is None or len(flat) != math.prod(shape):
            return None
        inputs[name] = flat
    salt = f.salt(obj, where)
    publics = f.claim.values(obj, where)
    try:
        values = program_inputs(f.scale, f.vis, f.claim, {n: o.scale for n, o in f.outputs.items()}, inputs, salt,
                                publics)
        packed, ints = run_program(f.program, values, {n: o.shape for n, o in f.outputs.items()})
    except (ProgramError, ProofInputError):
        return None
    if len(packed) != 32 * f.n_wires:
        return None
    return Sample(Witness(packed), ints, f.output_file(ints, salt))


def prove_sample(f: ModelFolder, obj: Any, where: str, *, check: bool = True) -> Proved | None:
    """:func:`program_witness`, proved with the folder's key (checked unless ``check`` is False)."""
    s = program_witness(f, obj, where)
    if s is None:
        return None
    proof, public = prove(f.proving_key, s.witness, check=check, circuit=f.folder / R1CS_NAME)
    return Proved(proof, public, s.outputs)
