"""Groth16 proofs and public signals in snarkjs's JSON formats.

``proof.json``: ``{"pi_a": [x, y, "1"], "pi_b": [[x0, x1], [y0, y1], ["1", "0"]],
"pi_c": [x, y, "1"], "protocol": "groth16", "curve": "bn128"}``; ``public.json``: a list of
decimal strings, the public signals in wire order (outputs, then public inputs).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..curve import G1Point, G2Point
from ..errors import FileFormatError, ProofInputError
from ..files import read_json, write_json


@dataclass(frozen=True)
class Proof:
    """A Groth16 proof (A in G1, B in G2, C in G1); 256 bytes on chain."""

    a: G1Point
    b: G2Point
    c: G1Point

    def to_snarkjs(self) -> dict[str, Any]:
        return {
            "pi_a": self.a.to_snarkjs(),
            "pi_b": self.b.to_snarkjs(),
            "pi_c": self.c.to_snarkjs(),
            "protocol": "groth16",
            "curve": "bn128",
        }

    @classmethod
    def from_snarkjs(cls, obj: Any) -> Proof:
        if not isinstance(obj, dict):
            raise ProofInputError("proof: expected a JSON object with pi_a, pi_b, pi_c")
        if obj.get("protocol", "groth16") != "groth16":
            raise ProofInputError(f"proof: protocol is {obj.get('protocol')!r}, only groth16 is supported")
        if obj.get("curve", "bn128") not in ("bn128", "bn254"):
            raise ProofInputError(f"proof: curve is {obj.get('curve')!r}, only bn128 (BN254) is supported")
        missing = [k for k in ("pi_a", "pi_b", "pi_c") if k not in obj]
        if missing:
            raise ProofInputError(f"proof: missing {', '.join(missing)}")
        return cls(
            G1Point.from_snarkjs(obj["pi_a"], "pi_a"),
            G2Point.from_snarkjs(obj["pi_b"], "pi_b"),
            G1Point.from_snarkjs(obj["pi_c"], "pi_c"),
        )

    def evm_words(self) -> list[int]:
        """[A.x, A.y, B.x1, B.x0, B.y1, B.y0, C.x, C.y]: B imaginary part first, as the pairing
        precompile and snarkjs's `generatecall` order it; one proof of `verifyBatch`."""
        return [self.a.x, self.a.y, *self.b.evm_words(), self.c.x, self.c.y]

    def verify_proof_args(self) -> tuple[list[int], list[list[int]], list[int]]:
        """(pA, pB, pC) for a Solidity `verifyProof(pA, pB, pC, pubSignals)`."""
        w = self.evm_words()
        return w[0:2], [w[2:4], w[4:6]], w[6:8]

    def save(self, path: Path) -> None:
        write_json(path, self.to_snarkjs())

    @classmethod
    def load(cls, path: Path) -> Proof:
        try:
            return cls.from_snarkjs(read_json(path, "proof"))
        except ProofInputError as e:
            raise FileFormatError(path, str(e)) from None


def save_public(path: Path, signals: Sequence[int]) -> None:
    write_json(path, [str(v) for v in signals])


def load_public(path: Path) -> list[int]:
    """Read ``public.json``. Range checks (< r) are the verifier's, so ``x + r`` reaches it."""
    obj = read_json(path, "public signals")
    if not isinstance(obj, list):
        raise FileFormatError(path, "public signals: expected a JSON list of decimal strings")
    out = []
    for i, v in enumerate(obj):
        if isinstance(v, bool) or not isinstance(v, (str, int)):
            raise FileFormatError(path, f"public signal {i}: expected a decimal string, got {v!r:.40}")
        try:
            out.append(int(v))
        except ValueError:
            raise FileFormatError(path, f"public signal {i}: {v!r:.40} is not a decimal integer") from None
    return out
