"""The Ray side of `prove-batch`: a cluster (started here, or joined), one actor per worker that
loads the key folder once, and chunks of items fed to the actors as they finish.

- The packed key folder is put into Ray's object store once; a worker fetches it only when the
  folder is not visible where it runs (another machine), and then writes it to disk once.
- Each worker reserves ``threads`` CPUs and sets the native kernels to that many threads, so the
  workers on a node never use more cores than it has.
- A worker that dies (killed, out of memory, its node lost) is restarted by Ray, which reloads the
  key and retries the chunk it held; results go to the driver, which alone writes files, so a
  retried chunk cannot leave a duplicate.
"""

from __future__ import annotations

import logging
import os
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from ..errors import ZkmlChainError
from .items import Item
from .worker import FolderProver, KeyFolder, Result

log = logging.getLogger(__name__)

#: A worker may be restarted (and its chunk retried) this many times before the chunk's items
#: are reported failed: a key that kills every worker must end the run, not loop.
MAX_RESTARTS = 3
#: Chunks queued per worker beyond the one it is proving, so it never waits for the driver.
PREFETCH = 1


@dataclass(frozen=True)
class Cluster:
    """Where the workers run: ``address`` None starts a local Ray for this run (stopped after);
    "auto", "HOST:PORT" or "ray://HOST:PORT" joins a running cluster."""

    address: str | None = None
    workers: int = 0  # 0: one per `threads` CPUs of the cluster
    threads: int = 0  # per worker; 0: the cluster's CPUs / workers (at least 1)


@dataclass(frozen=True)
class Layout:
    """What a run got: the number of workers, threads each and the cluster's CPUs and nodes."""

    workers: int
    threads: int
    cpus: int
    nodes: int


class _Actor:
    """The body of each Ray actor: a :class:`FolderProver` built on the first chunk and kept.

    The packed files' reference comes with each chunk (a reference, not the bytes), not with the
    constructor: a restarted actor then reloads from the chunk Ray retries, and Ray has no
    constructor argument in its object store to warn about."""

    def __init__(self, key: KeyFolder, threads: int) -> None:
        logging.basicConfig(level=logging.WARNING)
        self.key, self.threads = key, threads
        self.prover: FolderProver | None = None

    def prove_chunk(self, files: list[Any], chunk: list[tuple[int, Any, str]]) -> list[Result]:
        if self.prover is None:
            import ray

            self.prover = FolderProver(self.key, lambda: ray.get(files[0]), self.threads)
        return [self.prover.prove(i, payload, source) for i, payload, source in chunk]

    def pid(self) -> int:
        return os.getpid()


def _last_line(e: Exception) -> str:
    """Ray's errors can carry a server's traceback: the message is its last non-empty line."""
    lines = [ln.strip() for ln in str(e).splitlines() if ln.strip()]
    return lines[-1] if lines else type(e).__name__


@contextmanager
def connect(cluster: Cluster) -> Iterator[Layout]:
    """Ray initialised for ``cluster`` (and shut down after): the layout the run will use. In a
    process that already runs Ray (an application embedding the batch prover, a test session),
    with no address given, that Ray is used and left running."""
    try:
        import ray
    except ImportError:
        raise ZkmlChainError("prove-batch needs Ray: pip install 'zkml-chain[batch]'") from None
    owned = not (cluster.address is None and ray.is_initialized())
    kwargs: dict[str, Any] = {"log_to_driver": False, "configure_logging": False}
    if cluster.address is None:
        # "local": a Ray of our own even where a `ray start` cluster runs (Ray would join that one)
        kwargs.update(address="local", include_dashboard=False, num_cpus=len(os.sched_getaffinity(0)))
    else:
        kwargs["address"] = cluster.address
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # Ray's notice about accelerator variables
        try:
            if owned:
                ray.init(**kwargs)
        except ConnectionError as e:
            raise ZkmlChainError(f"cannot reach the Ray cluster at {cluster.address}: {_last_line(e)}") from None
        except (ValueError, RuntimeError) as e:
            raise ZkmlChainError(f"Ray did not start ({type(e).__name__}: {_last_line(e)})") from None
    try:
        cpus = int(ray.cluster_resources().get("CPU", 0))
        nodes = sum(1 for n in ray.nodes() if n.get("Alive"))
        if cpus < 1:
            raise ZkmlChainError("the Ray cluster has no CPUs to prove on")
        threads = cluster.threads or max(1, cpus // cluster.workers if cluster.workers else 1)
        workers = cluster.workers or max(1, cpus // threads)
        if workers * threads > cpus:
            raise ZkmlChainError(f"{workers} workers x {threads} threads need {workers * threads} CPUs; the cluster "
                                 f"has {cpus}")
        yield Layout(workers, threads, cpus, nodes)
    finally:
        if owned:
            ray.shutdown()


def run(key: KeyFolder, items: list[Item], layout: Layout, chunk_size: int,
        on_result: Callable[[Result], None], on_started: Callable[[list[int]], None] | None = None) -> None:
    """Prove ``items`` on ``layout.workers`` actors, calling ``on_result`` (in this process) for each
    item as its chunk completes. ``on_started`` receives the workers' process ids (tests kill one)."""
    import ray

    files_ref = ray.put(key.read())  # once; the workers fetch it only if they need the files
    actor_cls = ray.remote(max_restarts=MAX_RESTARTS, max_task_retries=MAX_RESTARTS)(_Actor)
    actors: list[Any] = [actor_cls.options(num_cpus=layout.threads).remote(key, layout.threads)
                         for _ in range(layout.workers)]
    chunks = [[(it.index, it.payload, it.source) for it in items[i:i + chunk_size]]
              for i in range(0, len(items), chunk_size)]
    chunks.reverse()  # popped from the end: items go out in order
    if on_started is not None:
        on_started(ray.get([a.pid.remote() for a in actors]))
    pending: dict[Any, tuple[Any, list[tuple[int, Any, str]]]] = {}

    def feed(actor: Any) -> None:
        if chunks:
            chunk = chunks.pop()
            pending[actor.prove_chunk.remote([files_ref], chunk)] = (actor, chunk)

    for actor in actors:
        for _ in range(1 + PREFETCH):
            feed(actor)
    try:
        _drain(pending, feed, on_result)
    finally:  # in a Ray that outlives the run, free the workers' CPUs
        for actor in actors:
            ray.kill(actor)


def _drain(pending: dict[Any, tuple[Any, list[tuple[int, Any, str]]]], feed: Callable[[Any], None],
           on_result: Callable[[Result], None]) -> None:
    import ray
    from ray.exceptions import RayError

    while pending:
        done, _ = ray.wait(list(pending), num_returns=1)
        actor, chunk = pending.pop(done[0])
        try:
            results = ray.get(done[0])
        except RayError as e:  # the worker died more often than it may restart
            reason = str(e).strip().splitlines()[0][:200]
            results = [Result(i, None, f"{source}: its worker failed {MAX_RESTARTS + 1} times ({reason})", 0.0)
                       for i, _, source in chunk]
        for r in results:
            on_result(r)
        feed(actor)
