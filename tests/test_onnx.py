"""ONNX models to proofs: real skl2onnx and hand-built ONNX files, compiled, proved and checked.

The integer model run by numpy (calibration, accuracy report) must equal the circuit bit for
bit; outputs must agree with onnxruntime within the reported error; proofs verify here and
under snarkjs; unsupported ops are refused by name.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from onnx import TensorProto, helper, numpy_helper

from conftest import ROOT, every_visibility, fit_breast_cancer, graphs_of_the_tests, run
from zkml_chain.errors import ZkmlChainError
from zkml_chain.field import R
from zkml_chain.onnx.assemble import build
from zkml_chain.onnx.compile import compile_model
from zkml_chain.onnx.compiled import CompiledModel
from zkml_chain.onnx.graph import Graph, from_model, load
from zkml_chain.onnx.graph_file import graph_bytes, read_graph
from zkml_chain.onnx.inputs import read_inputs
from zkml_chain.onnx.quantize import calibrate, run_numpy
from zkml_chain.onnx.visibility import InputVisibility as In
from zkml_chain.onnx.visibility import OutputVisibility as Out
from zkml_chain.onnx.visibility import ParamVisibility as Par
from zkml_chain.onnx.visibility import Visibility
from zkml_chain.poseidon import commit, commit_signed, signed_width

pytestmark = pytest.mark.prove
ZKML = ROOT / ".venv" / "bin" / "zkml-chain"


@pytest.fixture(scope="module")
def breast_cancer(tmp_path_factory) -> dict[str, Path]:
    return fit_breast_cancer(tmp_path_factory.mktemp("bc"))


def test_mlp_compiles_with_99_percent_agreement_and_proves(breast_cancer, tmp_path, snarkjs) -> None:
    out = tmp_path / "mlp"
    r = run([ZKML, "compile", breast_cancer["mlp"], "--out", out, "--calibration", breast_cancer["calibration"]])
    assert r.returncode == 0, r.stderr
    info = json.loads((out / "circuit.json").read_text())
    acc = info["accuracy"]["outputs"]
    assert acc["label"]["agreement"] >= 0.99 and acc["probabilities"]["top1_agreement"] >= 0.99
    assert "top-1 agreement" in r.stdout and f"{info['constraints']:,} constraints" in r.stdout
    assert [e["name"] for e in info["public_signals"]] == ["model_commitment", "label", "probabilities"]
    assert (run([ZKML, "setup", out]).returncode == 0)
    r = run([ZKML, "prove", out, "--input", breast_cancer["input3"], "--proof", tmp_path / "p.json",
             "--public", tmp_path / "pub.json", "--output", tmp_path / "out.json"])
    assert r.returncode == 0, r.stderr
    outputs = json.loads((tmp_path / "out.json").read_text())
    xs = np.load(breast_cancer["X"])
    sess = ort.InferenceSession(str(breast_cancer["mlp"]))
    label, probs = sess.run(None, {"X": xs[3:4]})
    assert outputs["label"] == [float(label[0])]
    assert np.abs(np.array(outputs["probabilities"]) - probs).max() <= acc["probabilities"]["max_abs_error"] + 1e-9
    r = run([snarkjs, "groth16", "verify", out / "verification_key.json", tmp_path / "pub.json", tmp_path / "p.json"])
    assert r.returncode == 0 and "OK" in r.stdout, r.stdout + r.stderr
    public = json.loads((tmp_path / "pub.json").read_text())
    assert public[1] == str(int(label[0]))


def test_numpy_model_equals_the_circuit_bit_for_bit(breast_cancer) -> None:
    xs = np.load(breast_cancer["X"])
    for name in ("lr", "mlp"):
        graph = from_model(onnx.load(str(breast_cancer[name])))
        plan = calibrate(graph, {"X": xs.reshape(-1, 1, 30)}, 8)
        batch, _ = run_numpy(graph, {"X": xs[:6].reshape(-1, 1, 30)}, 8)
        for k in range(6):
            built = build(graph, plan, Visibility(params=Par.FIXED), {"X": xs[k].reshape(1, 30)}, salt=0)
            assert built.r1cs is not None and built.r1cs.is_satisfied(built.witness)
            fast = build(graph, plan, Visibility(params=Par.FIXED), {"X": xs[k].reshape(1, 30)}, salt=0,
                         witness_only=True)
            assert fast.witness == built.witness
            for out, q in built.outputs.items():
                assert np.array_equal(np.asarray(q.data.value(), dtype=np.int64).ravel(), batch[out].data[k].ravel())


def test_witness_only_mode_builds_the_same_witness_for_every_test_model(breast_cancer) -> None:
    """`prove` rebuilds the circuit witness-only and relies on the same wires in the same order as
    the compiled build. For every model the ONNX tests use (scikit-learn LR and MLP, the all-ops
    CNN, the PyTorch digits CNN, the fuzzers' regression models) under every visibility, with and
    without a threshold claim: the two witnesses are equal byte for byte."""
    from zkml_chain.onnx.claim import Claim, Threshold

    rng = np.random.default_rng(7)
    models = {**graphs_of_the_tests(breast_cancer), "all-ops cnn": from_model(_cnn_model())}
    visibilities = every_visibility()
    checked = 0
    for name, graph in models.items():
        samples = {k: rng.normal(0, 1, (8,) + s) for k, s in graph.inputs.items()}
        plan = calibrate(graph, samples, 8)
        first_output = next(iter(graph.outputs))
        for vis in visibilities:
            claim = Claim(Threshold(first_output, 0), ("nonce",)) if vis.output == Out.PRIVATE else Claim()
            x = {k: (np.rint(v[0] * 4) if vis.input == In.ATTESTED else v[0]) for k, v in samples.items()}
            publics = {"threshold": 0.0, "nonce": 5}
            try:
                full = build(graph, plan, vis, x, salt=99, claim=claim, publics=publics)
            except ZkmlChainError as e:  # a score below 0 cannot clear a threshold: no witness to compare
                assert "no proof of this claim exists" in str(e) or "outside the signed" in str(e), (name, vis, e)
                continue
            fast = build(graph, plan, vis, x, salt=99, claim=claim, publics=publics, witness_only=True)
            assert fast.circuit.n_constraints == full.circuit.n_constraints, (name, vis)
            assert fast.witness.values == full.witness.values, (name, vis)
            checked += 1
    print(f"{checked} of {len(models) * len(visibilities)} model x visibility pairs compared")
    assert checked >= 3 * len(models)


def test_visibility_options(breast_cancer, tmp_path) -> None:
    xs = np.load(breast_cancer["X"])
    fixed = compile_model(breast_cancer["lr"], tmp_path / "f", 8, breast_cancer["calibration"],
                          Visibility(In.PUBLIC, Par.FIXED, Out.PUBLIC))
    hashed = compile_model(breast_cancer["lr"], tmp_path / "h", 8, breast_cancer["calibration"],
                           Visibility(In.HASHED, Par.HASHED, Out.HASHED))
    assert fixed["constraints"] < hashed["constraints"]
    assert [e["name"] for e in fixed["public_signals"]] == ["label", "probabilities", "X"]
    assert [e["name"] for e in hashed["public_signals"]] == ["model_commitment", "X.commitment",
                                                             "label.commitment", "probabilities.commitment"]
    inf = CompiledModel.load(tmp_path / "h").witness_file(breast_cancer["input0"])
    public = inf.witness.public_signals(4)
    # The model commitment its owner can recompute from the ONNX file alone, before any proof.
    params: dict[str, np.ndarray] = {}
    graph = load(breast_cancer["lr"])
    run_numpy(graph, {"X": xs[:1].reshape((1,) + graph.inputs["X"])}, 8, params)
    assert params and public[0] == commit_signed(list(params.values()), 0)
    assert hashed["model_commitment"] == str(public[0])
    assert hashed["quantization"]["param_layout"] == [{"name": k, "shape": list(p.shape), "width": signed_width(p.ravel())}
                                                      for k, p in params.items()]
    quantized = [int(v) % R for v in np.round(xs[0].astype(np.float64) * 256).astype(np.int64)]
    assert public[1] == commit(quantized, 1234567)  # the input commitment an attester can recompute
    inf_f = CompiledModel.load(tmp_path / "f").witness_file(breast_cancer["input0"])
    assert inf_f.witness.public_signals(5)[3:] == quantized[:2]


def _cnn_model() -> onnx.ModelProto:
    rng = np.random.default_rng(0)

    def init(name: str, arr: np.ndarray) -> onnx.TensorProto:
        return numpy_helper.from_array(arr.astype(np.float32), name)

    nodes = [
        helper.make_node("Constant", [], ["std"], value=numpy_helper.from_array(np.array(2.0, dtype=np.float32)),
                         name="const_std"),
        helper.make_node("Sub", ["x", "xmean"], ["xc"], name="center"),
        helper.make_node("Div", ["xc", "std"], ["xn"], name="normalize"),
        helper.make_node("Conv", ["xn", "w1", "b1"], ["c1"], pads=[1, 1, 1, 1], name="conv1"),
        helper.make_node("BatchNormalization", ["c1", "g", "beta", "mean", "var"], ["bn"], name="bn1"),
        helper.make_node("Relu", ["bn"], ["r1"], name="relu1"),
        helper.make_node("MaxPool", ["r1"], ["p1"], kernel_shape=[2, 2], strides=[2, 2], name="pool1"),
        helper.make_node("AveragePool", ["p1"], ["p2"], kernel_shape=[2, 2], strides=[2, 2], name="pool2"),
        helper.make_node("GlobalAveragePool", ["p1"], ["gap"], name="gap"),
        helper.make_node("Flatten", ["p2"], ["f"], axis=1, name="flat"),
        helper.make_node("Flatten", ["gap"], ["fg"], axis=1, name="flatg"),
        helper.make_node("Concat", ["f", "fg"], ["cat"], axis=1, name="cat"),
        helper.make_node("Gemm", ["cat", "w2", "b2"], ["logits"], transB=1, name="fc"),
        helper.make_node("Clip", ["logits", "lo", "hi"], ["clipped"], name="clip"),
        helper.make_node("Mul", ["clipped", "half"], ["scaled"], name="mul"),
        helper.make_node("Sigmoid", ["scaled"], ["probs"], name="sigmoid"),
        helper.make_node("Transpose", ["probs"], ["pt"], perm=[1, 0], name="tr"),
        helper.make_node("Reshape", ["pt", "shape"], ["out"], name="reshape"),
        helper.make_node("Identity", ["logits"], ["logits_out"], name="id"),
        helper.make_node("MatMul", ["cat", "w3"], ["aux"], name="aux_head"),
    ]
    inits = [
        init("w1", rng.normal(0, 0.5, (3, 1, 3, 3))), init("b1", rng.normal(0, 0.1, 3)),
        init("g", rng.uniform(0.5, 1.5, 3)), init("beta", rng.normal(0, 0.1, 3)),
        init("mean", rng.normal(0, 0.1, 3)), init("var", rng.uniform(0.5, 1.5, 3)),
        init("w2", rng.normal(0, 0.5, (4, 3 * 2 * 2 + 3))), init("b2", rng.normal(0, 0.1, 4)),
        init("lo", np.array(-3.0)), init("hi", np.array(3.0)), init("half", np.array(0.5)),
        init("xmean", np.array(0.1)), init("w3", rng.normal(0, 0.5, (3 * 2 * 2 + 3, 2))),
        numpy_helper.from_array(np.array([1, 4], dtype=np.int64), "shape"),
    ]
    graph = helper.make_graph(
        nodes, "cnn", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [None, 1, 8, 8])],
        [helper.make_tensor_value_info("out", TensorProto.FLOAT, [1, 4]),
         helper.make_tensor_value_info("logits_out", TensorProto.FLOAT, [1, 4]),
         helper.make_tensor_value_info("aux", TensorProto.FLOAT, [1, 2])], inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


def test_cnn_ops_agree_with_onnxruntime_and_the_circuit(tmp_path) -> None:
    model = _cnn_model()
    onnx.checker.check_model(model)
    path = tmp_path / "cnn.onnx"
    path.write_bytes(model.SerializeToString())
    rng = np.random.default_rng(1)
    xs = rng.normal(0, 1, (40, 1, 1, 8, 8))
    (tmp_path / "cal.json").write_text(json.dumps({"x": xs.tolist()}))
    info = compile_model(path, tmp_path / "c", 10, tmp_path / "cal.json", Visibility(params=Par.PRIVATE))
    acc = info["accuracy"]["outputs"]
    assert acc["out"]["max_abs_error"] < 0.03 and acc["logits_out"]["max_abs_error"] < 0.05
    assert acc["aux"]["max_abs_error"] < 0.05
    assert acc["logits_out"]["top1_agreement"] >= 0.95
    (tmp_path / "in.json").write_text(json.dumps({"x": xs[5].tolist()}))
    inf = CompiledModel.load(tmp_path / "c").witness_file(tmp_path / "in.json")
    from zkml_chain.r1cs import R1CS

    assert R1CS.load(tmp_path / "c" / "circuit.r1cs").is_satisfied(inf.witness)
    sess = ort.InferenceSession(str(path))
    out, logits, aux = sess.run(None, {"x": xs[5].astype(np.float32)})
    assert np.abs(np.array(inf.outputs["out"]) - out).max() < 0.03
    assert np.abs(np.array(inf.outputs["logits_out"]) - logits).max() < 0.05
    assert np.abs(np.array(inf.outputs["aux"]) - aux).max() < 0.05


def test_unsupported_op_is_named_and_nothing_is_written(tmp_path) -> None:
    node = helper.make_node("LpNormalization", ["x"], ["y"], name="my_norm")
    graph = helper.make_graph([node], "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 3])])
    path = tmp_path / "bad.onnx"
    path.write_bytes(helper.make_model(graph).SerializeToString())
    r = run([ZKML, "compile", path, "--out", tmp_path / "out"])
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert "unsupported op LpNormalization in node 'my_norm'" in r.stderr
    assert not (tmp_path / "out").exists()
    (tmp_path / "junk.onnx").write_bytes(b"not a model")
    r = run([ZKML, "compile", tmp_path / "junk.onnx", "--out", tmp_path / "out"])
    assert r.returncode == 2 and "not a readable ONNX model" in r.stderr and "Traceback" not in r.stderr


def test_bad_prove_input_is_a_clear_error(breast_cancer, tmp_path) -> None:
    out = tmp_path / "lr"
    compile_model(breast_cancer["lr"], out, 8, breast_cancer["calibration"], Visibility(params=Par.FIXED))
    assert run([ZKML, "setup", out]).returncode == 0
    (tmp_path / "short.json").write_text(json.dumps({"X": [0.1, 0.2]}))
    (tmp_path / "huge.json").write_text(json.dumps({"X": [1e9] * 30}))
    (tmp_path / "other.json").write_text(json.dumps({"features": [0.0] * 30}))
    for f, needle in (("short.json", "expected shape (1, 30)"), ("huge.json", "outside the signed"),
                      ("other.json", "missing input 'X'")):
        r = run([ZKML, "prove", out, "--input", tmp_path / f, "--proof", tmp_path / "p.json", "--public",
                 tmp_path / "pub.json"])
        assert r.returncode == 2 and needle in r.stderr and "Traceback" not in r.stderr, (f, r.stderr)
        assert not (tmp_path / "p.json").exists()


def test_a_compiled_folder_whose_circuit_or_model_changed_is_refused(breast_cancer, tmp_path) -> None:
    """circuit.json records the SHA-256 of circuit.r1cs and model.onnx; `prove` (through
    CompiledModel) used to check only the model's, so a swapped circuit.r1cs went unnoticed."""
    out = tmp_path / "lr"
    compile_model(breast_cancer["lr"], out, 8, breast_cancer["calibration"], Visibility(params=Par.FIXED))
    assert run([ZKML, "setup", out]).returncode == 0
    args = ["--input", breast_cancer["input0"], "--proof", tmp_path / "p.json", "--public", tmp_path / "pub.json"]
    assert run([ZKML, "prove", out, *args]).returncode == 0
    (tmp_path / "p.json").unlink()
    for name in ("circuit.r1cs", "model.onnx", "graph.npz", "witness.bin"):
        original = (out / name).read_bytes()
        (out / name).write_bytes(original + b"\0")
        r = run([ZKML, "prove", out, *args])
        assert r.returncode == 2 and f"{name} changed since it was compiled" in r.stderr, r.stderr
        assert not (tmp_path / "p.json").exists()
        with pytest.raises(ZkmlChainError, match="changed since it was compiled"):
            CompiledModel.load(out)
        (out / name).write_bytes(original)
    assert CompiledModel.load(out).prove(json.loads(breast_cancer["input0"].read_text())).public


def test_a_folder_compiled_as_circuit_format_2_still_proves(tmp_path, snarkjs) -> None:
    """tests/models/format2: a small conv + dense model compiled by zkml-chain 32b95b3, when each
    parameter had a wire of its own (format 2). Its keys and deployed verifiers stay valid: this
    version rebuilds that circuit, not format 3's (a wire and a constraint fewer per parameter
    outside convolutions), and the proof verifies under snarkjs."""
    import lzma

    src = ROOT / "tests" / "models" / "format2"
    old = tmp_path / "old"
    shutil.copytree(src, old, ignore=shutil.ignore_patterns("*.xz", "input.json"))
    (old / "circuit.r1cs").write_bytes(lzma.decompress((src / "circuit.r1cs.xz").read_bytes()))
    info = json.loads((old / "circuit.json").read_text())
    assert info["format"] == "zkml-chain circuit 2"
    assert run([ZKML, "setup", old]).returncode == 0
    proof, public = tmp_path / "p.json", tmp_path / "pub.json"
    r = run([ZKML, "prove", old, "--input", src / "input.json", "--proof", proof, "--public", public])
    assert r.returncode == 0, r.stderr
    r = run([snarkjs, "groth16", "verify", old / "verification_key.json", public, proof])
    assert r.returncode == 0 and "OK" in r.stdout, r.stdout + r.stderr

    # The same model as this version compiles it (format 3): the parameters held by their bits.
    # The conv weights (each in Ho·Wo products) still go on wires; every other parameter saves
    # its wire and its recomposition constraint. The witness-only rebuild matches both circuits.
    model = CompiledModel.load(old)
    assert model.param_wires
    x = read_inputs(model.graph, json.loads((src / "input.json").read_text()), batch=False, what="input")
    as_2 = build(model.graph, model.plan, model.vis, x, 0, param_wires=True)
    as_3 = build(model.graph, model.plan, model.vis, x, 0)
    assert (as_2.circuit.n_constraints, as_2.circuit.n_wires) == (info["constraints"], info["wires"])
    sizes = {p["name"]: int(np.prod(p["shape"])) for p in info["quantization"]["param_layout"]}
    held_by_bits = sum(n for name, n in sizes.items() if name != "conv.weight")
    assert info["constraints"] - as_3.circuit.n_constraints == held_by_bits
    assert info["wires"] - as_3.circuit.n_wires == held_by_bits
    for name, q in as_3.outputs.items():
        assert q.data.value().tolist() == as_2.outputs[name].data.value().tolist()
    assert as_3.r1cs is not None and as_3.r1cs.is_satisfied(as_3.witness)
    fast = build(model.graph, model.plan, model.vis, x, 0, witness_only=True)
    assert fast.witness.values == as_3.witness.values


def _same_graph(a: Graph, b: Graph) -> None:
    """Equal IRs: every field, constants and array attributes equal in dtype, shape and value."""
    assert (a.inputs, a.outputs, a.shapes, a.opset) == (b.inputs, b.outputs, b.shapes, b.opset)
    assert list(a.constants) == list(b.constants)
    for k, v in a.constants.items():
        assert v.dtype == b.constants[k].dtype and np.array_equal(v, b.constants[k]), k
    assert len(a.nodes) == len(b.nodes)
    for m, n in zip(a.nodes, b.nodes, strict=True):
        assert (m.name, m.op, m.domain, m.inputs, m.outputs) == (n.name, n.op, n.domain, n.inputs, n.outputs)
        assert list(m.attrs) == list(n.attrs), m.name
        for k, v in m.attrs.items():
            w = n.attrs[k]
            if isinstance(v, np.ndarray):
                assert v.dtype == w.dtype and np.array_equal(v, w), (m.name, k)
            else:
                assert type(v) is type(w) and v == w, (m.name, k)
                if isinstance(v, list):
                    assert [type(x) for x in v] == [type(x) for x in w], (m.name, k)


def test_the_graph_archive_round_trips_every_test_model_and_prove_needs_no_onnx(breast_cancer, tmp_path) -> None:
    """compile stores the graph IR (graph.npz) so proving imports no onnx: every test model's IR
    comes back equal; a folder proves without onnx in the process, with the witness a folder
    without the archive (proved from model.onnx, as before) gives; a damaged archive is named;
    a graph holding an object array gets no archive."""
    models = {name: from_model(onnx.load(str(breast_cancer[name]))) for name in ("lr", "mlp")}
    models["all-ops cnn"] = from_model(_cnn_model())
    for path in sorted((ROOT / "tests" / "models").glob("*.onnx")):
        models[path.stem] = load(path)
    for name, graph in models.items():
        data = graph_bytes(graph)
        assert data is not None, name
        _same_graph(read_graph(data, name), graph)

    out = tmp_path / "mlp"
    compile_model(breast_cancer["mlp"], out, 8, breast_cancer["calibration"], Visibility(In.HASHED, Par.HASHED))
    assert (out / "graph.npz").is_file()
    script = ("import json, sys; from pathlib import Path; from zkml_chain.onnx.compiled import CompiledModel; "
              f"m = CompiledModel.load(Path({str(out)!r})); "
              f"w = m.witness(json.loads(Path({str(breast_cancer['input3'])!r}).read_text())).witness; "
              "assert 'onnx' not in sys.modules, 'onnx was imported'; print(w.values.hex())")
    r = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    old = tmp_path / "old"  # a folder compiled before the archive existed
    shutil.copytree(out, old)
    info = json.loads((old / "circuit.json").read_text())
    del info["graph_sha256"]
    (old / "circuit.json").write_text(json.dumps(info))
    (old / "graph.npz").unlink()
    from_onnx = CompiledModel.load(old).witness(json.loads(breast_cancer["input3"].read_text())).witness
    assert bytes.fromhex(r.stdout.strip()) == from_onnx.values

    junk = b"PK not an archive"
    (out / "graph.npz").write_bytes(junk)
    info = json.loads((out / "circuit.json").read_text())
    info["graph_sha256"] = hashlib.sha256(junk).hexdigest()
    (out / "circuit.json").write_text(json.dumps(info))
    with pytest.raises(ZkmlChainError, match="graph.npz: not a graph archive"):
        CompiledModel.load(out)

    g = models["lr"]
    odd = Graph(g.inputs, g.outputs, {**g.constants, "labels": np.array(["a", None], dtype=object)}, g.nodes,
                g.shapes, g.opset)
    assert graph_bytes(odd) is None


@pytest.mark.chain
def test_model_proof_verifies_on_chain_with_the_rendered_verifier(breast_cancer, tmp_path) -> None:
    """On Anvil and on Hardhat."""
    from zkml_chain.chain.chains import CHAINS, local_chain
    from zkml_chain.chain.evm import Evm
    from zkml_chain.groth16 import Proof, load_public
    from zkml_chain.solidity.compile import load_artifact

    out = tmp_path / "lr"
    compile_model(breast_cancer["lr"], out, 8, breast_cancer["calibration"], Visibility())
    assert run([ZKML, "setup", out]).returncode == 0
    r = run([ZKML, "prove", out, "--input", breast_cancer["input100"], "--proof", tmp_path / "p.json",
             "--public", tmp_path / "pub.json"])
    assert r.returncode == 0, r.stderr
    r = run([ZKML, "verifier", out / "verification_key.json", "--out", tmp_path / "V.sol", "--allow-development-key"])
    assert r.returncode == 0, r.stderr
    artifact = load_artifact(tmp_path / "V.json")
    proof, public = Proof.load(tmp_path / "p.json"), load_public(tmp_path / "pub.json")
    for chain in CHAINS:
        with local_chain(chain) as node:
            evm = Evm(node.url)
            verifier, _ = evm.deploy(artifact)
            assert evm.call(verifier.functions.verifyProof(*proof.verify_proof_args(), public)) is True, chain
            flipped = list(public)
            flipped[1] = 1 - flipped[1]  # the other label
            assert evm.call(verifier.functions.verifyProof(*proof.verify_proof_args(), flipped)) is False, chain
            assert evm.send(verifier.functions.verifyProof(*proof.verify_proof_args(), public)).status == 1, chain


MODELS = Path(__file__).parent / "models"


def test_pytorch_digits_cnn_agrees_99_percent_and_proves(tmp_path, snarkjs) -> None:
    """digits_cnn.onnx is a real torch.onnx.export of a CNN trained on load_digits (see
    tests/models/make_models.py); the target is >= 99% top-1 agreement with onnxruntime."""
    out = tmp_path / "digits"
    r = run([ZKML, "compile", MODELS / "digits_cnn.onnx", "--out", out, "--calibration",
             MODELS / "digits_cnn_calibration.json"])
    assert r.returncode == 0, r.stderr
    info = json.loads((out / "circuit.json").read_text())
    assert [op["op"] for op in info["ops"]] == ["Conv", "Relu", "MaxPool", "Conv", "Relu", "AveragePool", "Flatten",
                                                 "Gemm"]
    assert info["accuracy"]["outputs"]["logits"]["top1_agreement"] >= 0.99
    images = json.loads((MODELS / "digits_cnn_calibration.json").read_text())["image"]
    (tmp_path / "in.json").write_text(json.dumps({"image": images[11]}))
    assert run([ZKML, "setup", out]).returncode == 0
    r = run([ZKML, "prove", out, "--input", tmp_path / "in.json", "--proof", tmp_path / "p.json", "--public",
             tmp_path / "pub.json", "--output", tmp_path / "out.json"])
    assert r.returncode == 0, r.stderr
    logits = np.array(json.loads((tmp_path / "out.json").read_text())["logits"])
    ref = ort.InferenceSession(str(MODELS / "digits_cnn.onnx")).run(None, {"image": np.array([images[11]], np.float32)})
    assert np.argmax(logits) == np.argmax(ref[0])
    assert np.abs(logits - ref[0]).max() <= info["accuracy"]["outputs"]["logits"]["max_abs_error"] + 0.05
    r = run([snarkjs, "groth16", "verify", out / "verification_key.json", tmp_path / "pub.json", tmp_path / "p.json"])
    assert r.returncode == 0 and "OK" in r.stdout


def test_linear_regressor_compiles_and_proves(tmp_path) -> None:
    """skl2onnx's ai.onnx.ml LinearRegressor (scikit-learn LinearRegression on the bundled diabetes
    data): the proved output matches onnxruntime within the compile report's error."""
    from skl2onnx import to_onnx
    from sklearn.datasets import load_diabetes
    from sklearn.linear_model import LinearRegression
    from sklearn.preprocessing import StandardScaler

    x, y = load_diabetes(return_X_y=True)
    xs = StandardScaler().fit_transform(x).astype(np.float32)
    model = tmp_path / "linreg.onnx"
    onx = to_onnx(LinearRegression().fit(xs, y), xs[:1])
    assert [(n.domain, n.op_type) for n in onx.graph.node] == [("ai.onnx.ml", "LinearRegressor")]
    model.write_bytes(onx.SerializeToString())
    (tmp_path / "cal.json").write_text(json.dumps({"X": xs.tolist()}))
    (tmp_path / "in.json").write_text(json.dumps({"X": xs[7].tolist()}))
    out = tmp_path / "c"
    r = run([ZKML, "compile", model, "--out", out, "--calibration", tmp_path / "cal.json", "--scale", "10"])
    assert r.returncode == 0, r.stderr
    report = json.loads((out / "circuit.json").read_text())["accuracy"]["outputs"]["variable"]
    assert report["max_abs_error"] < 0.1  # targets range 25-346
    assert run([ZKML, "setup", out]).returncode == 0
    r = run([ZKML, "prove", out, "--input", tmp_path / "in.json", "--proof", tmp_path / "p.json",
             "--public", tmp_path / "pub.json", "--output", tmp_path / "o.json"])
    assert r.returncode == 0, r.stderr
    proved = np.array(json.loads((tmp_path / "o.json").read_text())["variable"])
    (expected,) = ort.InferenceSession(str(model)).run(None, {"X": xs[7:8]})
    assert np.abs(proved - expected).max() <= report["max_abs_error"] + 1e-9
    assert run([ZKML, "verify", out / "verification_key.json", tmp_path / "p.json", tmp_path / "pub.json"]).returncode == 0
