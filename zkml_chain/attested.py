"""An attested record's values: the signed integers a bureau commits to (poseidon.commit_integers)
and a circuit takes as its attested input. Without numpy, so `prove` can read them lean."""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable

from .errors import ProofInputError

#: An attested record (the private input a bureau commits to) holds signed integers of this many
#: bits; the attester (:func:`commit_integers`) and the circuit both encode v as v mod r.
ATTESTED_BITS = 64


def attested_values(values: Iterable[object], what: str = "attested value") -> list[int]:
    """The record as Python ints, each a signed 64-bit integer: ints, numpy ints, or floats that
    are exactly integers (|v| <= 2^53, where float64 is exact). Anything else (booleans included)
    is a :class:`ProofInputError` naming the element."""
    out: list[int] = []
    lo, hi = -(1 << (ATTESTED_BITS - 1)), 1 << (ATTESTED_BITS - 1)
    for i, v in enumerate(values):
        ok = False
        if isinstance(v, bool) or type(v).__name__ == "bool_":  # numpy's bool is no number; Python's is
            pass
        elif isinstance(v, numbers.Integral):
            ok, v = True, int(v)
        elif isinstance(v, numbers.Real):
            f = float(v)
            ok = math.isfinite(f) and f.is_integer() and abs(f) <= 2.0**53
            v = int(f) if ok else v
        if not ok or not lo <= v < hi:  # type: ignore[operator]
            raise ProofInputError(f"{what} {i} = {v!r}: an attested record holds signed {ATTESTED_BITS}-bit "
                                  f"integers (floats only when exactly integral and at most 2^53)")
        out.append(int(v))  # type: ignore[call-overload]  # an int by now: checked above
    return out
