"""The lending flow's transactions on a local chain, for gas compared across chains."""

from __future__ import annotations

import numpy as np

from ..chain.chains import local_chain
from ..chain.evm import Evm
from ..groth16 import Proof
from .stack import Prover, deploy_stack, input_commitment

Statement = tuple[Proof, list[int]]


def lending_gas(chain: str, prover: Prover, record: np.ndarray, *, min_score: float, loan: int, liquidity: int,
                proofs: list[Statement] | None = None) -> tuple[dict[str, int], list[Statement]]:
    """Deploy the stack on a fresh ``chain`` (development key), attest one borrower, borrow twice
    (a first and a repeat loan) and repay: every transaction's gasUsed, and the two proofs used.

    Pass the proofs of an earlier run to spend the same calldata on another chain: both chains have
    chain id 31337 and the same deployer nonces, so the pool's address and domain are the same."""
    with local_chain(chain) as node:
        evm = Evm(node.url)
        accounts: list[str] = list(evm.w3.eth.accounts)
        attester, borrower = accounts[1], accounts[2]
        stack = deploy_stack(evm, prover, min_score=min_score, max_debt=10 * loan, liquidity=liquidity,
                             attester=attester, model_name="german-credit", model_version="1.0.0",
                             allow_development_key=True)
        now = int(evm.w3.eth.get_block("latest")["timestamp"])
        # A day ahead, rounded up to a multiple of 2^24 s: calldata gas counts zero bytes, and two
        # runs seconds apart must send the same bytes (an unrounded expiry made attest's gas
        # differ by 12 whenever one of the chains' timestamps had a zero byte).
        expires_at = -(-(now + 86_400) // 2**24) * 2**24
        gas = dict(stack.gas)
        gas["AttestationRegistry.attest"] = stack.attest(attester, borrower, input_commitment(record, 77),
                                                         expires_at).gas_used
        if proofs is None:
            proofs = [prover.prove(record, 77, min_score, borrower, stack.domain(), nonce) for nonce in (0, 1)]
        for label, (proof, public) in zip(("first loan", "repeat"), proofs):
            sent = stack.borrow(borrower, loan, proof, public)
            if sent.status != 1:
                raise AssertionError(f"borrow ({label}) reverted on {chain}")
            gas[f"CreditLendingPool.borrow ({label})"] = sent.gas_used
        approve, repay = stack.repay(borrower, 2 * loan)
        gas["DemoStablecoin.approve"], gas["CreditLendingPool.repay"] = approve.gas_used, repay.gas_used
    return gas, proofs
