"""A two-node Ray cluster on this machine, as `ray start` makes one (a head and a second node,
one CPU each), for the batch prover's tests and its throughput benchmark."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ..chain.node import free_port


@contextmanager
def two_node_cluster(bin_dir: Path) -> Iterator[tuple[str, dict[str, str]]]:
    """Start the cluster with ``bin_dir``'s `ray`; yields (its GCS address "127.0.0.1:PORT", the
    environment to run drivers in). Ended by killing its own processes only (`ray stop` would end
    every Ray on the machine, another test's too)."""
    ray = str(bin_dir / "ray")
    port = free_port()
    env = {**os.environ, "RAY_ACCEL_ENV_VAR_OVERRIDE_ON_ZERO": "0"}
    start = [ray, "start", "--num-cpus", "1", "--disable-usage-stats", "--node-ip-address", "127.0.0.1"]
    try:
        subprocess.run([*start, "--head", "--port", str(port), "--include-dashboard", "false"], check=True,
                       capture_output=True, env=env, timeout=120)
        subprocess.run([*start, "--address", f"127.0.0.1:{port}"], check=True, capture_output=True, env=env,
                       timeout=120)
        yield f"127.0.0.1:{port}", env
    finally:
        _stop(port)


def _stop(port: int) -> None:
    """Kill the processes of the cluster whose GCS listens on ``port`` — those naming it on their
    command line (GCS server, raylets, agents) — and everything they started (workers)."""
    import psutil  # type: ignore[import-untyped]

    mark = str(port)
    found: dict[int, psutil.Process] = {}
    for proc in psutil.process_iter(["cmdline"]):
        cmdline = proc.info["cmdline"] or []
        if any(arg.endswith(f":{mark}") or arg.endswith(f"={mark}") for arg in cmdline):
            found[proc.pid] = proc
            try:
                found.update({c.pid: c for c in proc.children(recursive=True)})
            except psutil.NoSuchProcess:
                pass
    for proc in found.values():
        try:
            proc.kill()
        except psutil.NoSuchProcess:
            pass
    psutil.wait_procs(list(found.values()), timeout=30)
