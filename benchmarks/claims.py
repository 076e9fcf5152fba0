"""Gas per posted claim: ScoreRegistry.postClaims at N = 8, 16, 32, 64, against a borrower's own proof.

On Anvil, with the credit MLP's lending circuit (development key): the bureau attests 120 clients,
proves one claim each with `zkml-chain prove-batch`, and posts them in batches of 8, 16, 32 and 64
(first claims: new storage). A day later it proves and posts them again (renewals: the steady
state of a nightly run). Beside it: `borrow` with the borrower's own proof, and `borrowWithClaim`.

    .venv/bin/python benchmarks/claims.py

Results: benchmarks/results/claims.{json,md}.
"""

from __future__ import annotations

import json
import secrets
import shutil
import subprocess
import sys
import time
from pathlib import Path

import click
import numpy as np
from rich.console import Console

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
console = Console()
SIZES = (8, 16, 32, 64)
TOKEN = 10**18


@click.command()
@click.option("--work", type=click.Path(path_type=Path), default=ROOT / "build" / "batch-bench", show_default=True)
def main(work: Path) -> None:
    sys.path.insert(0, str(ROOT))
    from batch import circuit

    from zkml_chain.chain.anvil import Anvil
    from zkml_chain.chain.evm import Evm
    from zkml_chain.lending.bureau import Client, claim_inputs, deploy_scores, load_claims, post_claims, write_jsonl
    from zkml_chain.lending.features import load
    from zkml_chain.lending.stack import Prover, deploy_stack, input_commitment

    work.mkdir(parents=True, exist_ok=True)
    folder = circuit(work)
    prover = Prover(folder)
    ds = load()
    n = sum(SIZES)
    with Anvil() as node:
        evm = Evm(node.url)
        owner, bureau, alice = evm.w3.eth.accounts[:3]
        stack = deploy_stack(evm, prover, min_score=0.5, max_debt=1000 * TOKEN, liquidity=10**6 * TOKEN,
                             attester=bureau, model_name="german-credit-mlp", model_version="1.0.0",
                             allow_development_key=True)
        scores = deploy_scores(stack, prover, allow_development_key=True)
        candidates = [Client(evm.w3.to_checksum_address("0x" + secrets.token_hex(20)), ds.features[i],
                             secrets.randbelow(2**128)) for i in range(len(ds.features))]
        objs = claim_inputs(prover, candidates, scores.domain(), scores.epoch())
        clients = [c for c, o in zip(candidates, objs, strict=True) if o is not None][:n]
        clients[0] = Client(alice, clients[0].features, clients[0].salt)  # she borrows both ways below
        expires = evm.w3.eth.get_block("latest")["timestamp"] + 30 * 86_400
        for c in clients:
            stack.attest(bureau, c.borrower, input_commitment(c.features, c.salt), expires)
        rows: dict[str, dict[int, float]] = {}
        for round_name in ("first claims", "renewals (a day later)"):
            objs = claim_inputs(prover, clients, scores.domain(), scores.epoch())
            inputs, proofs = work / "claims.jsonl", work / "claim-proofs"
            write_jsonl(inputs, [o for o in objs if o is not None])
            shutil.rmtree(proofs, ignore_errors=True)
            console.print(f"[bold]{round_name}[/]: proving {n} claims with prove-batch ...")
            subprocess.run([BIN / "zkml-chain", "prove-batch", folder, "--inputs", inputs, "--out", proofs],
                           check=True, capture_output=True)
            good, rejected = load_claims(proofs, prover.verifying_key)
            assert len(good) == n and not rejected
            rows[round_name] = {}
            start = 0
            for size in SIZES:
                posted = post_claims(evm.with_sender(bureau), scores, stack.models, good[start:start + size], size)
                rows[round_name][size] = posted[0].gas_per_claim
                start += size
            evm.w3.provider.make_request("evm_increaseTime", [86_400])
            evm.w3.provider.make_request("evm_mine", [])
        # Alice: her own proof (pool domain, nonce 0), and her posted claim
        proof, public = prover.prove(clients[0].features, clients[0].salt, 0.5, alice, stack.domain(), 0)
        own = stack.borrow(alice, TOKEN, proof, public)
        with_claim = evm.with_sender(alice).send(stack.pool.functions.borrowWithClaim(TOKEN))
        assert own.status == 1 and with_claim.status == 1
    md = ["| batch size N | gas per claim, first claims | gas per claim, renewals | borrower's own proof: borrow() |",
          "|---:|---:|---:|---:|"]
    first, renew = rows["first claims"], rows["renewals (a day later)"]
    for size in SIZES:
        md.append(f"| {size} | {first[size]:,.0f} | {renew[size]:,.0f} | {own.gas_used:,} |")
    md += ["", f"A loan against a posted claim (`borrowWithClaim`, no proof in the call): {with_claim.gas_used:,} gas; "
           f"with the borrower's own proof (`borrow`): {own.gas_used:,} gas."]
    out = ROOT / "benchmarks" / "results"
    (out / "claims.json").write_text(json.dumps({
        "date": time.strftime("%Y-%m-%d"), "gas_per_claim": {k: {str(s): v for s, v in r.items()} for k, r in rows.items()},
        "borrow_own_proof": own.gas_used, "borrow_with_claim": with_claim.gas_used,
        "per_claim_mean": float(np.mean(list(renew.values())))}, indent=1) + "\n")
    (out / "claims.md").write_text("\n".join(md) + "\n")
    console.print("\n".join(md))


if __name__ == "__main__":
    main()
