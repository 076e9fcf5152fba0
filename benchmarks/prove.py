"""Prover benchmark: zkml-chain vs snarkjs on the same .r1cs/.wtns/.zkey, in one run.

For each size 2^k (k = 12..18 by default) a squaring-chain circuit with 2^k − 3 constraints
(domain exactly 2^k with the 3 public-input binding rows) is written as circom .r1cs/.wtns. We
run `zkml-chain setup`, then `zkml-chain prove` and `snarkjs groth16 prove` on the very same
key and witness (median of --repeats runs each, whole commands including start-up and key
loading), check both proofs, and print and save a table with the ratio and our peak RSS.

    .venv/bin/python benchmarks/prove.py [--min-log 12] [--max-log 18] [--repeats 3]

Results go to benchmarks/results/prove.{json,md}. Witness values in this circuit are full
256-bit field elements (worst case for MSMs: no small-scalar shortcuts for either prover).

With Go on the PATH (and --gnark, the default) the run adds a third peer: gnark v0.14, the
fastest CPU Groth16 prover we know of, proving the same chain rebuilt with its own frontend
(benchmarks/gnark/; gnark cannot read circom files). Its figure is in-process (key in memory,
no start-up), so it is a lower bound on what a whole gnark command would take.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parent.parent
ZKML = ROOT / ".venv" / "bin" / "zkml-chain"
SNARKJS = ROOT / "node_modules" / ".bin" / "snarkjs"
console = Console()


@dataclass
class Row:
    log_n: int
    constraints: int
    setup_s: float
    prove_s: float
    snarkjs_prove_s: float
    ratio: float
    gnark_prove_s: float | None
    prove_peak_rss_mb: float
    setup_peak_rss_mb: float


def timed(cmd: list[str | Path]) -> tuple[float, float]:
    """Run a command; return (wall seconds, peak RSS in MB of that process)."""
    t0 = time.perf_counter()
    p = subprocess.Popen([str(c) for c in cmd], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t0
    out, err = p.stdout.read().decode(), p.stderr.read().decode()  # type: ignore[union-attr]
    p.returncode = os.waitstatus_to_exitcode(status)
    if p.returncode != 0:
        raise SystemExit(f"{cmd[0]} failed ({p.returncode}):\n{out}\n{err}")
    return wall, usage.ru_maxrss / 1024


def build_gnark(work: Path) -> Path | None:
    """Compile the gnark peer once (needs Go and its module proxy); None when Go is absent."""
    go = shutil.which("go")
    if go is None:
        console.print("[yellow]go not found: skipping the gnark column[/]")
        return None
    exe = work / "gnark-prove"
    console.print("building the gnark peer (benchmarks/gnark) ...")
    subprocess.run([go, "build", "-o", str(exe), "."], cwd=ROOT / "benchmarks" / "gnark", check=True)
    return exe


def gnark_prove(exe: Path, constraints: int, repeats: int) -> float:
    """Median in-process gnark prove time for a squaring chain of ``constraints`` steps."""
    r = subprocess.run([str(exe), "-constraints", str(constraints), "-repeats", str(repeats)],
                       capture_output=True, text=True, check=True)
    res = json.loads(r.stdout)
    if not res["valid"]:
        raise SystemExit(f"gnark's proof at {constraints} constraints does not verify")
    return float(res["prove_s"])


def check(vk: Path, proof: Path, public: Path) -> None:
    r = subprocess.run([str(ZKML), "verify", str(vk), str(proof), str(public)], capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit(f"proof {proof} does not verify: {r.stdout}{r.stderr}")


@click.command()
@click.option("--min-log", default=12, show_default=True)
@click.option("--max-log", default=18, show_default=True)
@click.option("--repeats", default=3, show_default=True, help="Runs per prover; the median is reported.")
@click.option("--work", type=click.Path(path_type=Path), default=ROOT / "build" / "bench", show_default=True)
@click.option("--gnark/--no-gnark", default=True, show_default=True, help="Add gnark (needs Go) as a third peer.")
def main(min_log: int, max_log: int, repeats: int, work: Path, gnark: bool) -> None:
    sys.path.insert(0, str(ROOT))
    from zkml_chain import _native
    from zkml_chain.samples import squaring_chain

    if not SNARKJS.exists():
        raise SystemExit("snarkjs is missing: run `make install` first")
    rows: list[Row] = []
    work.mkdir(parents=True, exist_ok=True)
    gnark_exe = build_gnark(work.resolve()) if gnark else None
    console.print(f"machine: {platform.machine()}, {os.cpu_count()} cores, kernels on {_native.num_threads()} threads")
    for k in range(min_log, max_log + 1):
        d = work / f"2^{k}"
        d.mkdir(parents=True, exist_ok=True)
        n = 2**k - 3
        r1cs, w = squaring_chain(n, x0=3, nonce=k)
        r1cs.save(d / "c.r1cs")
        w.save(d / "w.wtns")
        setup_s, setup_rss = timed([ZKML, "setup", d / "c.r1cs", "--out", d / "keys"])
        ours, theirs, rss = [], [], []
        for _ in range(repeats):
            t, m = timed([ZKML, "prove", d / "keys", "--wtns", d / "w.wtns", "--proof", d / "p.json",
                          "--public", d / "pub.json"])
            ours.append(t)
            rss.append(m)
            check(d / "keys" / "verification_key.json", d / "p.json", d / "pub.json")
            t, _ = timed([SNARKJS, "groth16", "prove", d / "keys" / "circuit.zkey", d / "w.wtns", d / "sp.json",
                          d / "spub.json"])
            theirs.append(t)
            check(d / "keys" / "verification_key.json", d / "sp.json", d / "spub.json")
        gnark_s = gnark_prove(gnark_exe, n, repeats) if gnark_exe else None
        row = Row(k, n, setup_s, statistics.median(ours), statistics.median(theirs),
                  statistics.median(theirs) / statistics.median(ours), gnark_s, max(rss), setup_rss)
        rows.append(row)
        console.print(f"2^{k}: setup {setup_s:.2f}s, prove {row.prove_s:.2f}s, snarkjs {row.snarkjs_prove_s:.2f}s, "
                      f"ratio {row.ratio:.1f}x, gnark {fmt(gnark_s)}s, peak RSS {row.prove_peak_rss_mb:.0f} MB")

    table = Table(title=f"Groth16 prove, whole command, median of {repeats} (same .zkey and .wtns)")
    for col in ("constraints", "setup s", "prove s", "snarkjs prove s", "snarkjs / ours",
                "gnark prove s (in-process)", "snarkjs / gnark", "prove peak RSS MB", "setup peak RSS MB"):
        table.add_column(col, justify="right")
    for r in rows:
        table.add_row(f"2^{r.log_n} ({r.constraints:,})", f"{r.setup_s:.2f}", f"{r.prove_s:.2f}",
                      f"{r.snarkjs_prove_s:.2f}", f"{r.ratio:.1f}x", fmt(r.gnark_prove_s), gnark_ratio(r),
                      f"{r.prove_peak_rss_mb:.0f}", f"{r.setup_peak_rss_mb:.0f}")
    console.print(table)

    out = ROOT / "benchmarks" / "results"
    out.mkdir(parents=True, exist_ok=True)
    meta = {"command": "python benchmarks/prove.py " + " ".join(sys.argv[1:]), "cores": os.cpu_count(),
            "date": time.strftime("%Y-%m-%d"), "repeats": repeats}
    (out / "prove.json").write_text(json.dumps({"meta": meta, "rows": [asdict(r) for r in rows]}, indent=1) + "\n")
    md = ["| constraints | setup s | prove s | snarkjs prove s | snarkjs / ours | gnark prove s (in-process) "
          "| snarkjs / gnark | prove peak RSS MB |",
          "|---:|---:|---:|---:|---:|---:|---:|---:|"]
    md += [f"| 2^{r.log_n} | {r.setup_s:.2f} | {r.prove_s:.2f} | {r.snarkjs_prove_s:.2f} | {r.ratio:.1f}x | "
           f"{fmt(r.gnark_prove_s)} | {gnark_ratio(r)} | {r.prove_peak_rss_mb:.0f} |" for r in rows]
    (out / "prove.md").write_text("\n".join(md) + "\n")
    console.print(f"saved {out / 'prove.json'} and {out / 'prove.md'}")


def fmt(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds:.2f}"


def gnark_ratio(r: Row) -> str:
    return "-" if r.gnark_prove_s is None else f"{r.snarkjs_prove_s / r.gnark_prove_s:.1f}x"


if __name__ == "__main__":
    main()
