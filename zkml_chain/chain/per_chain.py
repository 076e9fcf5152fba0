"""The same transactions on each local chain, for gas that must not depend on the node.

Gas is the EVM's: a verifier deployed and called with the same calldata on Anvil and on Hardhat,
both on the pinned hardfork, must use the same gas to the unit. The tests assert it and
``benchmarks/chains.py`` prints the table with a column per chain.
"""

from __future__ import annotations

from dataclasses import dataclass

from web3.contract.contract import ContractFunction

from ..solidity import compile_sources
from ..solidity.compile import Artifact
from .chains import local_chain
from .evm import Evm
from .suite import Case, build_case


@dataclass(frozen=True)
class VerifierSuite:
    """Keys, proofs and compiled verifiers for each ℓ: the same on every chain."""

    cases: dict[int, Case]
    artifacts: dict[str, Artifact]
    batch_ell: int

    @classmethod
    def build(cls, ells: tuple[int, ...], batch_ell: int, batch_n: int, seed: int = 1, snarkjs: bool = True
              ) -> VerifierSuite:
        cases = {ell: build_case(ell, batch_n if ell == batch_ell else 3, seed=seed) for ell in sorted({*ells, batch_ell})}
        sources: dict[str, str] = {}
        for case in cases.values():
            sources.update(case.sources(snarkjs=snarkjs))
        return cls(cases, compile_sources(sources), batch_ell)


def verifier_gas(chain: str, suite: VerifierSuite) -> dict[str, int]:
    """On a fresh ``chain``: gasUsed of deploying our verifier for each ℓ and of one verification
    sent as a transaction, then of deploying the batch verifier and one batch at ``batch_ell``."""
    gas: dict[str, int] = {}
    with local_chain(chain) as node:
        evm = Evm(node.url)
        for ell, case in suite.cases.items():
            single, gas[f"deploy Groth16Verifier (ℓ = {ell})"] = evm.deploy(suite.artifacts[f"Verifier{ell}"])
            proof, public = case.statements[0]
            gas[f"verifyProof (ℓ = {ell})"] = _mined(evm, single.functions.verifyProof(*proof.verify_proof_args(), public))
        ell = suite.batch_ell
        batch, gas[f"deploy Groth16BatchVerifier (ℓ = {ell})"] = evm.deploy(suite.artifacts[f"BatchVerifier{ell}"])
        statements = suite.cases[ell].statements
        gas[f"verifyBatch (N = {len(statements)}, ℓ = {ell})"] = _mined(
            evm, batch.functions.verifyBatch([p.evm_words() for p, _ in statements], [s for _, s in statements]))
    return gas


def _mined(evm: Evm, fn: ContractFunction) -> int:
    sent = evm.send(fn)
    if sent.status != 1:
        raise AssertionError(f"a valid verification reverted ({sent.gas_used:,} gas)")
    return sent.gas_used
