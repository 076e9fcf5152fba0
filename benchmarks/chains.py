"""Gas on each local chain: the same transactions, with the same calldata, on Anvil and Hardhat 3.

Both nodes run the project's pinned hardfork. The rows: our verifier deployed and called for
ℓ = 1, 2, 8, 32; the batch verifier with 16 proofs at ℓ = 8; the lending flow (deploy the stack,
register, attest, borrow a first and a repeat loan, repay) for the German Credit MLP at scale 12
(development keys: gas does not depend on the ceremony). Every figure is a mined transaction's
gasUsed; the script fails if any differs between the chains.

    .venv/bin/python benchmarks/chains.py [--out benchmarks/results]

Results: benchmarks/results/chains.{json,md}.
"""

from __future__ import annotations

import json
import sys
import tempfile
from datetime import date
from pathlib import Path

import click
import numpy as np
from rich.console import Console
from rich.table import Table

from zkml_chain import toolchain
from zkml_chain.chain.chains import CHAINS
from zkml_chain.chain.per_chain import VerifierSuite, verifier_gas
from zkml_chain.hardfork import HARDFORK
from zkml_chain.keydir import setup_folder
from zkml_chain.lending.features import load
from zkml_chain.lending.per_chain import lending_gas
from zkml_chain.lending.stack import Prover, compile_lending_circuit
from zkml_chain.lending.train import train

ROOT = Path(__file__).resolve().parent.parent
console = Console()
POLICY, TOKEN = 0.6, 10**18


def _good_record(models: Path) -> np.ndarray:
    import onnxruntime as ort

    ds = load()
    sess = ort.InferenceSession(str(models / "mlp.onnx"), providers=["CPUExecutionProvider"])
    p_good = sess.run(["probabilities"], {"features": ds.features.astype(np.float32)})[0][:, 1]
    return np.asarray(ds.features[int(np.flatnonzero(p_good > POLICY + 0.1)[0])])


@click.command()
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=ROOT / "benchmarks" / "results",
              show_default=True)
def main(out: Path) -> None:
    chains = list(CHAINS)
    gas: dict[str, dict[str, int]] = {}
    with console.status("verifiers: keys, proofs, compile"):
        suite = VerifierSuite.build((1, 2, 8, 32), batch_ell=8, batch_n=16, snarkjs=False)
    for chain in chains:
        with console.status(f"verifiers on {chain}"):
            gas[chain] = verifier_gas(chain, suite)
    with tempfile.TemporaryDirectory(prefix="zkml-chains-") as tmp:
        with console.status("lending: train, compile, setup"):
            models = Path(tmp) / "models"
            train(models)
            circuit = Path(tmp) / "mlp_circuit"
            compile_lending_circuit(models / "mlp.onnx", circuit, models / "calibration.json")
            setup_folder(circuit)
            prover, record = Prover(circuit), _good_record(models)
        proofs = None
        for chain in chains:
            with console.status(f"lending flow on {chain}"):
                flow, proofs = lending_gas(chain, prover, record, min_score=POLICY, loan=500 * TOKEN,
                                           liquidity=1_000_000 * TOKEN, proofs=proofs)
                gas[chain].update(flow)

    rows = list(gas[chains[0]])
    differ = [k for k in rows if len({gas[c].get(k) for c in chains}) != 1]
    names = {"anvil": f"Anvil ({toolchain.ANVIL.package} {toolchain.ANVIL.version})",
             "hardhat": f"Hardhat ({toolchain.HARDHAT.package} {toolchain.HARDHAT.version})"}
    table = Table(title=f"gasUsed per chain, hardfork {HARDFORK}")
    table.add_column("transaction")
    for c in chains:
        table.add_column(names[c], justify="right")
    md = [f"| transaction [hardfork {HARDFORK}] | " + " | ".join(names[c] for c in chains) + " |",
          "|---|" + "---:|" * len(chains)]
    for k in rows:
        table.add_row(k, *(f"{gas[c][k]:,}" for c in chains))
        md.append(f"| {k} | " + " | ".join(f"{gas[c][k]:,}" for c in chains) + " |")
    console.print(table)
    out.mkdir(parents=True, exist_ok=True)
    meta = {"hardfork": HARDFORK, "date": date.today().isoformat(), "command": "python benchmarks/chains.py",
            "chains": {c: names[c] for c in chains}, "equal": not differ}
    (out / "chains.json").write_text(json.dumps({"meta": meta, "gas": gas}, indent=1) + "\n")
    (out / "chains.md").write_text("\n".join(md) + "\n")
    console.print(f"saved {out / 'chains.json'} and {out / 'chains.md'}")
    if differ:
        console.print(f"[red]gasUsed differs between chains for: {', '.join(differ)}[/]")
        sys.exit(1)
    console.print(f"every figure is the same on {' and '.join(chains)}")


if __name__ == "__main__":
    main()
