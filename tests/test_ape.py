"""Ape: offline `ape compile`, and `ape run deploy_verifier`, `gas_benchmark` and `lending demo` on
Anvil and on Hardhat 3.

Each command runs as a user would run it, in a subprocess; ape-foundry starts and stops Anvil,
ape-hardhat starts and stops Hardhat (both from npm), with the hardfork pinned in ape-config.yaml
(and, for Hardhat, the project's hardhat.config.js).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import ROOT, assert_story_went_right, run
from zkml_chain import toolchain
from zkml_chain.groth16 import ProvingKey
from zkml_chain.hardfork import HARDFORK

pytestmark = [pytest.mark.chain, pytest.mark.interop]
APE = ROOT / ".venv" / "bin" / "ape"


#: `ape run` arguments for each local network: Ape's default (Anvil) and Hardhat.
NETWORKS = {"anvil": [], "hardhat": ["--network", "ethereum:local:hardhat"]}


def test_ape_config_pins_the_project_hardfork() -> None:
    """ape-config.yaml and hardhat.config.js cannot import zkml_chain.hardfork: each must repeat it."""
    import chompjs
    import yaml

    config = yaml.safe_load((ROOT / "ape-config.yaml").read_text())
    assert config["foundry"]["evm_version"] == HARDFORK
    assert config["hardhat"]["evm_version"] == HARDFORK
    assert config["solidity"]["evm_version"] == HARDFORK
    assert (ROOT / config["hardhat"]["hardhat_config_file"]).resolve() == ROOT / "hardhat.config.js"
    hardhat = chompjs.parse_js_object((ROOT / "hardhat.config.js").read_text())  # the first object: the config
    network = hardhat["networks"]["hardhat"]
    assert network["hardfork"] == HARDFORK and network["chainId"] == 31337
    assert network["throwOnTransactionFailures"] is False
    assert "config.networks.node = config.networks.hardhat;" in (ROOT / "hardhat.config.js").read_text()


def test_ape_compile_works_offline(tmp_path: Path, chain_key: ProvingKey) -> None:
    """The project's contracts (OpenZeppelin imports from npm) and a rendered verifier."""
    from zkml_chain.solidity import render_verifier

    shutil.copy(ROOT / "ape-config.yaml", tmp_path)
    shutil.copytree(ROOT / "contracts", tmp_path / "contracts")
    (tmp_path / "node_modules").symlink_to(ROOT / "node_modules")
    verifier = render_verifier(chain_key.verifying_key, allow_development_key=True)
    (tmp_path / "contracts" / "Verifier.sol").write_text(verifier.source)
    r = run([APE, "compile"], cwd=tmp_path, env={**os.environ, **toolchain.environment()})
    assert r.returncode == 0, r.stdout + r.stderr
    assert "0.8.37" in r.stdout + r.stderr
    built = json.loads((tmp_path / ".build" / "__local__.json").read_text())
    assert {"Groth16Verifier", "CreditLendingPool", "ModelRegistry", "AttestationRegistry"} <= set(built["contractTypes"])


@pytest.mark.parametrize("network", NETWORKS)
def test_ape_run_deploy_verifier(tmp_path: Path, chain_key: ProvingKey, network: str) -> None:
    vk = tmp_path / "verification_key.json"
    vk.write_text(json.dumps(chain_key.verifying_key.to_snarkjs()))
    r = run([APE, "run", "deploy_verifier", vk, "--batch", *NETWORKS[network]], cwd=ROOT)
    assert r.returncode != 0 and "development key" in r.stdout + r.stderr  # refused without the flag
    r = run([APE, "run", "deploy_verifier", vk, "--batch", "--allow-development-key", *NETWORKS[network]], cwd=ROOT)
    assert ("Starting 'Hardhat node'" in r.stdout + r.stderr) == (network == "hardhat")
    assert r.returncode == 0, r.stdout + r.stderr
    assert re.search(r"Groth16BatchVerifier \(2 public inputs\) deployed at 0x[0-9a-fA-F]{40}, [\d,]+ gas "
                     rf"\[hardfork {HARDFORK}\]", r.stdout), r.stdout
    r = run([APE, "run", "deploy_verifier", tmp_path / "nope.json"], cwd=ROOT)
    assert r.returncode != 0 and "nope.json" in r.stdout + r.stderr


@pytest.mark.parametrize("network", NETWORKS)
def test_ape_run_gas_benchmark_writes_table_json_and_plot(tmp_path: Path, network: str) -> None:
    r = run([APE, "run", "gas_benchmark", "--ells", "1,3", "--batch-sizes", "1,3", "--batch-ell", "3",
             "--out", tmp_path, *NETWORKS[network]], cwd=ROOT)
    assert r.returncode == 0, r.stdout + r.stderr
    data = json.loads((tmp_path / "gas.json").read_text())
    assert data["meta"]["hardfork"] == HARDFORK
    assert data["meta"]["node"] == {"anvil": "foundry (npm @foundry-rs/anvil 1.7.1)",
                                    "hardhat": "hardhat (npm hardhat 3.18.0)"}[network]
    assert [row["ell"] for row in data["single"]] == [1, 3]
    for row in data["single"]:
        assert row["floor"] < row["ours"] < row["snarkjs"]
    per_proof = [b["per_proof"] for b in data["batch"]]
    assert [b["n"] for b in data["batch"]] == [1, 3] and per_proof[1] < per_proof[0]
    assert (tmp_path / "gas.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "| 3 |" in (tmp_path / "gas.md").read_text()


@pytest.mark.timeout(1500)  # the session's first demo builds the ceremony cache
# On Hardhat the same story runs through `zkml-chain demo --chain hardhat` (test_cli) and Ape's
# lending commands through test_ape_lending_operator_commands_share_one_node[hardhat]; running
# the whole demo through Ape on Hardhat too would add 90 s to the suite and cover nothing new.
@pytest.mark.parametrize("network", ["anvil"])
def test_ape_run_lending_demo(tmp_path: Path, ceremony_cache: Path, network: str) -> None:
    """The flagship story through Ape: every step as it must be, and the gas report written."""
    r = run([APE, "run", "lending", "demo", "--out", tmp_path, "--ceremony-cache", ceremony_cache, *NETWORKS[network]],
            cwd=ROOT, timeout=1200)
    assert r.returncode == 0, r.stdout + r.stderr
    story = json.loads((tmp_path / "story.json").read_text())
    assert_story_went_right(story)
    assert story["chain"] == f"ape ethereum:local:{'foundry' if network == 'anvil' else 'hardhat'}"
    gas = json.loads((tmp_path / "gas.json").read_text())
    assert gas["hardfork"] == HARDFORK and gas["gas"]["CreditLendingPool.borrow (repeat)"] > 0


def accounts_address(index: int) -> str:
    """Anvil's (and Ape's) test account ``index``, from the shared test mnemonic."""
    from eth_account import Account

    Account.enable_unaudited_hdwallet_features()
    return str(Account.from_mnemonic("test test test test test test test test test test test junk",
                                     account_path=f"m/44'/60'/0'/0/{index}").address)


@pytest.mark.parametrize("chain", ["anvil", "hardhat"])
def test_ape_lending_operator_commands_share_one_node(tmp_path: Path, lending_circuits: dict[str, Path],
                                                      chain: str) -> None:
    """deploy, attest, borrow, repay as separate `ape run` commands against one running Anvil or
    Hardhat node (ape-foundry / ape-hardhat connect to it instead of starting their own), with
    refusals as clear errors."""
    from zkml_chain.chain.chains import local_chain

    circuit = lending_circuits["lr"]
    project = tmp_path / "project"
    (project / "scripts").mkdir(parents=True)
    shutil.copy(ROOT / "scripts" / "lending.py", project / "scripts")
    with local_chain(chain) as node:
        plugin = {"anvil": "foundry", "hardhat": "hardhat"}[chain]
        config = (ROOT / "ape-config.yaml").read_text().replace(f"\n{plugin}:\n", f"\n{plugin}:\n  host: {node.url}\n")
        config = config.replace("default_provider: foundry", f"default_provider: {plugin}")
        assert f"host: {node.url}" in config
        (project / "ape-config.yaml").write_text(config)

        def ape(*args: object) -> str:
            r = run([APE, "run", "lending", *args], cwd=project)
            assert r.returncode == 0, r.stdout + r.stderr
            assert "Starting '" not in r.stdout + r.stderr  # Ape used our node, not one of its own
            return r.stdout

        # Every `ape run` costs ~7 s of Ape start-up: on Hardhat only the happy path (deploy, attest
        # from a keystore, borrow, repay); the refusals and the bureau flow are the script's logic, once.
        full = chain == "anvil"
        dep = tmp_path / "deployment.json"
        if full:
            r = run([APE, "run", "lending", "deploy", "--circuit", circuit, "--out", dep], cwd=project)
            assert r.returncode != 0 and "development key" in r.stdout + r.stderr and not dep.exists()
        assert "registered; deployment" in ape("deploy", "--circuit", circuit, "--out", dep, "--allow-development-key")
        if full:
            r = run([APE, "run", "lending", "register", "--deployment", dep, "--circuit", circuit, "--name", "again",
                     "--allow-development-key"], cwd=project)  # the pool's own model is registered already
            assert r.returncode != 0 and "ModelAlreadyRegistered" in r.stdout + r.stderr
            other = lending_circuits["mlp"]
            assert "(credit-mlp 2.0) registered with verifier 0x" in ape(
                "register", "--deployment", dep, "--circuit", other, "--name", "credit-mlp", "--version", "2.0",
                "--allow-development-key")
        import onnxruntime as ort

        from zkml_chain.lending.features import load
        sess = ort.InferenceSession(str(circuit / "model.onnx"))
        p = sess.run(["probabilities"], {"features": load().features.astype("float32")})[0][:, 1]
        good, bad = int(p.argmax()), int(p.argmin())
        # The bureau signs with an Ape keystore account, as on a live network: its key in an
        # encrypted keyfile; Ape asks to confirm the signature, then for the passphrase.
        from eth_account import Account

        Account.enable_unaudited_hdwallet_features()
        bureau = Account.from_mnemonic("test test test test test test test test test test test junk",
                                       account_path="m/44'/60'/0'/0/1")
        data = tmp_path / "ape-data"
        (data / "accounts").mkdir(parents=True)
        (data / "accounts" / "bureau.json").write_text(json.dumps(Account.encrypt(bureau.key, "s3cret")))
        env = {**os.environ, "APE_DATA_FOLDER": str(data)}
        r = subprocess.run([str(APE), "run", "lending", "attest", "--deployment", str(dep), "--borrower", "2",
                            "--record", str(good), "--out", str(tmp_path / "alice.json"), "--account", "bureau"],
                           cwd=project, env=env, input="y\ns3cret\ny\n", capture_output=True, text=True, timeout=300)
        assert r.returncode == 0, r.stdout + r.stderr
        assert f"attested {accounts_address(2)}" in r.stdout
        out = ape("borrow", "--deployment", dep, "--application", tmp_path / "alice.json", "--amount", 250)
        assert "borrowed 250 dUSD with nonce 0" in out and "debt 250" in out
        if not full:
            assert "debt 0, pool 1,000,000 dUSD" in ape("repay", "--deployment", dep, "--borrower", 2, "--amount", 250)
            return
        out = ape("borrow", "--deployment", dep, "--application", tmp_path / "alice.json", "--amount", 100)
        assert "with nonce 1" in out and "debt 350" in out
        ape("attest", "--deployment", dep, "--borrower", 3, "--record", bad, "--out", tmp_path / "carol.json")
        r = run([APE, "run", "lending", "borrow", "--deployment", dep, "--application", tmp_path / "carol.json",
                 "--amount", 100], cwd=project)
        assert r.returncode != 0 and "below the threshold" in r.stdout + r.stderr
        assert "debt 0, pool 1,000,000 dUSD" in ape("repay", "--deployment", dep, "--borrower", 2, "--amount", 350)
        r = run([APE, "run", "lending", "repay", "--deployment", dep, "--borrower", 2, "--amount", 1], cwd=project)
        assert r.returncode != 0 and "owes 0" in r.stdout + r.stderr
        # The bureau flow: the registry, the claims (Carol has none), proved on Ray, posted, borrowed against
        scores = tmp_path / "scores.json"
        assert "ScoreRegistry 0x" in ape("deploy-scores", "--deployment", dep, "--out", scores, "--allow-development-key")
        out = ape("claims", "--deployment", dep, "--scores", scores, "--out", tmp_path / "claims.jsonl",
                  tmp_path / "alice.json", tmp_path / "carol.json")
        assert "carol.json: below every tier: no claim" in out and "1 claims ->" in out
        # proved here as prove-batch's workers do (prove-batch itself: test_batch.py, test_bureau.py)
        from zkml_chain.files import json_bytes
        from zkml_chain.onnx.compiled import CompiledModel

        model = CompiledModel.load(circuit)
        for n, line in enumerate((tmp_path / "claims.jsonl").read_text().splitlines()):
            proved = model.prove(json.loads(line))
            (tmp_path / "proofs" / f"{n:06d}").mkdir(parents=True)
            (tmp_path / "proofs" / f"{n:06d}" / "proof.json").write_bytes(json_bytes(proved.proof.to_snarkjs()))
            (tmp_path / "proofs" / f"{n:06d}" / "public.json").write_bytes(json_bytes([str(v) for v in proved.public]))
        assert "posted 1 claims" in ape("post-claims", "--deployment", dep, "--scores", scores, "--proofs",
                                        tmp_path / "proofs", "--batch", 4)
        out = ape("borrow-claim", "--deployment", dep, "--borrower", 2, "--amount", 100)
        assert "borrowed 100 dUSD against its posted claim" in out and "debt 100" in out
