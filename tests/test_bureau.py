"""The bureau flow on Anvil: claims proved in bulk with `zkml-chain prove-batch` (real Ray), posted
in batches to ScoreRegistry, borrowed against; and the attacks on it (replay, another chain, a
retired model, a poster who is not an attester, someone else's claim, a bad proof in a batch)."""

from __future__ import annotations

import secrets
import shutil
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from zkml_chain.chain.anvil import Anvil
from zkml_chain.chain.evm import Evm, Reverted
from zkml_chain.lending.bureau import (
    Claim,
    Client,
    Scores,
    claim_inputs,
    deploy_scores,
    load_claims,
    post_claims,
    rejection,
    write_jsonl,
)
from zkml_chain.lending.features import load
from zkml_chain.lending.stack import Prover, Stack, deploy_stack, input_commitment, pool_domain

POLICY = 0.5
LOAN = 1_000


@dataclass
class Bureau:
    evm: Evm
    stack: Stack
    scores: Scores
    prover: Prover
    owner: str
    attester: str
    clients: list[Client]
    objs: list[dict]  # one claim input per client (all clear a tier)


@pytest.fixture(scope="module", autouse=True)
def ray_session() -> Iterator[None]:
    """A local Ray for the module, which prove-batch in this process uses instead of starting one."""
    import ray

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # Ray's notice about accelerator variables
        ray.init(address="local", num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False)
    yield
    ray.shutdown()


@pytest.fixture(scope="module")
def bureau(lending_circuits: dict[str, Path]) -> Iterator[Bureau]:
    prover = Prover(lending_circuits["lr"])
    ds = load()
    with Anvil() as node:
        evm = Evm(node.url)
        accounts = evm.w3.eth.accounts
        owner, attester = accounts[0], accounts[1]
        stack = deploy_stack(evm, prover, min_score=POLICY, max_debt=10 * LOAN, liquidity=100 * LOAN,
                             attester=attester, model_name="german-credit-lr", model_version="1.0.0",
                             allow_development_key=True)
        scores = deploy_scores(stack, prover, allow_development_key=True)
        candidates = [Client(accounts[2 + i], ds.features[i], secrets.randbelow(2**128)) for i in range(8)]
        objs = claim_inputs(prover, candidates, scores.domain(), scores.epoch())
        clients = [c for c, o in zip(candidates, objs, strict=True) if o is not None][:5]
        assert len(clients) == 5, "the first rows should have five clients above the lowest tier"
        expires = evm.w3.eth.get_block("latest")["timestamp"] + 30 * 86_400
        for c in clients:
            stack.attest(attester, c.borrower, input_commitment(c.features, c.salt), expires)
        yield Bureau(evm, stack, scores, prover, owner, attester, clients,
                     [o for o in objs if o is not None][:5])


def prove_claims(b: Bureau, objs: list[dict]) -> list[Claim]:
    out = []
    for i, o in enumerate(objs):
        proved = b.prover.model.prove(o, f"claim {i}")
        out.append(Claim(i, proved.proof, proved.public))
    return out


def test_claim_inputs_pick_the_highest_tier_each_client_clears(bureau: Bureau) -> None:
    from zkml_chain.lending.train import circuit_p_good

    model = bureau.prover.folder / bureau.prover.model.info["model"]
    p = circuit_p_good(model, np.stack([c.features for c in bureau.clients]), bureau.prover.scale)
    for o, score in zip(bureau.objs, p, strict=True):
        assert o["threshold"] <= score < o["threshold"] + 0.1 or o["threshold"] == 0.9


def test_prove_batch_then_post_then_borrow(bureau: Bureau, tmp_path: Path) -> None:
    """The whole flow with the real command: Ray proves, the bureau posts one batch, a client
    borrows with no proof in the call; another borrower has no claim and is refused."""
    from click.testing import CliRunner

    from zkml_chain.cli import main

    b = bureau
    write_jsonl(tmp_path / "claims.jsonl", b.objs[:3])
    r = CliRunner().invoke(main, ["prove-batch", str(b.prover.folder), "--inputs", str(tmp_path / "claims.jsonl"),
                                  "--out", str(tmp_path / "proofs"), "--workers", "2"])
    assert r.exit_code == 0, r.output
    proofs = tmp_path / "proofs"
    shutil.copytree(proofs / "000002", proofs / "000009")  # a bad item: another claim's proof
    shutil.copy(proofs / "000000" / "proof.json", proofs / "000009" / "proof.json")
    claims, rejected = load_claims(proofs, b.prover.verifying_key)
    assert len(claims) == 3 and [item for item, _ in rejected] == ["000009"]
    posted = post_claims(b.evm.with_sender(b.attester), b.scores, b.stack.models, claims, batch_size=8)
    assert [p.claims for p in posted] == [3]
    alice, stranger = b.clients[0].borrower, b.clients[3].borrower  # stranger: no claim of its own yet
    threshold, expires = b.scores.registry.functions.claimOf(b.prover.model_commitment, alice).call()
    assert threshold == b.prover.threshold_signal(b.objs[0]["threshold"]) and expires > 0
    before = b.stack.balance(alice)
    sent = b.evm.with_sender(alice).send(b.stack.pool.functions.borrowWithClaim(LOAN))
    assert sent.status == 1 and b.stack.balance(alice) == before + LOAN
    # someone else's claim cannot be used: the pool reads the caller's own
    r2 = b.evm.with_sender(stranger).call(b.stack.pool.functions.borrowWithClaim(LOAN))
    assert isinstance(r2, Reverted) and r2.error == "NoValidClaim"
    # a replayed batch: every epoch is no longer fresh
    again = b.evm.with_sender(b.attester).call(b.scores.registry.functions.postClaims(
        [c.proof.evm_words() for c in claims], [c.public for c in claims]))
    assert isinstance(again, Reverted)
    assert rejection(b.scores, b.stack.models, again) == "ClaimRejected(claim 0: StaleEpoch)"


def _refusal(b: Bureau, sender: str, claims: list[Claim]) -> str:
    r = b.evm.with_sender(sender).call(b.scores.registry.functions.postClaims(
        [c.proof.evm_words() for c in claims], [c.public for c in claims]))
    assert isinstance(r, Reverted), "the batch was accepted"
    return rejection(b.scores, b.stack.models, r)


def test_attacks_on_posting(bureau: Bureau) -> None:
    b = bureau
    epoch = b.scores.epoch()
    fresh = [dict(o, nonce=epoch + 1) for o in b.objs[3:5]]  # later epoch than anything posted
    # (a future epoch is refused: the block time must reach it first)
    claims = prove_claims(b, fresh)
    assert _refusal(b, b.attester, claims) == "ClaimRejected(claim 0: FutureEpoch)"
    b.evm.w3.provider.make_request("evm_increaseTime", [86_400])
    b.evm.w3.provider.make_request("evm_mine", [])
    # a poster who is not an authorised attester
    assert _refusal(b, b.owner, claims) == "NotAttester"
    # a claim made for another chain (the domain of this registry's address on chain 1)
    other_chain = prove_claims(b, [dict(fresh[0], domain=pool_domain(1, b.scores.registry.address))])
    assert _refusal(b, b.attester, [claims[1], *other_chain]) == "ClaimRejected(claim 1: WrongDomain)"
    # the same borrower twice in one batch: the second is no longer a fresh epoch
    assert _refusal(b, b.attester, [claims[0], claims[0]]) == "ClaimRejected(claim 1: StaleEpoch)"
    # a bad proof among good ones fails the batch, and the off-chain check names it
    bad = Claim(claims[1].index, claims[0].proof, claims[1].public)
    from zkml_chain.groth16 import verify

    assert not verify(b.prover.verifying_key, bad.proof, bad.public)
    assert _refusal(b, b.attester, [claims[0], bad]) == "InvalidBatch"
    assert b.scores.registry.functions.claimOf(b.prover.model_commitment, b.clients[3].borrower).call()[1] == 0
    # the honest batch goes through
    assert post_claims(b.evm.with_sender(b.attester), b.scores, b.stack.models, claims, 8)[0].claims == 2


def test_replaced_attestation_and_retired_model_end_claims(bureau: Bureau) -> None:
    b = bureau
    borrower = b.clients[4].borrower
    model = b.prover.model_commitment
    assert b.scores.registry.functions.claimOf(model, borrower).call()[1] > 0
    # a newer attestation of the same borrower: the claim was proved from the old record
    expires = b.evm.w3.eth.get_block("latest")["timestamp"] + 86_400
    b.stack.attest(b.attester, borrower, input_commitment(b.clients[4].features, 7), expires)
    assert b.scores.registry.functions.claimOf(model, borrower).call() == [0, 0]
    r = b.evm.with_sender(borrower).call(b.stack.pool.functions.borrowWithClaim(LOAN))
    assert isinstance(r, Reverted) and r.error == "NoValidClaim"
    # retiring the model ends every claim under it and refuses new batches
    epoch = b.scores.epoch()
    claims = prove_claims(b, [dict(b.objs[3], nonce=epoch + 0)])
    b.evm.send(b.stack.models.functions.retire(model))
    assert b.scores.registry.functions.claimOf(model, b.clients[3].borrower).call() == [0, 0]
    assert _refusal(b, b.attester, claims) == "UnknownModel"
