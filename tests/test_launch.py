"""The `zkml-chain` entry point (zkml_chain/launch.py): a plain `prove` goes through the native
`zkml-prove` binary without importing the CLI; anything else, and every `prove` the binary
declines, goes through the CLI, whose outcome (message, exit code, files) it then is."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from conftest import ROOT, run
from zkml_chain.launch import native_command
from zkml_chain.samples import squaring_chain

pytestmark = pytest.mark.prove
ZKML = ROOT / ".venv" / "bin" / "zkml-chain"
EXE = "/x/zkml-prove"


@pytest.mark.parametrize(("argv", "expected"), [
    (["prove", "k", "--wtns", "w", "--proof", "p", "--public", "q"], [EXE, "k/circuit.zkey", "w", "p", "q"]),
    (["prove", "--proof=p", "--public", "q", "--wtns=w", "k"], [EXE, "k/circuit.zkey", "w", "p", "q"]),
    (["--threads", "3", "prove", "k", "--wtns", "w", "--proof", "p", "--public", "q"],
     [EXE, "--threads", "3", "k/circuit.zkey", "w", "p", "q"]),
    (["--threads=0", "prove", "k", "--wtns", "w", "--proof", "p", "--public", "q"], [EXE, "k/circuit.zkey", "w", "p", "q"]),
    (["prove", "m", "--input", "i.json", "--proof", "p", "--public", "q", "--output", "o"],
     [EXE, "--model", "m", "--input", "i.json", "--proof", "p", "--public", "q", "--output", "o"]),
    (["prove", "m", "--input", "i.json", "--proof", "p", "--public", "q"],
     [EXE, "--model", "m", "--input", "i.json", "--proof", "p", "--public", "q"]),
])
def test_a_plain_prove_maps_to_the_binarys_arguments(argv: list[str], expected: list[str]) -> None:
    assert native_command(argv, EXE) == expected


@pytest.mark.parametrize("argv", [
    ["-v", "prove", "k", "--wtns", "w", "--proof", "p", "--public", "q"],  # the library's step logs
    ["prove", "k", "--wtns", "w", "--proof", "p", "--public", "q", "--msm", "arkworks"],
    ["prove", "--help"],
    ["--version"],
    ["verify", "vk.json", "p", "q"],
    ["prove", "k", "--wtns", "w", "--input", "i", "--proof", "p", "--public", "q"],  # both witnesses
    ["prove", "k", "--proof", "p", "--public", "q"],  # neither
    ["prove", "k", "--wtns", "w", "--output", "o", "--proof", "p", "--public", "q"],  # --output without --input
    ["prove", "k", "--wtns", "w", "--wtns", "w2", "--proof", "p", "--public", "q"],  # an option twice
    ["prove", "k", "k2", "--wtns", "w", "--proof", "p", "--public", "q"],  # a second positional
    ["prove", "k", "--wtns", "w", "--proof", "p"],  # no --public
    ["prove", "k", "--wtns", "w", "--proof", "p", "--public"],  # no value
    ["prove", "--wtns", "w", "--proof", "p", "--public", "q"],  # no KEYDIR
    ["--threads", "two", "prove", "k", "--wtns", "w", "--proof", "p", "--public", "q"],
    ["--threads", "\u00b2", "prove", "k", "--wtns", "w", "--proof", "p", "--public", "q"],  # a digit to isdigit, not to int
    ["prove", "k", "--wtns", "w", "--proof", "p", "--public", "q", "--"],
])
def test_anything_else_goes_to_the_cli(argv: list[str]) -> None:
    assert native_command(argv, EXE) is None


@pytest.fixture(scope="module")
def chain(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("launch")
    r1cs, w = squaring_chain(200, nonce=9)
    r1cs.save(d / "c.r1cs")
    w.save(d / "w.wtns")
    w.with_value(30, 2).save(d / "bad.wtns")
    assert run([ZKML, "setup", d / "c.r1cs", "--out", d / "keys"]).returncode == 0
    return d


def _prove(d: Path, wtns: str, tag: str, **env: str):  # noqa: ANN202
    environment = {**os.environ, "PYTHONPROFILEIMPORTTIME": "1", **env}
    return run([ZKML, "prove", d / "keys", "--wtns", d / wtns, "--proof", d / f"{tag}p.json",
                "--public", d / f"{tag}q.json"], env=environment)


def test_a_plain_prove_runs_the_binary_without_importing_the_cli(chain: Path) -> None:
    d = chain
    fast = _prove(d, "w.wtns", "fast")
    assert fast.returncode == 0, fast.stderr
    assert "| zkml_chain.launch" in fast.stderr and "zkml_chain.cli" not in fast.stderr
    assert fast.stdout.startswith("prove: ") and "development key" in fast.stderr
    # the same command through the CLI's library path: the same public signals, both proofs valid
    slow = _prove(d, "w.wtns", "slow", ZKML_CHAIN_NATIVE_PROVE="0")
    assert slow.returncode == 0, slow.stderr
    assert "zkml_chain.cli" in slow.stderr and slow.stdout.startswith("prove: ")
    assert json.loads((d / "fastq.json").read_text()) == json.loads((d / "slowq.json").read_text())
    vk = d / "keys" / "verification_key.json"
    for tag in ("fast", "slow"):
        r = run([ZKML, "verify", vk, d / f"{tag}p.json", d / f"{tag}q.json"])
        assert r.returncode == 0, r.stdout + r.stderr


def test_a_declined_prove_is_the_clis_one_line_error_and_writes_nothing(chain: Path) -> None:
    d = chain
    r = _prove(d, "bad.wtns", "bad")
    assert r.returncode == 2 and "violates constraint" in r.stderr and "Traceback" not in r.stderr
    assert "zkml_chain.cli" in r.stderr  # the CLI ran the command once the binary declined
    assert not (d / "badp.json").exists() and not (d / "badq.json").exists()


def test_ctrl_c_during_a_native_proof_says_aborted_without_a_traceback_and_writes_nothing(tmp_path: Path) -> None:
    """SIGINT to the command's process group (what Ctrl-C sends) while the binary proves: the
    binary stops, and the launcher reports it as the CLI does ("Aborted!", exit 1)."""
    import signal
    import subprocess
    import time

    r1cs, w = squaring_chain(2**16 - 3, nonce=4)  # a proof long enough to interrupt (~2 s on one thread)
    r1cs.save(tmp_path / "c.r1cs")
    w.save(tmp_path / "w.wtns")
    assert run([ZKML, "setup", tmp_path / "c.r1cs", "--out", tmp_path / "keys"]).returncode == 0
    p = subprocess.Popen([str(ZKML), "prove", str(tmp_path / "keys"), "--wtns", str(tmp_path / "w.wtns"),
                          "--proof", str(tmp_path / "p.json"), "--public", str(tmp_path / "q.json")],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
                         env={**os.environ, "ZKML_CHAIN_THREADS": "1"})
    time.sleep(0.5)
    os.killpg(p.pid, signal.SIGINT)
    _, err = p.communicate(timeout=60)
    assert p.returncode == 1 and err.strip() == "Aborted!", (p.returncode, err)
    assert not (tmp_path / "p.json").exists() and not (tmp_path / "q.json").exists()
