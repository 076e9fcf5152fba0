"""Trusted-setup benchmark: zkml-chain vs snarkjs 0.7.6 on the same files, in one run.

For each size 2^p a powers-of-tau file with one contribution is made (by zkml-chain; both tools
then read the very same file), and a squaring-chain circuit of 2^p − 3 constraints (domain
exactly 2^p). Timed, as whole commands including start-up (median of --repeats; snarkjs once
where a run takes minutes), with each command's peak RSS:

- ``ptau prepare``  (snarkjs ``powersoftau prepare phase2``) for --prepare-logs; snarkjs is
  skipped at sizes after one of its runs exceeded --snarkjs-limit seconds;
- ``ptau verify``, ``setup --ptau`` (``groth16 setup``), ``zkey contribute`` and ``zkey verify``
  for --logs.

    .venv/bin/python benchmarks/setup.py [--logs 12,14,16] [--prepare-logs 10,12,14,16,18]

Results: benchmarks/results/setup.{json,md}.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import tempfile
import time
from dataclasses import asdict, dataclass
from datetime import date
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
    op: str
    log_n: int
    ours_s: float
    ours_peak_mb: float
    snarkjs_s: float | None
    snarkjs_peak_mb: float | None
    note: str = ""

    @property
    def ratio(self) -> float | None:
        return None if self.snarkjs_s is None else self.snarkjs_s / self.ours_s


def timed(cmd: list[str | Path], timeout: float | None = None) -> tuple[float, float] | None:
    """(wall seconds, peak RSS MB) of one command; None when it ran past ``timeout`` (killed)."""
    t0 = time.perf_counter()
    with tempfile.TemporaryFile() as out:
        p = subprocess.Popen([str(c) for c in cmd], stdout=out, stderr=subprocess.STDOUT)
        deadline = None if timeout is None else t0 + timeout
        while True:
            pid, status, usage = os.wait4(p.pid, os.WNOHANG)
            if pid:
                break
            if deadline is not None and time.perf_counter() > deadline:
                p.kill()
                os.wait4(p.pid, 0)
                return None
            time.sleep(0.05)
        wall = time.perf_counter() - t0
        if os.waitstatus_to_exitcode(status) != 0:
            out.seek(0)
            raise SystemExit(f"{cmd[:3]} failed:\n{out.read().decode()[-2000:]}")
    return wall, usage.ru_maxrss / 1024


def median(cmd_for: callable, repeats: int, timeout: float | None = None) -> tuple[float, float] | None:  # type: ignore[valid-type]
    runs = []
    for i in range(repeats):
        r = timed(cmd_for(i), timeout)
        if r is None:
            return None
        runs.append(r)
        if r[0] > 120:  # a long run once is enough
            break
    return statistics.median(t for t, _ in runs), max(m for _, m in runs)


def make_circuit(log_n: int, d: Path) -> Path:
    import sys

    sys.path.insert(0, str(ROOT))
    from zkml_chain.samples import squaring_chain

    r1cs, _ = squaring_chain(2**log_n - 3, x0=3, nonce=1)
    path = d / f"chain{log_n}.r1cs"
    r1cs.save(path)
    return path


def write_results(rows: list[Row], snarkjs_limit: float, out: Path, command: str, show: bool = True) -> None:
    """The table (console and markdown) and the raw rows (json); called after every row, so a
    run stopped part-way keeps what it measured."""
    table = Table(title="trusted setup: zkml-chain vs snarkjs 0.7.6 (whole commands, median)")
    md = [f"# Trusted setup, {date.today().isoformat()} (`{command}`)", "",
          "| operation | size | zkml-chain s | snarkjs s | snarkjs / ours | our peak MB | snarkjs peak MB |",
          "|---|---:|---:|---:|---:|---:|---:|"]
    for col in ("operation", "size", "ours s", "snarkjs s", "ratio", "our MB", "snarkjs MB"):
        table.add_column(col, justify="right")
    for r in rows:
        sj = f"{r.snarkjs_s:.2f}" if r.snarkjs_s is not None else (f"> {snarkjs_limit:.0f} (stopped)"
                                                                  if "stopped after" in r.note else "not run")
        ratio = f"{r.ratio:.1f}x" if r.ratio is not None else (f"> {snarkjs_limit / r.ours_s:.1f}x"
                                                               if "stopped after" in r.note else "–")
        sjm = f"{r.snarkjs_peak_mb:.0f}" if r.snarkjs_peak_mb is not None else "–"
        table.add_row(r.op, f"2^{r.log_n}", f"{r.ours_s:.2f}", sj, ratio, f"{r.ours_peak_mb:.0f}", sjm)
        md.append(f"| {r.op} | 2^{r.log_n} | {r.ours_s:.2f} | {sj} | {ratio} | {r.ours_peak_mb:.0f} | {sjm} |")
    if show:
        console.print(table)
    out.parent.mkdir(parents=True, exist_ok=True)
    meta = {"date": date.today().isoformat(), "machine": f"{platform.machine()}, {os.cpu_count()} cores",
            "command": command, "rows": [{**asdict(r), "ratio": r.ratio} for r in rows]}
    out.with_suffix(".json").write_text(json.dumps(meta, indent=1) + "\n")
    out.with_suffix(".md").write_text("\n".join(md) + "\n")


@click.command()
@click.option("--logs", default="12,14,16", show_default=True, help="Sizes (log2) for verify, setup, contribute.")
@click.option("--prepare-logs", default="10,12,14,16,18", show_default=True, help="Sizes (log2) for ptau prepare.")
@click.option("--repeats", default=3, show_default=True)
@click.option("--snarkjs-limit", default=900.0, show_default=True, help="Seconds after which a snarkjs run is stopped.")
@click.option("--out", default=str(ROOT / "benchmarks" / "results" / "setup"), show_default=True)
def main(logs: str, prepare_logs: str, repeats: int, snarkjs_limit: float, out: str) -> None:
    sizes = sorted({int(x) for x in logs.split(",") if x})
    prep_sizes = sorted({int(x) for x in prepare_logs.split(",") if x})
    rows: list[Row] = []
    empty = chr(34) * 2
    command = f"benchmarks/setup.py --logs {logs or empty} --prepare-logs {prepare_logs or empty} --repeats {repeats}"
    snarkjs_prepare_ok = True
    with tempfile.TemporaryDirectory(prefix="zkml-setup-bench-") as tmp:
        d = Path(tmp)
        for p in sorted(set(sizes) | set(prep_sizes)):
            console.print(f"[bold]2^{p}[/]")
            new, ptau = d / f"new{p}.ptau", d / f"p{p}.ptau"
            timed([ZKML, "ptau", "new", p, new])
            timed([ZKML, "ptau", "contribute", new, ptau, "--entropy", "bench"])
            prepared = d / f"prep{p}.ptau"
            if p in prep_sizes:
                ours = median(lambda i: [ZKML, "ptau", "prepare", ptau, prepared], 1 if p >= 16 else repeats)
                theirs = None
                note = ""
                if snarkjs_prepare_ok:
                    theirs = median(lambda i: [SNARKJS, "powersoftau", "prepare", "phase2", ptau, d / "sj.ptau"],
                                    1, snarkjs_limit)
                    if theirs is None:
                        snarkjs_prepare_ok = False
                        note = f"snarkjs stopped after {snarkjs_limit:.0f} s"
                else:
                    note = "snarkjs not run (it exceeded the limit at a smaller size)"
                assert ours is not None
                rows.append(Row("ptau prepare", p, *ours, *(theirs or (None, None)), note))
                console.print(rows[-1])
                write_results(rows, snarkjs_limit, Path(out), command, show=False)
            if p not in sizes:
                continue
            if not prepared.exists():
                timed([ZKML, "ptau", "prepare", ptau, prepared])
            circuit = make_circuit(p, d)
            pairs = [
                ("ptau verify", lambda i: [ZKML, "ptau", "verify", prepared],
                 lambda i: [SNARKJS, "powersoftau", "verify", prepared]),
                ("setup --ptau", lambda i: [ZKML, "setup", circuit, "--ptau", prepared, "--out", d / "k"],
                 lambda i: [SNARKJS, "groth16", "setup", circuit, prepared, d / "sj0.zkey"]),
                ("zkey contribute", lambda i: [ZKML, "zkey", "contribute", d / "sj0.zkey", d / "k1.zkey", "--entropy", "b"],
                 lambda i: [SNARKJS, "zkey", "contribute", d / "sj0.zkey", d / "sj1.zkey", "-e=b"]),
                ("zkey verify", lambda i: [ZKML, "zkey", "verify", circuit, prepared, d / "sj1.zkey"],
                 lambda i: [SNARKJS, "zkey", "verify", circuit, prepared, d / "sj1.zkey"]),
            ]
            for op, ours_cmd, theirs_cmd in pairs:
                theirs = median(theirs_cmd, repeats, snarkjs_limit)  # snarkjs first: its outputs feed the next steps
                ours = median(ours_cmd, repeats)
                assert ours is not None
                rows.append(Row(op, p, *ours, *(theirs or (None, None)),
                                "" if theirs else f"snarkjs stopped after {snarkjs_limit:.0f} s"))
                console.print(rows[-1])
                write_results(rows, snarkjs_limit, Path(out), command, show=False)
    write_results(rows, snarkjs_limit, Path(out), command)


if __name__ == "__main__":
    main()
