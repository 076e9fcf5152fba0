"""``zkml-chain prove-batch``: many proofs with one key folder, on Ray (thin, over
:mod:`zkml_chain.batch`).

Exit codes: 0 every item has a proof (this run's or an earlier run's), 1 some items failed (the
summary names each, with its reason), 2 bad arguments or an unusable key folder (nothing proved).
"""

from __future__ import annotations

import io
import os
import shutil
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from .batch.items import Item
from .batch.ray_pool import Cluster
from .batch.run import Report
from .cli import _friendly, _stdout_console, err
from .errors import ZkmlChainError

#: Failures listed on the terminal; summary.json has them all.
SHOWN_FAILURES = 20


@contextmanager
def _native_stderr_to(log: Path) -> Iterator[None]:
    """Ray's C++ core writes notices (a metrics agent it cannot reach, actor restarts) straight to
    file descriptor 2. During the run they go to ``log``; our progress and summary keep the
    terminal (Python's sys.stderr moves to a copy of the original descriptor)."""
    try:
        redirect = sys.stderr.fileno() == 2
    except (AttributeError, OSError, io.UnsupportedOperation):  # captured (tests): nothing to protect
        redirect = False
    if not redirect:
        yield
        return
    sys.stderr.flush()
    saved = os.dup(2)
    with log.open("ab") as f:
        os.dup2(f.fileno(), 2)
    old = sys.stderr
    sys.stderr = os.fdopen(os.dup(saved), "w", buffering=1, encoding=old.encoding, errors="backslashreplace")
    try:
        yield
    finally:
        sys.stderr.flush()
        sys.stderr.close()
        sys.stderr = old
        os.dup2(saved, 2)
        os.close(saved)


def _run(folder: Path, items: list[Item], out: Path, cluster: Cluster, witnesses: bool) -> Report:
    """The batch with a progress bar, Ray's own notices going to OUT/ray.log."""
    from .batch.run import prove_batch

    columns = (TextColumn("proving"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.fields[rate]}"),
               TimeElapsedColumn(), TimeRemainingColumn())
    with _native_stderr_to(out / "ray.log"), \
            Progress(*columns, console=err.console, transient=True, disable=not err.is_terminal) as bar:
        task = bar.add_task("proving", total=None, rate="starting Ray")

        def progress(done: int, total: int) -> None:
            elapsed = bar.tasks[task].elapsed or 0.0
            bar.update(task, completed=done, total=total, rate=f"{done / elapsed:.2f} proofs/s" if elapsed else "")

        return prove_batch(folder, items, out, cluster, witnesses=witnesses, progress=progress)


@click.command("prove-batch")
@click.argument("folder", type=click.Path(file_okay=False, exists=True, path_type=Path))
@click.option("--inputs", "inputs", default=None, type=click.Path(dir_okay=False, exists=True, path_type=Path),
              help="INPUTS.jsonl: one `prove --input` JSON object per line (a compiled model's folder).")
@click.option("--wtns-dir", default=None, type=click.Path(file_okay=False, exists=True, path_type=Path),
              help="A folder of circom .wtns witnesses instead (any Groth16 key folder), proved in name order.")
@click.option("--out", required=True, type=click.Path(path_type=Path),
              help="PROOFS_DIR: item n's files go to PROOFS_DIR/NNNNNN/ (n from 0, six digits).")
@click.option("--address", default=None, metavar="ADDRESS",
              help="A running Ray cluster: 'auto', HOST:PORT (its GCS) or ray://HOST:PORT (Ray Client). "
                   "Default: a local Ray started for this run and stopped after.")
@click.option("--workers", default=0, type=click.IntRange(0), show_default=True,
              help="Proving workers, each loading the key once (0: the cluster's CPUs / --worker-threads).")
@click.option("--worker-threads", default=0, type=click.IntRange(0), show_default=True,
              help="Kernel threads (and Ray CPUs) per worker (0: the cluster's CPUs / --workers, at least 1).")
@_friendly
def prove_batch(folder: Path, inputs: Path | None, wtns_dir: Path | None, out: Path, address: str | None,
                workers: int, worker_threads: int) -> None:
    """Prove every input of INPUTS.jsonl (or every .wtns of --wtns-dir) with the key in FOLDER.

    Each proof is checked before it is written, and written whole (PROOFS_DIR/NNNNNN/proof.json,
    public.json and, for a model, output.json) as it completes. A rerun skips inputs already
    proved, so an interrupted batch resumes. An input that cannot be proved fails alone: the
    batch goes on and PROOFS_DIR/summary.json names it with the reason.
    """
    from .batch.items import read_jsonl, read_wtns_dir

    if (inputs is None) == (wtns_dir is None):
        raise click.UsageError("give exactly one of --inputs and --wtns-dir")
    items = read_jsonl(inputs) if inputs is not None else read_wtns_dir(wtns_dir)  # type: ignore[arg-type]
    if out.exists() and not out.is_dir():
        raise click.BadParameter(f"{out} exists and is not a folder", param_hint="--out")
    created = not out.exists()
    out.mkdir(parents=True, exist_ok=True)
    try:
        report = _run(folder, items, out, Cluster(address, workers, worker_threads), wtns_dir is not None)
    except ZkmlChainError:  # an unusable key folder or cluster: nothing was proved, leave nothing behind
        if created:
            shutil.rmtree(out, ignore_errors=True)
        raise
    where = ""
    if report.layout is not None:
        lay = report.layout
        where = (f" on {lay.workers} worker{'s' if lay.workers != 1 else ''} x {lay.threads} "
                 f"thread{'s' if lay.threads != 1 else ''} ({lay.nodes} node{'s' if lay.nodes != 1 else ''})")
    rate = f", {report.proofs_per_second:.2f} proofs/s" if report.proved else ""
    _stdout_console().print(
        f"prove-batch: {report.proved} proved, {report.skipped} already done, {len(report.failed)} failed of "
        f"{report.total} in {report.seconds:.1f}s{rate}{where} -> {escape(str(out))}", highlight=False)
    if report.failed:
        for f in sorted(report.failed, key=lambda f: f.index)[:SHOWN_FAILURES]:
            err.print(f"[red]failed[/] {f.index:06d}: {escape(f.error)}", highlight=False)
        if len(report.failed) > SHOWN_FAILURES:
            err.print(f"... and {len(report.failed) - SHOWN_FAILURES} more in {escape(str(out / 'summary.json'))}")
        sys.exit(1)
