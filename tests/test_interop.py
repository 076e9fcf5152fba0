"""Interop with the real circom2 compiler and snarkjs, in both directions."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from conftest import CIRCUITS, ROOT, ZKML_PROVE, run, soliditycalldata
from zkml_chain.field import R
from zkml_chain.r1cs import R1CS, Witness

pytestmark = [pytest.mark.interop, pytest.mark.prove]
ZKML = ROOT / ".venv" / "bin" / "zkml-chain"


@pytest.fixture(scope="module")
def compiled(tmp_path_factory, circom, snarkjs) -> Path:
    """gated_score.circom compiled by circom2, with a witness from circom's wasm."""
    d = tmp_path_factory.mktemp("circom")
    r = run([circom, CIRCUITS / "gated_score.circom", "--r1cs", "--wasm", "--sym", "-o", d])
    assert r.returncode == 0, r.stderr + r.stdout
    (d / "in.json").write_text(json.dumps({"x": ["3", "5"], "borrower": "123456"}))
    r = run([snarkjs, "wtns", "calculate", d / "gated_score_js" / "gated_score.wasm", d / "in.json", d / "w.wtns"])
    assert r.returncode == 0, r.stderr + r.stdout
    return d


@pytest.fixture(scope="module")
def our_keys(compiled) -> Path:
    out = compiled / "ours"
    r = run([ZKML, "setup", compiled / "gated_score.r1cs", "--out", out])
    assert r.returncode == 0, r.stderr
    return out


@pytest.fixture(scope="module")
def snarkjs_keys(compiled, snarkjs) -> Path:
    """A key made by snarkjs alone: powers of tau, phase 2 with one contribution."""
    d = compiled / "snarkjs"
    d.mkdir()
    steps = [
        ["powersoftau", "new", "bn128", "6", d / "p0.ptau"],
        ["powersoftau", "contribute", d / "p0.ptau", d / "p1.ptau", "--name=t", "-e=tau entropy"],
        ["powersoftau", "prepare", "phase2", d / "p1.ptau", d / "pf.ptau"],
        ["groth16", "setup", compiled / "gated_score.r1cs", d / "pf.ptau", d / "c0.zkey"],
        ["zkey", "contribute", d / "c0.zkey", d / "circuit.zkey", "--name=p2", "-e=phase2 entropy"],
        ["zkey", "export", "verificationkey", d / "circuit.zkey", d / "verification_key.json"],
    ]
    for s in steps:
        r = run([snarkjs, *s])
        assert r.returncode == 0, f"snarkjs {s[:2]}: {r.stdout}{r.stderr}"
    return d


def test_circom_files_read_and_witness_satisfies(compiled):
    r1cs = R1CS.load(compiled / "gated_score.r1cs")
    w = Witness.load(compiled / "w.wtns")
    assert r1cs.n_public == 2 and r1cs.is_satisfied(w)
    assert w.public_signals(2) == [3 * 5 * 3 + 3 * 7 + 11, 123456]
    assert "main.t" in r1cs.names.values()  # names from the .sym file
    assert w.to_wtns() == (compiled / "w.wtns").read_bytes()  # byte-exact


def test_rewritten_r1cs_reads_back_in_snarkjs(compiled, snarkjs, tmp_path):
    """circom orders sections differently; the content must survive our rewrite exactly."""
    r1cs = R1CS.load(compiled / "gated_score.r1cs")
    r1cs.save(tmp_path / "re.r1cs")
    again = R1CS.load(tmp_path / "re.r1cs")
    for m in ("a", "b", "c"):
        x, y = getattr(r1cs, m), getattr(again, m)
        assert (x.rows == y.rows).all() and (x.cols == y.cols).all() and x.coeffs == y.coeffs
    info = {}
    for path in (compiled / "gated_score.r1cs", tmp_path / "re.r1cs"):
        r = run([snarkjs, "r1cs", "info", path])
        assert r.returncode == 0, r.stderr
        info[path.name] = [ln.split("]", 1)[-1] for ln in r.stdout.splitlines() if "#" in ln]
    assert info["gated_score.r1cs"] == info["re.r1cs"] and info["re.r1cs"]


def test_our_proof_verifies_under_snarkjs(compiled, our_keys, snarkjs, tmp_path):
    r = run([ZKML, "prove", our_keys, "--wtns", compiled / "w.wtns", "--proof", tmp_path / "p.json",
             "--public", tmp_path / "pub.json"])
    assert r.returncode == 0, r.stderr
    r = run([snarkjs, "groth16", "verify", our_keys / "verification_key.json", tmp_path / "pub.json",
             tmp_path / "p.json"])
    assert r.returncode == 0 and "OK" in r.stdout, r.stdout + r.stderr
    # tampered signal: snarkjs rejects too
    pub = json.loads((tmp_path / "pub.json").read_text())
    pub[1] = str(int(pub[1]) + 1)
    (tmp_path / "bad.json").write_text(json.dumps(pub))
    r = run([snarkjs, "groth16", "verify", our_keys / "verification_key.json", tmp_path / "bad.json",
             tmp_path / "p.json"])
    assert r.returncode != 0


def test_snarkjs_proves_with_our_key_and_we_verify(compiled, our_keys, snarkjs, tmp_path):
    r = run([snarkjs, "groth16", "prove", our_keys / "circuit.zkey", compiled / "w.wtns", tmp_path / "p.json",
             tmp_path / "pub.json"])
    assert r.returncode == 0, r.stderr
    r = run([ZKML, "verify", our_keys / "verification_key.json", tmp_path / "p.json", tmp_path / "pub.json"])
    assert r.returncode == 0, r.stdout + r.stderr


def test_snarkjs_exports_the_same_verifying_key_from_our_zkey(our_keys, snarkjs, tmp_path):
    r = run([snarkjs, "zkey", "export", "verificationkey", our_keys / "circuit.zkey", tmp_path / "vk.json"])
    assert r.returncode == 0, r.stderr
    theirs = json.loads((tmp_path / "vk.json").read_text())
    ours = json.loads((our_keys / "verification_key.json").read_text())
    ours.pop("zkml_chain")
    assert ours == theirs  # including vk_alphabeta_12: our Fq12 tower order is snarkjs's


def test_snarkjs_proof_verifies_under_zkml_chain(compiled, snarkjs_keys, snarkjs, tmp_path):
    r = run([snarkjs, "groth16", "prove", snarkjs_keys / "circuit.zkey", compiled / "w.wtns", tmp_path / "p.json",
             tmp_path / "pub.json"])
    assert r.returncode == 0, r.stderr
    vk = snarkjs_keys / "verification_key.json"
    r = run([ZKML, "verify", vk, tmp_path / "p.json", tmp_path / "pub.json"])
    assert r.returncode == 0, r.stdout + r.stderr
    proof = json.loads((tmp_path / "p.json").read_text())
    pub = json.loads((tmp_path / "pub.json").read_text())
    # tampered proof: another valid curve point -> invalid (1)
    bad = dict(proof, pi_a=proof["pi_c"])
    (tmp_path / "bad_p.json").write_text(json.dumps(bad))
    r = run([ZKML, "verify", vk, tmp_path / "bad_p.json", tmp_path / "pub.json"])
    assert r.returncode == 1, r.stdout + r.stderr
    # tampered signal -> invalid (1)
    (tmp_path / "bad_pub.json").write_text(json.dumps([pub[0], str(int(pub[1]) + 1)]))
    r = run([ZKML, "verify", vk, tmp_path / "p.json", tmp_path / "bad_pub.json"])
    assert r.returncode == 1
    # x + r: congruent, but not a field element -> malformed (2)
    (tmp_path / "wrap.json").write_text(json.dumps([str(int(pub[0]) + R), pub[1]]))
    r = run([ZKML, "verify", vk, tmp_path / "p.json", tmp_path / "wrap.json"])
    assert r.returncode == 2 and "not a field element" in r.stderr and "Traceback" not in r.stderr


def test_we_prove_with_a_snarkjs_ceremony_key(compiled, snarkjs_keys, snarkjs, tmp_path):
    keydir = tmp_path / "k"
    keydir.mkdir()
    shutil.copy(snarkjs_keys / "circuit.zkey", keydir / "circuit.zkey")
    r = run([ZKML, "prove", keydir, "--wtns", compiled / "w.wtns", "--proof", tmp_path / "p.json",
             "--public", tmp_path / "pub.json"])
    assert r.returncode == 0, r.stderr
    assert "development key" not in r.stderr
    r = run([snarkjs, "groth16", "verify", snarkjs_keys / "verification_key.json", tmp_path / "pub.json",
             tmp_path / "p.json"])
    assert r.returncode == 0 and "OK" in r.stdout, r.stdout + r.stderr


def test_zkml_prove_takes_rapidsnarks_arguments_for_snarkjs_and_our_keys(compiled, snarkjs_keys, our_keys, snarkjs,
                                                                        tmp_path):
    """The native prover, given what rapidsnark's `prover` is given (a snarkjs ceremony key with
    circom's witness, and our key): snarkjs verifies both proofs."""
    for name, keys in (("snarkjs", snarkjs_keys), ("ours", our_keys)):
        proof, public = tmp_path / f"{name}-p.json", tmp_path / f"{name}-pub.json"
        r = run([ZKML_PROVE, keys / "circuit.zkey", compiled / "w.wtns", proof, public])
        assert r.returncode == 0, r.stderr
        assert ("development key" in r.stderr) == (name == "ours")
        r = run([snarkjs, "groth16", "verify", keys / "verification_key.json", public, proof])
        assert r.returncode == 0 and "OK" in r.stdout, name + r.stdout + r.stderr


def test_phase2_contribution_by_snarkjs_applies_to_our_key(compiled, our_keys, snarkjs, tmp_path):
    """Our .zkey layout is snarkjs's: a phase-2 contribution by snarkjs applies to our key (and a
    development key stays one: its maker knows tau; see test_ceremony.py for the forgery)."""
    keydir = tmp_path / "contributed"
    keydir.mkdir()
    r = run([snarkjs, "zkey", "contribute", our_keys / "circuit.zkey", keydir / "circuit.zkey", "--name=alice",
             "-e=some entropy"])
    assert r.returncode == 0, r.stdout + r.stderr
    r = run([snarkjs, "zkey", "export", "verificationkey", keydir / "circuit.zkey", keydir / "vk.json"])
    assert r.returncode == 0, r.stderr
    from zkml_chain.groth16 import ProvingKey, VerifyingKey

    pk = ProvingKey.load(keydir / "circuit.zkey")
    assert pk.n_contributions == 1 and pk.development
    old_vk = VerifyingKey.load(our_keys / "verification_key.json")
    assert VerifyingKey.load(keydir / "vk.json").delta2 != old_vk.delta2
    r = run([ZKML, "prove", keydir, "--wtns", compiled / "w.wtns", "--proof", tmp_path / "p.json",
             "--public", tmp_path / "pub.json"])
    assert r.returncode == 0, r.stderr
    r = run([snarkjs, "groth16", "verify", keydir / "vk.json", tmp_path / "pub.json", tmp_path / "p.json"])
    assert r.returncode == 0 and "OK" in r.stdout, r.stdout + r.stderr
    # the old (pre-contribution) verifying key no longer accepts proofs from the new key
    r = run([ZKML, "verify", our_keys / "verification_key.json", tmp_path / "p.json", tmp_path / "pub.json"])
    assert r.returncode == 1


@pytest.mark.chain
def test_verifier_from_snarkjs_key_checks_snarkjs_proof_on_chain(compiled, snarkjs_keys, snarkjs, tmp_path):
    """snarkjs ceremony key -> `zkml-chain verifier` -> Anvil and Hardhat; snarkjs's proof and calldata pass."""
    from zkml_chain.chain.chains import CHAINS, local_chain
    from zkml_chain.chain.evm import Evm
    from zkml_chain.solidity.compile import load_artifact

    r = run([ZKML, "verifier", snarkjs_keys / "verification_key.json", "--out", tmp_path / "V.sol"])
    assert r.returncode == 0, r.stderr
    assert "DEVELOPMENT KEY" not in (tmp_path / "V.sol").read_text()  # a ceremony key, not ours
    artifact = load_artifact(tmp_path / "V.json")
    r = run([snarkjs, "groth16", "prove", snarkjs_keys / "circuit.zkey", compiled / "w.wtns", tmp_path / "p.json",
             tmp_path / "pub.json"])
    assert r.returncode == 0, r.stderr
    args = soliditycalldata(snarkjs, tmp_path / "pub.json", tmp_path / "p.json")
    for chain in CHAINS:
        with local_chain(chain) as node:
            evm = Evm(node.url)
            verifier, _ = evm.deploy(artifact)
            assert evm.call(verifier.functions.verifyProof(*args)) is True, chain
            wrong = list(args[3])
            wrong[-1] = (wrong[-1] + 1) % R
            assert evm.call(verifier.functions.verifyProof(args[0], args[1], args[2], wrong)) is False, chain


def test_verifier_refuses_a_key_without_phase2_contribution(compiled, snarkjs_keys, snarkjs, tmp_path):
    """snarkjs's c0.zkey (groth16 setup, no `zkey contribute`) has delta = the G2 generator."""
    r = run([snarkjs, "zkey", "export", "verificationkey", snarkjs_keys / "c0.zkey", tmp_path / "vk0.json"])
    assert r.returncode == 0, r.stderr
    r = run([ZKML, "verifier", tmp_path / "vk0.json", "--out", tmp_path / "V.sol", "--no-compile"])
    assert r.returncode == 2 and "phase-2" in r.stderr and "Traceback" not in r.stderr, r.stderr
    assert not (tmp_path / "V.sol").exists()
    r = run([ZKML, "verifier", tmp_path / "vk0.json", "--out", tmp_path / "V.sol", "--no-compile",
             "--allow-development-key"])
    assert r.returncode == 0, r.stderr
