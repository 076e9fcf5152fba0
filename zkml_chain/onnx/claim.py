"""Claims: what a proof states instead of revealing the outputs.

A threshold claim proves OUTPUT[INDEX] >= a public threshold (both unsigned 64-bit, so neither
can wrap the field); context values are public inputs the model never reads, bound to the proof
by Groth16's public-input rows (a borrower, a chain id, a nonce: no replay elsewhere).

This module only describes and reads claims (no numpy: `prove` reads them lean); claim_circuit.py
proves them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..errors import ProofInputError
from ..field import R

#: Unsigned width of a claimed threshold and of output − threshold (far above any output here).
THRESHOLD_BITS = 64


@dataclass(frozen=True)
class Threshold:
    """The output a threshold claim bounds: ``output[index]`` (a flat index into that output)."""

    output: str
    index: int

    @classmethod
    def parse(cls, text: str) -> Threshold:
        """From the command line's ``OUTPUT:INDEX``, e.g. ``probabilities:1``."""
        name, _, index = str(text).rpartition(":")
        if not name or not index.isdigit():
            raise ProofInputError(f"--threshold {text!r}: expected OUTPUT:INDEX, e.g. probabilities:1")
        return cls(name, int(index))

    def __str__(self) -> str:
        return f"{self.output}:{self.index}"


@dataclass(frozen=True)
class Claim:
    """What a proof states besides the model's commitment. ``threshold``: OUTPUT[INDEX] >= a
    public threshold, the output itself staying private. ``context``: named public values bound to
    the proof, e.g. a borrower's address, the chain id and a nonce, so that a proof cannot be
    replayed in another context."""

    threshold: Threshold | None = None
    context: tuple[str, ...] = ()

    @classmethod
    def parse(cls, threshold: str | None, context: tuple[str, ...] | list[str] = ()) -> Claim:
        """From the command line's (and circuit.json's) strings."""
        return cls(None if threshold is None else Threshold.parse(threshold), tuple(context))

    def to_json(self) -> dict[str, Any]:
        return {"threshold": None if self.threshold is None else str(self.threshold), "context": list(self.context)}

    def __post_init__(self) -> None:
        object.__setattr__(self, "context", tuple(self.context))
        if self.threshold is not None and not isinstance(self.threshold, Threshold):
            raise ProofInputError(f"claim threshold must be a Threshold (Threshold.parse({self.threshold!r}))")
        names = [*self.context, *(["threshold"] if self.threshold else [])]
        for name in self.context:
            if not name.isidentifier():
                raise ProofInputError(f"--context {name!r}: use a name made of letters, digits and _")
        if len(set(names)) != len(names):
            raise ProofInputError(f"claim: public value names must be distinct, got {names}")

    def values(self, obj: dict[str, Any], where: str) -> dict[str, Any]:
        """The threshold (a number, in the output's units) and context values from INPUT.json."""
        out: dict[str, Any] = {}
        if self.threshold is not None:
            t = obj.get("threshold")
            if isinstance(t, bool) or not isinstance(t, (int, float)):
                raise ProofInputError(f"{where}: \"threshold\" must be a number (the claimed lower bound on "
                                      f"{self.threshold})")
            try:
                out["threshold"] = float(t)
            except OverflowError:  # an int beyond float range
                raise ProofInputError(f"{where}: \"threshold\" must be a number within float range") from None
        for name in self.context:
            v = obj.get(name)
            try:
                value = int(v, 0) if isinstance(v, str) else v
                if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < R:
                    raise ValueError
            except ValueError:
                raise ProofInputError(f"{where}: {name!r} must be an integer in [0, r) (decimal or 0x-hex), "
                                      f"got {v!r}") from None
            out[name] = value
        return out
