"""What every exported project starts from: a proof checked against the key, and the verifier."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..errors import ProofInputError
from ..groth16 import Proof, VerifyingKey, verify
from ..solidity.render import RenderedVerifier, render_verifier


def checked_verifier(vk: VerifyingKey, proof: Proof, public: list[int], *, source: str, batch: bool,
                     allow_development_key: bool) -> RenderedVerifier:
    """The rendered verifier for ``vk``, once ``proof`` is known to verify (else the exported
    tests would fail): a :class:`ProofInputError` naming the problem otherwise."""
    if len(public) != vk.n_public:
        raise ProofInputError(f"{len(public)} public signals for a key with {vk.n_public}")
    if not verify(vk, proof, public):
        raise ProofInputError("the proof does not verify under this verifying key: the exported tests would fail")
    return render_verifier(vk, batch=batch, source=source, allow_development_key=allow_development_key)


@dataclass(frozen=True)
class Exported:
    """A written project: its folder, the verifier contract's name and the files written."""

    folder: Path
    contract: str
    files: tuple[Path, ...]
