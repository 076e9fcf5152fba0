"""The CLI: exit codes 0/1/2, one-line errors without tracebacks, no partial outputs."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from conftest import ROOT, assert_story_went_right, run
from zkml_chain.hardfork import HARDFORK
from zkml_chain.samples import squaring_chain

pytestmark = pytest.mark.prove
ZKML = ROOT / ".venv" / "bin" / "zkml-chain"


@pytest.fixture(scope="module")
def flow(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("cli")
    r1cs, w = squaring_chain(100, nonce=5)
    r1cs.save(d / "c.r1cs")
    w.save(d / "w.wtns")
    w.with_value(20, 1).save(d / "bad.wtns")
    r = run([ZKML, "setup", d / "c.r1cs", "--out", d / "keys"])
    assert r.returncode == 0, r.stderr
    assert "development key" in r.stderr
    r = run([ZKML, "prove", d / "keys", "--wtns", d / "w.wtns", "--proof", d / "proof.json", "--public",
             d / "public.json"])
    assert r.returncode == 0, r.stderr
    return d


def one_line_error(r) -> str:
    assert r.returncode == 2, (r.returncode, r.stdout, r.stderr)
    assert "Traceback" not in r.stderr
    lines = [ln for ln in r.stderr.strip().splitlines() if ln.strip()]
    assert lines and lines[0].startswith("error:"), r.stderr
    return r.stderr


def test_verify_exit_codes(flow):
    d = flow
    vk = d / "keys" / "verification_key.json"
    r = run([ZKML, "verify", vk, d / "proof.json", d / "public.json"])
    assert r.returncode == 0 and r.stdout.startswith("valid"), r.stdout + r.stderr
    pub = json.loads((d / "public.json").read_text())
    (d / "other.json").write_text(json.dumps([pub[0], "6"]))
    r = run([ZKML, "verify", vk, d / "proof.json", d / "other.json"])
    assert r.returncode == 1 and r.stdout.startswith("invalid")


@pytest.mark.parametrize(
    "mutate, message",
    [
        (lambda p: p.update(pi_a=["1", "3", "1"]), "pi_a is not a valid curve point"),
        (lambda p: p.update(pi_b=[["1", "2"], ["3", "4"], ["1", "0"]]), "pi_b is not a valid curve point"),
        (lambda p: p.pop("pi_c"), "missing pi_c"),
        (lambda p: p.update(pi_a=["x", "2", "1"]), "not a decimal integer"),
        # square brackets in a message are text, not rich markup (they used to vanish)
        (lambda p: p.update(pi_a=5), "pi_a: expected [x, y, z] (3 decimal strings), got 5"),
    ],
)
def test_malformed_proofs_exit_2(flow, mutate, message):
    d = flow
    proof = json.loads((d / "proof.json").read_text())
    mutate(proof)
    (d / "m.json").write_text(json.dumps(proof))
    err = one_line_error(run([ZKML, "verify", d / "keys" / "verification_key.json", d / "m.json", d / "public.json"]))
    assert message in err


def test_pi_b_outside_the_subgroup_exit_2(flow):
    from test_native import twist_point_outside_subgroup

    d = flow
    proof = json.loads((d / "proof.json").read_text())
    proof["pi_b"] = twist_point_outside_subgroup().to_snarkjs()
    (d / "sub.json").write_text(json.dumps(proof))
    err = one_line_error(run([ZKML, "verify", d / "keys" / "verification_key.json", d / "sub.json",
                              d / "public.json"]))
    assert "pi_b is not a valid curve point" in err and "subgroup" in err


def test_malformed_key_and_signals_exit_2(flow):
    d = flow
    (d / "notjson.json").write_text("{")
    assert "not valid JSON" in one_line_error(run([ZKML, "verify", d / "notjson.json", d / "proof.json",
                                                   d / "public.json"]))
    (d / "few.json").write_text('["1"]')
    assert "1 public signals given" in one_line_error(
        run([ZKML, "verify", d / "keys" / "verification_key.json", d / "proof.json", d / "few.json"]))
    assert "No such file" in one_line_error(run([ZKML, "verify", d / "nope.json", d / "proof.json",
                                                 d / "public.json"]))


def test_setup_on_bad_r1cs_leaves_nothing(flow):
    d = flow
    data = (d / "c.r1cs").read_bytes()
    (d / "trunc.r1cs").write_bytes(data[: len(data) // 2])
    err = one_line_error(run([ZKML, "setup", d / "trunc.r1cs", "--out", d / "k2"]))
    assert "trunc.r1cs" in err and "truncated" in err
    assert not (d / "k2").exists() or not any((d / "k2").iterdir())
    (d / "magic.r1cs").write_bytes(b"zkey" + data[4:])
    assert "not a .r1cs file" in one_line_error(run([ZKML, "setup", d / "magic.r1cs", "--out", d / "k3"]))


def test_prove_with_broken_witness_names_constraint_and_writes_nothing(flow):
    d = flow
    err = one_line_error(run([ZKML, "prove", d / "keys", "--wtns", d / "bad.wtns", "--proof", d / "p2.json",
                              "--public", d / "pub2.json"]))
    assert "violates constraint 16" in err
    assert not (d / "p2.json").exists() and not (d / "pub2.json").exists()


def test_prove_with_bad_witness_file_exit_2(flow):
    d = flow
    data = (d / "w.wtns").read_bytes()
    (d / "short.wtns").write_bytes(data[:-32])
    err = one_line_error(run([ZKML, "prove", d / "keys", "--wtns", d / "short.wtns", "--proof", d / "p3.json",
                              "--public", d / "pub3.json"]))
    assert "short.wtns" in err
    (d / "k.wtns").write_bytes(b"wtns" + bytes(20))
    one_line_error(run([ZKML, "prove", d / "keys", "--wtns", d / "k.wtns", "--proof", d / "p3.json",
                        "--public", d / "pub3.json"]))
    assert not (d / "p3.json").exists()


def test_corrupt_zkey_exit_2(flow, tmp_path):
    d = flow
    keydir = tmp_path / "k"
    keydir.mkdir()
    data = (d / "keys" / "circuit.zkey").read_bytes()
    (keydir / "circuit.zkey").write_bytes(data[:1000])
    err = one_line_error(run([ZKML, "prove", keydir, "--wtns", d / "w.wtns", "--proof", tmp_path / "p.json",
                              "--public", tmp_path / "pub.json"]))
    assert "circuit.zkey" in err


@pytest.mark.chain
@pytest.mark.parametrize("chain", ["anvil", "hardhat"])
def test_demo_runs(tmp_path, chain):
    r = run([ZKML, "sample-demo", "--constraints", "1000", "--out", tmp_path / "demo", "--chain", chain])
    assert r.returncode == 0, r.stdout + r.stderr
    assert f"start {'Anvil' if chain == 'anvil' else 'Hardhat'} + deploy" in r.stdout
    assert "valid" in r.stdout and "rejected" in r.stdout
    assert (tmp_path / "demo" / "proof.json").exists()
    # the on-chain half: a verifier deployed to Anvil (the pinned hardfork) accepts the proof as a transaction
    assert f"hardfork {HARDFORK}" in r.stdout
    assert re.search(r"verify on chain \(tx\)\s+[\d.]+s\s+valid, [\d,]+ gas", r.stdout), r.stdout
    assert r.stdout.count("rejected") == 2
    assert (tmp_path / "demo" / "Verifier.sol").read_text().startswith("// SPDX-License-Identifier: MIT")


@pytest.mark.chain
@pytest.mark.slow
@pytest.mark.timeout(1500)  # the session's first demo builds the ceremony cache
@pytest.mark.parametrize("chain", ["anvil", "hardhat"])
def test_lending_demo_runs_the_whole_story(tmp_path, ceremony_cache, chain):
    """The README's main command: each step printed with its result and gas, exit 0; the pool
    lends on a ceremony key whose transcript the demo verified. On Anvil (the default) and Hardhat."""
    bureau = ["--bureau", "4"] if chain == "anvil" else []  # `make demo`'s chapter, once
    r = run([ZKML, "demo", "--out", tmp_path / "lending", "--ceremony-cache", ceremony_cache, "--chain", chain,
             *bureau], timeout=1200)
    assert r.returncode == 0, r.stdout + r.stderr
    story = json.loads((tmp_path / "lending" / "story.json").read_text())
    assert_story_went_right(story, bureau=bool(bureau))
    assert (story["chain"], story["hardfork"]) == (chain, HARDFORK)
    gas = json.loads((tmp_path / "lending" / "gas.json").read_text())["gas"]
    assert gas["CreditLendingPool.borrow (repeat)"] - gas["verifier.verifyProof (bare, as a transaction)"] <= 60_000
    assert (tmp_path / "lending" / "gas.md").read_text().startswith(f"| step [{chain}, hardfork {HARDFORK}] | gas |")


def test_write_all_replaces_nothing_when_a_folder_is_in_the_way(tmp_path) -> None:
    """files.write_all renamed its staged files one by one: a folder in the second file's place
    failed the second rename after the first file had already been replaced."""
    from zkml_chain.files import write_all

    first, blocked = tmp_path / "proof.json", tmp_path / "public.json"
    first.write_text("old")
    blocked.mkdir()
    with pytest.raises(IsADirectoryError, match="public.json"):
        write_all({first: b"new", blocked: b"[]"})
    assert first.read_text() == "old" and blocked.is_dir()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["proof.json", "public.json"]  # no staged leftovers
