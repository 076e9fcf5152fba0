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
    environment to run drivers in). `ray stop --force` ends it, and with it every Ray this user
    runs locally: callers run nothing else on Ray meanwhile."""
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
        subprocess.run([ray, "stop", "--force"], capture_output=True, env=env, timeout=120)
