"""Circuit-builder benchmark: seconds to build and witness circuits of ~2^16 and more constraints.

    .venv/bin/python benchmarks/build.py

Three shapes: an MLP layer stack (constant weights, ReLU, rescale), a CNN block (conv, ReLU,
max pool), and Poseidon hashing. Time covers building every constraint and computing the
witness, then `build()` (wire renumbering, merging, packing). Results go to
benchmarks/results/build.{json,md}.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np
from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from zkml_chain.circuit import Circuit  # noqa: E402
from zkml_chain.circuit.compare import relu  # noqa: E402
from zkml_chain.circuit.fixedpoint import rescale  # noqa: E402
from zkml_chain.circuit.hash import poseidon  # noqa: E402
from zkml_chain.circuit.linalg import conv2d, max_pool2d  # noqa: E402

N = 24
rng = np.random.default_rng(0)


def mlp(c: Circuit, width: int) -> None:
    x = c.private_input(rng.integers(-(2**8), 2**8, width))
    for _ in range(3):
        w = rng.integers(-(2**4), 2**4, (width, width))
        x = rescale(c, relu(c, x @ w, N), 8, N)
    c.output(x.sum(), "y")


def cnn(c: Circuit, side: int) -> None:
    x = c.private_input(rng.integers(-(2**6), 2**6, (1, side, side)))
    y = relu(c, conv2d(c, x, rng.integers(-3, 4, (4, 1, 3, 3)), padding=1), N)
    c.output(max_pool2d(c, y, 2, N).sum(), "y")


def hashes(c: Circuit, count: int) -> None:
    c.output(poseidon(c, c.private_input(rng.integers(0, 2**60, (count, 2)))).sum(), "h")


CASES = [("MLP 3 layers, width 800", mlp, 800), ("MLP 3 layers, width 1600", mlp, 1600),
         ("CNN conv3x3x4 + ReLU + maxpool, 56x56", cnn, 56), ("Poseidon, 270 hashes of 2", hashes, 270)]


def main() -> None:
    console = Console()
    rows = []
    for name, fn, size in CASES:
        c = Circuit()
        t0 = time.perf_counter()
        fn(c, size)
        r1cs, witness = c.build()
        secs = time.perf_counter() - t0
        assert r1cs.is_satisfied(witness)
        rows.append({"circuit": name, "constraints": r1cs.n_constraints,
                     "nonzeros": len(r1cs.a) + len(r1cs.b) + len(r1cs.c), "seconds": round(secs, 3),
                     "seconds_per_1e5": round(secs / r1cs.n_constraints * 1e5, 3)})
        console.print(rows[-1])
    table = Table(title="Build + witness (2 cores; the builder is single-threaded Python + numpy)")
    for col in ("circuit", "constraints", "nonzeros (A+B+C)", "seconds", "s per 10^5 constraints"):
        table.add_column(col, justify="right")
    for r in rows:
        table.add_row(r["circuit"], f"{r['constraints']:,}", f"{r['nonzeros']:,}", f"{r['seconds']:.2f}",
                      f"{r['seconds_per_1e5']:.2f}")
    console.print(table)
    out = ROOT / "benchmarks" / "results"
    (out / "build.json").write_text(json.dumps({"date": time.strftime("%Y-%m-%d"), "rows": rows}, indent=1) + "\n")
    md = ["| circuit | constraints | nonzeros (A+B+C) | seconds | s per 10^5 constraints |",
          "|---|---:|---:|---:|---:|"]
    md += [f"| {r['circuit']} | {r['constraints']:,} | {r['nonzeros']:,} | {r['seconds']:.2f} | "
           f"{r['seconds_per_1e5']:.2f} |" for r in rows]
    (out / "build.md").write_text("\n".join(md) + "\n")


if __name__ == "__main__":
    main()
