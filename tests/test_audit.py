"""Regression tests for the soundness audit (issue 11): each finding as an attack, shown rejected.

Every test here failed before its fix (see the commit history): a commitment collision, a
rescale forgery at widths that wrap the field, negative attested inputs the attester could not
commit to, int64 wrap-around in quantization, and a select whose condition was trusted.
The lending findings (attestation ownership, proofs bound to one pool) are on Anvil in
test_lending.py.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np
import pytest
from onnx import TensorProto, helper, numpy_helper

from conftest import ROOT, assert_rejects, assert_solves, run
from zkml_chain.circuit import Circuit
from zkml_chain.circuit.compare import select
from zkml_chain.circuit.fixedpoint import rescale
from zkml_chain.errors import ProofInputError
from zkml_chain.field import R
from zkml_chain.onnx.backend import NumpyBackend
from zkml_chain.onnx.graph import Graph
from zkml_chain.onnx.inputs import read_inputs
from zkml_chain.onnx.lower import quantize
from zkml_chain.poseidon import commit_integers, commit_signed
from zkml_chain.testing.models import ModelReport, check_model

ZKML = ROOT / ".venv" / "bin" / "zkml-chain"


# --- 1. the model commitment binds the layout ---------------------------------------------------


def test_commitment_binds_each_tensors_width() -> None:
    """[-2, -2] at width 2 and [-4, -4] at width 3 are all-zero offset-binary bits: swapping the
    tensors gave the same 10 bits, hence the same commitment."""
    assert commit_signed([[-2, -2], [-4, -4]]) != commit_signed([[-4, -4], [-2, -2]])


def test_commitment_binds_the_number_of_tensors() -> None:
    """[-1] is one zero bit at width 1: appended, it vanished into the last element's padding."""
    assert commit_signed([[0, 0, 1]]) != commit_signed([[0, 0, 1], [-1]])


def test_commitment_binds_shapes() -> None:
    flat = np.arange(6).reshape(1, 6)
    assert commit_signed([flat]) != commit_signed([flat.reshape(2, 3)])
    assert commit_signed([flat]) != commit_signed([flat.reshape(6)])


def _gemm_relu(path: Path, weight: np.ndarray, bias: np.ndarray) -> Path:
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, weight.shape[0]])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, weight.shape[1]])
    graph = helper.make_graph(
        [helper.make_node("Gemm", ["x", "W", "B"], ["h"], name="gemm"), helper.make_node("Relu", ["h"], ["y"], name="relu")],
        "g", [x], [y], [numpy_helper.from_array(weight.astype(np.float32), "W"),
                        numpy_helper.from_array(bias.astype(np.float32), "B")])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    path.write_bytes(model.SerializeToString())
    return path


def test_two_models_with_one_graph_and_different_weights_have_different_commitments(tmp_path: Path) -> None:
    """The audit's collision: weights at the minimum of their width are all-zero bits, so model A
    (weights width 2, bias width 3) and model B (widths 3 and 2) packed to the same 10 zero bits
    and shared one model_commitment while computing different outputs."""
    f = 2  # --scale: weights quantized at 2^2, the bias at 2^4
    a = _gemm_relu(tmp_path / "a.onnx", np.full((1, 2), -2 / 2**f), np.full(2, -4 / 2 ** (2 * f)))
    b = _gemm_relu(tmp_path / "b.onnx", np.full((1, 2), -4 / 2**f), np.full(2, -2 / 2 ** (2 * f)))
    calib = tmp_path / "calib.json"
    calib.write_text(json.dumps({"x": [[-10.0], [-3.0], [4.0]]}))
    infos = []
    for model in (a, b):
        out = tmp_path / model.stem
        r = run([ZKML, "compile", model, "--out", out, "--scale", str(f), "--calibration", calib])
        assert r.returncode == 0, r.stderr
        infos.append(json.loads((out / "circuit.json").read_text()))
        (tmp_path / "in.json").write_text(json.dumps({"x": [[-10.0]]}))
        assert run([ZKML, "setup", out]).returncode == 0
        r = run([ZKML, "prove", out, "--input", tmp_path / "in.json", "--proof", out / "p.json",
                 "--public", out / "pub.json", "--output", out / "o.json"])
        assert r.returncode == 0, r.stderr
    outs = [json.loads((tmp_path / m / "o.json").read_text())["y"] for m in ("a", "b")]
    assert outs[0] != outs[1]  # the models differ...
    assert infos[0]["model_commitment"] != infos[1]["model_commitment"]  # ...and so do their commitments
    for m, info in zip(("a", "b"), infos):  # the proof's signal 0 is the recorded commitment
        assert json.loads((tmp_path / m / "pub.json").read_text())[0] == info["model_commitment"]


def test_a_folder_compiled_with_the_old_commitment_format_is_refused(tmp_path: Path) -> None:
    model = _gemm_relu(tmp_path / "m.onnx", np.ones((1, 2)), np.zeros(2))
    out = tmp_path / "m"
    assert run([ZKML, "compile", model, "--out", out]).returncode == 0
    assert run([ZKML, "setup", out]).returncode == 0
    info = json.loads((out / "circuit.json").read_text())
    info["format"] = "zkml-chain circuit 1"
    (out / "circuit.json").write_text(json.dumps(info))
    (tmp_path / "in.json").write_text(json.dumps({"x": [[1.0]]}))
    r = run([ZKML, "prove", out, "--input", tmp_path / "in.json", "--proof", tmp_path / "p.json",
             "--public", tmp_path / "pub.json"])
    assert r.returncode == 2 and "recompile" in r.stderr and "Traceback" not in r.stderr, r.stderr
    assert not (tmp_path / "p.json").exists()


# --- 2. widths under which a gadget's algebra wraps the field are refused ---------------------------


def test_rescale_refuses_widths_that_let_a_wrong_quotient_through() -> None:
    """At n = 300 the quotient (200 bits) times 2^100 plus the remainder can exceed r: a forged
    quotient q' ≈ 1.7e46 satisfies q'·2^100 + rem' ≡ 1000 (mod r) with both in range."""
    s, n, x = 100, 300, 1000
    rem = (x + R) % 2**s  # q·2^s + rem = x + r: one wrap around the field
    q = (x + R - rem) >> s
    assert (q * 2**s + rem - x) % R == 0 and 0 <= rem < 2**s and 0 <= q < 2 ** (n - s - 1)  # every check passes
    assert q != x >> s and 1.6e46 < q < 1.8e46
    c = Circuit()
    with pytest.raises(ValueError, match="wrap"):
        rescale(c, c.private_input([x]), s, n)


def test_a_model_whose_values_could_wrap_the_field_is_refused(tmp_path: Path) -> None:
    """Calibration sees x·w = 2^123·2^128 − 2^123·2^128 = 0, but inputs within their calibrated
    range (127 bits) can reach 2^126·2^128·2 = 2^255 > r at the Relu: that range check could be met
    by a value that wrapped. The static bound analysis (onnx/bounds.py) refuses it."""
    model = _gemm_relu(tmp_path / "wide.onnx", np.full((2, 1), 2.0**120), np.zeros(1))
    calib = tmp_path / "c.json"
    calib.write_text(json.dumps({"x": [[[2.0**115, -(2.0**115)]]]}))
    r = run([ZKML, "compile", model, "--out", tmp_path / "m", "--calibration", calib])
    assert r.returncode == 2 and "could wrap the field" in r.stderr and "relu" in r.stderr, r.stderr
    assert "Traceback" not in r.stderr and not (tmp_path / "m" / "circuit.r1cs").exists()


# --- 4. quantization never wraps int64 ---------------------------------------------------------------


def test_numpy_backend_products_are_exact_beyond_int64() -> None:
    """2^40 · 2^30 wrapped to 0 in int64 and passed the overflow check made after the product."""
    out = NumpyBackend(1).matmul(np.array([[2**40]], dtype=np.int64), np.array([[2**30]], dtype=np.int64))
    assert int(out[0, 0]) == 2**70


def test_quantize_is_exact_for_huge_values() -> None:
    assert int(quantize(np.array([1e30]), 8)[0]) == int(1e30) * 2**8
    assert int(quantize(np.array([-3.5e20]), 20)[0]) == -int(3.5e20) * 2**20


def _clip(path: Path, lo: float | None, hi: float | None) -> Path:
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 3])
    inputs = ["x", "lo" if lo is not None else "", "hi" if hi is not None else ""]
    inits = [numpy_helper.from_array(np.array(v, dtype=np.float32), n) for n, v in (("lo", lo), ("hi", hi)) if v is not None]
    graph = helper.make_graph([helper.make_node("Clip", inputs, ["y"], name="clip")], "g", [x], [y], inits)
    path.write_bytes(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]).SerializeToString())
    return path


@pytest.mark.parametrize("lo,hi", [(0.0, None), (None, 2.5), (-1.0, 1.0)])
def test_clip_with_one_bound_compiles_at_every_scale(tmp_path: Path, lo: float | None, hi: float | None) -> None:
    """Clip with only a minimum at --scale 23 crashed: its default maximum 2^40 overflowed int64."""
    model = _clip(tmp_path / "clip.onnx", lo, hi)
    calib = tmp_path / "c.json"
    calib.write_text(json.dumps({"x": [[[-3.0, 0.5, 7.0]], [[2.0, -0.25, 1.0]]]}))
    r = run([ZKML, "compile", model, "--out", tmp_path / "m", "--scale", "23", "--calibration", calib])
    assert r.returncode == 0 and "Traceback" not in r.stderr, r.stderr
    info = json.loads((tmp_path / "m" / "circuit.json").read_text())
    assert info["accuracy"]["outputs"]["y"]["max_abs_error"] < 1e-6


# --- 5. select constrains its condition ----------------------------------------------------------------


def test_select_with_a_non_boolean_condition_is_rejected() -> None:
    """cond = 2 made out = b + 2(a − b): any value on that line, chosen by the prover."""
    c = Circuit()
    cond = c.private_input([1])
    a, b = c.private_input([10]), c.private_input([3])
    s = select(c, cond, a, b)
    out = c.output(s, "out")
    r1cs, w = c.build()
    assert_solves(r1cs, w)
    (cw,), (sw,), (ow,) = c.wire_index(cond), c.wire_index(s), c.wire_index(out)
    forged = w.with_value(int(cw), 2).with_value(int(sw), 3 + 2 * 7).with_value(int(ow), 3 + 2 * 7)
    assert_rejects(r1cs, forged)


# --- 3. attested inputs: the attester and the circuit agree on signed integers --------------------------


def _attested_gemm(tmp_path: Path) -> Path:
    model = _gemm_relu(tmp_path / "att.onnx", np.array([[0.5, -1.0], [2.0, 0.25], [-1.5, 1.0]]), np.array([0.1, 0.2]))
    calib = tmp_path / "calib.json"
    calib.write_text(json.dumps({"x": [[[-40.0, 3.0, -7.0]], [[25.0, -9.0, 60.0]], [[0.0, 1.0, -2.0]]]}))
    out = tmp_path / "att"
    r = run([ZKML, "compile", model, "--out", out, "--input-visibility", "attested", "--calibration", calib])
    assert r.returncode == 0, r.stderr
    assert run([ZKML, "setup", out]).returncode == 0
    return out


def test_negative_attested_values_commit_the_same_on_both_sides(tmp_path: Path) -> None:
    """poseidon.commit refused negatives while the circuit took them: an attester could not post the
    commitment a proof would carry. Both now take signed 64-bit integers, encoded as v mod r."""
    out = _attested_gemm(tmp_path)
    record, salt = [-31, 4, -2], 987654321
    (tmp_path / "in.json").write_text(json.dumps({"x": [record], "salt": str(salt)}))
    r = run([ZKML, "prove", out, "--input", tmp_path / "in.json", "--proof", tmp_path / "p.json",
             "--public", tmp_path / "pub.json"])
    assert r.returncode == 0, r.stderr
    public = json.loads((tmp_path / "pub.json").read_text())
    info = json.loads((out / "circuit.json").read_text())
    index = next(e["index"] for e in info["public_signals"] if e["name"] == "x.commitment")
    assert int(public[index]) == commit_integers(record, salt)
    assert commit_integers([31, 4, -2], salt) != commit_integers(record, salt)
    (tmp_path / "big.json").write_text(json.dumps({"x": [[1, 2**63, 2]], "salt": "5"}))
    r = run([ZKML, "prove", out, "--input", tmp_path / "big.json", "--proof", tmp_path / "p2.json",
             "--public", tmp_path / "pub2.json"])
    assert r.returncode == 2 and "signed 64-bit" in r.stderr and not (tmp_path / "p2.json").exists(), r.stderr


@pytest.mark.parametrize("value", [2**63, -(2**63) - 1, 1.5, "7", True])
def test_values_outside_the_attested_domain_are_refused_by_both_sides(tmp_path: Path, value: object) -> None:
    with pytest.raises(ProofInputError, match="signed 64-bit"):
        commit_integers([1, value, 2], 5)
    with pytest.raises(ProofInputError, match="signed 64-bit"):
        read_inputs(Graph({"x": (1, 3)}, (), {}, (), {}, 13), {"x": [[1, value, 2]]}, batch=False, what="t", integers=True)


def test_the_fuzzers_mul_conv_model_compiles_at_scale_24(tmp_path: Path) -> None:
    """Found by the model fuzzer (tests/models/fuzz_mul_conv_bn_gemm.onnx, Mul → Conv with padding →
    Flatten → BatchNormalization → Gemm at --scale 24): the bound analysis crashed, because np.pad
    put numpy int64 zeros into its object arrays and the products became floats. Padding now
    inserts Python ints, in the bound analysis and the exact numpy backend alike."""
    model = ROOT / "tests" / "models" / "fuzz_mul_conv_bn_gemm.onnx"
    r = run([ZKML, "compile", model, "--out", tmp_path / "m", "--scale", "24"])
    assert r.returncode == 0 and "Traceback" not in r.stderr, r.stderr
    x = np.full((1, 1, 2, 2), 2**40, dtype=np.int64)
    out = NumpyBackend(1).conv(x, np.full((1, 1, 3, 3), 2**30, dtype=np.int64), 1, 1)
    assert all(type(v) is int for v in out.ravel()) and out.ravel().tolist() == [4 * 2**70] * 4


def test_pooling_sums_in_the_numpy_model_are_exact(tmp_path: Path) -> None:
    """Found by the long model-fuzzer run (tests/models/fuzz_bn_conv_gap_matmul.onnx at --scale
    24): GlobalAveragePool summed 60-bit values in int64 and wrapped, so the integer model (which
    calibrates widths and reports accuracy) disagreed with the circuit. Pool sums are bounded
    before they are formed now, like products."""
    x = np.full((1, 1, 2, 2), 2**62, dtype=np.int64)
    assert NumpyBackend(1).global_avg_pool(x, "g").ravel().tolist() == [2**62]
    assert NumpyBackend(1).avg_pool(x, 2, 2, "a").ravel().tolist() == [2**62]
    report = ModelReport()
    data = (ROOT / "tests" / "models" / "fuzz_bn_conv_gap_matmul.onnx").read_bytes()
    check_model(data, {"x": (1, 2, 3, 6)}, 1.0, 24, tmp_path / "m", random.Random(24), report, [])
    assert report.compiled == 1 and report.checked_inputs > 0 and not report.findings, report.findings
