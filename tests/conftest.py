"""Shared fixtures: small circuits, keys, the npm toolchain, and witness helpers."""

from __future__ import annotations

import fcntl
import json
import os
import random
import shutil
import subprocess
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest

from zkml_chain.binfile import parse_binfile
from zkml_chain.curve import G2Point
from zkml_chain.field import R
from zkml_chain.groth16 import ProvingKey, setup
from zkml_chain.r1cs import R1CS, Witness
from zkml_chain.samples import squaring_chain

ROOT = Path(__file__).resolve().parent.parent
NODE_BIN = ROOT / "node_modules" / ".bin"
ZKML_PROVE = ROOT / ".venv" / "bin" / "zkml-prove"  # the native prover, built by make install
CIRCUITS = Path(__file__).parent / "circuits"


def assert_solves(r1cs: R1CS, witness: Witness) -> None:
    """The honest witness satisfies every constraint."""
    bad = r1cs.unsatisfied(witness)
    assert len(bad) == 0, f"constraints {bad[:5]} fail: {r1cs.describe(int(bad[0]))}"


def assert_rejects(r1cs: R1CS, witness: Witness) -> None:
    """A dishonest witness breaks at least one constraint."""
    assert len(r1cs.unsatisfied(witness)) > 0, "the constraints accept a dishonest witness"


def zkey_section(data: bytes, sid: int) -> tuple[int, int]:
    """(offset, size) of section ``sid``'s payload in a .zkey, found by the package's own parser."""
    section = parse_binfile(data, b"zkey", 1).section(sid, f"section {sid}")
    return section.offset, len(section.data)


def flip_point(data: bytes, sid: int, index: int, size: int) -> bytes:
    """A .zkey with point ``index`` of section ``sid`` moved off its curve (x changes, y does not)."""
    off, _ = zkey_section(data, sid)
    out = bytearray(data)
    out[off + index * size] ^= 1
    return bytes(out)


@pytest.fixture(scope="session")
def chain() -> tuple[R1CS, Witness]:
    return squaring_chain(50, x0=5, nonce=1234)


@pytest.fixture(scope="session")
def chain_key(chain: tuple[R1CS, Witness]) -> ProvingKey:
    return setup(chain[0], rng=random.Random(7))


def fit_breast_cancer(d: Path) -> dict[str, Path]:
    """scikit-learn LR and MLP on the breast-cancer data as ONNX, their calibration data and a few
    inputs, in folder ``d`` (the ONNX tests' models)."""
    from skl2onnx import to_onnx
    from sklearn.datasets import load_breast_cancer
    from sklearn.linear_model import LogisticRegression
    from sklearn.neural_network import MLPClassifier
    from sklearn.preprocessing import StandardScaler

    x, y = load_breast_cancer(return_X_y=True)
    xs = StandardScaler().fit_transform(x).astype(np.float32)
    files = {}
    for name, model in (("lr", LogisticRegression(max_iter=2000)),
                        ("mlp", MLPClassifier((8,), max_iter=600, random_state=0))):
        model.fit(xs, y)
        files[name] = d / f"{name}.onnx"
        files[name].write_bytes(to_onnx(model, xs[:1], options={"zipmap": False}).SerializeToString())
    files["calibration"] = d / "calibration.json"
    files["calibration"].write_text(json.dumps({"X": xs.tolist()}))
    for i in (0, 3, 100):
        files[f"input{i}"] = d / f"input{i}.json"
        files[f"input{i}"].write_text(json.dumps({"X": xs[i].tolist(), "salt": "1234567"}))
    files["X"] = d / "X.npy"
    np.save(files["X"], xs)
    return files


def graphs_of_the_tests(breast_cancer: dict[str, Path]) -> dict:
    """Every model the ONNX tests compile, as graphs: the scikit-learn LR and MLP, then
    tests/models/*.onnx (the PyTorch digits CNN, the fuzzers' regression models)."""
    import onnx

    from zkml_chain.onnx.graph import from_model, load

    models = {name: from_model(onnx.load(str(breast_cancer[name]))) for name in ("lr", "mlp")}
    for path in sorted((ROOT / "tests" / "models").glob("*.onnx")):
        models[path.stem] = load(path)
    return models


def every_visibility() -> list:
    """One visibility of each kind of input: private, public (fixed parameters), hashed, attested
    (with private outputs: the tests then add a threshold claim)."""
    from zkml_chain.onnx.visibility import InputVisibility as In
    from zkml_chain.onnx.visibility import OutputVisibility as Out
    from zkml_chain.onnx.visibility import ParamVisibility as Par
    from zkml_chain.onnx.visibility import Visibility

    return [Visibility(), Visibility(In.PUBLIC, Par.FIXED, Out.PUBLIC), Visibility(In.HASHED, Par.PRIVATE, Out.HASHED),
            Visibility(In.ATTESTED, Par.HASHED, Out.PRIVATE)]


def spoil_witness_program(folder: Path, obj: dict) -> None:
    """Make ``folder``'s witness program compute a wrong witness for INPUT ``obj``: two wires
    holding different values swapped in its output order, its digest in circuit.json updated to
    match (so only the proof's check can catch it)."""
    import hashlib

    from zkml_chain.onnx.compiled import CompiledModel
    from zkml_chain.onnx.folder import PROGRAM_NAME

    values = CompiledModel.load(folder).witness(obj).witness.to_ints()
    i = next(k for k in range(len(values) - 1, 1, -1) if values[k] != values[k - 1])
    data = bytearray((folder / PROGRAM_NAME).read_bytes())
    at = 16 + 4 * (i - 1)  # magic, wires, ops, then the u32 order: swap positions i - 1 and i
    data[at:at + 8] = data[at + 4:at + 8] + data[at:at + 4]
    (folder / PROGRAM_NAME).write_bytes(bytes(data))
    info = json.loads((folder / "circuit.json").read_text())
    info["witness_program_sha256"] = hashlib.sha256(bytes(data)).hexdigest()
    (folder / "circuit.json").write_text(json.dumps(info))


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


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    with path.open("w") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def shared_folder(factory: pytest.TempPathFactory, name: str, build: Callable[[Path], object] | None = None) -> Path:
    """A folder made once per run and shared by every pytest-xdist worker (`make test` runs two):
    the first worker to ask builds it under a lock, the others wait and reuse it."""
    base = factory.getbasetemp()
    root = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    folder = root / name
    with _locked(root / f"{name}.lock"):
        if not (folder / ".ready").exists():
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir(parents=True)
            if build is not None:
                build(folder)
            (folder / ".ready").touch()
    return folder


@pytest.fixture(scope="session", autouse=True)
def solc_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """zkml-chain's caches (solc's results, Poseidon's schedules) in a folder of this run (set for
    the commands tests start, too): a fresh clone's run compiles each source once, as a user's
    first run does, and ~/.cache is untouched."""
    folder = shared_folder(tmp_path_factory, "zkml-chain-cache")
    before = os.environ.get("ZKML_CHAIN_CACHE")
    os.environ["ZKML_CHAIN_CACHE"] = str(folder)
    yield folder
    if before is None:
        del os.environ["ZKML_CHAIN_CACHE"]
    else:
        os.environ["ZKML_CHAIN_CACHE"] = before


def _build_ceremony_cache(cache: Path) -> None:
    """What the first lending demo would do: train, compile, and build phase 1 and the initial key
    (the demo's own code, so every later demo's circuit finds them)."""
    import io

    from rich.console import Console

    from zkml_chain.lending.demo import Printer, Story, prepare

    prepare(Story(out=cache.parent / f"{cache.name}-build", ceremony_cache=cache), Printer(Console(file=io.StringIO())))


@pytest.fixture(scope="session")
def ceremony_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One phase-1 file and initial key for every lending demo of the run (built once, as `make
    demo` does across runs). $ZKML_CHAIN_TEST_CEREMONY_CACHE names a folder kept across runs, while
    iterating on a test."""
    kept = os.environ.get("ZKML_CHAIN_TEST_CEREMONY_CACHE")
    return Path(kept) if kept else shared_folder(tmp_path_factory, "ceremony-cache", _build_ceremony_cache)


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


@pytest.fixture(scope="session")
def lending_models(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The German Credit models (lr.onnx, mlp.onnx, calibration.json), trained once per session
    for every test that needs them; train()'s report is in report.json."""
    from zkml_chain.lending.train import train

    return shared_folder(tmp_path_factory, "lending-models",
                         lambda out: (out / "report.json").write_text(json.dumps(train(out))))


@pytest.fixture(scope="session")
def lending_circuits(lending_models: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Both models compiled into the pool's circuit (scale 12) with development keys, once per
    session: {"mlp": folder, "lr": folder}. Tests only read them."""
    from zkml_chain.keydir import setup_folder
    from zkml_chain.lending.stack import compile_lending_circuit

    def build(out: Path) -> None:
        for name in ("mlp", "lr"):
            compile_lending_circuit(lending_models / f"{name}.onnx", out / f"{name}_circuit",
                                    lending_models / "calibration.json")
            setup_folder(out / f"{name}_circuit")

    out = shared_folder(tmp_path_factory, "lending-circuits", build)
    return {name: out / f"{name}_circuit" for name in ("mlp", "lr")}


#: |E'(Fq2)| / r: the twist's cofactor (G2 is the order-r subgroup).
G2_COFACTOR = 21888242871839275222246405745257275088844257914179612981679871602714643921549


def with_small_torsion(q: G2Point) -> G2Point:
    """q + T for a point T of order 10069 on the twist: on the curve, outside G2, and missed by a
    single random linear combination with probability 1/10069 (the batched check must not be)."""
    from py_ecc import optimized_bn128 as ob

    x = ob.FQ2([5, 1])
    while True:
        rhs = x**3 + ob.b2
        y = fq2_sqrt(rhs)
        if y is not None:
            t = ob.multiply((x, y, ob.FQ2.one()), R * G2_COFACTOR // 10069)
            if not ob.is_inf(t):
                break
        x += ob.FQ2([1, 0])
    assert ob.is_inf(ob.multiply(t, 10069))
    s = ob.normalize(ob.add(t, (ob.FQ2(list(q.x)), ob.FQ2(list(q.y)), ob.FQ2.one())))
    return G2Point(tuple(s[0].coeffs), tuple(s[1].coeffs))  # type: ignore[arg-type]


def fq2_sqrt(a):  # noqa: ANN001, ANN202
    """Square root in Fq2 for q = 3 mod 4 (Adj and Rodriguez-Henriquez, algorithm 9), or None."""
    from py_ecc import optimized_bn128 as ob

    q = ob.field_modulus
    a1 = a ** ((q - 3) // 4)
    alpha = a1 * a1 * a
    x0 = a1 * a
    if alpha == ob.FQ2([-1, 0]):
        x = ob.FQ2([0, 1]) * x0
    else:
        x = (alpha + ob.FQ2.one()) ** ((q - 1) // 2) * x0
    return x if x * x == a else None


#: The lending demo's steps, in order (story.json "steps"; "phase 1" only on the run that builds it).
LENDING_STEPS = ["train", "compile", "verify phase 1", "phase 2", "verify phase 2", "chain", "deploy",
                 "register model", "attest Alice", "attest Carol",
                 "prove (Alice)", "borrow (Alice)", "replay (Alice)", "prove (Carol)", "forge (Carol)",
                 "borrow again (Alice)", "repay (Alice)"]


BUREAU_STEPS = ["deploy ScoreRegistry", "attest clients", "prove-batch", "post claims", "borrow (Dave)",
                "borrow (Carol)"]


def assert_story_went_right(story: dict, bureau: bool = False) -> None:
    """What `zkml-chain demo` (with ``bureau``: `--bureau N`) and `ape run lending demo` found, as
    values (story.json)."""
    steps = LENDING_STEPS + (BUREAU_STEPS if bureau else [])
    assert [s for s in story["steps"] if s != "phase 1"] == steps, story["steps"]
    o = story["outcomes"]
    if bureau:
        assert o["dave_claim_loan"] is True and o["carol_claim_error"] == "NoValidClaim"
    assert o["alice_first_loan"] and o["alice_second_loan"] and o["alice_balance_after_loan"] > 0
    assert o["replay_error"] == "WrongNonce" and o["forged_borrow_error"] == "InvalidProof"
    assert o["carol_prove_refused"] and o["carol_balance"] == 0 and o["pool_restored_after_repay"]
    assert story["ok"] is True
