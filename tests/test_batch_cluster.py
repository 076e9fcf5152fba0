"""`zkml-chain prove-batch` on a two-node Ray cluster started with `ray start` on this machine
(stopped by killing its own processes, so a Ray another test or xdist worker runs is untouched)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from test_batch import assert_proofs, claims

from zkml_chain.chain.node import free_port
from zkml_chain.testing.ray_cluster import two_node_cluster

pytestmark = pytest.mark.timeout(600)


def test_two_node_cluster(lending_circuits: dict[str, Path], tmp_path: Path) -> None:
    """A head and a second node started with `ray start` on this machine (one CPU each), joined
    with --address: one worker lands on each node."""
    with two_node_cluster(Path(sys.executable).parent) as (address, env):
        inputs = tmp_path / "in.jsonl"
        inputs.write_text("".join(json.dumps(o) + "\n" for o in claims(4)))
        out = tmp_path / "proofs"
        r = subprocess.run([str(Path(sys.executable).parent / "zkml-chain"), "prove-batch", str(lending_circuits["lr"]),
                            "--inputs", str(inputs), "--out", str(out), "--address", address],
                           capture_output=True, text=True, env=env, timeout=300)
        assert r.returncode == 0, r.stdout + r.stderr
        assert "2 workers x 1 thread (2 nodes)" in r.stdout
        assert_proofs(out, lending_circuits["lr"], list(range(4)), inputs)
        # the same cluster found with --address auto (what a driver on one of its nodes uses)
        r = subprocess.run([str(Path(sys.executable).parent / "zkml-chain"), "prove-batch", str(lending_circuits["lr"]),
                            "--inputs", str(inputs), "--out", str(tmp_path / "auto"), "--address", "auto"],
                           capture_output=True, text=True, env=env, timeout=300)
        assert r.returncode == 0, r.stdout + r.stderr
        assert "(2 nodes)" in r.stdout
        assert_proofs(tmp_path / "auto", lending_circuits["lr"], list(range(4)), inputs)
        # and through Ray Client (ray://), its server in legacy mode: the default proxy mode forks
        # a server per session, which crashes here (ray-project/ray#63202)
        client_port = free_port()
        client = subprocess.Popen([sys.executable, "-m", "ray.util.client.server", "--mode", "legacy", "--host",
                                   "127.0.0.1", "--port", str(client_port), "--address", address],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
        try:
            r = subprocess.run([str(Path(sys.executable).parent / "zkml-chain"), "prove-batch",
                                str(lending_circuits["lr"]), "--inputs", str(inputs), "--out", str(tmp_path / "client"),
                                "--address", f"ray://127.0.0.1:{client_port}"],
                               capture_output=True, text=True, env=env, timeout=300)
        finally:
            client.terminate()
            client.wait(timeout=60)
        assert r.returncode == 0, r.stdout + r.stderr
        assert "(2 nodes)" in r.stdout
        assert_proofs(tmp_path / "client", lending_circuits["lr"], list(range(4)), inputs)
        # no --address while that cluster runs: a local Ray of the command's own, not the cluster (Ray's
        # default is to join a `ray start` cluster it finds, and then refuses our num_cpus)
        r = subprocess.run([str(Path(sys.executable).parent / "zkml-chain"), "prove-batch", str(lending_circuits["lr"]),
                            "--inputs", str(inputs), "--out", str(tmp_path / "local"), "--workers", "1"],
                           capture_output=True, text=True, env=env, timeout=300)
        assert r.returncode == 0, r.stdout + r.stderr
        assert "(2 nodes)" not in r.stdout
        assert_proofs(tmp_path / "local", lending_circuits["lr"], list(range(4)), inputs)
