"""Running a witness program (recorded by circuit/program.py) natively: the witness and the taps
for named inputs. Its own module, outside the circuit package, so that `prove` imports neither
the builder nor numpy.
"""

from __future__ import annotations

from . import _native
from .field import R

HALF = R // 2


class ProgramError(Exception):
    """The program could not compute the witness (the message says why: ``witness: `` for inputs
    a gadget refuses, ``malformed witness program: `` for a corrupt file); callers fall back to
    the Python builder, which reports the problem in its own words."""


def run(program: bytes, inputs: dict[str, bytes]) -> tuple[bytes, dict[str, list[int]]]:
    """The witness (packed, circom order) and the taps (signed ints) of ``program`` on ``inputs``
    (name -> packed field elements)."""
    try:
        witness, taps = _native.run_witness_program(program, list(inputs.items()))
    except ValueError as e:
        raise ProgramError(str(e)) from None
    return witness, {name: _signed_ints(packed) for name, packed in taps}


def _signed_ints(packed: bytes) -> list[int]:
    vals = [int.from_bytes(packed[i:i + 32], "little") for i in range(0, len(packed), 32)]
    return [v - R if v > HALF else v for v in vals]
