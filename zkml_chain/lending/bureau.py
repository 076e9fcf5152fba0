"""The bureau flow: a credit bureau proves its clients' claims in bulk (`zkml-chain prove-batch`)
and posts them in batches to ScoreRegistry; borrowers then borrow against their posted claim.

claim_inputs (what to prove: each client's best tier) -> prove-batch (zkml_chain.batch) ->
load_claims (every proof checked off chain; bad ones left out) -> post_claims (batches of N).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from eth_abi import decode
from web3.contract import Contract

from ..chain.evm import Evm, Reverted, error_name
from ..errors import ZkmlChainError
from ..files import read_json
from ..groth16 import Proof, VerifyingKey, verify
from ..solidity import compile_sources, render_verifier
from .stack import Prover, Stack, _sent, compile_contracts
from .train import INPUT_NAME, circuit_p_good

log = logging.getLogger(__name__)

#: The thresholds a bureau proves, p(good) >= tier: each client gets the highest it clears.
TIERS = (0.5, 0.6, 0.7, 0.8, 0.9)
DAY = 86_400
BATCH_VERIFIER = "LendingBatchVerifier"
#: ScoreRegistry.Reason, in declaration order.
REASONS = ("MixedModels", "WrongDomain", "NotAnAddress", "NoValidAttestation", "AttestationMismatch",
           "AttestedByAnother", "StaleEpoch", "FutureEpoch", "Expired", "ThresholdOutOfRange")


@dataclass(frozen=True)
class Client:
    """A bureau client: the borrower's address, the attested integer record and its salt."""

    borrower: str
    features: np.ndarray
    salt: int


def claim_inputs(prover: Prover, clients: Sequence[Client], domain: int, epoch: int,
                 tiers: Sequence[float] = TIERS) -> list[dict[str, Any] | None]:
    """One `prove --input` object per client, claiming the highest tier its score (the circuit's
    own fixed-point p(good)) clears; None for a client below every tier (nothing to claim)."""
    if not clients:
        return []
    p_good = circuit_p_good(prover.folder / prover.model.info["model"], np.stack([c.features for c in clients]),
                            prover.scale)
    out: list[dict[str, Any] | None] = []
    for c, p in zip(clients, p_good, strict=True):
        cleared = [t for t in tiers if prover.threshold_signal(t) <= prover.threshold_signal(float(p))]
        out.append(None if not cleared else {
            INPUT_NAME: np.asarray(c.features).tolist(), "salt": str(c.salt), "threshold": max(cleared),
            "borrower": c.borrower, "domain": domain, "nonce": epoch})
    return out


def write_jsonl(path: Path, objs: Iterable[dict[str, Any]]) -> None:
    path.write_text("".join(json.dumps(o) + "\n" for o in objs))


@dataclass
class Scores:
    """ScoreRegistry and the model's batch verifier, deployed beside a lending stack."""

    registry: Contract
    batch_verifier: Contract
    gas: dict[str, int] = field(default_factory=dict)

    def domain(self) -> int:
        return int(self.registry.functions.domain().call())

    def epoch(self) -> int:
        return int(self.registry.functions.currentEpoch().call())


def deploy_scores(stack: Stack, prover: Prover, *, epoch_length: int = DAY, claim_epochs: int = 7,
                  allow_development_key: bool = False) -> Scores:
    """Deploy the batch verifier and ScoreRegistry from the stack's owner, set the verifier for the
    pool's model and point the pool at the registry."""
    evm = stack.evm
    rendered = render_verifier(prover.verifying_key, contract_name=BATCH_VERIFIER, batch=True,
                               allow_development_key=allow_development_key)
    gas: dict[str, int] = {}
    verifier, gas["deploy batch verifier"] = evm.deploy(
        compile_sources({f"{BATCH_VERIFIER}.sol": rendered.source})[BATCH_VERIFIER])
    registry, gas["deploy ScoreRegistry"] = evm.deploy(
        compile_contracts(signals=prover.signals)["ScoreRegistry"], evm.sender, stack.models.address,
        stack.attestations.address, epoch_length, claim_epochs)
    gas["ScoreRegistry.setBatchVerifier"] = _sent(evm, registry.functions.setBatchVerifier(
        prover.model_commitment, verifier.address)).gas_used
    gas["CreditLendingPool.setScoreRegistry"] = _sent(evm, stack.pool.functions.setScoreRegistry(
        registry.address)).gas_used
    return Scores(registry, verifier, gas)


@dataclass(frozen=True)
class Claim:
    """A proved claim read back from a prove-batch folder."""

    index: int
    proof: Proof
    public: list[int]


def load_claims(proofs_dir: Path, vk: VerifyingKey) -> tuple[list[Claim], list[tuple[str, str]]]:
    """Every NNNNNN/ of a prove-batch folder, each proof checked against ``vk`` here (free, unlike
    on chain, where one bad proof fails its whole batch): (claims that verify, [(item, reason)])."""
    claims, rejected = [], []
    for d in sorted(p for p in proofs_dir.iterdir() if p.is_dir() and p.name.isdigit()):
        try:
            proof = Proof.load(d / "proof.json")
            public = [int(v) for v in read_json(d / "public.json", "public signals")]
            ok = verify(vk, proof, public)
        except (ZkmlChainError, ValueError, TypeError) as e:
            rejected.append((d.name, str(e)))
            continue
        if ok:
            claims.append(Claim(int(d.name), proof, public))
        else:
            rejected.append((d.name, "the proof does not verify under the model's key"))
    return claims, rejected


@dataclass(frozen=True)
class Posted:
    """One postClaims transaction."""

    claims: int
    gas: int

    @property
    def gas_per_claim(self) -> float:
        return self.gas / self.claims


def rejection(scores: Scores, models: Contract, reverted: Reverted) -> str:
    """A postClaims revert by name; for ClaimRejected, the claim and the reason."""
    name = error_name([*scores.registry.abi, *models.abi], reverted.data)
    if name == "ClaimRejected":
        index, reason = decode(["uint256", "uint8"], bytes.fromhex(reverted.data[10:]))
        return f"ClaimRejected(claim {index}: {REASONS[reason] if reason < len(REASONS) else reason})"
    return name


def post_claims(evm: Evm, scores: Scores, models: Contract, claims: Sequence[Claim], batch_size: int) -> list[Posted]:
    """Post ``claims`` in batches of ``batch_size`` from ``evm.sender`` (an authorised attester).
    Each batch is simulated first; a refusal raises, naming the batch and the reason."""
    posted = []
    for start in range(0, len(claims), batch_size):
        batch = claims[start:start + batch_size]
        fn = scores.registry.functions.postClaims([c.proof.evm_words() for c in batch], [c.public for c in batch])
        dry = evm.call(fn)
        if isinstance(dry, Reverted):
            raise ZkmlChainError(f"postClaims refuses the batch of items {batch[0].index:06d}..{batch[-1].index:06d}: "
                                 f"{rejection(scores, models, dry)}")
        sent = _sent(evm, fn)
        posted.append(Posted(len(batch), sent.gas_used))
        log.info("posted %d claims: %d gas (%.0f per claim)", len(batch), sent.gas_used, sent.gas_used / len(batch))
    return posted


SCORES_FORMAT = "zkml-chain score registry 1"


def save_scores(scores: Scores, path: Path) -> None:
    """ScoreRegistry's and the batch verifier's addresses and ABIs (beside a deployment file)."""
    from ..files import write_json

    write_json(path, {"format": SCORES_FORMAT, "gas": scores.gas,
                      "contracts": {n: {"address": c.address, "abi": c.abi}
                                    for n, c in (("registry", scores.registry), ("batch_verifier", scores.batch_verifier))}})


def attach_scores(evm: Evm, path: Path) -> Scores:
    d = read_json(path, "score registry file")
    try:
        if d["format"] != SCORES_FORMAT:
            raise KeyError("format")
        registry, verifier = (evm.w3.eth.contract(address=d["contracts"][n]["address"], abi=d["contracts"][n]["abi"])
                              for n in ("registry", "batch_verifier"))
    except (KeyError, TypeError, ValueError) as e:
        raise ZkmlChainError(f"{path}: not a score registry file ({e})") from None
    if not evm.w3.eth.get_code(registry.address):
        raise ZkmlChainError(f"{path}: no contract at the registry's address {registry.address} on this node")
    return Scores(registry, verifier)
