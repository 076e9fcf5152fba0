"""`zkml-prove --model FOLDER --input INPUT.json`: a compiled model proved with no Python, its
witness from the folder's witness program. It must write what `zkml-chain prove FOLDER --input`
writes (the same public signals, the same outputs), its proofs must verify with snarkjs, and a
false claim, bad input, a changed or missing file, or a program that computes a wrong witness give
one line on stderr, exit 2 and no files."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from conftest import ZKML_PROVE, fit_breast_cancer, run, spoil_witness_program
from zkml_chain.groth16 import Proof, VerifyingKey, load_public, verify
from zkml_chain.onnx.folder import PROGRAM_NAME
from zkml_chain.onnx.visibility import InputVisibility as In
from zkml_chain.onnx.visibility import OutputVisibility as Out
from zkml_chain.onnx.visibility import ParamVisibility as Par
from zkml_chain.onnx.visibility import Visibility

pytestmark = pytest.mark.prove

ZKML = Path(__file__).resolve().parent.parent / ".venv" / "bin" / "zkml-chain"
OUTS = ("proof.json", "public.json", "output.json")


@pytest.fixture(scope="module")
def models(tmp_path_factory, lending_circuits: dict[str, Path]) -> dict[str, tuple[Path, dict]]:
    """Three folders, one per way a model's inputs reach the program: hashed parameters with a
    salted hashed input (breast-cancer MLP), public input and output (breast-cancer LR), and the
    pool's attested record with a threshold claim and context signals (lending MLP)."""
    from zkml_chain.lending.features import load
    from zkml_chain.lending.stack import Prover
    from zkml_chain.onnx.compile import compile_model

    d = tmp_path_factory.mktemp("native-model")
    bc = fit_breast_cancer(d)
    folders = {"mlp": (bc["mlp"], Visibility(input=In.HASHED, params=Par.HASHED)),
               "lr": (bc["lr"], Visibility(input=In.PUBLIC, params=Par.FIXED, output=Out.PUBLIC))}
    out: dict[str, tuple[Path, dict]] = {}
    for name, (onnx_file, vis) in folders.items():
        compile_model(onnx_file, d / name, 8, bc["calibration"], vis)
        assert run([ZKML, "setup", d / name]).returncode == 0
        out[name] = (d / name, json.loads(bc["input3"].read_text()))
    out["lr"][1].pop("salt")  # public inputs take none
    ds = load()
    lending = Prover.input(ds.features[0], 12345, 0.0, "0x" + "ab" * 20, 7, 3)
    out["lending"] = (lending_circuits["mlp"], lending)
    return out


def prove_both(folder: Path, obj: dict, tmp: Path) -> tuple[Path, Path]:
    tmp.mkdir(parents=True, exist_ok=True)
    inp = tmp / "input.json"
    inp.write_text(json.dumps(obj))
    native, python = tmp / "native", tmp / "python"
    r = run([ZKML_PROVE, "--model", folder, "--input", inp, *_outs(native)])
    assert r.returncode == 0, r.stderr
    assert "warning" not in r.stderr, r.stderr
    p = run([ZKML, "prove", folder, "--input", inp, *_outs(python)])
    assert p.returncode == 0, p.stderr
    return native, python


def _outs(d: Path) -> list[str | Path]:
    return ["--proof", d / "proof.json", "--public", d / "public.json", "--output", d / "output.json"]


@pytest.mark.parametrize("name", ["mlp", "lr", "lending"])
def test_the_native_prover_writes_what_zkml_chain_prove_writes(models, name: str, tmp_path: Path, snarkjs: Path) -> None:
    folder, obj = models[name]
    native, python = prove_both(folder, obj, tmp_path)
    assert (native / "public.json").read_bytes() == (python / "public.json").read_bytes()
    assert json.loads((native / "output.json").read_text()) == json.loads((python / "output.json").read_text())
    vk = VerifyingKey.load(folder / "verification_key.json")
    public = load_public(native / "public.json")
    assert verify(vk, Proof.load(native / "proof.json"), public)
    r = run([snarkjs, "groth16", "verify", folder / "verification_key.json", native / "public.json", native / "proof.json"])
    assert r.returncode == 0 and "OK" in r.stdout, r.stdout + r.stderr
    if name == "lending":  # the context signals went in as given: nonce 3, domain 7
        assert 3 in public and 7 in public


def test_a_missing_salt_is_drawn_at_random_and_saved(models, tmp_path: Path) -> None:
    folder, obj = models["mlp"]
    inp = tmp_path / "input.json"
    inp.write_text(json.dumps({k: v for k, v in obj.items() if k != "salt"}))
    r = run([ZKML_PROVE, "--model", folder, "--input", inp, *_outs(tmp_path)])
    assert r.returncode == 0 and "no \"salt\"" in r.stderr, r.stderr
    salt = json.loads((tmp_path / "output.json").read_text())["salt"]
    # the saved salt reproduces the commitment: the Python path with it gives the same public signals
    again = dict(obj, salt=salt)
    native, python = prove_both(folder, again, tmp_path / "again")
    assert (python / "public.json").read_bytes() == (tmp_path / "public.json").read_bytes()


def _spoil_folder(folder: Path, tmp: Path, how: str) -> Path:
    d = tmp / "folder"
    shutil.copytree(folder, d)
    info = json.loads((d / "circuit.json").read_text())
    if how == "no zkey":
        (d / "circuit.zkey").unlink()
    elif how == "program changed":
        (d / PROGRAM_NAME).write_bytes((d / PROGRAM_NAME).read_bytes() + b"\0")
    elif how in ("circuit.r1cs changed", "model.onnx changed", "graph.npz changed"):
        name = how.split()[0]  # files the native prover does not read, checked as `zkml-chain prove` checks them
        (d / name).write_bytes((d / name).read_bytes() + b"\0")
    elif how == "r1cs missing":
        (d / "circuit.r1cs").unlink()
    elif how == "no program":
        del info["witness_program_sha256"]
    elif how == "format 2":
        info["format"] = "zkml-chain circuit 2"
    elif how == "no width":
        info["quantization"]["widths"].pop(next(k for k in info["quantization"]["widths"] if k.startswith("input:")))
    elif how == "not json":
        (d / "circuit.json").write_text("{")
        return d
    (d / "circuit.json").write_text(json.dumps(info))
    return d


@pytest.mark.parametrize(("how", "message"), [
    ("no zkey", "run `zkml-chain setup"),
    ("program changed", "changed since it was compiled"),
    ("circuit.r1cs changed", "circuit.r1cs changed since it was compiled"),
    ("model.onnx changed", "model.onnx changed since it was compiled"),
    ("graph.npz changed", "graph.npz changed since it was compiled"),
    ("r1cs missing", "circuit.r1cs is missing"),
    ("no program", "no witness program"),
    ("format 2", "this prover reads"),
    ("no width", "no calibrated width"),
    ("not json", "not JSON"),
])
def test_a_spoiled_folder_is_named_in_one_line(models, tmp_path: Path, how: str, message: str) -> None:
    folder, obj = models["mlp"]
    d = _spoil_folder(folder, tmp_path, how)
    inp = tmp_path / "input.json"
    inp.write_text(json.dumps(obj))
    _refused(run([ZKML_PROVE, "--model", d, "--input", inp, *_outs(tmp_path / "out")]), message, tmp_path / "out")


def _refused(r, message: str, out: Path) -> None:  # noqa: ANN001
    assert r.returncode == 2, r.stdout + r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0] and "panicked" not in r.stderr, r.stderr
    assert not any((out / f).exists() for f in OUTS)


@pytest.mark.parametrize(("model", "change", "message"), [
    ("lending", {"threshold": 1.0}, "no witness for this input"),  # a score of at least 1 is a false claim
    ("lending", {"features": None}, "missing input"),
    ("lending", {"features": "drop"}, "expected shape"),
    ("lending", {"features": 1.5}, "attested record holds signed 64-bit integers"),
    ("lending", {"features": 2**63}, "attested record holds signed 64-bit integers"),
    ("lending", {"threshold": "high"}, "\"threshold\" must be a number"),
    ("lending", {"threshold": 10**400}, "\"threshold\" must be a number"),
    ("lending", {"nonce": -1}, "must be an integer in [0, r)"),
    ("lending", {"borrower": "0xzz"}, "must be an integer in [0, r)"),
    ("mlp", {"salt": "abc"}, "salt must be a decimal integer below r"),
    ("mlp", {"X": [[1.0, 2.0], [3.0]]}, "ragged"),
    ("mlp", {"X": True}, "expected (nested lists of) numbers"),
])
def test_bad_input_is_named_in_one_line(models, tmp_path: Path, model: str, change: dict, message: str) -> None:
    folder, obj = models[model]
    obj = json.loads(json.dumps(obj))
    for key, value in change.items():
        if value is None:
            del obj[key]
        elif value == "drop":
            obj[key] = obj[key][:-1]
        elif isinstance(value, (float, int)) and key == "features":
            obj[key][0] = value
        else:
            obj[key] = value
    inp = tmp_path / "input.json"
    inp.write_text(json.dumps(obj))
    _refused(run([ZKML_PROVE, "--model", folder, "--input", inp, *_outs(tmp_path / "out")]), message, tmp_path / "out")
    # and the Python path refuses it too
    assert run([ZKML, "prove", folder, "--input", inp, *_outs(tmp_path / "py")]).returncode == 2


def test_a_program_that_computes_a_wrong_witness_gets_no_proof(models, tmp_path: Path) -> None:
    """Two of the program's output wires swapped (its digest updated to match): the witness breaks a
    constraint, the proof does not verify against the key, and nothing is written."""
    folder, obj = models["mlp"]
    d = tmp_path / "folder"
    shutil.copytree(folder, d)
    spoil_witness_program(d, obj)
    inp = tmp_path / "input.json"
    inp.write_text(json.dumps(obj))
    r = run([ZKML_PROVE, "--model", d, "--input", inp, *_outs(tmp_path / "out")])
    assert r.returncode == 2 and ("does not verify" in r.stderr or "no witness" in r.stderr), r.stderr
    assert not any((tmp_path / "out" / f).exists() for f in OUTS)


@pytest.mark.parametrize(("args", "message"), [
    (["--model", "x", "--input", "i.json", "--proof", "p.json"], "--model needs --public"),
    (["--model", "x", "--proof", "p.json", "--public", "q.json"], "--model needs --input"),
    (["--input", "i.json", "a", "b", "c", "d"], "go with --model"),
    (["--model", "x", "--input", "i.json", "--proof", "p", "--public", "q", "extra"], "no positional paths"),
])
def test_bad_model_arguments_print_the_usage(args: list[str], message: str) -> None:
    r = run([ZKML_PROVE, *args])
    assert r.returncode == 2 and message in r.stderr and "usage:" in r.stderr, r.stderr
