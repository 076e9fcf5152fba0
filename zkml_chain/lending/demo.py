"""The story behind ``zkml-chain demo`` (the README's main command) and ``ape run lending demo``.

Train the German Credit models, compile the MLP into the lending circuit, run a small trusted-setup
ceremony for it (lending/ceremony.py: phase 1 cached, phase 2 with the lender, the bureau and a
beacon, both verified), then on a chain:
deploy verifier, token, registries and pool; register the model; a bureau attests two applicants
from the held-out data (one good, one below the policy); the good one proves and borrows, the
other cannot prove at all and her forged proof is rejected; a replay fails; the loan is repaid.
Each step prints its result and gas; the figures go to gas.json and gas.md in the output folder,
and what each check found to story.json (the steps run, and each outcome as a value).
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from ..chain.evm import Evm
from ..errors import ProofInputError
from ..files import json_bytes, write_all
from ..groth16 import prove
from .ceremony import hash_lines, run_ceremony
from .features import load
from .stack import Prover, Stack, compile_lending_circuit, deploy_stack, input_commitment
from .train import CALIBRATION, INPUT_NAME, circuit_p_good, circuit_scores, split, train

TOKEN = 10**18  # DemoStablecoin has 18 decimals


@dataclass
class Story:
    """Settings of one run."""

    out: Path
    model: str = "mlp"
    scale: int = 12
    min_score: float = 0.6
    loan: int = 500 * TOKEN
    liquidity: int = 1_000_000 * TOKEN
    gas: dict[str, int] = field(default_factory=dict)
    #: What each check of the story found (written to story.json): loans, error names, balances.
    outcomes: dict[str, Any] = field(default_factory=dict)
    #: Where the ceremony's phase-1 file and initial key are cached [default: out/ceremony].
    ceremony_cache: Path | None = None
    #: Clients in the bureau chapter (0: none): claims proved on Ray and posted in one batch.
    bureau: int = 0


class Printer:
    def __init__(self, console: Console) -> None:
        self.console = console
        self.n = 0
        self.steps: list[str] = []

    def step(self, name: str, result: str, gas: int | None = None, t0: float | None = None) -> None:
        self.n += 1
        self.steps.append(name)
        extra = []
        if gas is not None:
            extra.append(f"{gas:,} gas")
        if t0 is not None:
            extra.append(f"{time.perf_counter() - t0:.2f} s")
        tail = f"  [dim]({', '.join(extra)})[/]" if extra else ""
        self.console.print(f"[bold cyan]{self.n:>2}.[/] [bold]{name:<22}[/] {result}{tail}", highlight=False)


def prepare(story: Story, p: Printer) -> tuple[Prover, Any, np.ndarray]:
    """Train, compile and set up: (prover, data set, held-out rows)."""
    t = time.perf_counter()
    report = train(story.out)
    ds = load()
    _, test = split(ds)
    floats = ", ".join(f"{n.upper()} accuracy {m['float']['accuracy']:.3f} AUC {m['float']['auc']:.3f}"
                       for n, m in report["models"].items())
    p.step("train", f"German Credit, {report['train']} applicants; held-out {report['test']}: {floats}", t0=t)

    t = time.perf_counter()
    circuit = story.out / f"{story.model}_circuit"
    info = compile_lending_circuit(story.out / f"{story.model}.onnx", circuit, story.out / CALIBRATION, story.scale)
    q, err = circuit_scores(story.out / f"{story.model}.onnx", ds, test, story.scale)
    p.step("compile", f"{story.model.upper()} -> {info['constraints']:,} constraints at scale 2^{story.scale}; the "
           f"circuit's own held-out accuracy {q.accuracy:.3f} AUC {q.auc:.3f}, max |Δp(good)| {err:.4f}", t0=t)

    record = run_ceremony(circuit, story.ceremony_cache or story.out / "ceremony",
                          lambda name, result, t0: p.step(name, result, t0=t0))[1]
    for line in hash_lines(record):
        p.console.print(line, highlight=False)
    return Prover(circuit), ds, test


def pick_applicants(prover: Prover, ds: Any, rows: np.ndarray, story: Story) -> tuple[int, int]:
    """A held-out applicant labelled good who clears the policy, and one labelled bad who does not."""
    p_good = circuit_p_good(prover.folder / "model.onnx", ds.features[rows], story.scale)
    # clear margins where the data allows, so the story does not hinge on a rounding
    good = (ds.labels[rows] == 1) & (p_good >= story.min_score)
    bad = (ds.labels[rows] == 0) & (p_good < story.min_score)
    if not good.any() or not bad.any():
        raise ProofInputError(f"--min-score {story.min_score}: the held-out data has no "
                              f"{'good applicant above' if not good.any() else 'bad applicant below'} it")
    margin = np.abs(p_good - story.min_score)
    return int(rows[good][np.argmax(margin[good] >= 0.1)]), int(rows[bad][np.argmax(margin[bad] >= 0.1)])


def forged_proof(prover: Prover, features: np.ndarray, salt: int, publics: dict[str, Any]) -> Any:
    """What a cheating prover can do for a score below the threshold: an honest witness for
    threshold 0 with the threshold signal raised afterwards. The constraints no longer hold, so
    the proof made from it does not verify."""
    application = {INPUT_NAME: np.asarray(features).tolist(), "salt": str(salt), **publics, "threshold": 0.0}
    honest = prover.model.witness(application, "the forged application").witness
    forged = honest.with_value(prover.signals.wire("threshold"), prover.threshold_signal(publics["threshold"]))
    return prove(prover.pk, forged, check=False)  # the library would refuse it: the demo shows the pool does too


def run_story(evm: Evm, prover: Prover, ds: Any, rows: np.ndarray, story: Story, p: Printer,
              where: str) -> tuple[bool, Stack]:
    """The chain part: (True when every step behaved as it must, the deployed stack)."""
    owner, attester, alice, carol = list(evm.w3.eth.accounts)[:4]
    chain_id = int(evm.w3.eth.chain_id)
    ok = True
    p.step("chain", f"{where}, chain id {chain_id}; owner {owner[:10]}…, bureau {attester[:10]}…, "
           f"Alice {alice[:10]}…, Carol {carol[:10]}…")

    t = time.perf_counter()
    st: Stack = deploy_stack(evm, prover, min_score=story.min_score, max_debt=10 * story.loan,
                             liquidity=story.liquidity, attester=attester, model_name=f"german-credit-{story.model}",
                             model_version="1.0.0")
    story.gas.update(st.gas)
    deploys = ", ".join(f"{k.removeprefix('deploy ')} {v:,}" for k, v in st.gas.items() if k.startswith("deploy"))
    p.step("deploy", f"pool at {st.pool.address}; gas: {deploys}", t0=t)
    p.step("register model", f"commitment {prover.model_commitment:#x}"[:30] + f"… -> verifier {st.verifier.address[:10]}…, "
           f"\"german-credit-{story.model}\" 1.0.0; pool policy p(good) >= {story.min_score}",
           gas=st.gas["ModelRegistry.register"])

    good, bad = pick_applicants(prover, ds, rows, story)
    salts = {alice: secrets.randbelow(2**128), carol: secrets.randbelow(2**128)}
    records = {alice: ds.features[good], carol: ds.features[bad]}
    now = int(evm.w3.eth.get_block("latest")["timestamp"])
    for who, name, row in ((alice, "Alice", good), (carol, "Carol", bad)):
        sent = st.attest(attester, who, input_commitment(records[who], salts[who]), now + 30 * 86_400)
        story.gas[f"AttestationRegistry.attest ({name})"] = sent.gas_used
        p.step(f"attest {name}", f"the bureau posts Poseidon(record, salt) of held-out applicant #{row} "
               f"(labelled {'good' if ds.labels[row] else 'bad'}); record and salt go to {name} only, valid 30 days",
               gas=sent.gas_used)

    t = time.perf_counter()
    domain = st.domain()
    proof, public = prover.prove(records[alice], salts[alice], story.min_score, alice, domain, 0)
    p.step("prove (Alice)", f"p(good) >= {story.min_score}, bound to Alice, this pool on chain {chain_id} "
           "(its domain), nonce 0; score, record and weights stay private", t0=t)

    bare = st.verify_as_transaction(proof, public).gas_used
    story.gas["verifier.verifyProof (bare, as a transaction)"] = bare
    before = st.balance(st.pool.address)
    sent = st.borrow(alice, story.loan, proof, public)
    story.gas["CreditLendingPool.borrow (first loan)"] = sent.gas_used
    ok &= sent.status == 1 and st.balance(alice) == story.loan
    story.outcomes["alice_first_loan"] = sent.status == 1
    story.outcomes["alice_balance_after_loan"] = st.balance(alice)
    p.step("borrow (Alice)", f"{'[green]lent[/]' if sent.status == 1 else '[red]FAILED[/]'} {story.loan // TOKEN} dUSD; "
           f"a bare verification of the same proof costs {bare:,} (+{sent.gas_used - bare:,} for the pool's checks, "
           "her account and her first token balance)", gas=sent.gas_used)

    error = st.borrow_error(alice, story.loan, proof, public)
    ok &= error == "WrongNonce"
    story.outcomes["replay_error"] = error
    p.step("replay (Alice)", f"the same proof again -> {'[green]rejected[/]' if error else '[red]ACCEPTED[/]'} ({error})")

    try:
        prover.prove(records[carol], salts[carol], story.min_score, carol, domain, 0)
        ok = False
        story.outcomes["carol_prove_refused"] = False
        p.step("prove (Carol)", "[red]a proof was produced for a score below the policy[/]")
    except ProofInputError as e:
        story.outcomes["carol_prove_refused"] = True
        p.step("prove (Carol)", f"[green]refused[/]: {e}")
    forged, forged_public = forged_proof(prover, records[carol], salts[carol], {
        "threshold": story.min_score, "borrower": int(carol, 16), "domain": domain, "nonce": 0})
    error = st.borrow_error(carol, story.loan, forged, forged_public)
    ok &= error == "InvalidProof" and st.balance(carol) == 0
    story.outcomes["forged_borrow_error"] = error
    story.outcomes["carol_balance"] = st.balance(carol)
    p.step("forge (Carol)", f"a witness for threshold 0 with the signal raised to {story.min_score} -> borrow "
           f"{'[green]rejected[/]' if error else '[red]ACCEPTED[/]'} ({error}); the pool holds "
           f"{st.balance(st.pool.address) // TOKEN:,} dUSD")

    t = time.perf_counter()
    proof2, public2 = prover.prove(records[alice], salts[alice], story.min_score, alice, domain, 1)
    sent = st.borrow(alice, story.loan, proof2, public2)
    story.gas["CreditLendingPool.borrow (repeat)"] = sent.gas_used
    bare2 = st.verify_as_transaction(proof2, public2).gas_used
    ok &= sent.status == 1
    story.outcomes["alice_second_loan"] = sent.status == 1
    lent = "[green]lent[/]" if sent.status == 1 else "[red]FAILED[/]"
    p.step("borrow again (Alice)", f"fresh proof with nonce 1 -> {lent}"
           f" another {story.loan // TOKEN} dUSD (+{sent.gas_used - bare2:,} over a bare verification)",
           gas=sent.gas_used, t0=t)

    approve, repay = st.repay(alice, 2 * story.loan)
    story.gas["DemoStablecoin.approve"] = approve.gas_used
    story.gas["CreditLendingPool.repay"] = repay.gas_used
    restored = st.balance(st.pool.address) == before
    ok &= restored
    story.outcomes["pool_restored_after_repay"] = restored
    p.step("repay (Alice)", f"approve + repay {2 * story.loan // TOKEN} dUSD -> pool back to "
           f"{st.balance(st.pool.address) // TOKEN:,} dUSD{'' if restored else ' [red](NOT restored)[/]'}",
           gas=repay.gas_used)
    return ok, st


def report(story: Story, console: Console, chain: str, hardfork: str, steps: list[str], ok: bool) -> None:
    """The gas table (printed, gas.md, gas.json) and story.json, each naming the chain and hardfork."""
    where = f"{chain}, hardfork {hardfork}"
    table = Table(title=escape(f"gas [{where}]"))
    table.add_column("step")
    table.add_column("gas", justify="right")
    md = [f"| step [{where}] | gas |", "|---|---:|"]
    for k, v in story.gas.items():
        table.add_row(k, f"{v:,}")
        md.append(f"| {k} | {v:,} |")
    console.print(table)
    write_all({story.out / "gas.json": json_bytes({"chain": chain, "hardfork": hardfork, "gas": story.gas}),
               story.out / "gas.md": ("\n".join(md) + "\n").encode(),
               story.out / "story.json": json_bytes({"chain": chain, "hardfork": hardfork, "ok": ok, "steps": steps,
                                                     "outcomes": story.outcomes})})
    console.print(f"gas table -> {story.out / 'gas.md'}, {story.out / 'gas.json'}")


def run_lending_demo(story: Story, console: Console, chain: str = "anvil") -> bool:
    """The whole story on a local ``chain`` ("anvil" or "hardhat") started here."""
    from ..chain.chains import local_chain

    node = local_chain(chain)
    console.print("[bold]zkml-chain demo[/]: a lending pool that lends only to borrowers who prove, from a credit "
                  "bureau's attested record and under a registered private model, that their score clears the "
                  "pool's threshold")
    p = Printer(console)
    prover, ds, rows = prepare(story, p)
    with node:
        evm = Evm(node.url)
        ok, st = run_story(evm, prover, ds, rows, story, p, node.describe())
        if story.bureau:
            from .bureau_story import run_bureau

            ok &= run_bureau(evm, st, prover, ds, rows, story, p, story.bureau)
        report(story, console, chain, node.hardfork, p.steps, ok)
    console.print("[green]every step behaved as it must[/]" if ok else "[red]some step misbehaved (see above)[/]")
    return ok
