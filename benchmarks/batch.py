"""Batch proving throughput: `zkml-chain prove-batch` on Ray against a plain `zkml-chain prove` loop.

The lending circuit of the credit MLP (the demo's model, development key) proves N bureau claims
(German Credit rows, threshold 0 so every claim exists) in each of these ways, one after another
on this machine:

- `prove` loop: one `zkml-chain prove` command per claim (start-up and key loading every time);
- in-process: CompiledModel.prove in one Python process (what a worker does per item, no Ray);
- prove-batch, local Ray: 1 worker x 2 threads, and 2 workers x 1 thread;
- prove-batch on a two-node cluster: `ray start --head` plus a second `ray start` node on this
  machine (one CPU each), joined with --address.

Reported: wall time, Ray start-up, throughput (with and without start-up), per-proof overhead of
Ray against the in-process loop at the same thread count, and a projection to a 32-node cluster.

    .venv/bin/python benchmarks/batch.py [--claims 48]

Results: benchmarks/results/batch.{json,md}.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import click
from rich.console import Console

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
console = Console()
#: The projection's cluster.
NODES = 32


def circuit(work: Path) -> Path:
    """The lending circuit of the credit MLP, compiled and set up once (cached in ``work``)."""
    from zkml_chain.keydir import setup_folder
    from zkml_chain.lending.stack import compile_lending_circuit
    from zkml_chain.lending.train import train

    folder = work / "mlp_circuit"
    if not (folder / "circuit.zkey").is_file():
        if not (work / "mlp.onnx").is_file():
            train(work)
        compile_lending_circuit(work / "mlp.onnx", folder, work / "calibration.json")
        setup_folder(folder)
    return folder


def claims(n: int) -> list[dict]:
    from zkml_chain.lending.features import load

    ds = load()
    return [{"features": ds.features[i % len(ds.features)].tolist(), "salt": str(10_000 + i), "threshold": 0.0,
             "borrower": f"0x{i + 1:040x}", "domain": 99, "nonce": 1} for i in range(n)]


def prove_loop(folder: Path, objs: list[dict], work: Path) -> float:
    """Seconds per proof of one `zkml-chain prove` command per claim."""
    t0 = time.perf_counter()
    for i, o in enumerate(objs):
        f = work / f"in{i}.json"
        f.write_text(json.dumps(o))
        subprocess.run([BIN / "zkml-chain", "prove", folder, "--input", f, "--proof", work / "p.json",
                        "--public", work / "pub.json"], check=True, capture_output=True)
    return (time.perf_counter() - t0) / len(objs)


def in_process(folder: Path, objs: list[dict], threads: int) -> float:
    """Seconds per proof in one process with ``threads`` kernel threads (key loaded beforehand)."""
    from zkml_chain import _native
    from zkml_chain.onnx.compiled import CompiledModel

    before = _native.num_threads()
    _native.set_num_threads(threads)
    try:
        model = CompiledModel.load(folder)
        model.prove(objs[0])  # loads the key
        t0 = time.perf_counter()
        for o in objs:
            model.prove(o)
        return (time.perf_counter() - t0) / len(objs)
    finally:
        _native.set_num_threads(before)


def batch(folder: Path, inputs: Path, out: Path, *args: str) -> dict:
    shutil.rmtree(out, ignore_errors=True)
    t0 = time.perf_counter()
    r = subprocess.run([BIN / "zkml-chain", "prove-batch", folder, "--inputs", inputs, "--out", out, *args],
                       capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if r.returncode != 0:
        raise click.ClickException(f"prove-batch failed: {r.stdout}{r.stderr}")
    s = json.loads((out / "summary.json").read_text())
    return {"wall_s": wall, "startup_s": s["startup_seconds"], "proved": s["proved"],
            "proofs_per_s": s["proved"] / wall, "steady_proofs_per_s": s["steady_proofs_per_second"],
            "layout": s["layout"]}


def two_node(folder: Path, inputs: Path, out: Path) -> dict:
    from zkml_chain.testing.ray_cluster import two_node_cluster

    with two_node_cluster(BIN) as (address, _):
        return batch(folder, inputs, out, "--address", address)


@click.command()
@click.option("--claims", "n", default=48, show_default=True, help="Claims per batch run.")
@click.option("--loop", default=8, show_default=True, help="Claims in the `prove` loop and the in-process loops.")
@click.option("--work", type=click.Path(path_type=Path), default=ROOT / "build" / "batch-bench", show_default=True)
def main(n: int, loop: int, work: Path) -> None:
    sys.path.insert(0, str(ROOT))
    work.mkdir(parents=True, exist_ok=True)
    folder = circuit(work)
    objs = claims(n)
    inputs = work / "claims.jsonl"
    inputs.write_text("".join(json.dumps(o) + "\n" for o in objs))
    rows: dict[str, dict] = {}
    console.print("[bold]prove loop[/] ...")
    rows["prove loop (one command per claim)"] = {"per_proof_s": prove_loop(folder, objs[:loop], work)}
    console.print("[bold]in-process[/] ...")
    rows["in-process, 2 threads"] = {"per_proof_s": in_process(folder, objs[:loop], 2)}
    rows["in-process, 1 thread"] = {"per_proof_s": in_process(folder, objs[:loop], 1)}
    for label, args in (("prove-batch, local Ray, 1 worker x 2 threads", ("--workers", "1")),
                        ("prove-batch, local Ray, 2 workers x 1 thread", ("--workers", "2"))):
        console.print(f"[bold]{label}[/] ...")
        rows[label] = batch(folder, inputs, work / "proofs", *args)
    console.print("[bold]two-node cluster[/] ...")
    rows["prove-batch, two-node cluster (ray start x2), 2 workers x 1 thread"] = two_node(folder, inputs, work / "proofs")
    for r in rows.values():
        if "steady_proofs_per_s" in r:
            r["per_proof_s"] = 1 / r["steady_proofs_per_s"]
    one = rows["prove-batch, local Ray, 1 worker x 2 threads"]
    two = rows["prove-batch, local Ray, 2 workers x 1 thread"]
    nodes2 = rows["prove-batch, two-node cluster (ray start x2), 2 workers x 1 thread"]
    overhead = {"1 worker x 2 threads": 1 / one["steady_proofs_per_s"] - rows["in-process, 2 threads"]["per_proof_s"],
                "2 workers x 1 thread": 2 / two["steady_proofs_per_s"] - rows["in-process, 1 thread"]["per_proof_s"]}
    # Projection: each node like this one (2 cores), proving at the local 2-worker steady rate;
    # scaling efficiency from 1 to 2 nodes (the two-node run's per-CPU rate over the local one's)
    # applied once more at 32 nodes (no further loss assumed).
    per_node = two["steady_proofs_per_s"]
    efficiency = min(1.0, nodes2["steady_proofs_per_s"] / two["steady_proofs_per_s"])
    per_day = NODES * per_node * efficiency * 86_400
    projection = {"nodes": NODES, "per_node_proofs_per_s": per_node, "efficiency": efficiency,
                  "proofs_per_day": per_day}
    md = ["| how | claims | wall s | Ray start s | proofs/s (whole run) | proofs/s (after start) | s per proof |",
          "|---|---:|---:|---:|---:|---:|---:|"]
    for label, r in rows.items():
        if "wall_s" in r:
            md.append(f"| {label} | {r['proved']} | {r['wall_s']:.1f} | {r['startup_s']:.1f} | {r['proofs_per_s']:.2f} "
                      f"| {r['steady_proofs_per_s']:.2f} | {r['per_proof_s']:.3f} |")
        else:
            md.append(f"| {label} | {loop} | | | {1 / r['per_proof_s']:.2f} | | {r['per_proof_s']:.3f} |")
    md += ["", "Ray's overhead per proof (after start-up; batch s per proof x workers minus the in-process s per "
           "proof at the same threads): " + ", ".join(f"{k} {v * 1000:+.0f} ms" for k, v in overhead.items()) + ".",
           "", f"Projection: {NODES} nodes like this one (2 cores each) at {per_node:.2f} proofs/s per node "
           f"(2 workers x 1 thread), scaling efficiency {efficiency:.2f} (two-node cluster over local): "
           f"{per_day:,.0f} proofs per day."]
    out = ROOT / "benchmarks" / "results"
    (out / "batch.json").write_text(json.dumps({"date": time.strftime("%Y-%m-%d"), "rows": rows, "overhead_s": overhead,
                                                "projection": projection}, indent=1) + "\n")
    (out / "batch.md").write_text("\n".join(md) + "\n")
    console.print("\n".join(md))


if __name__ == "__main__":
    main()
