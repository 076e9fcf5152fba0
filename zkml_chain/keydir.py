"""A key folder, as `compile`, `setup` and `prove` use it: circuit.r1cs, circuit.zkey (a snarkjs
zkey, so snarkjs can prove with it too) and verification_key.json (snarkjs format)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from .files import json_bytes, write_all

if TYPE_CHECKING:  # the CLI imports this module; the prover stack loads only when used
    from .groth16.keys import ProvingKey

R1CS_NAME = "circuit.r1cs"
ZKEY_NAME = "circuit.zkey"
VK_NAME = "verification_key.json"


def write_keys(pk: ProvingKey, out: Path, extra: dict[Path, bytes] | None = None) -> None:
    """circuit.zkey and verification_key.json (and ``extra`` files) into ``out``, all or nothing."""
    write_all({out / ZKEY_NAME: pk.to_zkey(), out / VK_NAME: json_bytes(pk.verifying_key.to_snarkjs()), **(extra or {})})


def setup_folder(folder: Path) -> ProvingKey:
    """Development setup for the circuit.r1cs in ``folder``; keys written next to it."""
    from .groth16 import setup
    from .r1cs import R1CS

    pk = setup(R1CS.load(folder / R1CS_NAME))
    write_keys(pk, folder)
    return pk
