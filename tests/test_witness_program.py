"""The witness program (circuit/program.py, native/src/witgen.rs): recorded from one build, run
natively on other inputs, it must give exactly the witness the Python builder gives for them;
whatever it computes, a proof is checked against the key before anything is written."""

from __future__ import annotations

import hashlib
import json
import random
import shutil
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from conftest import every_visibility, fit_breast_cancer, graphs_of_the_tests, spoil_witness_program
from conftest import run as run_cli
from zkml_chain.circuit import Circuit
from zkml_chain.circuit.program import Recorder
from zkml_chain.errors import ZkmlChainError
from zkml_chain.onnx.assemble import build
from zkml_chain.onnx.claim import Claim, Threshold
from zkml_chain.onnx.compiled import CompiledModel
from zkml_chain.onnx.folder import PROGRAM_NAME
from zkml_chain.onnx.quantize import calibrate
from zkml_chain.onnx.visibility import InputVisibility as In
from zkml_chain.onnx.visibility import OutputVisibility as Out
from zkml_chain.onnx.visibility import ParamVisibility as Par
from zkml_chain.onnx.visibility import Visibility
from zkml_chain.onnx.witness_program import program_inputs, run_program
from zkml_chain.testing.gadgets import FAMILIES
from zkml_chain.witgen import ProgramError, run

ROOT = Path(__file__).resolve().parent.parent
ZKML = ROOT / ".venv" / "bin" / "zkml-chain"


@pytest.fixture(scope="module")
def breast_cancer(tmp_path_factory) -> dict[str, Path]:
    return fit_breast_cancer(tmp_path_factory.mktemp("bc"))


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_every_gadget_s_program_reproduces_its_witness(family: str) -> None:
    """Each fuzz family's random cases (widths up to 250 bits, ties, edge values), recorded and
    run natively on the inputs the build had: the same witness, byte for byte."""
    for seed in range(24):
        case = FAMILIES[family](random.Random(seed), record=True)
        assert case.program is not None and case.program_inputs is not None, (family, seed)
        witness, _ = run(case.program, case.program_inputs)
        assert witness == case.witness.values, (family, seed, case.gadget)


def _gadget_program(values: list[int]) -> tuple[bytes, Circuit]:
    from zkml_chain.circuit.fixedpoint import sigmoid

    c = Circuit(recorder=Recorder())
    x = c.private_input(values, name="x")
    c.output(sigmoid(c, x, 8, 20), "y")
    program = c.program()
    assert program is not None
    return program, c


def test_a_program_runs_on_inputs_other_than_the_recorded_ones() -> None:
    """Recorded with one input, run with another: the builder's witness for the other."""
    program, _ = _gadget_program([5, -300, 0])
    for values in ([1000, -1, 77], [-(1 << 19), (1 << 19) - 1, 3]):
        other = Circuit(recorder=Recorder())
        x = other.private_input(values, name="x")
        from zkml_chain.circuit.fixedpoint import sigmoid

        other.output(sigmoid(other, x, 8, 20), "y")
        assert other.recorder is not None
        witness, _ = run(program, other.recorder.inputs)
        assert witness == other.witness().values


def test_inputs_a_gadget_refuses_and_corrupt_programs_are_errors_not_witnesses() -> None:
    program, c = _gadget_program([5, -300, 0])
    assert c.recorder is not None
    bad = {"x": b"".join((v % (1 << 254)).to_bytes(32, "little") for v in (1 << 21, 0, 0))}
    with pytest.raises(ProgramError, match="witness: .*element 0"):
        run(program, bad)  # outside the sigmoid's 20-bit range: no witness exists
    with pytest.raises(ProgramError, match="no value for the input"):
        run(program, {})
    with pytest.raises(ProgramError, match="has 1 values, the circuit takes 3"):
        run(program, {"x": bytes(32)})
    for corrupt in (program[:-5], b"ZKWP\x02" + program[5:], program + b"\x00"):
        with pytest.raises(ProgramError, match="malformed witness program"):
            run(corrupt, c.recorder.inputs)


def test_sizes_a_corrupt_program_declares_are_refused_before_anything_is_allocated() -> None:
    """zkml-prove --model runs the program while its digest is checked beside it, so a corrupt
    program must fail cleanly however large the counts it declares: a bits op of 2^32 - 1 bits, a
    divide's shift of 2^32 - 1, 2^32 - 1 output taps, tree slots or nodes (each once aborted the
    process on a failed allocation, or would have run for minutes)."""
    import struct

    def u32(*v: int) -> bytes:
        return struct.pack(f"<{len(v)}I", *v)

    def lc_of_wire0(count: int) -> bytes:  # count combinations, each 1 * wire 0
        return u32(count) + u32(*range(count + 1)) + u32(*[0] * count) + b"\x00" + struct.pack("<q", 1) * count

    head = b"ZKWP\x01\x00\x00\x00"
    cases = {
        "bits": head + u32(2, 1, 0, 1) + u32(4, 1, 1) + u32(0xFFFFFFFF, 0) + u32(1) + b"x" + lc_of_wire0(1) + u32(0),
        "shift": head + u32(2, 1, 0, 1) + u32(8, 1, 1) + u32(0xFFFFFFFF) + lc_of_wire0(1) + lc_of_wire0(1) + u32(0),
        "taps": head + u32(1, 0, 0) + u32(0xFFFFFFFF),
        "tree slots": head + u32(2, 1, 0, 1) + u32(14, 1, 1) + u32(0xFFFFFFFF),
        "tree nodes": head + u32(2, 1, 0, 1) + u32(14, 1, 1) + u32(0) + u32(0xFFFFFFFF),
    }
    for what, program in cases.items():
        with pytest.raises(ProgramError, match="malformed witness program"):
            run(program, {})
            pytest.fail(what)


def test_a_hint_without_a_recipe_leaves_the_circuit_without_a_program() -> None:
    c = Circuit(recorder=Recorder())
    x = c.private_input([3], name="x")
    h = c.hint([9])  # a gadget that forgot its recipe
    c.assert_equal(c.mul(x, x), h)
    assert c.program() is None and c.recorder is not None and "without a recipe" in (c.recorder.unsupported or "")


def test_the_program_gives_the_builder_s_witness_for_every_test_model_and_visibility(breast_cancer) -> None:
    """For every model the ONNX tests use under every visibility (with a threshold claim when the
    outputs are private): record at one sample, run at another, compare with the witness-only
    build of the other sample and with its outputs."""
    rng = np.random.default_rng(11)
    models = graphs_of_the_tests(breast_cancer)
    visibilities = every_visibility()
    checked = 0
    for name, graph in models.items():
        samples = {k: rng.normal(0, 1, (8,) + s) for k, s in graph.inputs.items()}
        plan = calibrate(graph, samples, 8)
        first_output = next(iter(graph.outputs))
        for vis in visibilities:
            claim = Claim(Threshold(first_output, 0), ("nonce",)) if vis.output == Out.PRIVATE else Claim()
            xs = [{k: (np.rint(v[i] * 4) if vis.input == In.ATTESTED else v[i]) for k, v in samples.items()}
                  for i in range(8)]
            built = None
            for i in range(len(xs)):  # the first sample that clears the claim records the program
                try:
                    built = build(graph, plan, vis, xs[i], salt=5, claim=claim, publics={"threshold": 0.0, "nonce": 1},
                                  record=True)
                    break
                except ZkmlChainError:
                    continue
            if built is None:
                continue
            assert built.program is not None, (name, vis)
            scales = {n: q.scale for n, q in built.outputs.items()}
            shapes = {n: list(q.data.shape) for n, q in built.outputs.items()}

            def values(x: dict, publics: dict) -> dict[str, bytes]:
                flat = {k: np.asarray(v).ravel().tolist() for k, v in x.items()}
                return program_inputs(plan.scale, vis, claim, scales, flat, 99, publics)  # noqa: B023
            for x in xs[i + 1:]:
                publics = {"threshold": 0.0, "nonce": 7}
                try:
                    fast = build(graph, plan, vis, x, salt=99, claim=claim, publics=publics, witness_only=True)
                except ZkmlChainError:
                    with pytest.raises(ProgramError, match="witness: "):  # refused natively as well
                        run_program(built.program, values(x, publics), shapes)
                    continue
                witness, ints = run_program(built.program, values(x, publics), shapes)
                assert witness == fast.witness.values, (name, vis)
                for out, q in fast.outputs.items():
                    assert ints[out] == np.asarray(q.data.value(), dtype=object).tolist(), (name, vis, out)
                checked += 1
    print(f"{checked} samples compared")
    assert checked >= 3 * len(models)


@pytest.fixture(scope="module")
def compiled_mlp(breast_cancer, tmp_path_factory) -> Path:
    from zkml_chain.onnx.compile import compile_model

    out = tmp_path_factory.mktemp("wp") / "mlp"
    compile_model(breast_cancer["mlp"], out, 8, breast_cancer["calibration"], Visibility(params=Par.HASHED))
    assert run_cli([ZKML, "setup", out]).returncode == 0
    return out


def test_compile_writes_the_program_and_prove_uses_it(compiled_mlp: Path, breast_cancer) -> None:
    info = json.loads((compiled_mlp / "circuit.json").read_text())
    program = (compiled_mlp / PROGRAM_NAME).read_bytes()
    assert info["witness_program_sha256"] == hashlib.sha256(program).hexdigest()
    model = CompiledModel.load(compiled_mlp)
    assert model.program == program
    obj = json.loads(breast_cancer["input3"].read_text())
    native = model.witness(obj)
    built = replace(model, checked=replace(model.checked, program=None))  # the Python build's path
    python = built.witness(obj)
    assert native.witness == python.witness and native.outputs == python.outputs
    assert all(np.array_equal(native.values[n], python.values[n]) for n in python.values)
    assert model.prove(obj).public == built.prove(obj).public


def test_a_program_that_computes_a_wrong_witness_cannot_make_a_proof(compiled_mlp: Path, breast_cancer,
                                                                     tmp_path: Path) -> None:
    """The program is a shortcut, not a trusted party: one whose witness breaks a constraint (two
    wires swapped in its output order, its digest updated to match) gets no proof written."""
    folder = tmp_path / "m"
    shutil.copytree(compiled_mlp, folder)
    spoil_witness_program(folder, json.loads(breast_cancer["input3"].read_text()))
    r = run_cli([ZKML, "prove", folder, "--input", breast_cancer["input3"], "--proof", tmp_path / "p.json",
                 "--public", tmp_path / "pub.json"])
    assert r.returncode != 0 and "constraint" in r.stderr and "Traceback" not in r.stderr, r.stderr
    assert not (tmp_path / "p.json").exists() and not (tmp_path / "pub.json").exists()


def test_the_program_s_quantization_is_lower_quantize_exactly() -> None:
    """The lean path quantizes in Python; the build in numpy. Halves (rounded to even), values
    near 2^53 and 2^62, negative zero, and random ones: the same integers."""
    from zkml_chain.onnx.lower import quantize
    from zkml_chain.onnx.witness_program import quantize_value

    rng = random.Random(3)
    xs = [0.5, 1.5, 2.5, -0.5, -1.5, -0.0, 3.0000000000000004, 2.0**52 + 0.5, 2.0**61, -(2.0**70), 1e-30]
    xs += [rng.uniform(-1e6, 1e6) for _ in range(2000)] + [rng.randint(-99, 99) / 2**rng.randint(0, 20) for _ in range(2000)]
    for scale in (0, 1, 8, 16, 24):
        assert [quantize_value(x, scale) for x in xs] == [int(v) for v in quantize(np.array(xs), scale)], scale


def test_prove_with_a_program_imports_no_numpy(compiled_mlp: Path, breast_cancer, tmp_path: Path) -> None:
    """`prove --input` on a folder with a witness program: numpy (and the builder) never load."""
    import subprocess
    import sys

    code = ("import sys; from zkml_chain.cli import main\n"
            "try:\n    main(sys.argv[1:])\nexcept SystemExit as e:\n    assert not e.code, e.code\n"
            "print('numpy' in sys.modules, 'zkml_chain.circuit.builder' in sys.modules)")
    r = subprocess.run([sys.executable, "-c", code, "prove", str(compiled_mlp), "--input", str(breast_cancer["input3"]),
                        "--proof", str(tmp_path / "p.json"), "--public", str(tmp_path / "pub.json")],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0 and r.stdout.strip().splitlines()[-1] == "False False", r.stdout + r.stderr
    assert json.loads((tmp_path / "pub.json").read_text())
