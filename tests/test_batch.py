"""`zkml-chain prove-batch` on real Ray: per-item failures, resume, a killed worker, circom
witnesses, and a two-node cluster started with `ray start`."""

from __future__ import annotations

import json
import os
import shutil
import signal
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from zkml_chain.batch.items import SUMMARY, read_jsonl
from zkml_chain.batch.ray_pool import Cluster
from zkml_chain.batch.run import prove_batch
from zkml_chain.cli import main
from zkml_chain.groth16 import Proof, VerifyingKey, verify
from zkml_chain.keydir import VK_NAME, ZKEY_NAME
from zkml_chain.lending.features import load

pytestmark = pytest.mark.timeout(600)


@pytest.fixture(scope="module", autouse=True)
def ray_session() -> Iterator[None]:
    """One local Ray for the module: prove-batch run in this process (the API, and the command
    through click's runner) uses a running Ray instead of starting its own (5 s each time)."""
    import ray

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # Ray's notice about accelerator variables
        ray.init(address="local", num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False)
    yield
    ray.shutdown()


def claims(n: int, threshold: float = 0.0) -> list[dict]:
    ds = load()
    return [{"features": ds.features[i].tolist(), "salt": str(100 + i), "threshold": threshold,
             "borrower": f"0x{i + 1:040x}", "domain": 77, "nonce": 1} for i in range(n)]


def assert_proofs(out: Path, folder: Path, indices: list[int], inputs: Path) -> None:
    """Exactly ``indices`` have a result, each verifying and proving its own line of ``inputs``
    (the borrower signal); nothing half-written is left."""
    lines = inputs.read_text().splitlines()
    vk = VerifyingKey.load(folder / VK_NAME)
    assert sorted(p.name for p in out.iterdir() if p.is_dir()) == [f"{i:06d}" for i in indices]
    for i in indices:
        d = out / f"{i:06d}"
        assert sorted(p.name for p in d.iterdir()) == ["output.json", "proof.json", "public.json"]
        public = [int(v) for v in json.loads((d / "public.json").read_text())]
        assert verify(vk, Proof.load(d / "proof.json"), public)
        assert public[3] == int(json.loads(lines[i])["borrower"], 16)


def test_bad_items_fail_alone_and_a_rerun_resumes(lending_circuits: dict[str, Path], tmp_path: Path) -> None:
    folder = lending_circuits["lr"]
    good = claims(4)
    below = dict(claims(5)[4], threshold=0.999)  # no score is that high: no proof exists
    missing = {k: v for k, v in good[0].items() if k != "salt" and k != "features"}
    lines = [json.dumps(o) for o in good[:2]] + ["{not json", json.dumps(below), json.dumps(missing)]
    lines += [json.dumps(o) for o in good[2:]]
    inputs = tmp_path / "in.jsonl"
    inputs.write_text("\n".join(lines) + "\n")
    out = tmp_path / "proofs"
    r = CliRunner().invoke(main, ["prove-batch", str(folder), "--inputs", str(inputs), "--out", str(out)])
    assert r.exit_code == 1, r.output
    summary = json.loads((out / SUMMARY).read_text())
    assert (summary["proved"], summary["skipped"], summary["total"]) == (4, 0, 7)
    failed = {f["index"]: f["error"] for f in summary["failed"]}
    assert sorted(failed) == [2, 3, 4]
    assert "not JSON" in failed[2] and "in.jsonl line 2" in failed[2]
    assert "no proof of this claim exists" in failed[3]
    assert "features" in failed[4]
    assert_proofs(out, folder, [0, 1, 5, 6], inputs)
    # resume: a lost result is proved again, finished ones are skipped, failures retried
    shutil.rmtree(out / "000005")
    (out / ".tmp-000006-dead").mkdir()  # what a driver killed mid-write would leave
    before = (out / "000000" / "proof.json").read_bytes()
    report = prove_batch(folder, read_jsonl(inputs), out, Cluster(workers=1))
    assert (report.proved, report.skipped, len(report.failed)) == (1, 3, 3)
    assert (out / "000000" / "proof.json").read_bytes() == before
    assert_proofs(out, folder, [0, 1, 5, 6], inputs)


def test_a_killed_worker_is_replaced_and_nothing_is_lost_or_doubled(lending_circuits: dict[str, Path],
                                                                      tmp_path: Path) -> None:
    folder = lending_circuits["lr"]
    inputs = tmp_path / "in.jsonl"
    inputs.write_text("".join(json.dumps(o) + "\n" for o in claims(8)))
    out = tmp_path / "proofs"
    pids: list[int] = []
    killed: list[int] = []

    def kill_one(done: int, total: int) -> None:
        if done == 2 and not killed:
            os.kill(pids[0], signal.SIGKILL)
            killed.append(pids[0])

    report = prove_batch(folder, read_jsonl(inputs), out, Cluster(workers=2), progress=kill_one,
                         on_started=pids.extend)
    assert killed, "no worker was killed"
    assert report.ok and report.proved == 8, report.failed
    assert_proofs(out, folder, list(range(8)), inputs)


def test_circom_witnesses(chain, chain_key, tmp_path: Path) -> None:  # noqa: ANN001
    r1cs, witness = chain
    keys = tmp_path / "keys"
    keys.mkdir()
    (keys / ZKEY_NAME).write_bytes(chain_key.to_zkey())
    chain_key.verifying_key.save(keys / VK_NAME)
    wtns = tmp_path / "wtns"
    wtns.mkdir()
    for i in range(3):
        witness.save(wtns / f"w{i}.wtns")
    (wtns / "w3.wtns").write_bytes(b"garbage")
    out = tmp_path / "proofs"
    r = CliRunner().invoke(main, ["prove-batch", str(keys), "--wtns-dir", str(wtns), "--out", str(out)])
    assert r.exit_code == 1, r.output
    summary = json.loads((out / SUMMARY).read_text())
    assert summary["proved"] == 3 and [f["index"] for f in summary["failed"]] == [3]
    for i in range(3):
        d = out / f"{i:06d}"
        assert verify(chain_key.verifying_key, Proof.load(d / "proof.json"),
                      [int(v) for v in json.loads((d / "public.json").read_text())])


def test_bad_arguments_exit_2_before_ray_starts(lending_circuits: dict[str, Path], tmp_path: Path) -> None:
    inputs = tmp_path / "in.jsonl"
    inputs.write_text(json.dumps(claims(1)[0]) + "\n")
    runner = CliRunner()
    r = runner.invoke(main, ["prove-batch", str(tmp_path), "--inputs", str(inputs), "--out", str(tmp_path / "o")])
    assert r.exit_code == 2 and "circuit.zkey" in r.output
    assert not (tmp_path / "o").exists()  # nothing proved, nothing left behind
    r = runner.invoke(main, ["prove-batch", str(lending_circuits["lr"]), "--out", str(tmp_path / "o")])
    assert r.exit_code == 2 and "exactly one of --inputs and --wtns-dir" in r.output
    (tmp_path / "empty.jsonl").write_text("")
    r = runner.invoke(main, ["prove-batch", str(lending_circuits["lr"]), "--inputs", str(tmp_path / "empty.jsonl"),
                             "--out", str(tmp_path / "o")])
    assert r.exit_code == 2 and "no inputs" in r.output
