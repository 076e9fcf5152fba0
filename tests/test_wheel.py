"""zkml-chain as a user installs it: the wheel, in a fresh venv outside the repository.

The wheel is built from this checkout by pip through maturin, installed with its core dependencies only (no
ONNX, web3 or Ape), and its commands run from a folder that is not the checkout: the templates and
contracts must come from the package, the JavaScript toolchain from the resolver, not from
paths relative to the source tree.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT, run
from zkml_chain.samples import squaring_chain

pytestmark = [pytest.mark.slow]


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A venv (outside the repository) with the wheel and its core dependencies; its bin folder."""
    base = tmp_path_factory.mktemp("wheel")
    # pip's build, as `make install`'s: the same maturin backend, interpreter and environment, so
    # cargo reuses the extension `make install` compiled instead of building it again (~60 s)
    r = run([ROOT / ".venv" / "bin" / "pip", "wheel", "--quiet", "--no-deps", "--disable-pip-version-check",
             "-c", ROOT / "requirements.lock", "-w", base / "dist", ROOT], cwd=ROOT, timeout=900)
    assert r.returncode == 0, r.stdout + r.stderr
    (wheel,) = (base / "dist").glob("zkml_chain-*.whl")
    python = Path(sys.base_prefix) / "bin" / "python3"
    r = run([python, "-m", "venv", base / "venv"])
    assert r.returncode == 0, r.stderr
    r = run([base / "venv" / "bin" / "pip", "install", "--quiet", "--disable-pip-version-check",
             "-c", ROOT / "requirements.lock", wheel], timeout=900)
    assert r.returncode == 0, r.stdout + r.stderr
    return base / "venv" / "bin"


def _user_env(bin_dir: Path, **extra: str) -> dict[str, str]:
    """A shell with the wheel's venv and nothing of the checkout: no repo venv, no node_modules."""
    drop = {"VIRTUAL_ENV", "SOLCX_BINARY_PATH", "ZKML_CHAIN_NODE_MODULES", "PYTHONPATH"}
    env = {k: v for k, v in os.environ.items() if k not in drop}
    path = [p for p in env.get("PATH", "").split(os.pathsep) if p and not p.startswith(str(ROOT))]
    env["PATH"] = os.pathsep.join([str(bin_dir), *path])
    return {**env, **extra}


def _zkml(bin_dir: Path, *args: str | Path, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(bin_dir / "zkml-chain"), *map(str, args)], cwd=cwd, capture_output=True, text=True,
                          timeout=300, env=_user_env(bin_dir, **env))


def test_the_installed_wheel_sets_up_proves_verifies_and_renders(installed: Path, tmp_path: Path) -> None:
    where = subprocess.run([str(installed / "python"), "-c", "import zkml_chain, onnx"], capture_output=True,
                           text=True, cwd=tmp_path, env=_user_env(installed))
    assert "No module named 'onnx'" in where.stderr  # the core install: no ONNX, web3 or Ape
    where = subprocess.run([str(installed / "python"), "-c", "import zkml_chain; print(zkml_chain.__file__)"],
                           capture_output=True, text=True, cwd=tmp_path, env=_user_env(installed))
    assert where.returncode == 0 and Path(where.stdout.strip()).is_relative_to(installed.parent), where

    r1cs, w = squaring_chain(64, nonce=7)
    r1cs.save(tmp_path / "c.r1cs")
    w.save(tmp_path / "w.wtns")
    r = _zkml(installed, "setup", "c.r1cs", "--out", "keys", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    r = _zkml(installed, "prove", "keys", "--wtns", "w.wtns", "--proof", "proof.json", "--public", "public.json",
              cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert json.loads((tmp_path / "public.json").read_text()) == [str(w[1]), "7"]
    r = _zkml(installed, "verify", "keys/verification_key.json", "proof.json", "public.json", cwd=tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr

    # the templates come from the package: rendering needs no toolchain
    vk = "keys/verification_key.json"
    r = _zkml(installed, "verifier", vk, "--out", "V.sol", "--no-compile", "--allow-development-key", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "contract Groth16Verifier" in (tmp_path / "V.sol").read_text()

    # compiling needs npm's solc: without it, one line naming it and how to install it; nothing written
    r = _zkml(installed, "verifier", vk, "--out", "W.sol", "--allow-development-key", cwd=tmp_path)
    assert r.returncode == 2, r.stderr
    assert "solc" in r.stderr and "npm install solc@0.8.37" in r.stderr and "ZKML_CHAIN_NODE_MODULES" in r.stderr
    assert "Traceback" not in r.stderr and not (tmp_path / "W.sol").exists()
    r = _zkml(installed, "toolchain", "check", cwd=tmp_path)
    assert r.returncode == 2 and "npm install @foundry-rs/anvil@1.7.1" in r.stderr, r.stderr

    # ... and with the toolchain named by the environment variable, it compiles
    r = _zkml(installed, "verifier", vk, "--out", "W.sol", "--allow-development-key", cwd=tmp_path,
              ZKML_CHAIN_NODE_MODULES=str(ROOT / "node_modules"))
    assert r.returncode == 0, r.stderr
    artifact = json.loads((tmp_path / "W.json").read_text())
    assert artifact["contractName"] == "Groth16Verifier" and artifact["bytecode"].startswith("0x60")
    assert artifact["compiler"]["version"] == "0.8.37"
