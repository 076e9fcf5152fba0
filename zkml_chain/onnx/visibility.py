"""What a proof reveals of a model's inputs, parameters and outputs.

The library takes enum members; the command line and circuit.json spell them as their values
("attested", "hashed", ...), parsed by :meth:`Visibility.parse`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any

from ..errors import ProofInputError


class InputVisibility(str, Enum):
    PRIVATE = "private"
    PUBLIC = "public"  # each input value is a public signal
    HASHED = "hashed"  # a salted Poseidon commitment to the quantized input is public
    ATTESTED = "attested"  # integer inputs; the public commitment is the one an attester publishes


class ParamVisibility(str, Enum):
    PRIVATE = "private"  # range-checked witness values, not committed
    HASHED = "hashed"  # committed: the model commitment is public signal 0
    FIXED = "fixed"  # constants in the circuit (public through the circuit itself)


class OutputVisibility(str, Enum):
    PUBLIC = "public"
    PRIVATE = "private"  # with a threshold claim: only the decision is public
    HASHED = "hashed"


@dataclass(frozen=True)
class Visibility:
    input: InputVisibility = InputVisibility.PRIVATE
    params: ParamVisibility = ParamVisibility.HASHED
    output: OutputVisibility = OutputVisibility.PUBLIC

    def __post_init__(self) -> None:
        for field, kind, what in (("input", InputVisibility, "input"), ("params", ParamVisibility, "param"),
                                  ("output", OutputVisibility, "output")):
            value = getattr(self, field)
            if not isinstance(value, kind):
                try:
                    object.__setattr__(self, field, kind(value))
                except ValueError:
                    allowed = ", ".join(m.value for m in kind)
                    raise ProofInputError(f"{what} visibility must be one of {allowed}, got {value!r}") from None

    @classmethod
    def parse(cls, obj: Any) -> Visibility:
        """From circuit.json's ``{"input": ..., "params": ..., "output": ...}``."""
        if not isinstance(obj, dict) or set(obj) != {"input", "params", "output"}:
            raise ValueError(f"visibility must be an object with input, params and output, got {obj!r}")
        return cls(obj["input"], obj["params"], obj["output"])

    def to_json(self) -> dict[str, str]:
        return {"input": self.input.value, "params": self.params.value, "output": self.output.value}

    @property
    def needs_salt(self) -> bool:
        return self.input in (InputVisibility.HASHED, InputVisibility.ATTESTED) or self.output == OutputVisibility.HASHED
