"""Where a `zkml-chain prove` goes: each phase of one proof, timed separately, for the sizes that
benchmarks/prove.py built (its squaring chains in build/bench/2^k).

    .venv/bin/python benchmarks/prove_phases.py [--sizes 12,16,18] [--repeats 3]

Phases: the imports of `prove` (the CLI and the modules the command imports, minus a bare `python`),
mapping and checking the key, reading the witness, the QAP (h), each of the five MSMs (A, B1, C, H
in G1; B2 in G2), and the proof's own verification. Medians of --repeats. With Go (--gnark),
the whole in-process prove() again, alternating run by run with gnark's in-process prove of the
same chain (benchmarks/gnark), so the two in-process figures come from the same minutes. Results
go to benchmarks/results/prove-phases.{json,md}.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parent))
from prove import build_gnark  # noqa: E402  (the gnark peer, built the same way)

ROOT = Path(__file__).resolve().parent.parent
PYTHON = ROOT / ".venv" / "bin" / "python"
console = Console()


def median_time(fn: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


#: What `zkml-chain prove --wtns` imports: the CLI, then (inside the command) these.
PROVE_IMPORTS = "import zkml_chain.cli, zkml_chain.files, zkml_chain.groth16, zkml_chain.witness"


def startup(repeats: int) -> float:
    """Seconds `prove`'s imports add to a bare interpreter (median of runs, whole processes)."""
    def run(code: str) -> float:
        return median_time(lambda: subprocess.run([str(PYTHON), "-c", code], check=True), repeats)

    return run(PROVE_IMPORTS) - run("pass")


def phases(zkey: Path, wtns: Path, repeats: int) -> dict[str, float]:
    """Median seconds of each phase of one proof with the key ``zkey`` and witness ``wtns``."""
    from zkml_chain.field import N8
    from zkml_chain.groth16 import MappedProvingKey, verify
    from zkml_chain.groth16.prove import prove
    from zkml_chain.witness import Witness

    row = {"map key": median_time(lambda: MappedProvingKey.load(zkey), repeats),
           "read witness": median_time(lambda: Witness.load(wtns), repeats)}
    pk, w = MappedProvingKey.load(zkey), Witness.load(wtns)
    row["h (QAP, NTTs)"] = median_time(lambda: pk.h_evaluations(w.values), repeats)
    h = pk.h_evaluations(w.values)
    private = w.values[(pk.n_public + 1) * N8:]
    for name, scalars in (("a", w.values), ("b1", w.values), ("c", private), ("h", h), ("b2", w.values)):
        row[f"MSM {name.upper()}{' (G2)' if name == 'b2' else ''}"] = median_time(
            lambda name=name, scalars=scalars: pk.msm(name, scalars), repeats)
    row["sum of the phases above"] = sum(v for k, v in row.items() if k.startswith(("h ", "MSM ")))
    row["h and the MSMs in one call (what prove runs)"] = median_time(lambda: pk.proof_msms(w.values), repeats)
    proof, public = prove(pk, w, check=False)
    row["verify"] = median_time(lambda: verify(pk.verifying_key, proof, public), repeats)
    row["whole prove()"] = median_time(lambda: prove(pk, w), repeats)
    return row


def against_gnark(zkey: Path, wtns: Path, gnark: Path, log_n: int, repeats: int) -> dict[str, float]:
    """In-process prove() and gnark's in-process prove of the same chain, alternating."""
    from zkml_chain.groth16 import MappedProvingKey
    from zkml_chain.groth16.prove import prove
    from zkml_chain.witness import Witness

    pk, w = MappedProvingKey.load(zkey), Witness.load(wtns)
    ours, theirs = [], []
    for _ in range(repeats):
        t0 = time.perf_counter()
        prove(pk, w)
        ours.append(time.perf_counter() - t0)
        r = subprocess.run([str(gnark), "-constraints", str(2**log_n - 3), "-repeats", "1"],
                           capture_output=True, text=True, check=True)
        theirs.append(float(json.loads(r.stdout)["prove_s"]))
    o, g = statistics.median(ours), statistics.median(theirs)
    return {"prove(), alternating with gnark": o, "gnark's prove, in-process": g, "gnark / ours, in-process": g / o}


@click.command()
@click.option("--sizes", default="12,16,18", show_default=True, help="log2 sizes, built by benchmarks/prove.py")
@click.option("--repeats", default=3, show_default=True)
@click.option("--work", type=click.Path(path_type=Path), default=ROOT / "build" / "bench", show_default=True)
@click.option("--gnark/--no-gnark", default=True, show_default=True, help="Compare in-process with gnark (needs Go).")
@click.option("--results", default="prove-phases", show_default=True,
              help="Name of the results files in benchmarks/results/ (NAME.json, NAME.md).")
def main(sizes: str, repeats: int, work: Path, gnark: bool, results: str) -> None:
    sys.path.insert(0, str(ROOT))

    gnark_exe = build_gnark(work.resolve()) if gnark else None
    rows = []
    imports = startup(repeats)
    for k in (int(s) for s in sizes.split(",")):
        d = work / f"2^{k}"
        if not (d / "keys" / "circuit.zkey").exists():
            raise SystemExit(f"{d} has no key: run benchmarks/prove.py --min-log {k} --max-log {k} first")
        row: dict[str, float | int] = {"log_n": k, "imports": imports}
        row.update(phases(d / "keys" / "circuit.zkey", d / "w.wtns", repeats))
        if gnark_exe is not None:
            row.update(against_gnark(d / "keys" / "circuit.zkey", d / "w.wtns", gnark_exe, k, repeats))
        rows.append(row)
        console.print(f"2^{k}: " + ", ".join(f"{key} {v:.3f}s" for key, v in row.items() if key != "log_n"))

    names = [key for key in rows[0] if key != "log_n"]
    table = Table(title=f"prove, phase by phase (seconds, median of {repeats})")
    table.add_column("phase")
    for r in rows:
        table.add_column(f"2^{r['log_n']}", justify="right")
    for p in names:
        table.add_row(p, *(f"{r[p]:.3f}" for r in rows))
    console.print(table)
    out = ROOT / "benchmarks" / "results"
    meta = {"command": "python benchmarks/prove_phases.py " + " ".join(sys.argv[1:]), "date": time.strftime("%Y-%m-%d")}
    (out / f"{results}.json").write_text(json.dumps({"meta": meta, "rows": rows}, indent=1) + "\n")
    md = ["| phase | " + " | ".join(f"2^{r['log_n']}" for r in rows) + " |", "|---|" + "---:|" * len(rows)]
    md += [f"| {p} | " + " | ".join(f"{r[p]:.3f}" for r in rows) + " |" for p in names]
    (out / f"{results}.md").write_text("\n".join(md) + "\n")
    console.print(f"saved {out / results}.json and .md")


if __name__ == "__main__":
    main()
