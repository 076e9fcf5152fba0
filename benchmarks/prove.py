"""Prover benchmark: zkml-chain against snarkjs, rapidsnark and gnark, in one run.

For each size 2^k (k = 12..18 by default) a squaring-chain circuit with 2^k − 3 constraints
(domain exactly 2^k with the 3 public-input binding rows) is written as circom .r1cs/.wtns. We
run `zkml-chain setup`, then prove the very same key and witness with `zkml-chain prove`, the
native `zkml-prove` (rapidsnark's arguments, no interpreter), `snarkjs groth16 prove` and
rapidsnark's `prover` (median of --repeats runs each, whole commands
including start-up and key loading, peak RSS of each), check every proof, and print and save a
table with the ratios. `zkml-chain prove --msm arkworks` (arkworks' MSM instead of ours) is
measured too, so the table shows what the batch-affine kernel buys.

    .venv/bin/python benchmarks/prove.py [--min-log 12] [--max-log 18] [--repeats 3]

Results go to benchmarks/results/prove.{json,md}. Witness values in this circuit are full
256-bit field elements (worst case for MSMs: no small-scalar shortcuts for any prover).

Peers that need building are added when available:
- rapidsnark (iden3, C++/assembly): built by `benchmarks/rapidsnark.py` into build/rapidsnark/.
- gnark v0.14 (with Go on the PATH, --gnark): proves the same chain rebuilt with its own frontend
  (benchmarks/gnark/; gnark cannot read circom files). Its figure is in-process (key in memory,
  no start-up), a lower bound on what a whole gnark command would take: one proof per round, in
  the same rounds as the others (its setup, in the same process, is not timed).
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import cast

import click
from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parent.parent
ZKML = ROOT / ".venv" / "bin" / "zkml-chain"
ZKML_PROVE = ROOT / ".venv" / "bin" / "zkml-prove"  # the native command (native/prover), built by make install
SNARKJS = ROOT / "node_modules" / ".bin" / "snarkjs"
console = Console()


RAPIDSNARK = ROOT / "build" / "rapidsnark" / "package" / "bin" / "prover"


@dataclass
class Row:
    log_n: int
    constraints: int
    setup_s: float
    prove_s: float
    native_prove_s: float
    prove_arkworks_msm_s: float
    snarkjs_prove_s: float
    rapidsnark_prove_s: float | None
    gnark_prove_s: float | None
    prove_peak_rss_mb: float
    native_peak_rss_mb: float
    rapidsnark_peak_rss_mb: float | None
    snarkjs_peak_rss_mb: float
    setup_peak_rss_mb: float

    def ratio(self, peer_s: float | None, ours_s: float | None = None) -> str:
        """Peer time / our time (`zkml-chain prove`'s unless given): above 1.0x we are faster."""
        return "-" if peer_s is None else f"{peer_s / (ours_s or self.prove_s):.2f}x"


GNU_TIME = Path("/usr/bin/time")


def timed(cmd: list[str | Path]) -> tuple[float, float]:
    """Run a command; return (wall seconds, peak RSS in MB of that process).

    The peak comes from GNU time (Debian's `time`), which forks the command from its own small
    process: the rusage of a child forked from this (large) Python process would count the
    parent's pages it shared before exec."""
    if not GNU_TIME.exists():
        raise SystemExit("GNU time is missing (apt-get install time): it measures each prover's peak RSS")
    with tempfile.NamedTemporaryFile("r", suffix=".rss") as rss:
        t0 = time.perf_counter()
        p = subprocess.run([str(GNU_TIME), "-f", "%M", "-o", rss.name, *(str(c) for c in cmd)], capture_output=True,
                           text=True)
        wall = time.perf_counter() - t0
        if p.returncode != 0:
            raise SystemExit(f"{cmd[0]} failed ({p.returncode}):\n{p.stdout}\n{p.stderr}")
        return wall, int(rss.read().split()[-1]) / 1024


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
@click.option("--gnark/--no-gnark", default=True, show_default=True, help="Add gnark (needs Go) as a peer.")
@click.option("--results", default="prove", show_default=True,
              help="Name of the results files in benchmarks/results/ (NAME.json, NAME.md).")
def main(min_log: int, max_log: int, repeats: int, work: Path, gnark: bool, results: str) -> None:
    sys.path.insert(0, str(ROOT))
    from zkml_chain import _native
    from zkml_chain.samples import squaring_chain

    if not SNARKJS.exists() or not ZKML_PROVE.exists():
        raise SystemExit("snarkjs or zkml-prove is missing: run `make install` first")
    rows: list[Row] = []
    work.mkdir(parents=True, exist_ok=True)
    gnark_exe = build_gnark(work.resolve()) if gnark else None
    rapidsnark = RAPIDSNARK if RAPIDSNARK.exists() else None
    if rapidsnark is None:
        console.print("[yellow]rapidsnark not built (python benchmarks/rapidsnark.py): skipping its column[/]")
    console.print(f"machine: {platform.machine()}, {os.cpu_count()} cores, kernels on {_native.num_threads()} threads")
    for k in range(min_log, max_log + 1):
        d = work / f"2^{k}"
        d.mkdir(parents=True, exist_ok=True)
        n = 2**k - 3
        r1cs, w = squaring_chain(n, x0=3, nonce=k)
        r1cs.save(d / "c.r1cs")
        w.save(d / "w.wtns")
        setup_s, setup_rss = timed([ZKML, "setup", d / "c.r1cs", "--out", d / "keys"])
        zkey, vk = d / "keys" / "circuit.zkey", d / "keys" / "verification_key.json"
        runs: dict[str, list[tuple[float, float]]] = {"ours": [], "native": [], "arkworks": [], "snarkjs": [],
                                                      "rapidsnark": []}
        gnark_runs: list[float] = []
        for _ in range(repeats):  # interleaved, so a slow spell of the machine hits every prover
            ours = [ZKML, "prove", d / "keys", "--wtns", d / "w.wtns", "--proof", d / "p.json", "--public", d / "pub.json"]
            runs["ours"].append(timed(ours))
            check(vk, d / "p.json", d / "pub.json")
            runs["native"].append(timed([ZKML_PROVE, zkey, d / "w.wtns", d / "np.json", d / "npub.json"]))
            check(vk, d / "np.json", d / "npub.json")
            runs["arkworks"].append(timed([*ours, "--msm", "arkworks"]))
            check(vk, d / "p.json", d / "pub.json")
            runs["snarkjs"].append(timed([SNARKJS, "groth16", "prove", zkey, d / "w.wtns", d / "sp.json", d / "spub.json"]))
            check(vk, d / "sp.json", d / "spub.json")
            if rapidsnark is not None:
                runs["rapidsnark"].append(timed([rapidsnark, zkey, d / "w.wtns", d / "rp.json", d / "rpub.json"]))
                check(vk, d / "rp.json", d / "rpub.json")
            if gnark_exe is not None:  # one proof per round (its setup untimed), in the same rounds
                gnark_runs.append(gnark_prove(gnark_exe, n, 1))

        med = {name: statistics.median(t for t, _ in v) if v else None for name, v in runs.items()}
        peak = {name: max(m for _, m in v) if v else None for name, v in runs.items()}
        gnark_s = statistics.median(gnark_runs) if gnark_runs else None
        row = Row(k, n, setup_s, cast(float, med["ours"]), cast(float, med["native"]), cast(float, med["arkworks"]),
                  cast(float, med["snarkjs"]), med["rapidsnark"], gnark_s, cast(float, peak["ours"]),
                  cast(float, peak["native"]), peak["rapidsnark"], cast(float, peak["snarkjs"]), setup_rss)
        rows.append(row)
        console.print(f"2^{k}: prove {row.prove_s:.2f}s, zkml-prove {row.native_prove_s:.2f}s "
                      f"(arkworks MSM {row.prove_arkworks_msm_s:.2f}s), snarkjs "
                      f"{row.snarkjs_prove_s:.2f}s, rapidsnark {fmt(row.rapidsnark_prove_s)}s, gnark {fmt(gnark_s)}s; "
                      f"peak RSS {row.prove_peak_rss_mb:.0f} MB (rapidsnark {fmt(row.rapidsnark_peak_rss_mb, 0)})")

    columns = ["size", "zkml-chain s", "zkml-prove s", "with arkworks MSM s", "snarkjs s", "rapidsnark s",
               "gnark s (in-process)", "vs snarkjs", "vs rapidsnark", "vs gnark", "zkml-prove vs rapidsnark",
               "zkml-prove vs gnark", "peak RSS MB", "zkml-prove peak RSS MB", "rapidsnark peak RSS MB"]
    cells = [[f"2^{r.log_n}", f"{r.prove_s:.2f}", f"{r.native_prove_s:.2f}", f"{r.prove_arkworks_msm_s:.2f}",
              f"{r.snarkjs_prove_s:.2f}", fmt(r.rapidsnark_prove_s), fmt(r.gnark_prove_s), r.ratio(r.snarkjs_prove_s),
              r.ratio(r.rapidsnark_prove_s), r.ratio(r.gnark_prove_s), r.ratio(r.rapidsnark_prove_s, r.native_prove_s),
              r.ratio(r.gnark_prove_s, r.native_prove_s), f"{r.prove_peak_rss_mb:.0f}", f"{r.native_peak_rss_mb:.0f}",
              fmt(r.rapidsnark_peak_rss_mb, 0)] for r in rows]
    show_and_save(results, f"Groth16 prove, whole command, median of {repeats} (same .zkey and .wtns); ratios are "
                  "peer time / ours", columns, cells, [asdict(r) for r in rows], {"repeats": repeats})


def show_and_save(results: str, title: str, columns: list[str], cells: list[list[str]], rows: list[dict[str, object]],
                  meta: dict[str, object]) -> None:
    """Print the table and save it as benchmarks/results/RESULTS.md, the rows (and the command,
    the date, the core count) as RESULTS.json: what every benchmark here writes."""
    table = Table(title=title)
    for col in columns:
        table.add_column(col, justify="right")
    for c in cells:
        table.add_row(*c)
    console.print(table)
    out = ROOT / "benchmarks" / "results"
    out.mkdir(parents=True, exist_ok=True)
    meta = {"command": f"python benchmarks/{Path(sys.argv[0]).name} " + " ".join(sys.argv[1:]),
            "cores": os.cpu_count(), "date": time.strftime("%Y-%m-%d"), **meta}
    (out / f"{results}.json").write_text(json.dumps({"meta": meta, "rows": rows}, indent=1) + "\n")
    md = ["| " + " | ".join(columns) + " |", "|" + "---:|" * len(columns)] + ["| " + " | ".join(c) + " |" for c in cells]
    (out / f"{results}.md").write_text("\n".join(md) + "\n")
    console.print(f"saved {out / results}.json and .md")


def fmt(value: float | None, digits: int = 2) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


if __name__ == "__main__":
    main()
