"""`zkml-prove` (native/prover): the prover as one native command with rapidsnark's arguments. Its
proofs verify and its files are byte for byte the form `zkml-chain prove` writes; a dishonest
witness, a corrupt key and bad arguments give one line on stderr, exit 2 and no files."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from conftest import ZKML_PROVE, flip_point, run
from zkml_chain.files import json_bytes
from zkml_chain.groth16 import Proof, ProvingKey, load_public, verify
from zkml_chain.r1cs import Witness

pytestmark = pytest.mark.prove


@pytest.fixture
def files(tmp_path: Path, chain, chain_key: ProvingKey) -> dict[str, Path]:
    _, w = chain
    zkey, wtns = tmp_path / "circuit.zkey", tmp_path / "w.wtns"
    zkey.write_bytes(chain_key.to_zkey())
    w.save(wtns)
    return {"zkey": zkey, "wtns": wtns, "proof": tmp_path / "out" / "proof.json", "public": tmp_path / "out" / "public.json"}


def prove(f: dict[str, Path], *extra: str | Path):
    return run([ZKML_PROVE, *extra, f["zkey"], f["wtns"], f["proof"], f["public"]])


def test_the_proof_verifies_and_the_files_are_zkml_chains_form(files, chain, chain_key: ProvingKey) -> None:
    assert ZKML_PROVE.exists(), "zkml-prove is missing: `make install` builds it"
    r = prove(files)
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith(f"prove: {chain_key.n_vars} wires, {chain_key.n_public} public signals -> ")
    assert "development key" in r.stderr  # the chain's key is a development key
    proof, public = Proof.load(files["proof"]), load_public(files["public"])
    assert public == chain[1].public_signals(chain_key.n_public)
    assert verify(chain_key.verifying_key, proof, public)
    for path in (files["proof"], files["public"]):
        raw = path.read_bytes()
        assert json_bytes(json.loads(raw)) == raw, path.name
    # fresh randomness each run: another proof of the same statement
    first = files["proof"].read_bytes()
    assert prove(files, "--threads", "1").returncode == 0
    assert files["proof"].read_bytes() != first and verify(chain_key.verifying_key, Proof.load(files["proof"]), public)


def test_the_scalar_additions_prove_the_same_statement(files, chain, chain_key: ProvingKey) -> None:
    """ZKML_CHAIN_IFMA=0 keeps the MSMs' additions scalar on a CPU with AVX-512 IFMA — the path
    every CPU without it takes: its proof verifies as well."""
    r = run([ZKML_PROVE, files["zkey"], files["wtns"], files["proof"], files["public"]],
            env={**os.environ, "ZKML_CHAIN_IFMA": "0"})
    assert r.returncode == 0, r.stderr
    public = load_public(files["public"])
    assert public == chain[1].public_signals(chain_key.n_public)
    assert verify(chain_key.verifying_key, Proof.load(files["proof"]), public)


def test_a_dishonest_witness_gives_no_proof_and_writes_nothing(files, chain) -> None:
    _, w = chain
    values = bytearray(w.values)
    values[5 * 32] ^= 1  # an intermediate square, off by one: still a field element
    Witness(bytes(values)).save(files["wtns"])
    r = prove(files)
    assert r.returncode == 2, r.stdout + r.stderr
    assert "does not verify" in r.stderr and len(r.stderr.strip().splitlines()) == 1
    assert not files["proof"].exists() and not files["public"].exists()


def test_a_point_off_its_curve_in_the_key_gives_no_proof(files) -> None:
    files["zkey"].write_bytes(flip_point(files["zkey"].read_bytes(), 5, 3, 64))
    r = prove(files)
    assert r.returncode == 2 and "does not verify" in r.stderr, r.stderr
    assert not files["proof"].exists()


@pytest.mark.parametrize(
    ("spoil", "message"),
    [
        (lambda f: f["zkey"].write_bytes(b"zkex" + f["zkey"].read_bytes()[4:]), "not a .zkey file"),
        (lambda f: f["zkey"].write_bytes(f["zkey"].read_bytes()[:-7]), "truncated|holds"),
        (lambda f: f["wtns"].write_bytes(f["wtns"].read_bytes()[:-32]), "truncated: section 2"),
        (lambda f: f["wtns"].write_bytes(b"wtnx" + f["wtns"].read_bytes()[4:]), "not a .wtns file"),
        (lambda f: f["wtns"].unlink(), "cannot read"),
        (lambda f: (f["zkey"].unlink(), f["zkey"].mkdir()), "no such file"),
        (lambda f: _witness_values(f, lambda v: v[:-32]), "the key expects"),
        (lambda f: _witness_values(f, lambda v: v[:32] + b"\xff" * 32 + v[64:]), "not below"),
        (lambda f: _witness_values(f, lambda v: b"\x02" + v[1:]), "wire 0 must be the constant 1"),
    ],
)
def test_bad_files_are_named_in_one_line(files, spoil, message: str) -> None:
    spoil(files)
    r = prove(files)
    assert r.returncode == 2, r.stdout + r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and r.stderr.startswith("zkml-prove: error: "), r.stderr
    assert re.search(message, r.stderr), r.stderr
    assert "panicked" not in r.stderr and not files["proof"].exists()


def _witness_values(f: dict[str, Path], change) -> None:
    w = Witness.load(f["wtns"])
    f["wtns"].write_bytes(Witness(change(w.values)).to_wtns())


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "expected 4 paths, got 0"),
        (["a", "b", "c"], "expected 4 paths, got 3"),
        (["--bogus", "a", "b", "c", "d"], "unknown option --bogus"),
        (["--threads", "0", "a", "b", "c", "d"], "--threads must be a positive integer"),
        (["--threads"], "--threads needs a value"),
    ],
)
def test_bad_arguments_print_the_usage_and_exit_2(args: list[str], message: str) -> None:
    r = run([ZKML_PROVE, *args])
    assert r.returncode == 2 and message in r.stderr and "usage: zkml-prove" in r.stderr, r.stderr


def test_help_and_version_exit_0() -> None:
    r = run([ZKML_PROVE, "--help"])
    assert r.returncode == 0 and "usage: zkml-prove" in r.stdout
    r = run([ZKML_PROVE, "--version"])
    assert r.returncode == 0 and r.stdout.startswith("zkml-prove ")
