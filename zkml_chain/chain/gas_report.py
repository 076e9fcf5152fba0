"""Gas benchmark results: rows, the Markdown/JSON files and the plot (for `ape run gas_benchmark`)."""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from rich.console import Console
from rich.table import Table


@dataclass
class SingleRow:
    ell: int
    ours: int
    snarkjs: int
    floor: int
    budget: int


@dataclass
class BatchRow:
    ell: int
    n: int
    total: int
    per_proof: int


def write_report(singles: list[SingleRow], batches: list[BatchRow], fork: str, out: Path, batch_ell: int,
                 console: Console, node: str) -> None:
    """Print the tables and write gas.json, gas.md and gas.png into ``out``; ``node`` names the
    chain the figures come from (e.g. "hardhat (npm hardhat 3.18.0)")."""
    table = Table(title=f"Groth16 verification gas, one transaction each ({node}, hardfork {fork})")
    for col in ("public inputs ℓ", "ours", "snarkjs", "ours − snarkjs", "floor", "ours − floor",
                "floor + 1,500 + 250ℓ"):
        table.add_column(col, justify="right")
    for r in singles:
        table.add_row(str(r.ell), f"{r.ours:,}", f"{r.snarkjs:,}", f"{r.ours - r.snarkjs:+,}", f"{r.floor:,}",
                      f"{r.ours - r.floor:+,}", f"{r.budget:,}")
    console.print(table)
    btable = Table(title=f"Batch verification, ℓ = {batch_ell} (hardfork {fork})")
    for col in ("proofs N", "gas", "gas per proof"):
        btable.add_column(col, justify="right")
    for b in batches:
        btable.add_row(str(b.n), f"{b.total:,}", f"{b.per_proof:,}")
    console.print(btable)

    out.mkdir(parents=True, exist_ok=True)
    meta = {"hardfork": fork, "date": time.strftime("%Y-%m-%d"), "command": "ape run gas_benchmark",
            "node": node, "solc": "0.8.37 (npm), via-IR, 1,000,000 runs"}
    (out / "gas.json").write_text(json.dumps({"meta": meta, "single": [asdict(r) for r in singles],
                                              "batch": [asdict(b) for b in batches]}, indent=1) + "\n")
    md = [f"{node}, hardfork {fork}; every figure is a mined transaction's gasUsed (`ape run gas_benchmark`).", "",
          "| ℓ | ours | snarkjs | ours − snarkjs | floor | ours − floor | floor + 1,500 + 250ℓ |",
          "|---:|---:|---:|---:|---:|---:|---:|"]
    md += [f"| {r.ell} | {r.ours:,} | {r.snarkjs:,} | {r.ours - r.snarkjs:+,} | {r.floor:,} | "
           f"{r.ours - r.floor:+,} | {r.budget:,} |" for r in singles]
    md += ["", f"| batch of N (ℓ = {batch_ell}) | gas | gas per proof |", "|---:|---:|---:|"]
    md += [f"| {b.n} | {b.total:,} | {b.per_proof:,} |" for b in batches]
    (out / "gas.md").write_text("\n".join(md) + "\n")
    plot(singles, batches, fork, out / "gas.png", batch_ell)
    console.print(f"saved {out / 'gas.json'}, {out / 'gas.md'} and {out / 'gas.png'}")


def plot(singles: list[SingleRow], batches: list[BatchRow], fork: str, path: Path, batch_ell: int) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    ells = [r.ell for r in singles]
    left.plot(ells, [r.snarkjs - r.floor for r in singles], "o-", label="snarkjs verifier")
    left.plot(ells, [r.ours - r.floor for r in singles], "s-", label="zkml-chain verifier")
    left.plot(ells, [r.budget - r.floor for r in singles], "k--", label="target: 1,500 + 250ℓ")
    left.set_xlabel("public inputs ℓ")
    left.set_ylabel("gas above the floor")
    left.set_title("One proof: gas above tx + calldata + precompiles")
    left.legend()
    left.grid(alpha=0.3)
    if batches:
        ns = [b.n for b in batches]
        right.plot(ns, [b.per_proof for b in batches], "s-", color="C1", label="zkml-chain verifyBatch")
        one = next((r for r in singles if r.ell == batch_ell), None)
        if one is not None:
            right.axhline(one.snarkjs, color="C0", ls=":", label="snarkjs, one proof")
            right.axhline(one.ours, color="C1", ls=":", label="zkml-chain, one proof")
        right.set_xscale("log", base=2)
        right.set_xlabel("proofs per batch N")
        right.set_ylabel("gas per proof")
        right.set_title(f"Batches, ℓ = {batch_ell}")
        right.legend()
        right.grid(alpha=0.3)
    fig.suptitle(f"Groth16 verification gas on BN254 precompiles (anvil, hardfork {fork})")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
