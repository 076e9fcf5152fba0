"""`prove-batch`, the driver: which items still need a proof, the run on Ray, each result written
as it arrives, and a summary (OUT/summary.json) naming every item that failed and why."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ..files import write_json
from . import ray_pool
from .items import SUMMARY, Item, is_done, prepare_out, write_item
from .ray_pool import Cluster, Layout
from .worker import KeyFolder, Result

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Failure:
    index: int
    source: str
    error: str


@dataclass
class Report:
    """A run's outcome; ``proved`` counts this run's proofs, ``skipped`` the items already done."""

    total: int
    proved: int = 0
    skipped: int = 0
    failed: list[Failure] = field(default_factory=list)
    seconds: float = 0.0
    prove_seconds: float = 0.0  # summed over the workers: each proof's own time
    startup_seconds: float = 0.0  # to the cluster being ready (starting or joining Ray)
    layout: Layout | None = None

    @property
    def ok(self) -> bool:
        return not self.failed

    @property
    def proofs_per_second(self) -> float:
        return self.proved / self.seconds if self.seconds else 0.0

    @property
    def steady_proofs_per_second(self) -> float:
        """Throughput once the cluster is up (start-up excluded)."""
        busy = self.seconds - self.startup_seconds
        return self.proved / busy if busy > 0 else 0.0

    def to_json(self) -> dict:
        return {"total": self.total, "proved": self.proved, "skipped": self.skipped,
                "failed": [asdict(f) for f in sorted(self.failed, key=lambda f: f.index)],
                "seconds": round(self.seconds, 3), "startup_seconds": round(self.startup_seconds, 3),
                "proofs_per_second": round(self.proofs_per_second, 3),
                "steady_proofs_per_second": round(self.steady_proofs_per_second, 3),
                "mean_prove_seconds": round(self.prove_seconds / self.proved, 4) if self.proved else None,
                "layout": asdict(self.layout) if self.layout else None}


#: Called after each item: (items finished in this run, items to do in this run).
Progress = Callable[[int, int], None]


def chunk_size(todo: int, workers: int) -> int:
    """Items per task: enough tasks that the workers finish together (four per worker), at most 8
    items each so a retried chunk repeats little work and progress moves."""
    return max(1, min(8, todo // (4 * workers)))


def prove_batch(folder: Path, items: list[Item], out: Path, cluster: Cluster, *, witnesses: bool = False,
                progress: Progress | None = None,
                on_started: Callable[[list[int]], None] | None = None) -> Report:
    """Prove every item of ``items`` not yet in ``out`` with the key folder ``folder``."""
    key = KeyFolder.scan(folder, witnesses)  # bad folders fail here, before Ray starts
    prepare_out(out)
    t0 = time.perf_counter()
    report = Report(total=len(items))
    todo: list[Item] = []
    for it in items:
        if is_done(out, it.index):
            report.skipped += 1
        elif it.error is not None:
            report.failed.append(Failure(it.index, it.source, it.error))
        else:
            todo.append(it)
    sources = {it.index: it.source for it in todo}
    finished = 0

    def on_result(r: Result) -> None:
        nonlocal finished
        finished += 1
        if r.files is None:
            report.failed.append(Failure(r.index, sources[r.index], r.error or "failed"))
        elif write_item(out, r.index, r.files):
            report.proved += 1
            report.prove_seconds += r.seconds
        if progress is not None:
            progress(finished, len(todo))

    if todo:
        with ray_pool.connect(cluster) as layout:
            report.layout = layout
            report.startup_seconds = time.perf_counter() - t0
            log.info("prove-batch: %d items on %d workers x %d threads (%d CPUs, %d nodes)", len(todo),
                     layout.workers, layout.threads, layout.cpus, layout.nodes)
            ray_pool.run(key, todo, layout, chunk_size(len(todo), layout.workers), on_result, on_started)
    report.seconds = time.perf_counter() - t0
    write_json(out / SUMMARY, report.to_json())
    return report
