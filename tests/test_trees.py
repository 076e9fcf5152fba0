"""Tree ensembles from ONNX to proofs: every converter's form (skl2onnx for scikit-learn's trees,
forests and boosting; onnxmltools for XGBoost and LightGBM; a hand-built ai.onnx.ml 5
TreeEnsemble with every node mode), against onnxruntime on the held-out German Credit split,
the numpy integer model against the circuit bit for bit, the constraint count against its
formula, and dishonest witnesses (a wrong bin, a wrong leaf, a decision flipped at a threshold)
rejected.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from onnx import TensorProto, helper, numpy_helper
from test_gadgets import named, no_bits_satisfy, tamper

from conftest import ROOT, assert_rejects, assert_solves, run
from zkml_chain.circuit import Circuit
from zkml_chain.circuit.trees import check_width, tree_ensemble
from zkml_chain.lending.features import load as load_credit
from zkml_chain.lending.train import split
from zkml_chain.onnx.assemble import build
from zkml_chain.onnx.graph import UnsupportedModelError, from_model, load
from zkml_chain.onnx.quantize import calibrate, dequantize, run_numpy
from zkml_chain.onnx.trees import Ensemble, Split, Tree, bin_ensemble, scores
from zkml_chain.onnx.visibility import InputVisibility as In
from zkml_chain.onnx.visibility import ParamVisibility as Par
from zkml_chain.onnx.visibility import Visibility

pytestmark = pytest.mark.prove
ZKML = ROOT / ".venv" / "bin" / "zkml-chain"
SCALE = 16
N_FEATURES = 55


@pytest.fixture(scope="module")
def credit() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    ds = load_credit()
    tr, te = split(ds)
    return ds.features.astype(np.float64), ds.labels, tr, te


@pytest.fixture(scope="module")
def tree_models(tmp_path_factory, credit) -> dict[str, Path]:
    """Each family trained on the credit split and converted as its users convert it."""
    import lightgbm
    import onnxmltools
    import xgboost
    from onnxmltools.convert.common.data_types import FloatTensorType as MLFloat
    from skl2onnx import to_onnx
    from skl2onnx.common.data_types import FloatTensorType
    from sklearn.ensemble import (
        GradientBoostingClassifier,
        HistGradientBoostingClassifier,
        RandomForestClassifier,
    )
    from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

    x, y, tr, _ = credit
    d = tmp_path_factory.mktemp("trees")
    xf = x[tr].astype(np.float32)
    sk = {
        "decision tree": DecisionTreeClassifier(max_depth=6, random_state=0),
        "random forest": RandomForestClassifier(n_estimators=20, max_depth=5, random_state=0),
        "gradient boosting": GradientBoostingClassifier(n_estimators=20, max_depth=3, random_state=0),
        "hist gradient boosting": HistGradientBoostingClassifier(max_iter=20, max_depth=4, random_state=0),
        "regression tree": DecisionTreeRegressor(max_depth=5, random_state=0),
    }
    files = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name, m in sk.items():
            m.fit(xf, y[tr])
            opts = None if name == "regression tree" else {id(m): {"zipmap": False}}
            onx = to_onnx(m, initial_types=[("features", FloatTensorType([None, N_FEATURES]))], options=opts,
                          target_opset={"": 17, "ai.onnx.ml": 3})
            files[name] = d / f"{name.replace(' ', '_')}.onnx"
            files[name].write_bytes(onx.SerializeToString())
        types = [("features", MLFloat([None, N_FEATURES]))]
        xg = xgboost.XGBClassifier(n_estimators=20, max_depth=4, random_state=0).fit(xf, y[tr])
        files["xgboost"] = d / "xgboost.onnx"
        onx = onnxmltools.convert_xgboost(xg, initial_types=types, target_opset=15)
        files["xgboost"].write_bytes(onx.SerializeToString())
        lg = lightgbm.LGBMClassifier(n_estimators=20, max_depth=4, random_state=0, verbose=-1).fit(xf, y[tr])
        files["lightgbm"] = d / "lightgbm.onnx"
        files["lightgbm"].write_bytes(
            onnxmltools.convert_lightgbm(lg, initial_types=types, target_opset=15, zipmap=False).SerializeToString())
    return files


def _decision(outputs: dict, name: str, rows: int) -> np.ndarray:
    return np.asarray(outputs[name]).reshape(rows, -1)


def test_every_family_agrees_with_onnxruntime_on_every_held_out_applicant(tree_models, credit) -> None:
    """100% agreement of the decision (the label; p(good) >= 0.5) and p(good) within 1e-3."""
    x, _, _, te = credit
    for name, path in tree_models.items():
        graph = load(path)
        q, _ = run_numpy(graph, {"features": x[te].reshape(-1, 1, N_FEATURES)}, SCALE)
        sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
        theirs = dict(zip([o.name for o in sess.get_outputs()], sess.run(None, {"features": x[te].astype(np.float32)})))
        if name == "regression tree":
            ours = dequantize(q["variable"]).ravel()
            assert np.abs(ours - theirs["variable"].ravel()).max() < 1e-4, name
            continue
        label = np.asarray(q["label"].data).ravel()
        assert np.array_equal(label, theirs["label"].ravel()), name
        p_ours = dequantize(q["probabilities"]).reshape(len(te), 2)[:, 1]
        p_theirs = theirs["probabilities"][:, 1]
        assert np.array_equal(p_ours >= 0.5, p_theirs >= 0.5), name
        assert np.abs(p_ours - p_theirs).max() < 1e-3, name
        print(f"{name}: {len(te)} applicants, labels agree, max |dp(good)| {np.abs(p_ours - p_theirs).max():.2e}")


def test_numpy_model_equals_the_circuit_bit_for_bit(tree_models, credit) -> None:
    """Every family with the model in the circuit's constants; one (its parameters committed, the
    lending pool's form) with cuts and leaf weights as private wires."""
    x, _, tr, te = credit
    for name, path in tree_models.items():
        graph = load(path)
        plan = calibrate(graph, {"features": x[tr].reshape(-1, 1, N_FEATURES)}, SCALE)
        batch, _ = run_numpy(graph, {"features": x[te[:2]].reshape(-1, 1, N_FEATURES)}, SCALE)
        runs = [(Visibility(params=Par.FIXED), 0), (Visibility(params=Par.FIXED), 1)]
        if name == "gradient boosting":
            runs.append((Visibility(In.ATTESTED, Par.HASHED), 0))
        for vis, k in runs:
            sample = {"features": x[te[k]].reshape(1, N_FEATURES)}
            built = build(graph, plan, vis, sample, salt=3)
            assert built.r1cs is not None
            assert_solves(built.r1cs, built.witness)
            assert build(graph, plan, vis, sample, salt=3, witness_only=True).witness == built.witness, name
            for out, got in built.outputs.items():
                want = np.asarray(batch[out].data[k], dtype=object).ravel()
                assert np.array_equal(np.asarray(got.data.value(), dtype=object).ravel(), want), (name, vis, out)




def test_a_gradient_boosted_model_compiles_proves_and_verifies_with_snarkjs(tree_models, credit, tmp_path,
                                                                          snarkjs) -> None:
    x, _, tr, te = credit
    cal = tmp_path / "calibration.json"
    cal.write_text(json.dumps({"features": x[tr].tolist()}))
    out = tmp_path / "gbdt"
    r = run([ZKML, "compile", tree_models["lightgbm"], "--out", out, "--calibration", cal, "--scale", str(SCALE)])
    assert r.returncode == 0, r.stderr
    info = json.loads((out / "circuit.json").read_text())
    assert info["accuracy"]["outputs"]["label"]["agreement"] == 1.0
    assert run([ZKML, "setup", out]).returncode == 0
    inp = tmp_path / "input.json"
    inp.write_text(json.dumps({"features": x[te[0]].tolist()}))
    r = run([ZKML, "prove", out, "--input", inp, "--proof", tmp_path / "p.json", "--public", tmp_path / "pub.json",
             "--output", tmp_path / "out.json"])
    assert r.returncode == 0, r.stderr
    sess = ort.InferenceSession(str(tree_models["lightgbm"]), providers=["CPUExecutionProvider"])
    label, _ = sess.run(None, {"features": x[te[:1]].astype(np.float32)})
    assert json.loads((tmp_path / "out.json").read_text())["label"] == [float(label[0])]
    r = run([snarkjs, "groth16", "verify", out / "verification_key.json", tmp_path / "pub.json", tmp_path / "p.json"])
    assert r.returncode == 0 and "OK" in r.stdout, r.stdout + r.stderr


# --- ai.onnx.ml 5: every node mode ----------------------------------------------------------

def _v5_model() -> onnx.ModelProto:
    """Two trees over two features with every mode: LEQ, MEMBER, EQ, GT (tree 0); LT, GTE, NEQ
    (tree 1)."""
    node = helper.make_node(
        "TreeEnsemble", ["X"], ["Y"], domain="ai.onnx.ml", n_targets=1, post_transform=0, aggregate_function=1,
        nodes_modes=numpy_helper.from_array(np.array([0, 6, 4, 3, 1, 2, 5], dtype=np.uint8)),
        nodes_featureids=[0, 1, 1, 0, 1, 0, 1],
        nodes_splits=numpy_helper.from_array(np.array([2, 0, 4, 6, 2, 4, 0], dtype=np.float32)),
        nodes_truenodeids=[1, 0, 2, 3, 5, 6, 7], nodes_trueleafs=[0, 1, 1, 1, 1, 1, 1],
        nodes_falsenodeids=[2, 1, 3, 4, 5, 6, 8], nodes_falseleafs=[0, 1, 0, 1, 0, 0, 1],
        membership_values=numpy_helper.from_array(np.array([1, 3, np.nan], dtype=np.float32)),
        tree_roots=[0, 4], leaf_targetids=[0] * 9,
        leaf_weights=numpy_helper.from_array(np.array([1, 2, 3, 4, 5, 0.5, 0.25, 0.125, 0.0625], dtype=np.float32)))
    graph = helper.make_graph([node], "modes", [helper.make_tensor_value_info("X", TensorProto.FLOAT, [None, 2])],
                              [helper.make_tensor_value_info("Y", TensorProto.FLOAT, [None, 1])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 21), helper.make_opsetid("ai.onnx.ml", 5)])
    model.ir_version = 10
    return model


def test_tree_ensemble_v5_every_mode_matches_onnxruntime_and_the_circuit(tmp_path) -> None:
    model = _v5_model()
    path = tmp_path / "v5.onnx"
    path.write_bytes(model.SerializeToString())
    graph = from_model(model)
    x = np.array([[a, b] for a in range(-1, 9) for b in range(-1, 6)], dtype=np.float32)  # every branch, ties too
    want = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"]).run(None, {"X": x})[0].ravel()
    q, _ = run_numpy(graph, {"X": x.reshape(-1, 1, 2)}, 8)
    assert np.array_equal(dequantize(q["Y"]).ravel(), want)
    plan = calibrate(graph, {"X": x.reshape(-1, 1, 2)}, 8)
    for k in range(0, len(x), 7):
        built = build(graph, plan, Visibility(), {"X": x[k].reshape(1, 2)}, salt=1)
        assert built.r1cs is not None
        assert_solves(built.r1cs, built.witness)
        assert int(built.outputs["Y"].data.value().ravel()[0]) == int(want[k] * 256)


def test_unsupported_ensembles_are_refused_by_name() -> None:
    model = _v5_model()
    node = model.graph.node[0]
    for attr, value, message in (("aggregate_function", 2, "aggregate_function MIN"),
                                 ("post_transform", 4, "post_transform PROBIT"),
                                 ("nodes_falsenodeids", [2, 1, 0, 4, 5, 6, 8], "reaches node 0 twice")):
        m = onnx.ModelProto()
        m.CopyFrom(model)
        n = m.graph.node[0]
        del n.attribute[[a.name for a in n.attribute].index(attr)]
        n.attribute.append(helper.make_attribute(attr, value))
        with pytest.raises(UnsupportedModelError, match=message):
            run_numpy(from_model(m), {"X": np.zeros((1, 1, 2))}, 8)
    assert node.op_type == "TreeEnsemble"


# --- the gadget: its cost, and dishonest witnesses ---------------------------------------------

def _stump_pair() -> Ensemble:
    """Tree 0: x0 <= 5 ? (x1 < 3 ? 10 : 20) : 30. Tree 1: x0 > 2 ? 1 : 2."""
    t0 = Tree((Split(0, "BRANCH_LEQ", (5.0,), 1, 4), Split(1, "BRANCH_LT", (3.0,), 2, 3),
               np.array([10.0]), np.array([20.0]), np.array([30.0])))
    t1 = Tree((Split(0, "BRANCH_GT", (2.0,), 1, 2), np.array([1.0]), np.array([2.0])))
    return Ensemble((t0, t1), 1, np.zeros(0), "NONE", "SUM")


def _prove_stumps(x: list[int], n: int = 6, private: bool = False):
    e = _stump_pair()
    model = bin_ensemble(e, 0, 2)
    c = Circuit()
    xt = c.private_input(np.array(x))
    cuts = [c.private_input(np.array(cs)) if private else np.array(cs) for cs in model.cuts]
    w = np.array([e.weights()[i, j] for i, j in model.pattern], dtype=np.int64)
    weights = c.private_input(w) if private else w
    out = tree_ensemble(c, xt, model, cuts, weights, n)
    r1cs, witness = c.build()
    return model, cuts, c, out, r1cs, witness


def test_constraint_count_is_the_documented_formula() -> None:
    for private in (False, True):
        model, cuts, c, out, r1cs, w = _prove_stumps([4, 1], private=private)
        assert int(out.value()[0]) == 10 + 1
        assert np.array_equal(scores(model, np.array([[4, 1]]), np.array([10, 20, 30, 1, 2]))[0], [11])
        width = check_width(6, cuts)
        per_feature = sum(len(cs) + 2 + 2 * (width + 1) + (2 * len(cs) if private else 0) for cs in model.cuts)
        leaves = [sum(1 for node in t if isinstance(node, int)) for t in model.trees]
        per_tree = sum(2 * k for k in leaves)
        products = len(model.pattern) if private else 0
        assert r1cs.n_constraints == per_feature + per_tree + products, private
        assert_solves(r1cs, w)


def _range_bits(r1cs, slot: int) -> list[int]:
    """The bits of feature ``slot``'s two range checks (x − lo − 1 and hi − x)."""
    return named(r1cs, f"tree.feature{slot}.lo.bits") + named(r1cs, f"tree.feature{slot}.hi.bits")


def _leaves(r1cs, trees: int) -> list[int]:
    return [w for t in range(trees) for w in named(r1cs, f"tree{t}.leaf")]


def test_a_wrong_bin_is_rejected_whatever_the_range_bits() -> None:
    """x0 = 4 lies in (2, 5]; claiming the bin above (5, inf) or below (-inf, 2] with the leaves
    those bins lead to has no satisfying range-check bits."""
    _, _, _, _, r1cs, w = _prove_stumps([4, 1], n=4)
    bins0 = named(r1cs, "tree.feature0.bin")
    assert [int(w[b]) for b in bins0] == [0, 1, 0]  # cuts of x0: 2, 5
    leaves = _leaves(r1cs, 2)  # tree 0: 10, 20, 30; tree 1: 1, 2
    bits = _range_bits(r1cs, 0)
    assert not no_bits_satisfy(r1cs, w, {}, bits)  # the honest bits are found by the search
    for wrong_bin, tree0_leaf, tree1_leaf in ((2, 2, 0), (0, 0, 1)):
        fixed = {b: int(i == wrong_bin) for i, b in enumerate(bins0)} | {leaf: 0 for leaf in leaves}
        fixed |= {leaves[tree0_leaf]: 1, leaves[3 + tree1_leaf]: 1}
        assert no_bits_satisfy(r1cs, w, fixed, bits)


def test_a_decision_at_its_threshold_cannot_be_flipped() -> None:
    """x0 = 5 under x0 <= 5 goes left (LEQ includes the threshold); x1 = 3 under x1 < 3 goes
    right (LT excludes it). Claiming the other side at either threshold is rejected."""
    _, _, _, out, r1cs, w = _prove_stumps([5, 3], n=5)
    assert int(out.value()[0]) == 20 + 1
    bins0, bins1 = named(r1cs, "tree.feature0.bin"), named(r1cs, "tree.feature1.bin")
    leaves = _leaves(r1cs, 2)
    # x0 = 5 claimed in (5, inf): tree 0 pays 30 instead of 20
    flip0 = {b: int(i == len(bins0) - 1) for i, b in enumerate(bins0)} | {leaves[0]: 0, leaves[1]: 0, leaves[2]: 1}
    # x1 = 3 claimed in (-inf, 2]: tree 0 pays 10 instead of 20
    flip1 = {b: int(i == 0) for i, b in enumerate(bins1)} | {leaves[0]: 1, leaves[1]: 0, leaves[2]: 0}
    for slot, fixed in ((0, flip0), (1, flip1)):
        bits = _range_bits(r1cs, slot)
        assert not no_bits_satisfy(r1cs, w, {}, bits)
        assert no_bits_satisfy(r1cs, w, fixed, bits), slot


def test_a_wrong_leaf_or_a_leaf_off_the_path_is_rejected() -> None:
    _, _, _, _, r1cs, w = _prove_stumps([4, 1])
    leaves = _leaves(r1cs, 2)
    assert [int(w[b]) for b in leaves] == [1, 0, 0, 1, 0]  # 10 (x0 <= 5, x1 < 3) and 1 (x0 > 2)
    assert_rejects(r1cs, tamper(w, {leaves[0]: 0, leaves[2]: 1}))  # the other subtree of the root
    assert_rejects(r1cs, tamper(w, {leaves[0]: 0, leaves[1]: 1}))  # the sibling: contradicts only x1 < 3
    assert_rejects(r1cs, tamper(w, {leaves[3]: 0, leaves[4]: 1}))  # tree 1: x0 > 2 claimed false
    assert_rejects(r1cs, tamper(w, {leaves[1]: 1}))  # two leaves at once
    assert_rejects(r1cs, tamper(w, {leaves[0]: 0}))  # no leaf


# --- multi-class: SOFTMAX over per-class scores -----------------------------------------------

@pytest.fixture(scope="module")
def multiclass(tmp_path_factory) -> tuple[np.ndarray, dict[str, Path]]:
    """Four classes over six features on a 1/8 grid (on the grid, every split decides as in
    onnxruntime; off it a decision within 2^-scale of a threshold may differ)."""
    import lightgbm
    import onnxmltools
    import xgboost
    from onnxmltools.convert.common.data_types import FloatTensorType as MLFloat
    from skl2onnx import to_onnx
    from sklearn.ensemble import GradientBoostingClassifier, HistGradientBoostingClassifier, RandomForestClassifier

    rng = np.random.default_rng(3)
    x = (np.round(rng.normal(size=(400, 6)) * 8) / 8).astype(np.float32)
    y = (x[:, 0] > 0).astype(int) + (x[:, 1] > 0.3) + (x[:, 2] > 1)
    d = tmp_path_factory.mktemp("multiclass")
    files = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name, m in (("gradient boosting", GradientBoostingClassifier(n_estimators=10, max_depth=3, random_state=0)),
                        ("hist gradient boosting", HistGradientBoostingClassifier(max_iter=10, max_depth=3, random_state=0)),
                        ("random forest", RandomForestClassifier(n_estimators=10, max_depth=4, random_state=0))):
            m.fit(x, y)
            files[name] = d / f"{name.replace(' ', '_')}.onnx"
            onx = to_onnx(m, x[:1], options={"zipmap": False}, target_opset={"": 17, "ai.onnx.ml": 3})
            files[name].write_bytes(onx.SerializeToString())
        types = [("X", MLFloat([None, 6]))]
        xg = xgboost.XGBClassifier(n_estimators=10, max_depth=3, random_state=0).fit(x, y)
        files["xgboost"] = d / "xgboost.onnx"
        onx = onnxmltools.convert_xgboost(xg, initial_types=types, target_opset=15)
        files["xgboost"].write_bytes(onx.SerializeToString())
        lg = lightgbm.LGBMClassifier(n_estimators=10, max_depth=3, random_state=0, verbose=-1).fit(x, y)
        files["lightgbm"] = d / "lightgbm.onnx"
        files["lightgbm"].write_bytes(
            onnxmltools.convert_lightgbm(lg, initial_types=types, target_opset=15, zipmap=False).SerializeToString())
    return x, files


def test_multiclass_ensembles_agree_with_onnxruntime_within_the_softmax_bound(multiclass) -> None:
    from zkml_chain.circuit.softmax import softmax_error_bound

    x, files = multiclass
    f = 12
    for name, path in files.items():
        model = onnx.load(str(path))
        inp = model.graph.input[0].name
        graph = from_model(model)
        q, _ = run_numpy(graph, {inp: x.reshape(-1, 1, 6)}, f)
        sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
        theirs = dict(zip([o.name for o in sess.get_outputs()], sess.run(None, {inp: x})))
        label_name = next(k for k in theirs if "label" in k)
        prob_name = next(k for k in theirs if "prob" in k)
        assert np.array_equal(np.asarray(q[label_name].data).ravel(), theirs[label_name].ravel()), name
        err = np.abs(dequantize(q[prob_name]).reshape(len(x), -1) - theirs[prob_name]).max()
        post = {a.name: a.s for n in model.graph.node for a in n.attribute}.get("post_transform")
        leaves = 10 * 2.0 ** -(f + 1)  # each tree's leaf weight rounded to 2^-f
        bound = softmax_error_bound(f, 4) * (1 + 10 * leaves) + leaves if post == b"SOFTMAX" else leaves
        assert err <= bound, (name, err, bound)
        plan = calibrate(graph, {inp: x.reshape(-1, 1, 6)}, f)
        built = build(graph, plan, Visibility(params=Par.FIXED), {inp: x[7].reshape(1, 6)}, salt=0)
        assert built.r1cs is not None
        assert_solves(built.r1cs, built.witness)
        fast = build(graph, plan, Visibility(params=Par.FIXED), {inp: x[7].reshape(1, 6)}, salt=0, witness_only=True)
        assert fast.witness == built.witness, name
        got = np.asarray(built.outputs[prob_name].data.value(), dtype=object).ravel()
        assert np.array_equal(got, np.asarray(q[prob_name].data[7], dtype=object).ravel()), name


def test_the_softmax_op_matches_onnxruntime(tmp_path) -> None:
    w = np.random.default_rng(1).normal(size=(5, 4)).astype(np.float32)
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["X", "W"], ["Z"]), helper.make_node("Softmax", ["Z"], ["P"], axis=-1)], "sm",
        [helper.make_tensor_value_info("X", TensorProto.FLOAT, [1, 5])],
        [helper.make_tensor_value_info("P", TensorProto.FLOAT, [1, 4])], [numpy_helper.from_array(w, "W")])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    path = tmp_path / "softmax.onnx"
    path.write_bytes(model.SerializeToString())
    x = np.random.default_rng(2).normal(size=(50, 1, 5)).astype(np.float32)
    sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    want = np.concatenate([sess.run(None, {"X": row})[0] for row in x])
    q, _ = run_numpy(from_model(model), {"X": x}, 12)
    assert np.abs(dequantize(q["P"]).reshape(50, 4) - want).max() < 2e-3


def test_zipmap_outputs_are_dropped_and_the_label_kept(multiclass, tmp_path) -> None:
    """skl2onnx's default conversion ends in Cast and ZipMap (probabilities as a list of maps, not
    a tensor): the label is proved, the map is not an output."""
    from skl2onnx import to_onnx
    from sklearn.ensemble import RandomForestClassifier

    x, _ = multiclass
    y = (x[:, 0] > 0).astype(int)
    m = RandomForestClassifier(n_estimators=5, max_depth=3, random_state=0).fit(x, y)
    model = to_onnx(m, x[:1])
    assert [n.op_type for n in model.graph.node] == ["TreeEnsembleClassifier", "Cast", "ZipMap"]
    q, _ = run_numpy(from_model(model), {"X": x.reshape(-1, 1, 6)}, 8)
    assert list(q) == ["output_label"]
    assert np.array_equal(np.asarray(q["output_label"].data).ravel(), m.predict(x))


def test_an_ensemble_whose_leaves_all_weigh_zero_proves_zero() -> None:
    model = _v5_model()
    for a in model.graph.node[0].attribute:
        if a.name == "leaf_weights":
            a.t.CopyFrom(numpy_helper.from_array(np.zeros(9, dtype=np.float32)))
    graph = from_model(model)
    x = np.array([[1.0, 2.0]])
    built = build(graph, calibrate(graph, {"X": x.reshape(-1, 1, 2)}, 8), Visibility(), {"X": x}, salt=1)
    assert built.r1cs is not None
    assert_solves(built.r1cs, built.witness)
    assert int(built.outputs["Y"].data.value().ravel()[0]) == 0
