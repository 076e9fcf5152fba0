"""The circuit builder: linear algebra matches numpy, circom wire order, export to .r1cs/.wtns,
and one Groth16 proof over a circuit that uses every gadget."""

from __future__ import annotations

import random

import numpy as np
import pytest

from conftest import assert_rejects, assert_solves, run
from zkml_chain.circuit import Circuit
from zkml_chain.circuit.bits import boolean, range_check, range_check_signed
from zkml_chain.circuit.compare import argmax, clamp, ge, maximum, relu
from zkml_chain.circuit.fixedpoint import div_floor, rescale, sigmoid
from zkml_chain.circuit.hash import commit, poseidon
from zkml_chain.circuit.linalg import avg_pool2d, conv2d, dot, global_avg_pool, matmul, max_pool2d
from zkml_chain.errors import WitnessError
from zkml_chain.field import R
from zkml_chain.groth16 import prove, setup, verify
from zkml_chain.poseidon import commit as commit_out
from zkml_chain.r1cs import R1CS, Witness


def test_readme_example_x_times_y() -> None:
    c = Circuit()
    x = c.private_input([3, 4], name="x")
    y = c.private_input([5, 6], name="y")
    c.output((x * y).sum(), name="xy")
    r1cs, witness = c.build()
    assert (r1cs.n_constraints, r1cs.n_pub_out, r1cs.n_prv_in) == (3, 1, 4)
    assert witness.public_signals(1) == [39]
    pk = setup(r1cs, rng=random.Random(0))
    proof, public = prove(pk, witness)
    assert public == [39] and verify(pk.verifying_key, proof, public)
    assert not verify(pk.verifying_key, proof, [40])


def test_linear_algebra_matches_numpy() -> None:
    rng = np.random.default_rng(0)
    a = rng.integers(-100, 100, (3, 4))
    w = rng.integers(-5, 5, (4, 2))
    c = Circuit()
    t = c.private_input(a)
    checks = [
        (t + 7, a + 7), (3 - t, 3 - a), (t * -2, a * -2), (t.sum(), a.sum()), (t.sum(axis=0), a.sum(0)),
        (t.sum(axis=1, keepdims=True), a.sum(1, keepdims=True)), (t.T, a.T), (t[1:, ::2], a[1:, ::2]),
        (t.reshape(2, 6), a.reshape(2, 6)), (t @ w, a @ w), (t @ w[:, 0], a @ w[:, 0]),
        (c.concatenate([t, t[:1]], axis=0), np.concatenate([a, a[:1]])), (t + t.T.T, 2 * a),
        (t.scale(np.arange(4)), a * np.arange(4)), (t.broadcast_to((2, 3, 4)), np.broadcast_to(a, (2, 3, 4))),
    ]
    for got, want in checks:
        assert got.shape == want.shape
        assert np.array_equal(np.asarray(got.value(), dtype=object).astype(np.int64), want)
    assert c.n_constraints == 0  # all of the above is free
    (t * t).sum()
    assert c.n_constraints == 12


def test_duplicate_terms_merge_and_wire_order_follows_circom() -> None:
    c = Circuit()
    h = c.hint([5])
    pub = c.public_input([2], name="nonce")
    prv = c.private_input([3], name="x")
    c.assert_equal(prv + prv + prv - h + h, 9)  # 3x with duplicate terms; h cancels out
    out = c.output(prv * pub, name="y")
    r1cs, w = c.build()
    assert (r1cs.n_pub_out, r1cs.n_pub_in, r1cs.n_prv_in) == (1, 1, 1)
    assert w.to_ints()[:4] == [1, 6, 2, 3]  # one, outputs, public inputs, private inputs, the rest
    assert (r1cs.names[1], r1cs.names[2], r1cs.names[3]) == ("y[0]", "nonce[0]", "x[0]")
    # the 3x constraint has a single term for x (coefficient 3) and none for the cancelled hint
    row = int(np.flatnonzero(r1cs.a.rows == 0).size)
    assert row == 2  # x (coeff 3) and the constant -9
    assert_solves(r1cs, w)
    assert c.public_layout() == [
        {"name": "y", "kind": "output", "shape": [1], "index": 0, "count": 1},
        {"name": "nonce", "kind": "public_input", "shape": [1], "index": 1, "count": 1},
    ]
    assert np.ravel(c.wire_index(out)).tolist() == [1]


def test_builder_errors_are_clear() -> None:
    c = Circuit()
    x = c.private_input([1, 2])
    with pytest.raises(WitnessError, match="element 1 differs"):
        c.assert_equal(x, [1, 3])
    with pytest.raises(ValueError, match="another circuit"):
        Circuit().lift(x)
    with pytest.raises(ValueError, match="matmul"):
        x @ np.ones((3, 2), dtype=np.int64)


def test_export_r1cs_wtns_and_snarkjs_accepts_them(tmp_path, snarkjs) -> None:
    c = Circuit()
    x = c.private_input(np.arange(6) - 3)
    c.output(relu(c, x, 8).sum(), "s")
    r1cs, w = c.build()
    r1cs.save(tmp_path / "c.r1cs")
    w.save(tmp_path / "w.wtns")
    assert R1CS.load(tmp_path / "c.r1cs").is_satisfied(Witness.load(tmp_path / "w.wtns"))
    r = run([snarkjs, "wtns", "check", tmp_path / "c.r1cs", tmp_path / "w.wtns"])
    assert r.returncode == 0 and "WITNESS IS CORRECT" in r.stdout, r.stdout + r.stderr


@pytest.mark.prove
def test_one_groth16_proof_over_every_gadget() -> None:
    rng = np.random.default_rng(7)
    n, f = 16, 6
    c = Circuit()
    img = c.private_input(rng.integers(-40, 40, (1, 6, 6)), name="image")
    weights = rng.integers(-3, 4, (2, 1, 3, 3))
    conv = conv2d(c, img, weights, bias=[1, -1], padding=1)  # private·constant, free
    act = relu(c, conv, n)
    pooled = max_pool2d(c, act, 2, n)  # (2, 3, 3)
    avg = avg_pool2d(c, act[:, :4, :4], 2, n)  # (2, 2, 2)
    gap = global_avg_pool(c, act, n)  # (2,)
    flat = c.concatenate([pooled.flatten(), avg.flatten(), gap])
    dense_w = c.private_input(rng.integers(-3, 4, (flat.size, 4)), name="dense")  # private weights
    hidden = matmul(c, flat.reshape(1, flat.size), dense_w).reshape(4)
    hidden = clamp(c, rescale(c, hidden, 2, n + 4), -(2**10), 2**10, n)
    logits = hidden + dot(c, hidden, hidden).scale(0)  # dot product, private·private
    probs = sigmoid(c, logits, f, n)
    label = argmax(c, logits, n)
    flag = ge(c, label, 2, 4)
    boolean(c, flag)
    range_check(c, maximum(c, probs, 0, n), 8)
    range_check_signed(c, div_floor(c, logits, 3, n), n)
    salt = c.private_input(424242, name="salt")
    model_hash = poseidon(c, dense_w.flatten()[:6])
    com = commit(c, img.flatten(), salt)
    c.output(label, "label")
    c.output(model_hash, "model")
    c.output(com, "input_commitment")
    c.public_input(31337, name="chain_id")
    r1cs, w = c.build()
    assert_solves(r1cs, w)
    assert int(com.values[0]) == commit_out([int(v) % R for v in img.values], 424242)
    pk = setup(r1cs, rng=random.Random(1))
    proof, public = prove(pk, w)
    assert len(public) == 4 and public[0] == int(label.values[0])
    assert verify(pk.verifying_key, proof, public)
    for i in range(4):
        wrong = list(public)
        wrong[i] = (wrong[i] + 1) % R
        assert not verify(pk.verifying_key, proof, wrong)
    assert_rejects(r1cs, w.with_value(1, (public[0] + 1) % 4))  # another label
