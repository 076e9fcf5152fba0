"""MSM benchmark: our G1 and G2 kernels against gnark-crypto's MultiExp and arkworks', in one run.

For each size 2^k: random points (random multiples of the generators) and random scalars; our
batch-affine kernel (`G1Bases.msm`, `G2Bases.msm`, native/src/pippenger.rs) and arkworks'
`msm_bigint` on the same inputs, interleaved run by run; gnark-crypto v0.19's `MultiExp` (every
core, its default) on its own random inputs of the same size, in the gnark peer's process
(benchmarks/gnark, `-msm K`). Medians of --repeats; ratios are the peer's time over ours (above
1.0x we are faster). Unlike benchmarks/prove.py this isolates the kernels: no start-up, no key
loading, no QAP.

    .venv/bin/python benchmarks/msm.py [--sizes 12,16,18] [--repeats 5]

Results go to benchmarks/results/msm.{json,md}.
"""

from __future__ import annotations

import json
import os
import random
import statistics
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import click
from rich.console import Console

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from prove import build_gnark, show_and_save  # noqa: E402  (the gnark peer, the results files)

console = Console()


@dataclass
class Row:
    log_n: int
    ours_g1_s: float
    ours_g2_s: float
    arkworks_g1_s: float
    arkworks_g2_s: float
    gnark_g1_s: float | None
    gnark_g2_s: float | None


def random_scalars(rng: random.Random, log_n: int) -> bytes:
    from zkml_chain.field import R

    return b"".join(rng.randrange(R).to_bytes(32, "little") for _ in range(1 << log_n))


def ratio(peer: float | None, ours: float) -> str:
    return "-" if peer is None else f"{peer / ours:.2f}x"


@click.command()
@click.option("--sizes", default="12,16,18", show_default=True, help="Comma-separated k for 2^k points.")
@click.option("--repeats", default=5, show_default=True, help="Runs per kernel; the median is reported.")
@click.option("--gnark/--no-gnark", default=True, show_default=True, help="Add gnark-crypto (needs Go) as a peer.")
@click.option("--work", type=click.Path(path_type=Path), default=ROOT / "build" / "bench", show_default=True)
@click.option("--results", default="msm", show_default=True,
              help="Name of the results files in benchmarks/results/ (NAME.json, NAME.md).")
def main(sizes: str, repeats: int, gnark: bool, work: Path, results: str) -> None:
    from zkml_chain import _native
    from zkml_chain.curve import G1_GENERATOR, G2_GENERATOR

    try:
        logs = [int(k) for k in sizes.split(",")]
    except ValueError:
        raise click.BadParameter(f"{sizes!r}: expected comma-separated integers", param_hint="--sizes") from None
    if not all(4 <= k <= 22 for k in logs):
        raise click.BadParameter("sizes must be between 4 and 22", param_hint="--sizes")
    work.mkdir(parents=True, exist_ok=True)
    gnark_exe = build_gnark(work.resolve()) if gnark else None
    console.print(f"{os.cpu_count()} cores, kernels on {_native.num_threads()} threads")
    rng = random.Random(2026)
    rows: list[Row] = []
    for k in logs:
        g1 = _native.G1Bases(_native.g1_batch_mul(G1_GENERATOR.to_bytes(), random_scalars(rng, k)), "points")
        g2 = _native.G2Bases(_native.g2_batch_mul(G2_GENERATOR.to_bytes(), random_scalars(rng, k)), "points", False)
        s = random_scalars(rng, k)
        times: dict[str, list[float]] = {name: [] for name in ("g1", "g2", "ag1", "ag2")}
        for _ in range(repeats):
            for name, bases, kernel in (("g1", g1, "batch-affine"), ("ag1", g1, "arkworks"),
                                        ("g2", g2, "batch-affine"), ("ag2", g2, "arkworks")):
                t = time.perf_counter()
                out = bases.msm(s, kernel)
                times[name].append(time.perf_counter() - t)
                if kernel == "arkworks":
                    assert out == bases.msm(s), f"2^{k}: the kernels disagree"
        med = {name: statistics.median(v) for name, v in times.items()}
        gnark_g1 = gnark_g2 = None
        if gnark_exe is not None:
            r = subprocess.run([str(gnark_exe), "-msm", str(k), "-repeats", str(repeats)],
                               capture_output=True, text=True, check=True)
            res = json.loads(r.stdout)
            gnark_g1, gnark_g2 = statistics.median(res["g1_s"]), statistics.median(res["g2_s"])
        row = Row(k, med["g1"], med["g2"], med["ag1"], med["ag2"], gnark_g1, gnark_g2)
        rows.append(row)
        console.print(f"2^{k}: G1 ours {row.ours_g1_s:.3f}s gnark {gnark_g1 or 0:.3f}s; "
                      f"G2 ours {row.ours_g2_s:.3f}s gnark {gnark_g2 or 0:.3f}s")

    columns = ["size", "G1 ours s", "G1 gnark s", "G1 arkworks s", "G1 vs gnark", "G1 vs arkworks",
               "G2 ours s", "G2 gnark s", "G2 arkworks s", "G2 vs gnark", "G2 vs arkworks"]
    fmt = lambda v: "-" if v is None else f"{v:.3f}"  # noqa: E731
    cells = [[f"2^{r.log_n}", fmt(r.ours_g1_s), fmt(r.gnark_g1_s), fmt(r.arkworks_g1_s),
              ratio(r.gnark_g1_s, r.ours_g1_s), ratio(r.arkworks_g1_s, r.ours_g1_s),
              fmt(r.ours_g2_s), fmt(r.gnark_g2_s), fmt(r.arkworks_g2_s),
              ratio(r.gnark_g2_s, r.ours_g2_s), ratio(r.arkworks_g2_s, r.ours_g2_s)] for r in rows]
    show_and_save(results, f"MSM on random points and scalars, median of {repeats}; ratios are peer time / ours",
                  columns, cells, [asdict(r) for r in rows], {"repeats": repeats})


if __name__ == "__main__":
    main()
