"""The demo's bureau chapter (`zkml-chain demo --bureau N`): after the borrowers' own proofs, the
bureau scores N held-out clients, proves their claims on a local Ray (`prove-batch`), posts them in
one ScoreRegistry transaction, and a client borrows against its claim with no proof in the call."""

from __future__ import annotations

import secrets
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from ..batch.items import Item
from ..batch.ray_pool import Cluster
from ..batch.run import prove_batch
from ..chain.evm import Evm, Reverted
from .bureau import Client, claim_inputs, deploy_scores, load_claims, post_claims
from .demo import TOKEN, Printer, Story
from .stack import Prover, Stack, input_commitment


def run_bureau(evm: Evm, st: Stack, prover: Prover, ds: Any, rows: np.ndarray, story: Story, p: Printer,
               n_clients: int) -> bool:
    """Returns True when every step behaved as it must."""
    accounts = list(evm.w3.eth.accounts)
    attester, dave = accounts[1], accounts[4]
    t = time.perf_counter()
    scores = deploy_scores(st, prover)
    story.gas.update(scores.gas)
    p.step("deploy ScoreRegistry", f"at {scores.registry.address[:10]}…, the model's batch verifier at "
           f"{scores.batch_verifier.address[:10]}…; the pool accepts posted claims", t0=t,
           gas=scores.gas["deploy ScoreRegistry"])

    # Dave (a funded account) is the first client; the others are fresh addresses
    candidates = [Client(evm.w3.to_checksum_address("0x" + secrets.token_hex(20)), ds.features[r],
                         secrets.randbelow(2**128)) for r in rows]
    objs = claim_inputs(prover, candidates, scores.domain(), scores.epoch())
    chosen = [(c, o) for c, o in zip(candidates, objs, strict=True)
              if o is not None and o["threshold"] >= story.min_score][:n_clients]
    chosen[0] = (Client(dave, chosen[0][0].features, chosen[0][0].salt), dict(chosen[0][1], borrower=dave))
    now = int(evm.w3.eth.get_block("latest")["timestamp"])
    for c, _ in chosen:
        st.attest(attester, c.borrower, input_commitment(c.features, c.salt), now + 30 * 86_400)
    tiers = sorted({o["threshold"] for _, o in chosen})
    p.step("attest clients", f"the bureau attests {len(chosen)} held-out clients whose scores clear a tier "
           f"(claims at p(good) >= {', '.join(map(str, tiers))})")

    t = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="zkml-bureau-") as tmp:
        out = Path(tmp) / "proofs"
        items = [Item(i, f"client {i}", o) for i, (_, o) in enumerate(chosen)]
        report = prove_batch(prover.folder, items, out, Cluster())
        claims, rejected = load_claims(out, prover.verifying_key)
    ok = report.ok and len(claims) == len(chosen) and not rejected
    lay = report.layout
    p.step("prove-batch", f"{report.proved} claims on a local Ray ({lay.workers if lay else 0} workers), "
           f"{report.steady_proofs_per_second:.2f} proofs/s once Ray was up ({report.startup_seconds:.1f} s to start)",
           t0=t)

    posted = post_claims(evm.with_sender(attester), scores, st.models, claims, len(claims))
    gas = posted[0].gas
    story.gas[f"ScoreRegistry.postClaims ({len(claims)} claims)"] = gas
    p.step("post claims", f"one transaction, {len(claims)} proofs checked with {len(claims) + 3} pairings: "
           f"{gas / len(claims):,.0f} gas per claim", gas=gas)

    sent = evm.with_sender(dave).send(st.pool.functions.borrowWithClaim(story.loan))
    story.gas["CreditLendingPool.borrowWithClaim"] = sent.gas_used
    ok &= sent.status == 1 and st.balance(dave) == story.loan
    story.outcomes["dave_claim_loan"] = sent.status == 1
    p.step("borrow (Dave)", f"{'[green]lent[/]' if sent.status == 1 else '[red]FAILED[/]'} {story.loan // TOKEN} dUSD "
           "against his posted claim: no proof in the call", gas=sent.gas_used)
    carol = accounts[3]
    r = evm.with_sender(carol).call(st.pool.functions.borrowWithClaim(story.loan))
    error = r.error if isinstance(r, Reverted) else None
    ok &= error == "NoValidClaim"
    story.outcomes["carol_claim_error"] = error
    p.step("borrow (Carol)", f"no claim of her own -> {'[green]rejected[/]' if error else '[red]ACCEPTED[/]'} ({error})")
    return ok
