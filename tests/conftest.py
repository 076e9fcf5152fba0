"""Shared fixtures: small circuits, keys, the npm toolchain, and witness helpers."""

from __future__ import annotations

import json
import random
import shutil
import subprocess
from pathlib import Path

import pytest

from zkml_chain.groth16 import ProvingKey, setup
from zkml_chain.r1cs import R1CS, Witness
from zkml_chain.samples import squaring_chain

ROOT = Path(__file__).resolve().parent.parent
NODE_BIN = ROOT / "node_modules" / ".bin"
CIRCUITS = Path(__file__).parent / "circuits"


def assert_solves(r1cs: R1CS, witness: Witness) -> None:
    """The honest witness satisfies every constraint."""
    bad = r1cs.unsatisfied(witness)
    assert len(bad) == 0, f"constraints {bad[:5]} fail: {r1cs.describe(int(bad[0]))}"


def assert_rejects(r1cs: R1CS, witness: Witness) -> None:
    """A dishonest witness breaks at least one constraint."""
    assert len(r1cs.unsatisfied(witness)) > 0, "the constraints accept a dishonest witness"


@pytest.fixture(scope="session")
def chain() -> tuple[R1CS, Witness]:
    return squaring_chain(50, x0=5, nonce=1234)


@pytest.fixture(scope="session")
def chain_key(chain: tuple[R1CS, Witness]) -> ProvingKey:
    return setup(chain[0], rng=random.Random(7))


def node_tool(name: str) -> Path:
    path = NODE_BIN / name
    if not path.exists():
        found = shutil.which(name)
        if found is None:
            pytest.fail(f"{name} is missing: run `make install` (npm ci) first")
        return Path(found)
    return path


def run(cmd: list[str | Path], cwd: Path | None = None, timeout: int = 300,
        env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(c) for c in cmd], cwd=cwd, capture_output=True, text=True, timeout=timeout, env=env)


@pytest.fixture(scope="session")
def ceremony_cache(tmp_path_factory) -> Path:  # noqa: ANN001
    """One phase-1 file and initial key for every lending demo of the session (the demo's
    ceremony builds them once; later runs reuse them, as `make demo` does across runs)."""
    return tmp_path_factory.mktemp("ceremony-cache")


@pytest.fixture(scope="session")
def snarkjs() -> Path:
    return node_tool("snarkjs")


@pytest.fixture(scope="session")
def circom() -> Path:
    return node_tool("circom2")


def soliditycalldata(snarkjs: Path, public: Path, proof: Path) -> tuple[list[int], list[list[int]], list[int], list[int]]:
    """`snarkjs zkey export soliditycalldata` parsed into verifyProof's (pA, pB, pC, pubSignals)."""
    r = run([snarkjs, "zkey", "export", "soliditycalldata", public, proof])
    assert r.returncode == 0, r.stderr
    a, b, c, pub = json.loads("[" + r.stdout.strip() + "]")
    return ([int(x, 16) for x in a], [[int(x, 16) for x in row] for row in b], [int(x, 16) for x in c],
            [int(x, 16) for x in pub])
