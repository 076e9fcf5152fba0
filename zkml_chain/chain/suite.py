"""Verifier test/benchmark suites: a key with ℓ public inputs, proofs of distinct statements,
and the Solidity sources to compare (ours, our batch verifier, snarkjs's verifier of the key).

Used by the gas benchmark (`ape run gas_benchmark`) and by the tests, so both measure the same
contracts.
"""

from __future__ import annotations

import logging
import random
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .. import toolchain
from ..errors import ToolchainError
from ..field import R
from ..groth16 import ProvingKey, prove, setup
from ..groth16.proof import Proof
from ..samples import public_powers
from ..solidity import render_verifier

log = logging.getLogger(__name__)



@dataclass(frozen=True)
class Case:
    """A development key for `public_powers(ell)` and proofs of ``len(statements)`` statements."""

    ell: int
    pk: ProvingKey
    statements: tuple[tuple[Proof, list[int]], ...]

    def sources(self, snarkjs: bool = True) -> dict[str, str]:
        """{file: source} with contracts Verifier<ℓ>, BatchVerifier<ℓ> and (optionally) Snarkjs<ℓ>."""
        vk = self.pk.verifying_key
        out = {
            f"Verifier{self.ell}.sol": render_verifier(vk, contract_name=f"Verifier{self.ell}",
                                                       allow_development_key=True).source,
            f"BatchVerifier{self.ell}.sol": render_verifier(vk, contract_name=f"BatchVerifier{self.ell}",
                                                            batch=True, allow_development_key=True).source,
        }
        if snarkjs:
            out[f"Snarkjs{self.ell}.sol"] = snarkjs_verifier_source(self.pk, f"Snarkjs{self.ell}")
        return out


def build_case(ell: int, n_statements: int, seed: int = 0) -> Case:
    """Key and proofs for ℓ public inputs, each a full-size field element (worst-case calldata)."""
    r1cs, _ = public_powers(ell)
    pk = setup(r1cs, rng=random.Random(seed * 1_000 + ell))
    rng = random.Random(seed * 1_000 + ell + 1)
    statements = tuple(prove(pk, public_powers(ell, rng.randrange(2**200, R))[1]) for _ in range(n_statements))
    return Case(ell, pk, statements)


def snarkjs_verifier_source(pk: ProvingKey, contract_name: str = "Groth16Verifier") -> str:
    """`snarkjs zkey export solidityverifier` for ``pk``, renamed to ``contract_name``."""
    snarkjs = toolchain.find(toolchain.SNARKJS)
    with tempfile.TemporaryDirectory(prefix="zkml-snarkjs-") as tmp:
        zkey, sol = Path(tmp) / "k.zkey", Path(tmp) / "V.sol"
        zkey.write_bytes(pk.to_zkey())
        r = subprocess.run([str(snarkjs), "zkey", "export", "solidityverifier", str(zkey), str(sol)],
                           capture_output=True, text=True)
        if r.returncode != 0 or not sol.is_file():
            raise ToolchainError(f"snarkjs zkey export solidityverifier failed: {r.stderr.strip()[:300]}")
        return sol.read_text().replace("contract Groth16Verifier", f"contract {contract_name}")
