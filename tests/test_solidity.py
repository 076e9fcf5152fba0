"""Rendering verifiers (`zkml-chain verifier`) and compiling them offline with the npm solc."""

from __future__ import annotations

import json
import random
from dataclasses import replace
from pathlib import Path

import pytest

from conftest import ROOT, run
from zkml_chain.curve import G2_GENERATOR
from zkml_chain.errors import KeyMaterialError, ProofInputError, ToolchainError
from zkml_chain.groth16 import ProvingKey, VerifyingKey, setup
from zkml_chain.hardfork import HARDFORK
from zkml_chain.samples import squaring_chain
from zkml_chain.solidity import compile_sources, render_verifier
from zkml_chain.solidity.solc import find, standard_json

ZKML = ROOT / ".venv" / "bin" / "zkml-chain"


@pytest.fixture(scope="module")
def vk_file(tmp_path_factory, chain_key: ProvingKey) -> Path:
    d = tmp_path_factory.mktemp("vk")
    (d / "verification_key.json").write_text(json.dumps(chain_key.verifying_key.to_snarkjs()))
    return d / "verification_key.json"


def test_cli_renders_and_compiles_both_verifiers(vk_file: Path, tmp_path: Path) -> None:
    r = run([ZKML, "verifier", vk_file, "--out", tmp_path / "V.sol"])
    assert r.returncode == 2 and "development key" in r.stderr and not (tmp_path / "V.sol").exists()
    r = run([ZKML, "verifier", vk_file, "--out", tmp_path / "V.sol", "--allow-development-key"])
    assert r.returncode == 0, r.stderr
    assert "development key" in r.stderr
    src = (tmp_path / "V.sol").read_text()
    assert "contract Groth16Verifier" in src and "UNSAFE KEY" in src
    assert "function verifyProof(" in src and "uint256[2] calldata _pubSignals" in src
    art = json.loads((tmp_path / "V.json").read_text())
    assert art["contractName"] == "Groth16Verifier" and art["bytecode"].startswith("0x6")
    assert [f["name"] for f in art["abi"] if f["type"] == "function"] == ["verifyProof"]
    assert art["compiler"]["evmVersion"] == HARDFORK

    r = run([ZKML, "verifier", vk_file, "--batch", "--contract-name", "PoolBatch", "--out", tmp_path / "B.sol",
             "--allow-development-key"])
    assert r.returncode == 0, r.stderr
    art = json.loads((tmp_path / "B.json").read_text())
    (fn,) = [f for f in art["abi"] if f["type"] == "function"]
    assert art["contractName"] == "PoolBatch" and fn["name"] == "verifyBatch"
    assert [i["type"] for i in fn["inputs"]] == ["uint256[8][]", "uint256[2][]"]


def test_cli_bad_input_is_one_line_and_writes_nothing(vk_file: Path, tmp_path: Path) -> None:
    cases = [
        ([ZKML, "verifier", vk_file, "--out", tmp_path / "V.sol", "--contract-name", "1bad"], "Solidity identifier"),
        ([ZKML, "verifier", tmp_path / "missing.json", "--out", tmp_path / "V.sol"], "missing.json"),
    ]
    (tmp_path / "notvk.json").write_text('{"protocol": "plonk"}')
    cases.append(([ZKML, "verifier", tmp_path / "notvk.json", "--out", tmp_path / "V.sol"], "groth16"))
    for cmd, needle in cases:
        r = run(cmd)
        assert r.returncode == 2 and needle in r.stderr and "Traceback" not in r.stderr, (cmd, r.stderr)
    assert list(tmp_path.glob("V.*")) == []


def test_render_refuses_keys_anyone_could_forge_for(chain_key: ProvingKey) -> None:
    vk = replace(chain_key.verifying_key, development=False)
    render_verifier(vk)  # random gamma and delta, and not marked as a development key: fine
    for delta in (vk.gamma2, G2_GENERATOR):
        unsafe = replace(vk, delta2=delta)
        with pytest.raises(KeyMaterialError, match="phase-2"):
            render_verifier(unsafe)
        assert "contract Groth16Verifier" in render_verifier(unsafe, allow_development_key=True).source
    # a development key (its maker knows tau) is refused too, with or without later contributions
    assert chain_key.verifying_key.development
    with pytest.raises(KeyMaterialError, match="development key"):
        render_verifier(chain_key.verifying_key)
    source = render_verifier(chain_key.verifying_key, allow_development_key=True).source
    assert "UNSAFE KEY" in source
    with pytest.raises(ProofInputError, match="identifier"):
        render_verifier(vk, contract_name="Verifier-2")


def test_solc_shim_reports_errors_and_warnings() -> None:
    solc = find()
    assert solc.version == json.loads((ROOT / "package.json").read_text())["dependencies"]["solc"]
    assert solc.package == ROOT / "node_modules" / "solc"  # found through .venv/zkml-chain.json
    with pytest.raises(ToolchainError, match="ParserError"):
        compile_sources({"Bad.sol": "pragma solidity ^0.8.0; contract X { function }"})
    arts = compile_sources({"W.sol": "pragma solidity ^0.8.0; contract W { function f(uint a) external pure {} }"})
    assert any("SPDX license identifier" in w for w in arts["W"].warnings)
    out = standard_json(solc, {"language": "Solidity", "sources": {"E.sol": {"content": "contract E {}"}},
                               "settings": {"outputSelection": {"*": {"*": ["abi"]}}}})
    assert out["contracts"]["E.sol"]["E"]["abi"] == []


@pytest.mark.slow
@pytest.mark.parametrize("batch", [False, True])
def test_a_verifier_over_the_contract_size_limit_is_refused_at_render_time(batch: bool) -> None:
    """EIP-170: a verifier with too many public inputs used to render and compile, and then could
    not be deployed. At the limit it compiles under 24,576 bytes; one more input is refused."""
    from zkml_chain.curve import G1_GENERATOR
    from zkml_chain.solidity.render import EIP170_LIMIT, MAX_PUBLIC

    r1cs, _ = squaring_chain(4)
    vk = setup(r1cs, rng=random.Random(3)).verifying_key
    limit = MAX_PUBLIC[batch]

    def key(n_public: int) -> VerifyingKey:
        return replace(vk, ic=tuple(G1_GENERATOR * (i + 2) for i in range(n_public + 1)))

    with pytest.raises(KeyMaterialError, match=rf"EIP-170.*at most {limit}"):
        render_verifier(key(limit + 1), batch=batch, allow_development_key=True)
    rendered = render_verifier(key(limit), batch=batch, allow_development_key=True)
    size = len(bytes.fromhex(compile_sources({"V.sol": rendered.source})[rendered.contract_name].deployed_bytecode[2:]))
    assert EIP170_LIMIT - 600 < size <= EIP170_LIMIT  # the limit is tight: not far below the cap either
