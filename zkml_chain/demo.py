"""The end-to-end demo behind ``zkml-chain demo`` (and the README's first command)."""

from __future__ import annotations

import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from . import _native
from .chain.chains import local_chain
from .chain.evm import Evm
from .groth16 import Proof, VerifyingKey, load_public, prove, save_public, setup, verify
from .groth16.keys import ProvingKey
from .r1cs import R1CS, Witness
from .samples import squaring_chain
from .solidity import compile_sources, render_verifier


def run_demo(n_constraints: int, out: Path, console: Console, chain: str = "anvil") -> None:
    """Build a sample circuit, run setup, prove and verify through the on-disk formats, then
    render, compile and deploy its verifier on a local ``chain`` (Anvil or Hardhat) and verify the
    proof on chain."""
    out.mkdir(parents=True, exist_ok=True)
    steps: list[tuple[str, float, str]] = []

    def step(name: str, detail: str, t0: float) -> None:
        steps.append((name, time.perf_counter() - t0, detail))
        console.print(f"[green]✓[/] {name:<28} {steps[-1][1]:8.3f}s  {detail}", highlight=False)

    console.print(f"[bold]zkml-chain demo[/]: prove y = f^n(x) with x private, n = {n_constraints:,} "
                  f"squarings, on {_native.num_threads()} threads")
    t = time.perf_counter()
    r1cs, witness = squaring_chain(n_constraints, x0=7, nonce=2026)
    r1cs.save(out / "circuit.r1cs")
    witness.save(out / "witness.wtns")
    step("build circuit + witness", f"{r1cs.n_constraints:,} constraints -> circuit.r1cs, witness.wtns", t)

    t = time.perf_counter()
    r1cs = R1CS.load(out / "circuit.r1cs")
    witness = Witness.load(out / "witness.wtns")
    r1cs.check(witness)
    step("check witness", "all constraints hold", t)

    t = time.perf_counter()
    pk = setup(r1cs)
    pk.save(out / "circuit.zkey")
    pk.verifying_key.save(out / "verification_key.json")
    step("setup (development key)", f"domain 2^{pk.domain_size.bit_length() - 1} -> circuit.zkey", t)

    t = time.perf_counter()
    pk = ProvingKey.load(out / "circuit.zkey")
    proof, public = prove(pk, witness)
    proof.save(out / "proof.json")
    save_public(out / "public.json", public)
    step("prove (load key + prove)", "-> proof.json, public.json", t)

    t = time.perf_counter()
    ok = verify(VerifyingKey.load(out / "verification_key.json"), Proof.load(out / "proof.json"),
                load_public(out / "public.json"))
    step("verify", "valid" if ok else "INVALID", t)

    t = time.perf_counter()
    forged = verify(pk.verifying_key, proof, [public[0], public[1] + 1])
    step("verify with a changed nonce", "rejected" if not forged else "ACCEPTED (bug!)", t)

    t = time.perf_counter()
    rendered = render_verifier(pk.verifying_key, source="verification_key.json", allow_development_key=True)
    artifact = compile_sources({"Verifier.sol": rendered.source})[rendered.contract_name]
    (out / "Verifier.sol").write_text(rendered.source)
    step("render + compile verifier", f"solc {artifact.compiler} ({artifact.evm_version}) -> Verifier.sol", t)

    t = time.perf_counter()
    with local_chain(chain) as node:
        evm = Evm(node.url)
        contract, deploy_gas = evm.deploy(artifact)
        step(f"start {node.title} + deploy", f"hardfork {node.hardfork}, {deploy_gas:,} gas, {contract.address}", t)
        t = time.perf_counter()
        fn = contract.functions.verifyProof(*proof.verify_proof_args(), public)
        on_chain = evm.call(fn) is True
        sent = evm.send(fn)
        step("verify on chain (tx)", f"{'valid' if on_chain else 'INVALID'}, {sent.gas_used:,} gas", t)
        t = time.perf_counter()
        bad = evm.call(contract.functions.verifyProof(*proof.verify_proof_args(), [public[0], public[1] + 1]))
        forged_on_chain = bad is True
        step("on chain, changed nonce", "rejected" if not forged_on_chain else "ACCEPTED (bug!)", t)

    table = Table(title="timings")
    table.add_column("step")
    table.add_column("seconds", justify="right")
    for name, secs, _ in steps:
        table.add_row(name, f"{secs:.3f}")
    console.print(table)
    console.print(f"artifacts in {out}/ — check them with snarkjs: "
                  f"npx snarkjs groth16 verify {out}/verification_key.json {out}/public.json {out}/proof.json")
    console.print("[yellow]development key: single-party setup, for testing only[/]")
    if not ok or forged or not on_chain or forged_on_chain:
        raise SystemExit(1)
