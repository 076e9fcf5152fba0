"""`zkml-chain export foundry|hardhat`: the exported projects' tests pass under the real forge (npm
@foundry-rs/forge) and the real Hardhat 3 (npm hardhat), offline, with the project's compiler
settings; and fail when the fixture proof no longer matches (the tests test something)."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import pytest

from conftest import ROOT, run
from zkml_chain import toolchain
from zkml_chain.groth16 import ProvingKey, prove

pytestmark = [pytest.mark.interop, pytest.mark.slow]
ZKML = ROOT / ".venv" / "bin" / "zkml-chain"


def _export(kind: str, tmp_path: Path, chain, chain_key: ProvingKey, batch: bool) -> tuple[Path, list, list[int]]:
    """`zkml-chain export KIND` of a fresh proof: refused without --allow-development-key (exit 2,
    nothing written), then written. Returns (project, the command's arguments, public signals)."""
    _, w = chain
    proof, public = prove(chain_key, w)
    (tmp_path / "vk.json").write_text(json.dumps(chain_key.verifying_key.to_snarkjs()))
    (tmp_path / "proof.json").write_text(json.dumps(proof.to_snarkjs()))
    (tmp_path / "public.json").write_text(json.dumps([str(v) for v in public]))
    project = tmp_path / "project"
    args = [ZKML, "export", kind, project, tmp_path / "vk.json", "--proof", tmp_path / "proof.json",
            "--public", tmp_path / "public.json", *(["--batch"] if batch else [])]
    r = run(args)
    assert r.returncode == 2 and "development key" in r.stderr and not project.exists()  # refused without the flag
    r = run([*args, "--allow-development-key"])
    assert r.returncode == 0, r.stderr
    return project, args, public


@pytest.mark.parametrize("batch", [False, True])
def test_the_exported_foundry_project_passes_forge_test(tmp_path: Path, chain, chain_key: ProvingKey,
                                                        batch: bool) -> None:
    project, args, public = _export("foundry", tmp_path, chain, chain_key, batch)
    contract = "Groth16BatchVerifier" if batch else "Groth16Verifier"
    assert (project / "src" / f"{contract}.sol").is_file() and (project / "test" / f"{contract}.t.sol").is_file()

    forge = toolchain.find(toolchain.FORGE)
    env = {**os.environ, "FOUNDRY_DISABLE_NIGHTLY_WARNING": "1"}
    t = subprocess.run([str(forge), "test", "--gas-report"], cwd=project, capture_output=True, text=True,
                       timeout=600, env=env)
    assert t.returncode == 0, t.stdout + t.stderr
    passed = re.findall(r"\[PASS\] (test_\w+)", t.stdout)
    assert sorted(passed) == ["test_accepts_the_exported_proof", "test_returns_false_for_a_wrong_public_input",
                              "test_reverts_for_a_public_input_not_in_the_field"], t.stdout
    assert ("verifyBatch" if batch else "verifyProof") in t.stdout  # the gas report names the function
    snap = subprocess.run([str(forge), "snapshot"], cwd=project, capture_output=True, text=True, timeout=600, env=env)
    assert snap.returncode == 0, snap.stdout + snap.stderr
    snapshot = (project / ".gas-snapshot").read_text()
    assert re.search(rf"{contract}Test:test_accepts_the_exported_proof\(\) \(gas: \d+\)", snapshot), snapshot

    # a proof that does not verify is refused: the exported tests would fail
    (tmp_path / "public.json").write_text(json.dumps([str(public[0] + 1), *map(str, public[1:])]))
    project = tmp_path / "other"
    args[3] = project
    r = run([*args, "--allow-development-key"])
    assert r.returncode == 2 and "does not verify" in r.stderr


def _strip_metadata(code: str) -> str:
    """Runtime bytecode without solc's CBOR metadata (its last 2 + length bytes): the source hash
    in it differs with file paths, nothing else does."""
    code = code.removeprefix("0x")
    return code[: -2 * (int(code[-4:], 16) + 2)]


@pytest.mark.parametrize("batch", [False, True])
def test_the_exported_hardhat_project_passes_hardhat_test(tmp_path: Path, chain, chain_key: ProvingKey,
                                                          batch: bool) -> None:
    from zkml_chain.solidity import compile_sources, render_verifier

    project, _, public = _export("hardhat", tmp_path, chain, chain_key, batch)
    contract = "Groth16BatchVerifier" if batch else "Groth16Verifier"
    package = json.loads((project / "package.json").read_text())
    assert package["type"] == "module" and package["devDependencies"]["hardhat"] == toolchain.HARDHAT.version

    # the user's `npm install`, offline: the project's own node_modules holds the same pinned packages
    (project / "node_modules").symlink_to(toolchain.node_modules(toolchain.HARDHAT), target_is_directory=True)
    # as the README says to run it: npx, with a Node >= 22.13 first on PATH (`zkml-chain toolchain env`)
    hardhat = ["npx", "--no-install", "hardhat", "test", "--gas-stats"]
    env = {**os.environ, "PATH": toolchain.environment()["PATH"]}
    t = subprocess.run(hardhat, cwd=project, capture_output=True, text=True, timeout=600, env=env)
    assert t.returncode == 0, t.stdout + t.stderr
    assert "4 passing" in t.stdout and "solc 0.8.37" in t.stdout, t.stdout
    for name in ("accepts the exported proof", "returns false for a wrong public input",
                 "reverts with PublicInputNotInField for an input >= r", "verifies in a transaction"):
        assert re.search(rf"✔ {re.escape(name)}", t.stdout), (name, t.stdout)
    fn = "verifyBatch" if batch else "verifyProof"
    assert re.search(rf"{fn}\s+│\s+\d+", t.stdout), t.stdout  # Hardhat's gas statistics name the function

    # the same bytecode `zkml-chain verifier` compiles (the compiler settings travelled), metadata aside
    built = json.loads((project / "artifacts" / "contracts" / f"{contract}.sol" / f"{contract}.json").read_text())
    ours = compile_sources({f"{contract}.sol": render_verifier(chain_key.verifying_key, batch=batch,
                                                               allow_development_key=True).source})[contract]
    assert _strip_metadata(built["deployedBytecode"]) == _strip_metadata(ours.deployed_bytecode)

    # a fixture that no longer matches the proof fails the acceptance test, and only it
    fixture = project / "test" / "fixtures" / "public.json"
    fixture.write_text(json.dumps([str(public[0] + 1), *map(str, public[1:])]))
    t = subprocess.run(hardhat, cwd=project, capture_output=True, text=True, timeout=600, env=env)
    assert t.returncode != 0 and "3 passing" in t.stdout and "1 failing" in t.stdout, t.stdout + t.stderr
