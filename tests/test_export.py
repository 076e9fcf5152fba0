"""`zkml-chain export foundry`: the exported project's tests pass under the real forge (npm
@foundry-rs/forge), offline, with the project's compiler settings."""

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


@pytest.mark.parametrize("batch", [False, True])
def test_the_exported_foundry_project_passes_forge_test(tmp_path: Path, chain, chain_key: ProvingKey,
                                                        batch: bool) -> None:
    _, w = chain
    proof, public = prove(chain_key, w)
    (tmp_path / "vk.json").write_text(json.dumps(chain_key.verifying_key.to_snarkjs()))
    (tmp_path / "proof.json").write_text(json.dumps(proof.to_snarkjs()))
    (tmp_path / "public.json").write_text(json.dumps([str(v) for v in public]))
    project = tmp_path / "project"
    args = [ZKML, "export", "foundry", project, tmp_path / "vk.json", "--proof", tmp_path / "proof.json",
            "--public", tmp_path / "public.json", *(["--batch"] if batch else [])]
    r = run(args)
    assert r.returncode == 2 and "development key" in r.stderr and not project.exists()  # refused without the flag
    r = run([*args, "--allow-development-key"])
    assert r.returncode == 0, r.stderr
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

    # a proof that does not verify is refused: the exported tests would fail
    (tmp_path / "public.json").write_text(json.dumps([str(public[0] + 1), *map(str, public[1:])]))
    project = tmp_path / "other"
    args[3] = project
    r = run([*args, "--allow-development-key"])
    assert r.returncode == 2 and "does not verify" in r.stderr
